"""The three feeds, checked against STANDARDS.md "Calendar feeds" line by line, each read
back by independent parsers (see ``test_ical_support.read_back``), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import make_app
from test_ical_support import PARIS_DST_DAY, make_world, read_back, utc

from programs.registry import Alarm, CalendarItem, CalendarScope


@pytest.fixture
def ical_app(db_url: str):  # type: ignore[no-untyped-def]
    """On SQLite and PostgreSQL: for what depends on the queries."""
    app = make_app(db_url, plugins=["ical"])
    yield app
    app.close()


@pytest.fixture
def lite_app(sqlite_url: str):  # type: ignore[no-untyped-def]
    """On SQLite only: for what happens after the rows are read (rendering, hooks, cache)."""
    app = make_app(sqlite_url, plugins=["ical"])
    yield app
    app.close()


def feed(app, kind: str, id_: int, **kwargs) -> bytes:  # type: ignore[no-untyped-def]
    from programs.plugins.ical.items import collect
    from programs.plugins.ical.render import render
    from programs.plugins.ical.service import service_for

    with app.read() as db:
        spec = collect(app, db, CalendarScope(kind, id_), **kwargs)
    return render(spec, service_for(app).cache).body


def rows(app, model, *ids):  # type: ignore[no-untyped-def]
    with app.read() as db:
        return [db.get(model, i) for i in ids]


def test_program_feed_follows_the_published_feed_rules(ical_app) -> None:
    from programs.models import Session

    world = make_world(ical_app)
    body = feed(ical_app, "program", world.program_id)
    read = read_back(body)
    day1, day2 = rows(ical_app, Session, world.sessions["day1"], world.sessions["day2"])

    # UIDs are the rows' own, one event per session, nothing from other programs.
    assert set(read.events) == {day1.uid, day2.uid}
    # Calendar properties, written exactly as clients expect them.
    assert "METHOD:PUBLISH" in read.lines
    assert "NAME:Accompagnement collectif" in read.lines
    assert "X-WR-CALNAME:Accompagnement collectif" in read.lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in read.lines
    assert "X-PUBLISHED-TTL:PT1H" in read.lines
    assert "X-WR-TIMEZONE:Europe/Paris" in read.lines  # equal to the only TZID used
    assert read.tzids == {"Europe/Paris"}
    assert read.lines[0] == "BEGIN:VCALENDAR" and read.lines[-1] == "END:VCALENDAR"
    event = read.events[day1.uid]
    assert event.summary == "Accompagnement collectif — Jour 1"
    assert event.location == "Marseille, salle 2"
    assert event.sequence == 0 and event.status == "CONFIRMED"
    assert event.organizer == "mailto:claire@example.com" and event.organizer_cn == "Claire Dubois"
    assert event.stamp == day1.updated_at and event.last_modified == day1.updated_at
    assert event.alarms == []  # no plugin offers alarms here


def test_a_session_on_the_paris_dst_day_is_at_the_right_instant(ical_app) -> None:
    from programs.models import Session

    world = make_world(ical_app)
    read = read_back(feed(ical_app, "program", world.program_id))
    (day1,) = rows(ical_app, Session, world.sessions["day1"])
    event = read.events[day1.uid]
    # 09:00 on 2027-03-28 in Paris is already summer time (+02:00): 07:00 UTC. vobject
    # computes this from the feed's own VTIMEZONE, not from the system's zone database.
    assert event.start.date() == PARIS_DST_DAY
    assert event.start.utcoffset() == timedelta(hours=2)
    assert event.start.astimezone(UTC) == utc(2027, 3, 28, 7) == day1.start
    assert event.end.astimezone(UTC) == utc(2027, 3, 28, 15)
    assert any(line.startswith("DTSTART;TZID=Europe/Paris:20270328T090000") for line in read.lines)


def test_a_session_across_the_dst_jump_keeps_its_real_length(lite_app) -> None:
    from programs.domain.session import add_session
    from programs.models import Program

    world = make_world(lite_app)
    with lite_app.write() as db:
        program = db.get(Program, world.program_id)
        # 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC): two real hours.
        night = add_session(db, program=program, start=utc(2027, 3, 28, 0), end=utc(2027, 3, 28, 2))
        uid = night.uid
    event = read_back(feed(lite_app, "program", world.program_id)).events[uid]
    assert (event.start.hour, event.end.hour) == (1, 4)
    # (same tzinfo: Python would subtract wall clocks, so compare the instants)
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == timedelta(hours=2)


def test_moving_a_session_keeps_its_uid_and_bumps_sequence(ical_app) -> None:
    from programs.domain.session import move_session
    from programs.models import Session

    world = make_world(ical_app)
    before = read_back(feed(ical_app, "program", world.program_id))
    with ical_app.write() as db:
        session = db.get(Session, world.sessions["day2"])
        move_session(db, session, start=utc(2027, 5, 6, 7), location="Aix, salle 1")
        uid = session.uid
    (moved,) = rows(ical_app, Session, world.sessions["day2"])
    after = read_back(feed(ical_app, "program", world.program_id))
    assert set(after.events) == set(before.events)
    event = after.events[uid]
    assert event.sequence == before.events[uid].sequence + 1 == moved.revision
    assert event.start.astimezone(UTC) == utc(2027, 5, 6, 7)
    assert event.location == "Aix, salle 1"
    assert event.last_modified == moved.updated_at >= before.events[uid].last_modified


def test_cancelled_items_stay_struck_through_for_the_grace_period_then_go(ical_app) -> None:
    from programs.domain.followup import cancel_followup
    from programs.domain.session import cancel_session
    from programs.models import FollowUp, Session

    world = make_world(ical_app)
    with ical_app.write() as db:
        session = cancel_session(db, db.get(Session, world.sessions["day2"]))
        followup = cancel_followup(db, db.get(FollowUp, world.followups["sophie-call"]))
    sophie = world.people["Sophie Martin"]
    read = read_back(feed(ical_app, "participant", sophie))
    assert read.events[session.uid].status == "CANCELLED"
    assert read.events[session.uid].sequence == 1
    assert read.events[followup.uid].status == "CANCELLED"
    # 30 days (the default) after the cancellation they are still there; a day later, gone.
    still = read_back(
        feed(ical_app, "participant", sophie, day=(session.updated_at + timedelta(days=30)).date())
    )
    assert {session.uid, followup.uid} <= set(still.events)
    later = session.updated_at + timedelta(days=31)
    gone = read_back(feed(ical_app, "participant", sophie, day=later.date()))
    assert session.uid not in gone.events and followup.uid not in gone.events
    assert len(gone.events) == len(read.events) - 2


def test_the_grace_period_comes_from_the_config(db_url: str) -> None:
    from programs.domain.session import cancel_session
    from programs.models import Session

    app = make_app(db_url, plugins=["ical"], config={"ical": {"cancelled_grace_days": 2}})
    try:
        world = make_world(app)
        with app.write() as db:
            session = cancel_session(db, db.get(Session, world.sessions["day1"]))
        at = session.updated_at
        assert (
            session.uid
            in read_back(
                feed(app, "program", world.program_id, day=(at + timedelta(days=2)).date())
            ).events
        )
        assert (
            session.uid
            not in read_back(
                feed(app, "program", world.program_id, day=(at + timedelta(days=3)).date())
            ).events
        )
    finally:
        app.close()


def test_participant_feed_has_their_seats_and_their_own_followups_only(ical_app) -> None:
    from programs.models import FollowUp, Session

    world = make_world(ical_app)
    s = {
        k: v.uid
        for k, v in zip(
            world.sessions, rows(ical_app, Session, *world.sessions.values()), strict=True
        )
    }
    f = {
        k: v.uid
        for k, v in zip(
            world.followups, rows(ical_app, FollowUp, *world.followups.values()), strict=True
        )
    }

    sophie = read_back(feed(ical_app, "participant", world.people["Sophie Martin"]))
    # Marseille (enrolled) and her own call; not the full program where she is waitlisted.
    assert set(sophie.events) == {s["day1"], s["day2"], f["sophie-call"]}
    call = sophie.events[f["sophie-call"]]
    assert call.summary == "Appel avec Claire Dubois"  # her language, French by default
    assert call.description == "TOPIC-SOPHIE prepare the meeting with management"
    assert call.end - call.start == timedelta(minutes=45)

    from programs.domain.participant import edit_participant
    from programs.models import Participant

    with ical_app.write() as db:
        edit_participant(db, db.get(Participant, world.people["Karim Benali"]), language="en")
    karim = read_back(feed(ical_app, "participant", world.people["Karim Benali"]))
    assert set(karim.events) == {s["day1"], s["day2"], s["lyon"], s["full"], f["karim-session"]}
    assert karim.events[f["karim-session"]].summary == "One-to-one session with Claire Dubois"
    assert "NAME:Coaching — Claire Dubois" in karim.lines

    lucie = read_back(feed(ical_app, "participant", world.people["Lucie Moreau"]))
    assert lucie.events == {}  # withdrew from her only program
    assert "NAME:Accompagnement — Claire Dubois" in lucie.lines


def test_coach_feed_has_everything_with_names_and_topics(ical_app) -> None:
    from programs.models import FollowUp, Session

    world = make_world(ical_app)
    read = read_back(feed(ical_app, "coach", world.coach_id))
    sessions = rows(ical_app, Session, *world.sessions.values())
    followups = rows(ical_app, FollowUp, *world.followups.values())
    assert set(read.events) == {x.uid for x in [*sessions, *followups]}
    karim = read.events[followups[1].uid]
    assert karim.summary == "Séance individuelle\u202f: Karim Benali"  # the coach's language
    assert karim.description == "TOPIC-KARIM team conflict" and karim.location == "Visio"
    assert read.events[followups[0].uid].summary == "Appel\u202f: Sophie Martin"
    assert "NOTE-" not in read.text  # coach notes never leave the machine through a feed


def test_every_tzid_has_its_vtimezone(ical_app) -> None:
    from programs.domain.participant import edit_participant
    from programs.models import Participant

    world = make_world(ical_app)
    with ical_app.write() as db:
        edit_participant(
            db, db.get(Participant, world.people["Sophie Martin"]), timezone="America/Montreal"
        )
    read = read_back(feed(ical_app, "participant", world.people["Sophie Martin"]))
    assert read.tzids == {"Europe/Paris", "America/Montreal"}
    assert not any(line.startswith("X-WR-TIMEZONE") for line in read.lines)  # two zones: none
    call = next(e for e in read.events.values() if e.summary.startswith("Appel"))
    assert call.start.astimezone(UTC) == utc(2027, 4, 2, 16)  # 18:00 Paris, written in Montreal
    assert call.start.hour == 12


def test_a_utc_program_needs_no_vtimezone(lite_app) -> None:
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    with lite_app.write() as db:
        program = create_program(db, slug="remote", title="Remote", timezone="UTC")
        add_session(db, program=program, start=utc(2027, 1, 5, 9), end=utc(2027, 1, 5, 10))
    read = read_back(feed(lite_app, "program", program.id))
    (event,) = read.events.values()
    assert event.start == utc(2027, 1, 5, 9)
    assert any(line == "DTSTART:20270105T090000Z" for line in read.lines)


@pytest.mark.parametrize("zone", ["Africa/Dakar", "Atlantic/Reykjavik", "GMT"])
def test_a_zone_written_as_utc_gets_no_orphan_vtimezone(lite_app, zone: str) -> None:
    """icalendar writes these zones' times with Z: a VTIMEZONE for them would be one that no
    TZID refers to, and the cached feed would differ from icalendar's own."""
    from programs.plugins.ical.items import collect
    from programs.plugins.ical.render import VeventCache, plain_calendar, render

    from programs.domain.program import create_program
    from programs.domain.session import add_session

    with lite_app.write() as db:
        program = create_program(db, slug="dakar", title="Dakar", timezone=zone)
        add_session(db, program=program, start=utc(2027, 1, 5, 9), end=utc(2027, 1, 5, 10))
    body = feed(lite_app, "program", program.id)
    read = read_back(body)
    (event,) = read.events.values()
    assert event.start == utc(2027, 1, 5, 9)
    assert "DTSTART:20270105T090000Z" in read.lines
    assert b"BEGIN:VTIMEZONE" not in body
    with lite_app.read() as db:
        spec = collect(lite_app, db, CalendarScope("program", program.id))
    assert render(spec, VeventCache()).body == plain_calendar(spec).to_ical()


