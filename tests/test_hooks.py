"""One test per hook (``test_hook_<name>``): the core calls it when the hookspec says, with
the arguments it says, and honours the answer. A meta-test fails when a hookspec has no test.

Each test registers a small plugin of its own on a core-only app (a real SQLite file). Event
tests also check, from inside the hook, that the change is already committed: a fresh read
(another connection) must see it.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import make_app
from sqlmodel import select

from programs import hookspecs
from programs.app import App
from programs.domain.attendance import mark_attendance
from programs.domain.csv_import import import_participants
from programs.domain.enrollment import enroll, withdraw
from programs.domain.followup import (
    cancel_followup,
    complete_followup,
    miss_followup,
    move_followup,
    plan_followup,
)
from programs.domain.participant import add_participant
from programs.domain.privacy import erase_participant, export_participant
from programs.domain.program import cancel_program, create_program, edit_program
from programs.domain.session import add_session, cancel_session, move_session
from programs.domain.track import close_track, open_track
from programs.errors import PluginError, Vetoed
from programs.hookspecs import hookimpl
from programs.models import (
    Enrollment,
    FollowUp,
    Participant,
    Program,
    Session,
    Track,
)
from programs.registry import (
    Alarm,
    CalendarItem,
    CalendarScope,
    Migrations,
    OutgoingMessage,
    RegistrationError,
)

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def app(sqlite_url: str):  # type: ignore[no-untyped-def]
    """A core-only app with a program (one seat), its first day, and two participants."""
    application = make_app(sqlite_url)
    with application.write() as db:
        program = create_program(db, slug="marseille-2026", title="Accompagnement", capacity=1)
        add_session(db, program=program, start=START, end=START + timedelta(hours=8))
        add_participant(db, name="S. Martin", email="s.martin@example.com")
        add_participant(db, name="B. Durand", email="b.durand@example.com")
    yield application
    application.close()


def committed(app: App, model: type, **where: Any) -> bool:
    """Seen from a new unit of work (another connection): only committed rows are."""
    with app.read() as db:
        query = select(model).where(*(getattr(model, k) == v for k, v in where.items()))
        return db.exec(query).first() is not None


def fresh(app: App) -> App:
    """A new app on the same database and plugins: registration hooks run once per app, and
    ``app`` already ran them (``make_app`` applied the migrations)."""
    return App(app.url, config=app.config, pm=app.pm)


def program(db: Any) -> Program:
    return db.exec(select(Program)).one()


def session(db: Any) -> Session:
    return db.exec(select(Session)).one()


def person(db: Any, name: str) -> Participant:
    return db.exec(select(Participant).where(Participant.name == name)).one()


def enroll_both(app: App) -> None:
    with app.write() as db:
        enroll(db, program=program(db), participant=person(db, "S. Martin"))
        enroll(db, program=program(db), participant=person(db, "B. Durand"))


def plan(app: App) -> FollowUp:
    with app.write() as db:
        return plan_followup(
            db, participant=person(db, "S. Martin"), kind="call", start=START + timedelta(days=7)
        )


# --- registration -------------------------------------------------------------------------


def test_hook_register_commands() -> None:
    """Each plugin adds commands; a clash with the core or another plugin names the plugins."""
    import click
    from programs.cli.plugin_commands import add_plugin_commands

    class Adds:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command()
            def hello() -> None:
                click.echo("hello from a plugin")

    class AddsCore:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("init"))

    class AddsHelloToo:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(click.Command("hello"))

    from click.testing import CliRunner

    app = make_app("sqlite://")
    app.pm.register(Adds(), name="adds")
    group = click.Group("programs")
    add_plugin_commands(group, ["init"], app.pm)
    result = CliRunner().invoke(group, ["hello"])
    assert result.exit_code == 0 and result.output == "hello from a plugin\n"

    app.pm.register(AddsCore(), name="addscore")
    with pytest.raises(PluginError, match="plugin addscore adds command init, which the core has"):
        add_plugin_commands(click.Group("programs"), ["init"], app.pm)
    app.pm.unregister(name="addscore")
    app.pm.register(AddsHelloToo(), name="hello2")
    with pytest.raises(PluginError, match="plugins hello2 and adds both add command hello"):
        add_plugin_commands(click.Group("programs"), ["init"], app.pm)


def test_hook_register_channels(app: App) -> None:
    class Sms:
        name = "sms"

        def can_reach(self, message: OutgoingMessage) -> bool:
            return message.to_phone is not None

        def send(self, app: App, message: OutgoingMessage) -> str:
            return "sms-1"

    class Plugin:
        @hookimpl
        def register_channels(self, register: Any) -> None:
            register(Sms())

    app.pm.register(Plugin(), name="smsplugin")
    registry = fresh(app).registry
    assert isinstance(registry.get("channel", "sms"), Sms)
    assert registry.owner("channel", "sms") == "smsplugin"


def test_hook_register_calendar_sources(app: App) -> None:
    class Crm:
        name = "crm"

        def items(self, app: App, scope: CalendarScope) -> list[CalendarItem]:
            return []

    class Plugin:
        @hookimpl
        def register_calendar_sources(self, register: Any) -> None:
            register(Crm())

    app.pm.register(Plugin(), name="crmplugin")
    assert list(fresh(app).registry.all("calendar_source")) == ["crm"]


def test_hook_register_export_formats(app: App) -> None:
    class Yaml:
        name = "yaml"
        suffix = ".yaml"

        def write(self, data: dict[str, Any], stream: Any) -> None:
            stream.write(repr(data))

    class NoWrite:
        name = "broken"
        suffix = ".x"

    class Plugin:
        @hookimpl
        def register_export_formats(self, register: Any) -> None:
            register(Yaml())

    class Bad:
        @hookimpl
        def register_export_formats(self, register: Any) -> None:
            register(NoWrite())

    app.pm.register(Plugin(), name="yamlplugin")
    assert sorted(fresh(app).registry.all("export_format")) == ["json", "yaml"]  # json: core's

    other = fresh(app)
    other.pm.register(Bad(), name="bad")
    with pytest.raises(
        RegistrationError, match="plugin bad registered export_format 'broken' without write"
    ):
        other.registry  # noqa: B018


def test_hook_register_migrations(app: App, tmp_path: Path) -> None:
    """A plugin's migrations get their own version table; the core's table is not theirs."""

    class Plugin:
        @hookimpl
        def register_migrations(self, register: Any) -> None:
            register(Migrations("my-plugin", tmp_path))

    app.pm.register(Plugin(), name="mine")
    registered = fresh(app).registry.get("migrations", "my-plugin")
    assert registered.version_table == "alembic_version_my_plugin"
    with pytest.raises(RegistrationError, match="the core's version table"):
        Migrations("x", tmp_path, version_table="alembic_version")
    # The fixture plugin's migration, applied by `programs init`: tests/test_plugins_fixture.py


def test_hook_startup(sqlite_url: str) -> None:
    """Once per app, on first use, after the schema check; a failure stops the command."""
    calls = []

    class Plugin:
        @hookimpl
        def startup(self, app: App) -> None:
            calls.append(app)
            with app.read() as db:  # the schema is there already
                db.exec(select(Program)).all()

    app = make_app(sqlite_url)
    app.pm.register(Plugin(), name="starter")
    assert calls == []  # not before first use
    with app.read():
        pass
    with app.write():
        pass
    assert calls == [app]

    class Fails:
        @hookimpl
        def startup(self, app: App) -> None:
            raise PluginError("[fails] colour must be red or blue")

    failing = make_app(sqlite_url)
    failing.pm.register(Fails(), name="fails")
    message = (
        "plugin fails failed on startup: [fails] colour must be red or blue "
        "(PROGRAMS_DISABLE_PLUGINS=fails leaves it out)"
    )
    for _ in range(2):  # and again on the next use
        with pytest.raises(PluginError) as info, failing.write() as db:
            add_participant(db, name="Never Written")
        assert str(info.value) == message
    assert not committed(make_app(sqlite_url), Participant, name="Never Written")


# --- vetoes -------------------------------------------------------------------------------


def test_hook_check_enrollment(app: App) -> None:
    asked = []

    class Refuses:
        @hookimpl
        def check_enrollment(
            self, app: App, db: Any, program: Program, participant: Participant
        ) -> str | None:
            asked.append((program.slug, participant.name))
            return "the room is closed for works" if participant.name == "B. Durand" else None

    app.pm.register(Refuses(), name="works")
    with app.write() as db:
        enroll(db, program=program(db), participant=person(db, "S. Martin"))
    with pytest.raises(Vetoed) as info, app.write() as db:
        enroll(db, program=program(db), participant=person(db, "B. Durand"))
        pytest.fail("not reached: the veto raises inside enroll")
    assert str(info.value) == "refused by plugin works: the room is closed for works"
    assert asked == [("marseille-2026", "S. Martin"), ("marseille-2026", "B. Durand")]
    assert committed(app, Enrollment, participant_id=1)
    assert not committed(app, Enrollment, participant_id=2)


def test_hook_check_followup(app: App) -> None:
    """Asked when a follow-up is planned (id None) and when it is moved (new values)."""
    asked: list[tuple[int | None, datetime]] = []

    class NoSundays:
        @hookimpl
        def check_followup(self, followup: FollowUp) -> str | None:
            asked.append((followup.id, followup.start))
            return "no calls on Sundays" if followup.start.weekday() == 6 else None

    app.pm.register(NoSundays(), name="sundays")
    followup = plan(app)  # a Thursday
    sunday = START + timedelta(days=10)
    with pytest.raises(Vetoed, match="no calls on Sundays"), app.write() as db:
        move_followup(db, db.get(FollowUp, followup.id), start=sunday)
    assert asked == [(None, START + timedelta(days=7)), (followup.id, sunday)]
    with app.read() as db:
        assert db.get(FollowUp, followup.id).start == START + timedelta(days=7)


# --- personal data ------------------------------------------------------------------------


def test_hook_participant_data(app: App) -> None:
    class Holds:
        @hookimpl
        def participant_data(self, db: Any, participant: Participant) -> dict[str, Any] | None:
            return {"crm_id": f"c-{participant.id}"} if participant.name == "S. Martin" else None

    app.pm.register(Holds(), name="crm")
    with app.read() as db:
        assert export_participant(db, person(db, "S. Martin"))["plugins"] == {
            "crm": {"crm_id": "c-1"}
        }
        assert export_participant(db, person(db, "B. Durand"))["plugins"] == {}


def test_hook_erase_participant_data(app: App) -> None:
    """Inside the erasure's transaction: a plugin that fails keeps the person from being erased."""
    erased = []

    class Forgets:
        @hookimpl
        def erase_participant_data(self, db: Any, participant: Participant) -> None:
            erased.append(participant.name)
            if participant.name == "B. Durand":
                raise RuntimeError("archive is read-only")

    app.pm.register(Forgets(), name="archive")
    with app.write() as db:
        erase_participant(db, person(db, "S. Martin"))
    with (
        pytest.raises(
            PluginError,
            match="plugin archive failed on erase_participant_data: archive is read-only",
        ),
        app.write() as db,
    ):
        erase_participant(db, person(db, "B. Durand"))
    assert erased == ["S. Martin", "B. Durand"]
    assert not committed(app, Participant, name="S. Martin")
    assert committed(app, Participant, name="B. Durand")


