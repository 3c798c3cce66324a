"""A feed's ETag comes from change markers the core moves in the transaction of each change
(programs.revisions), on SQLite and PostgreSQL: every change a feed shows moves it, a change
it does not show leaves it alone, a conditional poll costs two indexed queries, and random
sequences of changes never give one ETag to two different feeds (never a stale 304, never
stale kept bytes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from conftest import make_app
from hypothesis import HealthCheck, given, settings
from test_ical_support import make_world, utc

from programs.calendar import CalendarScope

DAY = date(2027, 1, 15)


@pytest.fixture
def world_app(db_url: str):  # type: ignore[no-untyped-def]
    app = make_app(db_url, plugins=["ical", "reminders"])
    world = make_world(app)
    yield app, world
    app.close()


def etag(app: Any, scope: CalendarScope, day: date = DAY) -> str | None:
    from programs.plugins.ical.service import service_for

    service = service_for(app)
    with app.read() as db:
        in_a_session = service.marker_etag(db, scope, day)
    with app.quick_read() as read:  # the server's way: the same answer, always
        assert service.marker_etag(read, scope, day) == in_a_session
    return in_a_session


def body(app: Any, scope: CalendarScope, day: date = DAY) -> bytes:
    """The feed rendered from scratch, no cache."""
    from programs.plugins.ical.items import collect
    from programs.plugins.ical.render import render

    with app.read() as db:
        return render(collect(app, db, scope, day=day)).body


def scopes(world: Any) -> dict[str, CalendarScope]:
    return {
        "program": CalendarScope("program", world.program_id),
        "sophie": CalendarScope("participant", world.people["Sophie Martin"]),
        "karim": CalendarScope("participant", world.people["Karim Benali"]),
        "coach": CalendarScope("coach", world.coach_id),
    }


def change(app: Any, world: Any, what: str) -> None:
    from programs.domain.base import get_program
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll, withdraw
    from programs.domain.followup import plan_followup
    from programs.domain.participant import edit_participant
    from programs.domain.program import edit_program
    from programs.domain.session import cancel_session, move_session
    from programs.models import FollowUpKind, Participant, Session

    if what == "reminder rule":
        from programs.plugins.reminders.rulebook_edit import add_rule

        rule = {"name": "r1", "target": "session", "offset": "-3d", "channel": "console"}
        add_rule(app, rule, slug=None)
        return
    with app.write() as db:
        program = get_program(db, "marseille-2026")
        sophie = db.get(Participant, world.people["Sophie Martin"])
        if what == "session moved":
            move_session(db, db.get(Session, world.sessions["day2"]), start=utc(2027, 5, 3, 7))
        elif what == "session cancelled":
            cancel_session(db, db.get(Session, world.sessions["day1"]))
        elif what == "sophie withdrawn":
            withdraw(db, program=program, participant=sophie)
        elif what == "sophie enrolled elsewhere":
            enroll(db, program=get_program(db, "lyon-2027"), participant=sophie)
        elif what == "sophie's call":
            plan_followup(db, participant=sophie, kind=FollowUpKind.CALL, start=utc(2027, 6, 1, 8))
        elif what == "sophie renamed":
            edit_participant(db, sophie, name="Sophie Martin-Roux")
        elif what == "sophie renamed by an import":
            import io

            from programs.domain import csv_import

            text = "name,email\nSophie Martin-Roux,sophie.martin@example.com\n"
            rows = csv_import.read_rows(io.StringIO(text))
            csv_import.import_participants(db, rows, known=csv_import.UPDATE)
        elif what == "program renamed":
            edit_program(db, program, title="Deux journées")
        elif what == "coach renamed":
            set_default_coach(db, name="Claire Dubois-Faure", email="claire@example.com")
        else:
            raise AssertionError(what)


# what each change moves: the feeds that show it
MOVES = {
    "session moved": {"program", "sophie", "karim", "coach"},
    "session cancelled": {"program", "sophie", "karim", "coach"},
    "sophie withdrawn": {"sophie"},
    "sophie enrolled elsewhere": {"sophie"},
    "sophie's call": {"sophie", "coach"},
    "sophie renamed": {"sophie", "coach"},
    "sophie renamed by an import": {"sophie", "coach"},
    "program renamed": {"program", "sophie", "karim", "coach"},
    "coach renamed": {"program", "sophie", "karim", "coach"},
    "reminder rule": {"program", "sophie", "karim", "coach"},
}


@pytest.mark.parametrize("what", list(MOVES))
def test_each_change_moves_the_etags_of_the_feeds_that_show_it(world_app, what: str) -> None:
    app, world = world_app
    named = scopes(world)
    before = {name: (etag(app, s), body(app, s)) for name, s in named.items()}
    change(app, world, what)
    for name, scope in named.items():
        old_etag, old_body = before[name]
        new_etag, new_body = etag(app, scope), body(app, scope)
        if new_body != old_body:
            assert new_etag != old_etag, f"{name}: the feed changed, its ETag did not"
        if name in MOVES[what]:
            assert new_etag != old_etag, f"{name} should show {what}"
        elif name in ("karim", "program") and what.startswith("sophie"):
            # another person's change: nothing of it on this feed, the ETag stays
            assert new_etag == old_etag and new_body == old_body, name


def test_the_day_and_the_config_are_part_of_the_etag(db_url: str) -> None:
    app = make_app(db_url, plugins=["ical"])
    other = make_app(db_url, plugins=["ical"], config={"ical": {"cancelled_grace_days": 3}})
    try:
        world = make_world(app)
        scope = CalendarScope("participant", world.people["Sophie Martin"])
        assert etag(app, scope, DAY) != etag(app, scope, DAY + timedelta(days=1))
        assert etag(app, scope) != etag(other, scope)
        assert etag(app, scope) == etag(app, scope)
    finally:
        other.close()
        app.close()


def test_a_feed_with_a_calendar_source_falls_back_to_its_items(sqlite_url: str) -> None:
    """A plugin's calendar source has no markers: its feed's ETag cannot come from them."""
    from programs.hookspecs import hookimpl

    class Source:
        name = "holidays"

        def items(self, app: Any, scope: CalendarScope) -> list[Any]:
            return []

    class Plugin:
        @hookimpl
        def register_calendar_sources(self, register: Any) -> None:
            register(Source())

    from programs.app import App

    first = make_app(sqlite_url, plugins=["ical"])
    first.pm.register(Plugin(), name="holidays")
    app = App(first.url, config=first.config, pm=first.pm)  # registration runs once per app
    try:
        world = make_world(app)
        assert etag(app, CalendarScope("program", world.program_id)) is None
        assert etag(first, CalendarScope("program", world.program_id)) is not None
    finally:
        app.close()
        first.close()


def test_a_conditional_poll_is_two_indexed_queries_and_reads_no_item(sqlite_url: str) -> None:
    """Counted by SQLite itself (its trace of every statement it runs): the poll's reads go
    straight to a DBAPI cursor (App.quick_read), below SQLAlchemy's events; while nothing is
    committed, a token's next polls read only SQLite's data_version; after a commit by
    another connection (another process's command), the token and the markers once more.
    SQLite only: PostgreSQL has no per-connection statement trace (nor a data_version: its
    polls always make the two reads)."""
    import httpx
    from programs.plugins.ical.tokens import issue
    from test_ical_support import serving

    app = make_app(sqlite_url, plugins=["ical", "reminders"])
    world = make_world(app)
    with app.write() as db:
        token = issue(db, CalendarScope("coach", world.coach_id))
    statements: list[str] = []

    def trace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    sa.event.listen(app.engine, "checkout", trace)  # every connection, the quick reads' too
    other = make_app(sqlite_url, plugins=["ical", "reminders"])  # another process's command
    try:
        with serving(app) as url, httpx.Client(base_url=url) as http:
            tag = http.get(f"/feeds/{token}.ics").headers["etag"]
            statements.clear()  # what the first poll read to render is not counted
            answer = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": tag})
            kept = http.get(f"/feeds/{token}.ics")  # a full poll of an unchanged feed: kept bytes
            unchanged = list(statements)
            apply(other, "rename coach", 7)
            statements.clear()
            moved = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": tag})
            again = http.get(
                f"/feeds/{token}.ics", headers={"If-None-Match": moved.headers["etag"]}
            )
    finally:
        app.close()
        other.close()
    assert answer.status_code == 304 and kept.status_code == 200
    assert unchanged == ["PRAGMA data_version"] * 2  # no table read at all
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert b"Coach 7" in moved.content
    assert again.status_code == 304
    queries = [s for s in statements if s.strip().upper() not in ("BEGIN", "ROLLBACK")]
    polls = [s for s in queries if "ical_token" in s or "calendar_revision" in s]
    assert len(polls) == 2, queries  # the changed database's first poll: token, markers
    assert queries.count("PRAGMA data_version") == 2
    assert not any("program_session" in s or "followup" in s for s in polls)


def test_served_polls_follow_every_change_another_process_makes(request, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """The server remembers each token's last poll while nothing is committed (SQLite's
    data_version); every change made through another connection, as a coach's command in
    another process makes it, reaches the next poll: the answer to the previous ETag is a
    304 only when the feed rendered from scratch is the same, else exactly the new feed."""
    import httpx
    from programs.plugins.ical.tokens import issue
    from test_ical_support import serving

    from programs.domain.participant import list_participants

    app = make_app(db_url, plugins=["ical", "reminders"])
    world = make_world(app)
    other = make_app(db_url, plugins=["ical", "reminders"])
    with app.read() as db:
        person = list_participants(db)[0].id
    watched = [CalendarScope("coach", world.coach_id), CalendarScope("participant", person)]
    with app.write() as db:
        tokens = [issue(db, scope) for scope in watched]
    day = datetime.now(UTC).date()
    changes = 0
    try:
        with serving(app) as url, httpx.Client(base_url=url) as http:
            tags = [http.get(f"/feeds/{t}.ics").headers["etag"] for t in tokens]
            for n, operation in enumerate(OPERATIONS * 2):
                before = [body(other, scope, day) for scope in watched]
                apply(other, operation, n * 37)
                for i, (scope, token) in enumerate(zip(watched, tokens, strict=True)):
                    now = body(other, scope, day)
                    answer = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": tags[i]})
                    if now != before[i]:
                        changes += 1
                        assert answer.status_code == 200, (operation, scope)
                        assert answer.content == now, (operation, scope)
                    else:
                        assert answer.status_code in (200, 304), (operation, scope)
                    tags[i] = answer.headers["etag"]
    finally:
        app.close()
        other.close()
    assert changes > 5  # the feeds did change, and each change was served


def test_the_quick_reads_give_what_a_unit_of_work_gives(world_app) -> None:
    """The server's plain-cursor reads (App.quick_read) and the same prebuilt statements in
    a session: the same token scope and the same markers, on both databases."""
    from programs.plugins.ical.tokens import issue, resolve

    from programs.revisions import markers_of

    app, world = world_app
    scopes = [
        CalendarScope("coach", world.coach_id),
        CalendarScope("program", world.program_id),
        *(CalendarScope("participant", pid) for pid in world.people.values()),
    ]
    with app.write() as db:
        tokens = [issue(db, scope) for scope in scopes]
    with app.read() as db, app.quick_read() as read:
        for scope, token in zip(scopes, tokens, strict=True):
            assert resolve(read, token) == resolve(db, token) == scope
            assert resolve(read, token[:-1] + "x") is None
            assert markers_of(read, scope) == markers_of(db, scope)
            assert markers_of(read, scope)  # something to compare: at least the "all" marker


def test_quick_reads_keep_a_connection_per_thread_outside_the_pool(db_url: str) -> None:
    """A quick read runs on its thread's own connection: it takes nothing from a pool sized
    for units of work, leaves no transaction open (PostgreSQL sees it idle), is replaced
    after a failure, and is closed with the app."""
    import threading

    from programs.plugins.ical.tokens import _resolve_statement

    app = make_app(db_url, plugins=["ical"])
    app.size_pool(1, timeout=0.5)
    statement = _resolve_statement()
    try:
        with app.quick_read() as read, app.read() as db:  # the pool's one connection, and ours
            assert read(statement, digest="nothing") == []
            db.execute(sa.text("SELECT 1"))
        reader = app._plain
        mine = reader._connection()
        with app.quick_read() as read:
            read(statement, digest="again")
        assert reader._connection() is mine  # kept between reads of one thread
        if app.dialect == "postgresql":
            with app.read() as db:
                states = db.execute(
                    sa.text(
                        "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
                        " AND pid <> pg_backend_pid()"
                    )
                ).scalars()
                assert list(states) == ["idle"]  # not "idle in transaction"
        other: list[Any] = []
        thread = threading.Thread(target=lambda: other.append(reader._connection()))
        thread.start()
        thread.join()
        assert other[0] is not mine  # each thread its own
        failure = app.engine.dialect.loaded_dbapi.Error
        with pytest.raises(failure), app.quick_read() as read:
            read(sa.select(sa.literal_column("x")).select_from(sa.table("no_such_table")))
        assert reader._connection() is not mine  # a failed connection is not reused
    finally:
        app.close()
    assert reader._opened == []
    with pytest.raises(failure):
        mine.cursor().execute("SELECT 1")  # closed with the app


OPERATIONS = [
    "add session",
    "move session",
    "cancel session",
    "enroll",
    "withdraw",
    "plan call",
    "move call",
    "rename person",
    "retitle program",
    "rename coach",
    "import with enrollment",
    "move nothing",
]


def apply(app: Any, operation: str, n: int) -> None:
    """One random change through the domain, as a coach's command would make it; a
    refusal (a rule) is a change that did not happen."""
    from programs.domain.base import get_program
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll, withdraw
    from programs.domain.followup import list_followups, move_followup, plan_followup
    from programs.domain.participant import edit_participant, list_participants
    from programs.domain.program import edit_program
    from programs.domain.session import add_session, cancel_session, list_sessions, move_session
    from programs.errors import NotFound, ProgramsError
    from programs.models import FollowUpKind

    slug = ("marseille-2026", "lyon-2027", "full-2027")[n % 3]
    when = datetime(2027, 3, 1, 8, tzinfo=UTC) + timedelta(days=n % 40, hours=n % 7)
    try:
        with app.write() as db:
            program = get_program(db, slug)
            people = list_participants(db)
            person = people[n % len(people)]
            sessions = [s for s in list_sessions(db, program) if s.status == "scheduled"]
            if operation == "add session":
                add_session(db, program=program, start=when, end=when + timedelta(hours=3))
            elif operation == "move session" and sessions:
                move_session(db, sessions[n % len(sessions)], start=when)
            elif operation == "cancel session" and sessions:
                cancel_session(db, sessions[n % len(sessions)])
            elif operation == "enroll":
                enroll(db, program=program, participant=person)
            elif operation == "withdraw":
                withdraw(db, program=program, participant=person)
            elif operation == "plan call":
                plan_followup(db, participant=person, kind=FollowUpKind.CALL, start=when)
            elif operation == "move call":
                calls = [f for f in list_followups(db) if f.status == "planned"]
                if calls:
                    move_followup(db, calls[n % len(calls)], start=when)
            elif operation == "rename person":
                edit_participant(db, person, name=f"Personne {n}")
            elif operation == "retitle program":
                edit_program(db, program, title=f"Programme {n}")
            elif operation == "rename coach":
                set_default_coach(db, name=f"Coach {n}", email="claire@example.com")
            elif operation == "import with enrollment":
                import io

                from programs.domain.csv_import import import_participants, read_rows

                text = f"name,email\nImport {n},import{n}@example.com\n"
                import_participants(db, read_rows(io.StringIO(text)), program=program)
    except (NotFound, ProgramsError):
        pass


def check_never_stale(app: Any, world: Any, seen: dict[str, bytes]) -> None:
    from programs.domain.participant import list_participants

    with app.read() as db:
        people = [p.id for p in list_participants(db)]
    every = [
        CalendarScope("program", world.program_id),
        CalendarScope("coach", world.coach_id),
        *(CalendarScope("participant", pid) for pid in people),
    ]
    for scope in every:
        tag = etag(app, scope)
        assert tag is not None
        content = body(app, scope)
        assert seen.setdefault(tag, content) == content, f"one ETag, two feeds: {scope}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_random_changes_never_give_one_etag_to_two_feeds(request, backend: str) -> None:  # type: ignore[no-untyped-def]
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    app = make_app(url, plugins=["ical", "reminders"])
    world = make_world(app)
    seen: dict[str, bytes] = {}
    check_never_stale(app, world, seen)

    @settings(
        max_examples=15 if backend == "sqlite" else 6,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 1000)), max_size=8))
    def sequence(steps: list[tuple[str, int]]) -> None:
        for operation, n in steps:
            apply(app, operation, n)
            check_never_stale(app, world, seen)

    try:
        sequence()
        assert len(seen) > 10  # the ETags did move
    finally:
        app.close()