def test_long_utf8_text_is_folded_without_splitting_characters(lite_app) -> None:
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    title = "Séance « découverte » 🌱 — " + "é🙂ü" * 40
    with lite_app.write() as db:
        program = create_program(db, slug="long", title=title)
        add_session(db, program=program, start=utc(2027, 1, 5, 9), end=utc(2027, 1, 5, 10))
    body = feed(lite_app, "program", program.id)
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    assert any(line.startswith(b" ") for line in body.split(b"\r\n"))  # it did fold
    (event,) = read_back(body).events.values()
    assert event.summary == title


class AlarmPlugin:
    """A stand-in for the reminders plugin: one alarm a day before sessions only."""

    @staticmethod
    def calendar_alarms(app, item, scope):  # type: ignore[no-untyped-def]
        from programs.models import Session

        if isinstance(item, Session):
            return [Alarm(before=timedelta(days=1), description=f"Tomorrow ({scope.kind})")]
        return []


class BrokenAlarmPlugin:
    @staticmethod
    def calendar_alarms(app, item, scope):  # type: ignore[no-untyped-def]
        raise RuntimeError("alarm rules unreadable")


def _register(app, plugin, name: str) -> None:  # type: ignore[no-untyped-def]
    from programs.hookspecs import hookimpl

    for attr in ("calendar_alarms", "register_calendar_sources"):
        if hasattr(plugin, attr):
            hookimpl(getattr(plugin, attr))
    app.pm.register(plugin, name=name)