# --- events -------------------------------------------------------------------------------


def test_hook_on_program_created(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_program_created(self, app: App, program: Program) -> None:
            seen.append((program.slug, committed(app, Program, slug=program.slug)))

    app.pm.register(Plugin())
    with app.write() as db:
        create_program(db, slug="lyon-2027", title="Lyon")
    assert seen == [("lyon-2027", True)]


def test_hook_on_program_changed(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_program_changed(self, program: Program, changes: dict[str, Any]) -> None:
            seen.append((program.location, changes))

    app.pm.register(Plugin())
    with app.write() as db:
        edit_program(db, program(db), location="Marseille, Vieux-Port")
    assert seen == [("Marseille, Vieux-Port", {"location": None})]


def test_hook_on_program_cancelled(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_program_cancelled(self, app: App, program: Program) -> None:
            seen.append((program.status, committed(app, Program, status="cancelled")))

        @hookimpl
        def on_session_cancelled(self, session: Session) -> None:
            seen.append(("session", session.status))

    app.pm.register(Plugin())
    with app.write() as db:
        cancel_program(db, program(db))
    assert ("cancelled", True) in seen
    assert ("session", "cancelled") in seen  # its sessions, each with its own event


def test_hook_on_session_added(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_session_added(self, app: App, session: Session, program: Program) -> None:
            seen.append((session.start, program.slug, committed(app, Session, id=session.id)))

    app.pm.register(Plugin())
    day2 = START + timedelta(days=14)
    with app.write() as db:
        add_session(db, program=program(db), start=day2, end=day2 + timedelta(hours=8))
    assert seen == [(day2, "marseille-2026", True)]


def test_hook_on_session_moved(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_session_moved(
            self, session: Session, program: Program, previous: dict[str, Any]
        ) -> None:
            seen.append((session.start, session.revision, previous["start"], previous["end"]))

    app.pm.register(Plugin())
    later = START + timedelta(hours=1)
    with app.write() as db:
        move_session(db, session(db), start=later)
    assert seen == [(later, 1, START, START + timedelta(hours=8))]


def test_hook_on_session_cancelled(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_session_cancelled(self, app: App, session: Session, program: Program) -> None:
            seen.append(
                (session.status, session.revision, committed(app, Session, status="cancelled"))
            )

    app.pm.register(Plugin())
    with app.write() as db:
        cancel_session(db, session(db))
    assert seen == [("cancelled", 1, True)]


def test_hook_on_enrolled(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_enrolled(
            self, app: App, enrollment: Enrollment, program: Program, participant: Participant
        ) -> None:
            seen.append(
                (
                    enrollment.status,
                    program.slug,
                    participant.name,
                    committed(app, Enrollment, id=enrollment.id),
                )
            )

    app.pm.register(Plugin())
    enroll_both(app)  # one seat: the second waits (on_waitlisted, not on_enrolled)
    assert seen == [("enrolled", "marseille-2026", "S. Martin", True)]


def test_hook_on_waitlisted(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_waitlisted(self, enrollment: Enrollment, participant: Participant) -> None:
            seen.append((enrollment.status, participant.name))

    app.pm.register(Plugin())
    enroll_both(app)
    assert seen == [("waitlisted", "B. Durand")]


def test_hook_on_withdrawn(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_withdrawn(self, enrollment: Enrollment, participant: Participant) -> None:
            seen.append((enrollment.status, participant.name))

    enroll_both(app)
    app.pm.register(Plugin())
    with app.write() as db:
        withdraw(db, program=program(db), participant=person(db, "B. Durand"))  # from the waitlist
    assert seen == [("withdrawn", "B. Durand")]


def test_hook_on_promoted(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_promoted(self, app: App, enrollment: Enrollment, participant: Participant) -> None:
            seen.append((participant.name, enrollment.status))

        @hookimpl
        def on_enrolled(self, participant: Participant) -> None:
            seen.append(("enrolled too?", participant.name))

    enroll_both(app)
    app.pm.register(Plugin())
    with app.write() as db:
        withdraw(db, program=program(db), participant=person(db, "S. Martin"))
    assert seen == [("B. Durand", "enrolled")]


def test_hook_on_participants_imported(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_participants_imported(
            self, app: App, program: Program | None, participant_ids: list[int]
        ) -> None:
            seen.append(
                (
                    program.slug if program else None,
                    len(participant_ids),
                    all(committed(app, Participant, id=i) for i in participant_ids),
                )
            )

    app.pm.register(Plugin())
    rows = [(2, {"name": "A. Petit", "email": "a@example.com"}), (3, {"name": "C. Roux"})]
    with app.write() as db:
        import_participants(db, rows)
    assert seen == [(None, 2, True)]


def test_hook_on_attendance_marked(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_attendance_marked(
            self, attendance: Any, session: Session, participant: Participant
        ) -> None:
            seen.append((attendance.half, attendance.present, session.id, participant.name))

    enroll_both(app)
    app.pm.register(Plugin())
    with app.write() as db:
        mark_attendance(db, session=session(db), participant=person(db, "S. Martin"), present=False)
    # a session spanning the day: one event per half-day marked
    assert seen == [("morning", False, 1, "S. Martin"), ("afternoon", False, 1, "S. Martin")]
    with app.write() as db:
        mark_attendance(
            db, session=session(db), participant=person(db, "S. Martin"), half="afternoon"
        )
    assert seen[2:] == [("afternoon", True, 1, "S. Martin")]


def test_hook_on_followup_planned(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_followup_planned(
            self, app: App, followup: FollowUp, participant: Participant
        ) -> None:
            seen.append((followup.kind, participant.name, committed(app, FollowUp, id=followup.id)))

    app.pm.register(Plugin())
    plan(app)
    assert seen == [("call", "S. Martin", True)]


def test_hook_on_followup_moved(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_followup_moved(self, followup: FollowUp, previous: dict[str, Any]) -> None:
            seen.append((followup.duration_minutes, previous["duration_minutes"]))

    followup = plan(app)
    app.pm.register(Plugin())
    with app.write() as db:
        move_followup(db, db.get(FollowUp, followup.id), duration_minutes=60)
    assert seen == [(60, 45)]


def test_hook_on_followup_done(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_followup_done(self, followup: FollowUp, participant: Participant) -> None:
            seen.append((followup.status, followup.outcome, participant.name))

    followup = plan(app)
    app.pm.register(Plugin())
    with app.write() as db:
        complete_followup(db, db.get(FollowUp, followup.id), outcome="got what I expected")
    assert seen == [("done", "got what I expected", "S. Martin")]


def test_hook_on_followup_cancelled(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_followup_cancelled(self, followup: FollowUp) -> None:
            seen.append(followup.status)

    followup = plan(app)
    app.pm.register(Plugin())
    with app.write() as db:
        cancel_followup(db, db.get(FollowUp, followup.id))
    assert seen == ["cancelled"]


def test_hook_on_followup_missed(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_followup_missed(self, followup: FollowUp, participant: Participant) -> None:
            seen.append((followup.status, participant.name))

    followup = plan(app)
    app.pm.register(Plugin())
    with app.write() as db:
        miss_followup(db, db.get(FollowUp, followup.id))
    assert seen == [("missed", "S. Martin")]


def test_hook_on_track_opened(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_track_opened(self, app: App, track: Track, participant: Participant) -> None:
            seen.append(
                (track.planned_sessions, participant.name, committed(app, Track, id=track.id))
            )

    app.pm.register(Plugin())
    with app.write() as db:
        open_track(db, participant=person(db, "S. Martin"), goal="prepare the meeting")
    assert seen == [(6, "S. Martin", True)]


def test_hook_on_track_closed(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_track_closed(self, track: Track, participant: Participant) -> None:
            seen.append((track.status, track.outcome, participant.name))

    with app.write() as db:
        track = open_track(db, participant=person(db, "S. Martin"), goal="prepare the meeting")
    app.pm.register(Plugin())
    with app.write() as db:
        close_track(db, db.get(Track, track.id), outcome="less pressure on the team")
    assert seen == [("closed", "less pressure on the team", "S. Martin")]


def test_hook_on_participant_erased(app: App) -> None:
    seen = []

    class Plugin:
        @hookimpl
        def on_participant_erased(self, app: App, participant_id: int, name: str) -> None:
            seen.append((participant_id, name, committed(app, Participant, id=participant_id)))

    app.pm.register(Plugin())
    with app.write() as db:
        erase_participant(db, person(db, "S. Martin"))
    assert seen == [(1, "S. Martin", False)]  # gone by the time the event arrives


# --- asked by plugins and the demo --------------------------------------------------------


def test_hook_calendar_item_alarms(app: App) -> None:
    """Asked once per feed with all its items and the feed's own session; every plugin's
    answer is kept, by item UID."""
    from programs.calendar import scope_items

    calls: list[tuple[int, Any]] = []

    class Reminders:
        @hookimpl
        def calendar_item_alarms(
            self, db: Any, items: Any, scope: CalendarScope
        ) -> dict[str, list[Alarm]]:
            calls.append((len(items), db))
            return {i.uid: [Alarm(timedelta(days=1), f"tomorrow: {i.summary}")] for i in items}

    class Nothing:
        @hookimpl
        def calendar_item_alarms(self) -> None:
            return None

    app.pm.register(Reminders(), name="reminders-test")
    app.pm.register(Nothing(), name="nothing")
    scope = CalendarScope("program", 1)
    with app.read() as db:
        _reader, items = scope_items(db, scope)
        answers = app.call_each("calendar_item_alarms", db=db, items=items, scope=scope)
        assert calls == [(1, db)]  # one call for the whole feed, on the caller's session
    (uid,) = [i.uid for i in items]
    assert answers == [
        ("nothing", None),
        ("reminders-test", {uid: [Alarm(timedelta(days=1), "tomorrow: Accompagnement")]}),
    ]


def test_hook_calendar_alarms(app: App) -> None:
    """Deprecated per-item form: still asked through ``app.call_each``; every answer kept."""

    class Reminders:
        @hookimpl
        def calendar_alarms(self, item: Any, scope: CalendarScope) -> list[Alarm]:
            return [Alarm(timedelta(days=1), f"tomorrow: {item.id} ({scope.kind})")]

    class Nothing:
        @hookimpl
        def calendar_alarms(self) -> list[Alarm]:
            return []

    app.pm.register(Reminders(), name="reminders-test")
    app.pm.register(Nothing(), name="nothing")
    with app.read() as db:
        item = session(db)
    answers = app.call_each("calendar_alarms", item=item, scope=CalendarScope("program", 1))
    assert answers == [
        ("nothing", []),
        ("reminders-test", [Alarm(timedelta(days=1), "tomorrow: 1 (program)")]),
    ]


def test_hook_participant_links(app: App) -> None:
    """Asked with the asker's write session and the participant; every plugin's answer is
    kept, so the asker can pick a page before a feed."""
    from programs.registry import PrivateLink

    class Feeds:
        @hookimpl
        def participant_links(self, db: Any, participant: Participant) -> list[PrivateLink]:
            assert db.in_transaction()
            return [
                PrivateLink("page", f"https://feeds.example.org/p/{participant.id}"),
                PrivateLink("feed", f"https://feeds.example.org/feeds/{participant.id}.ics"),
            ]

    class Nothing:
        @hookimpl
        def participant_links(self) -> None:
            return None

    app.pm.register(Feeds(), name="feeds-test")
    app.pm.register(Nothing(), name="nothing")
    with app.write() as db:
        person = add_participant(db, name="S. Martin")
        answers = app.call_each("participant_links", db=db, participant=person)
    pid = person.id
    assert answers == [
        ("nothing", None),
        (
            "feeds-test",
            [
                PrivateLink("page", f"https://feeds.example.org/p/{pid}"),
                PrivateLink("feed", f"https://feeds.example.org/feeds/{pid}.ics"),
            ],
        ),
    ]


def test_hook_demo_sections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``programs demo`` shows each plugin's sections after its story (in its own folder)."""
    seen: list[Path] = []

    class Demo:
        @hookimpl
        def demo_sections(self, app: App, workdir: Path) -> list[tuple[str, str]]:
            seen.append(workdir)
            (workdir / "hello.txt").write_text("hi")
            return [("A third-party plugin", f"It wrote {workdir / 'hello.txt'}.")]

    from click.testing import CliRunner
    from programs.cli.main import build_cli

    from programs.plugin_manager import get_plugin_manager

    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")  # only the plugin of this test
    get_plugin_manager().register(Demo(), name="demo-test")
    demo = build_cli().get_command(None, "demo")  # type: ignore[arg-type]
    if demo is None:
        pytest.skip("no `programs demo` command yet")
    result = CliRunner().invoke(build_cli(), ["demo"])
    assert result.exit_code == 0, result.output
    assert "A third-party plugin" in result.output
    assert len(seen) == 1 and (seen[0] / "hello.txt").read_text() == "hi"


# --- the contract as a whole --------------------------------------------------------------


def hookspec_names() -> list[str]:
    return sorted(
        name
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and hasattr(value, "programs_spec")
    )


def test_every_hookspec_has_a_test() -> None:
    """Adding a hook without ``test_hook_<name>`` here fails this test (and the docs test)."""
    names = hookspec_names()
    assert len(names) >= 25  # the marker attribute is found: the list is not silently empty
    tests = {name for name in globals() if name.startswith("test_hook_")}
    missing = sorted(f"test_hook_{n}" for n in names if f"test_hook_{n}" not in tests)
    stale = sorted(t for t in tests if t.removeprefix("test_hook_") not in names)
    assert missing == [], f"hooks without a test: {missing}"
    assert stale == [], f"tests of hooks that do not exist: {stale}"


def test_every_hookspec_says_when_it_is_called() -> None:
    for name in hookspec_names():
        spec = getattr(hookspecs, name)
        assert spec.__doc__ and len(spec.__doc__.strip()) > 20, f"{name} has no docstring"
        assert inspect.signature(spec).return_annotation != inspect.Signature.empty, name


def test_call_arguments_are_checked_against_the_spec(app: App) -> None:
    """A call site that forgets an argument is a bug in programs, said at once."""
    with pytest.raises(TypeError, match="on_program_changed takes app, changes, program"):
        app.hooks.event("on_program_changed", program=None)
    with pytest.raises(TypeError, match="demo_sections takes app, workdir"):
        app.call_each("demo_sections")


def test_every_hook_is_called_in_its_declared_mode_only(app: App) -> None:
    """The table of calling modes lists every spec, in order, and nothing else; a call in
    another mode than the declared one is refused."""
    from programs import hooks
    from programs.hookspecs import CALLING

    assert list(CALLING) == [
        name
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and hasattr(value, "programs_spec")
    ]
    with pytest.raises(TypeError, match="on_program_changed is not a hook plugins ask"):
        app.call_each("on_program_changed", program=None, changes={})
    with pytest.raises(TypeError, match="check_enrollment is a veto hook, called as event"):
        list(hooks.iter_calls(app.pm, "check_enrollment", hooks.Mode.EVENT))
    with pytest.raises(TypeError, match="demo_sections is not an event"), app.write() as db:
        hooks.queue(db, "demo_sections", workdir=None)


def test_no_hookspec_claims_pluggy_firstresult() -> None:
    """The core calls plugins one by one; a veto's "first refusal wins" is its mode, so a
    ``firstresult`` on a spec would say something the core does not do."""
    for name in hookspec_names():
        options = getattr(hookspecs, name).programs_spec
        assert not options.get("firstresult"), name


class PagePart:
    """A plugin adding a section, a form and a file to the participant's page."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def participant_page_sections(self, db: Any, participant: Participant, page: Any) -> Any:
        from programs.api import PageSection

        html = (
            f'<form method="post" action="{page.action("part.hello")}">'
            f'<input type="hidden" name="check" value="{page.check("part.hello")}">'
            f'<a href="{page.download("part.file")}">file</a></form>'
        )
        return [PageSection(f"Part of {participant.name} ({page.language})", html)]

    @hookimpl
    def participant_page_action(
        self, db: Any, participant: Participant, page: Any, name: str, fields: Any
    ) -> Any:
        from programs.api import PageAnswer

        if name == "part.boom":  # writes, then fails: nothing of it may stay
            add_participant(db, name="Written then undone")
            raise RuntimeError("boom")
        if name != "part.hello":
            return None
        assert db.in_transaction()
        self.posted.append((name, dict(fields)))
        return PageAnswer(True, f"hello {participant.name}")

    @hookimpl
    def participant_page_download(self, participant: Participant, page: Any, name: str) -> Any:
        from programs.api import PageFile

        if name != "part.file":
            return None
        return PageFile("hello.txt", "text/plain; charset=utf-8", participant.name.encode())


def _page_world(sqlite_url: str) -> tuple[Any, str, PagePart]:
    from programs.plugins.ical.tokens import issue

    from programs.api import CalendarScope

    served = make_app(sqlite_url, plugins=["ical"])
    part = PagePart()
    served.pm.register(part, name="part-test")
    with served.write() as db:
        person = add_participant(db, name="S. Martin", language="fr")
        token = issue(db, CalendarScope("participant", person.id))  # type: ignore[arg-type]
    assert token is not None
    return served, token, part


def key_of_app(app: Any) -> bytes:
    from programs.plugins.ical.tokens import key_of

    with app.read() as db:
        key = key_of(db, create=False)
    assert key is not None
    return key


def _form(html: str) -> tuple[str, str]:
    import re

    action = re.search(r'<form method="post" action="([^"]+)"', html)
    check = re.search(r'name="check" value="([^"]+)"', html)
    assert action and check
    return action.group(1), check.group(1)


def test_hook_participant_page_sections(sqlite_url: str) -> None:
    """Each plugin's sections are on the person's page, in the person's language, with
    form addresses and CSRF tokens from the server."""
    import httpx
    from test_ical_support import serving

    served, token, _part = _page_world(sqlite_url)
    try:
        with serving(served) as url:
            page = httpx.get(f"{url}/p/{token}")
        assert page.status_code == 200
        assert "<h2>Part of S. Martin (fr)</h2>" in page.text
        action, check = _form(page.text)
        assert action == f"{url}/p/{token}/do/part.hello" and len(check) == 40
    finally:
        served.close()


def test_hook_participant_page_action(sqlite_url: str) -> None:
    """A post with the form's CSRF token reaches the plugin in a write; without it, or with
    another form's, no plugin is asked."""
    import httpx
    from programs.plugins.ical.tokens import form_check
    from test_ical_support import serving

    served, token, part = _page_world(sqlite_url)
    try:
        with serving(served) as url:
            action, check = _form(httpx.get(f"{url}/p/{token}").text)
            refused = httpx.post(action, data={"check": "0" * 40, "x": "1"})
            missing = httpx.post(action, data={"x": "1"})
            done = httpx.post(action, data={"check": check, "x": "1"})
            unknown = httpx.post(f"{url}/p/{token}/do/other.form", data={"check": check})
            boom_check = form_check(key_of_app(served), token, "part.boom")
            boom = httpx.post(f"{url}/p/{token}/do/part.boom", data={"check": boom_check})
        assert boom.status_code == 500
        with served.read() as db:
            assert (
                db.exec(select(Participant).where(Participant.name.startswith("Written"))).all()
                == []
            )
        assert refused.status_code == missing.status_code == 403
        assert done.status_code == 200 and "hello S. Martin" in done.text
        assert unknown.status_code == 403  # the token of one form opens no other
        assert part.posted == [("part.hello", {"check": [check], "x": ["1"]})]
    finally:
        served.close()


def test_hook_participant_page_download(sqlite_url: str) -> None:
    """A plugin's file is served as an attachment; a name no plugin knows is the 404."""
    import httpx
    from test_ical_support import serving

    served, token, _part = _page_world(sqlite_url)
    try:
        with serving(served) as url:
            found = httpx.get(f"{url}/p/{token}/get/part.file")
            none = httpx.get(f"{url}/p/{token}/get/nothing")
        assert found.status_code == 200 and found.content == b"S. Martin"
        assert found.headers["content-disposition"] == "attachment; filename*=UTF-8''hello.txt"
        assert none.status_code == 404
    finally:
        served.close()
