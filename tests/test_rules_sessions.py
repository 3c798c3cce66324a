"""Sessions of a program, on SQLite and PostgreSQL: a session ends after it starts, keeps its
UID when moved or cancelled, and its revision grows with every change calendars must see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.base import get_program
from programs.domain.program import cancel_program, create_program
from programs.domain.session import (
    add_session,
    cancel_session,
    get_session,
    list_sessions,
    move_session,
)
from programs.errors import InvalidInput, NotFound, RuleViolation

SLUG = "marseille-2026"
DAY1 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def program_with_session(app: App) -> int:
    with app.write() as db:
        program = create_program(db, slug=SLUG, title="Accompagnement collectif")
        session = add_session(
            db, program=program, start=DAY1, end=DAY1 + timedelta(hours=8), title="Day 1"
        )
        return session.id


def session_rows(app: App) -> list[tuple]:
    with app.engine.connect() as conn:
        query = 'SELECT id, start, "end", location, status, uid, revision FROM program_session'
        return [tuple(r) for r in conn.execute(sa.text(query + " ORDER BY id"))]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (DAY1, DAY1, "must end after it starts"),
        (DAY1, DAY1 - timedelta(minutes=1), "must end after it starts"),
        (DAY1, DAY1 + timedelta(days=2), "less than 2 days"),
        (DAY1.replace(tzinfo=None), DAY1 + timedelta(hours=1), "need a time zone"),
    ],
)
def test_a_session_ends_after_it_starts(app: App, start, end, message: str) -> None:  # type: ignore[no-untyped-def]
    program_with_session(app)
    before = session_rows(app)
    with pytest.raises(InvalidInput, match=message), app.write() as db:
        add_session(db, program=get_program(db, SLUG), start=start, end=end)
    assert session_rows(app) == before


def test_moving_keeps_the_uid_bumps_the_revision_and_keeps_the_length(app: App) -> None:
    session_id = program_with_session(app)
    with app.read() as db:
        uid = get_session(db, session_id).uid
    later = DAY1 + timedelta(days=1, hours=1)
    with app.write() as db:
        previous = move_session(db, get_session(db, session_id), start=later)
    assert previous == {"start": DAY1, "end": DAY1 + timedelta(hours=8), "location": None}
    with app.write() as db:
        move_session(db, get_session(db, session_id), location="Salle 2, Marseille")
    with app.read() as db:
        session = get_session(db, session_id)
    assert session.uid == uid
    assert session.revision == 2
    assert session.status == "moved"
    assert (session.start, session.end) == (later, later + timedelta(hours=8))
    assert session.location == "Salle 2, Marseille"


def test_moving_to_the_same_place_and_time_changes_nothing(app: App) -> None:
    session_id = program_with_session(app)
    before = session_rows(app)
    with app.write() as db:
        assert move_session(db, get_session(db, session_id), start=DAY1) == {}
    assert session_rows(app) == before


def test_a_move_that_ends_before_it_starts_is_refused(app: App) -> None:
    session_id = program_with_session(app)
    before = session_rows(app)
    with pytest.raises(InvalidInput, match="must end after it starts"), app.write() as db:
        move_session(db, get_session(db, session_id), end=DAY1 - timedelta(hours=1))
    assert session_rows(app) == before


def test_cancelling_keeps_the_uid_and_bumps_the_revision(app: App) -> None:
    session_id = program_with_session(app)
    uid = session_rows(app)[0][5]
    with app.write() as db:
        cancel_session(db, get_session(db, session_id))
    (row,) = session_rows(app)
    assert (row[4], row[5], row[6]) == ("cancelled", uid, 1)
    with app.read() as db:  # still listed (feeds show it struck through), unless asked not to
        program = get_program(db, SLUG)
        assert [s.id for s in list_sessions(db, program)] == [session_id]
        assert list_sessions(db, program, include_cancelled=False) == []
    for action in (cancel_session, lambda db, s: move_session(db, s, start=DAY1)):
        with pytest.raises(RuleViolation, match="cancelled"), app.write() as db:
            action(db, get_session(db, session_id))
    assert session_rows(app) == [row]


def test_cancelling_a_program_cancels_its_sessions_and_closes_it(app: App) -> None:
    session_id = program_with_session(app)
    with app.write() as db:
        cancel_program(db, get_program(db, SLUG))
    assert [(r[4], r[6]) for r in session_rows(app)] == [("cancelled", 1)]
    with pytest.raises(RuleViolation, match="cancelled: cannot add a session"), app.write() as db:
        add_session(db, program=get_program(db, SLUG), start=DAY1, end=DAY1 + timedelta(hours=1))
    with pytest.raises(RuleViolation), app.write() as db:
        move_session(db, get_session(db, session_id), start=DAY1 + timedelta(days=1))


def test_sessions_are_listed_by_start(app: App) -> None:
    program_with_session(app)
    with app.write() as db:
        program = get_program(db, SLUG)
        week_before = DAY1 - timedelta(days=7)
        earlier = add_session(
            db, program=program, start=week_before, end=week_before + timedelta(hours=2)
        )
    with app.read() as db:
        listed = [s.id for s in list_sessions(db, get_program(db, SLUG))]
    assert listed == [earlier.id, earlier.id - 1]


def test_an_unknown_session_is_not_found(app: App) -> None:
    with app.read() as db:
        for ref in ("999", "day-1"):
            with pytest.raises(NotFound, match=f"no session '{ref}'"):
                get_session(db, ref)