def test_alarms_come_from_the_calendar_alarms_hook(lite_app) -> None:
    from programs.models import FollowUp, Session

    world = make_world(lite_app)
    _register(lite_app, AlarmPlugin(), "alarms")
    read = read_back(feed(lite_app, "participant", world.people["Sophie Martin"]))
    (day1,) = rows(lite_app, Session, world.sessions["day1"])
    (call,) = rows(lite_app, FollowUp, world.followups["sophie-call"])
    assert read.events[day1.uid].alarms == [("-1 day, 0:00:00", "Tomorrow (participant)")]
    assert "TRIGGER:-P1D" in read.lines
    assert read.events[call.uid].alarms == []


def test_a_failing_alarm_plugin_is_reported_and_the_feed_still_served(lite_app) -> None:
    world = make_world(lite_app)
    _register(lite_app, BrokenAlarmPlugin(), "badalarms")
    read = read_back(feed(lite_app, "program", world.program_id))
    assert len(read.events) == 2 and not any(e.alarms for e in read.events.values())
    assert any(f.plugin == "badalarms" and "unreadable" in f.message for f in lite_app.failures)


class Source:
    name = "crm"

    def __init__(self, items):  # type: ignore[no-untyped-def]
        self._items = items

    def items(self, app, scope):  # type: ignore[no-untyped-def]
        return self._items if scope.kind == "coach" else []


def test_calendar_sources_add_items_and_a_bad_one_is_reported(db_url: str) -> None:
    good = CalendarItem(
        uid="crm-42@example",
        summary="Prospect call",
        start=utc(2027, 2, 1, 9),
        end=utc(2027, 2, 1, 10),
        timezone="Europe/London",
        revision=3,
    )

    class Plugin:
        @staticmethod
        def register_calendar_sources(register):  # type: ignore[no-untyped-def]
            register(Source([good]))

    class BadPlugin:
        @staticmethod
        def register_calendar_sources(register):  # type: ignore[no-untyped-def]
            class Bad(Source):
                name = "naive"

            register(
                Bad(
                    [
                        CalendarItem(
                            uid="x",
                            summary="x",
                            start=datetime(2027, 1, 1),
                            end=datetime(2027, 1, 1, 1),
                            timezone="UTC",
                        )
                    ]
                )
            )

    app = make_app(db_url, plugins=["ical"])
    try:
        _register(app, Plugin(), "crm")
        _register(app, BadPlugin(), "naive")
        del app.__dict__["registry"]  # registered after start: collect the registrations again
        world = make_world(app)
        read = read_back(feed(app, "coach", world.coach_id))
        event = read.events["crm-42@example"]
        assert event.summary == "Prospect call" and event.sequence == 3
        assert event.start.astimezone(UTC) == utc(2027, 2, 1, 9)
        assert "Europe/London" in read.tzids
        assert "x" not in read.events
        assert any(f.plugin == "naive" and "zone" in f.message for f in app.failures)
        # Sources see the scope: the participant's feed has none of the CRM's items.
        assert "crm-42@example" not in read_back(feed(app, "program", world.program_id)).events
    finally:
        app.close()


def test_unchanged_events_are_reused_from_the_cache(lite_app) -> None:
    from programs.plugins.ical.service import service_for

    from programs.domain.session import move_session
    from programs.models import Session

    world = make_world(lite_app)
    cache = service_for(lite_app).cache
    first = feed(lite_app, "coach", world.coach_id)
    misses = cache.misses
    assert feed(lite_app, "coach", world.coach_id) == first
    assert cache.misses == misses  # all six from the cache
    with lite_app.write() as db:
        move_session(db, db.get(Session, world.sessions["day1"]), start=utc(2027, 3, 29, 7))
    moved = feed(lite_app, "coach", world.coach_id)
    assert cache.misses == misses + 1  # only the moved one was rendered again
    assert moved != first and read_back(moved).events.keys() == read_back(first).events.keys()


def test_erasing_a_participant_deletes_their_link(ical_app) -> None:
    import sqlalchemy as sa
    from programs.plugins.ical.tokens import issue

    from programs.domain.privacy import erase_participant, export_participant
    from programs.models import Participant

    world = make_world(ical_app)
    karim = world.people["Karim Benali"]
    with ical_app.write() as db:
        token = issue(db, CalendarScope("participant", karim))
        issue(db, CalendarScope("program", world.program_id))
    with ical_app.read() as db:
        data = export_participant(db, db.get(Participant, karim))
    link = data["plugins"]["ical"]["feed_link"]
    assert link["revoked_at"] is None and link["created_at"]
    assert token not in repr(data)
    with ical_app.write() as db:
        erase_participant(db, db.get(Participant, karim))
    with ical_app.engine.connect() as conn:
        kinds = [r[0] for r in conn.execute(sa.text("SELECT scope_kind FROM ical_token"))]
    assert kinds == ["program"]


def test_cached_concatenation_equals_icalendar_serialising_the_whole_calendar(lite_app) -> None:
    """The cache changes the cost, not the bytes: a feed built by concatenating cached
    VEVENTs is byte-for-byte what icalendar writes for the whole calendar at once."""
    from programs.plugins.ical.items import collect
    from programs.plugins.ical.render import VeventCache, plain_calendar, render

    world = make_world(lite_app)
    cache = VeventCache()
    with lite_app.read() as db:
        for kind, id_ in (("program", world.program_id), ("coach", world.coach_id)):
            spec = collect(lite_app, db, CalendarScope(kind, id_))
            cold, warm = render(spec, cache).body, render(spec, cache).body
            assert cold == warm == plain_calendar(spec).to_ical()


def test_demo_section_shows_a_participant_link_and_their_feed(lite_app, tmp_path) -> None:
    from programs.plugins.ical import demo_sections
    from programs.plugins.ical.tokens import resolve

    world = make_world(lite_app)
    ((title, text),) = demo_sections(app=lite_app, workdir=tmp_path)
    assert title == "Calendar feed"
    token = re.search(r"/p/([A-Za-z0-9_-]{43})\n", text)[1]  # the page to give
    with lite_app.read() as db:
        assert resolve(db, token) == CalendarScope("participant", world.people["Sophie Martin"])
    read = read_back((tmp_path / "participant-feed.ics").read_bytes())
    assert len(read.events) == 3 and "participant-feed.ics" in text
    assert "BEGIN:VEVENT" in text and "Sophie Martin's private link" in text


def test_demo_section_is_empty_without_participants(lite_app, tmp_path) -> None:
    from programs.plugins.ical import demo_sections

    workdir = tmp_path / "demo"
    workdir.mkdir()
    assert demo_sections(app=lite_app, workdir=workdir) == []
    assert list(workdir.iterdir()) == []


def test_events_after_commit_drop_the_stale_renderings(lite_app) -> None:
    from programs.plugins.ical.service import service_for

    from programs.domain.privacy import erase_participant
    from programs.domain.session import cancel_session
    from programs.models import Participant, Session

    world = make_world(lite_app)
    cache = service_for(lite_app).cache
    feed(lite_app, "coach", world.coach_id)
    assert len(cache) == 6
    with lite_app.write() as db:  # on_session_cancelled
        cancel_session(db, db.get(Session, world.sessions["lyon"]))
    assert len(cache) == 5
    with lite_app.write() as db:  # on_participant_erased: their name may be in any entry
        erase_participant(db, db.get(Participant, world.people["Lucie Moreau"]))
    assert len(cache) == 0 and lite_app.failures == []


@pytest.mark.parametrize("sessions", [10, 40])
def test_a_feed_with_alarms_takes_one_connection_and_a_fixed_number_of_queries(
    sqlite_url: str, sessions: int
) -> None:
    """Alarms are asked once per feed, on the feed's own session: whatever the number of
    items, one connection is checked out and the same few statements run (the per-item
    hook used to cost a connection and two queries per item)."""
    import sqlalchemy as sa
    from programs.plugins.ical.service import build_feed

    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    app = make_app(sqlite_url, plugins=["ical", "reminders"])
    with app.write() as db:
        set_default_coach(db, name="Claire Dubois", email="claire@example.com")
        program = create_program(db, slug="m", title="M", timezone="Europe/Paris")
        for day in range(sessions):
            start = utc(2027, 2, 1, 8) + timedelta(days=day)
            add_session(db, program=program, start=start, end=start + timedelta(hours=2))
        person = add_participant(db, name="S. Martin")
    with app.write() as db:
        enroll(db, program=program, participant=person)
    scope = CalendarScope("participant", person.id)
    build_feed(app, scope)  # warm: the registry, the rulebook's first sight of its rules
    checkouts, statements = [], []
    sa.event.listen(app.engine, "checkout", lambda *a: checkouts.append(1))
    sa.event.listen(app.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    body = build_feed(app, scope).body
    assert body.count(b"BEGIN:VALARM") == 2 * sessions  # 2 days and 2 hours before each
    assert len(checkouts) == 1
    assert len(statements) <= 10, statements
    app.close()


def test_a_plugin_with_the_old_per_item_alarm_hook_still_gets_its_alarms_in(lite_app) -> None:
    """``calendar_alarms`` (one call per item, with the row) keeps working for one minor
    version, with a notice naming the plugin."""
    from programs.plugins.ical.service import build_feed

    from programs.domain.program import create_program
    from programs.domain.session import add_session
    from programs.hookspecs import hookimpl
    from programs.registry import Alarm

    class Old:
        @hookimpl
        def calendar_alarms(self, item, scope):  # type: ignore[no-untyped-def]
            return [Alarm(timedelta(minutes=15), f"soon: session #{item.id}")]

    lite_app.pm.register(Old(), name="old-alarms")
    with lite_app.write() as db:
        program = create_program(db, slug="m", title="M")
        session = add_session(db, program=program, start=utc(2027, 2, 1, 8), end=utc(2027, 2, 1, 9))
    body = build_feed(lite_app, CalendarScope("program", program.id)).body.decode()
    assert "TRIGGER:-PT15M" in body and f"soon: session #{session.id}" in body
    assert lite_app.notices == [
        "plugin old-alarms: calendar_alarms is deprecated: implement calendar_item_alarms"
    ]
