"""A cancelled or completed program takes no change but being reopened, on SQLite and
PostgreSQL: every refusal says how to reopen it, writes nothing, and ``programs reopen``
undoes a completion (people enrolled again) or a cancellation (sessions stay cancelled)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.attendance import mark_attendance
from programs.domain.base import get_program
from programs.domain.enrollment import enroll, withdraw
from programs.domain.participant import add_participant, find_person
from programs.domain.program import (
    cancel_program,
    complete_program,
    create_program,
    edit_program,
    reopen_program,
)
from programs.domain.session import add_session, cancel_session, get_session, move_session
from programs.errors import RuleViolation

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

DAY1 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
SLUG = "marseille-2026"


def story(app: App, close: Callable[..., Any]) -> None:
    """Two sessions, two seated people, one waiting; then the program closed by ``close``."""
    with app.write() as db:
        program = create_program(db, slug=SLUG, title="Accompagnement", capacity=2)
        for day in (0, 1):
            add_session(
                db, program=program, start=DAY1 + timedelta(days=day),
                end=DAY1 + timedelta(days=day, hours=8),
            )  # fmt: skip
        for name in ("S. Martin", "Karim Benali", "Léa Roux"):
            enroll(db, program=program, participant=add_participant(db, name=name))
        add_participant(db, name="Newcomer")
    with app.write() as db:
        close(db, get_program(db, SLUG))


def dump(app: App) -> list[Any]:
    """Every row a change to the program could touch."""
    with app.engine.connect() as conn:
        return [
            list(conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")))
            for table in ("program", "program_session", "enrollment", "attendance")
        ]


CHANGES: dict[str, Callable[[Any], Any]] = {
    "edit capacity": lambda db: edit_program(db, get_program(db, SLUG), capacity=5),
    "edit title": lambda db: edit_program(db, get_program(db, SLUG), title="Autre"),
    "enroll": lambda db: enroll(
        db, program=get_program(db, SLUG), participant=find_person(db, "Newcomer")
    ),
    "withdraw": lambda db: withdraw(
        db, program=get_program(db, SLUG), participant=find_person(db, "Léa Roux")
    ),
    "add a session": lambda db: add_session(
        db,
        program=get_program(db, SLUG),
        start=DAY1 + timedelta(days=9),
        end=DAY1 + timedelta(days=9, hours=3),
    ),
    "move a session": lambda db: move_session(
        db, get_session(db, 2), start=DAY1 + timedelta(days=5)
    ),
    "cancel a session": lambda db: cancel_session(db, get_session(db, 2)),
    "mark attendance": lambda db: mark_attendance(
        db, session=get_session(db, 1), participant=find_person(db, "S. Martin")
    ),
}


@pytest.mark.parametrize(
    "close", [cancel_program, complete_program], ids=["cancelled", "completed"]
)
@pytest.mark.parametrize("change", list(CHANGES))
def test_a_closed_program_refuses_every_change(app: App, close: Any, change: str) -> None:
    story(app, close)
    before = dump(app)
    with pytest.raises(RuleViolation) as refused, app.write() as db:
        CHANGES[change](db)
    message = str(refused.value)
    if close is complete_program:
        assert f"`programs reopen {SLUG}` opens it again" in message
    else:  # or the session says it first: cancelled with its program
        assert f"`programs reopen {SLUG}` opens it again" in message or "cancelled" in message
    assert dump(app) == before


def test_reopening_a_completed_program_enrolls_its_people_again(app: App) -> None:
    story(app, complete_program)
    with app.write() as db:
        reopen_program(db, get_program(db, SLUG))
    with app.engine.connect() as conn:
        statuses = list(conn.execute(sa.text("SELECT status FROM enrollment ORDER BY id")))
    assert [s for (s,) in statuses] == ["enrolled", "enrolled", "withdrawn"]
    with app.write() as db:  # and it takes changes again
        edit_program(db, get_program(db, SLUG), capacity=3)
        mark_attendance(db, session=get_session(db, 1), participant=find_person(db, "Karim"))
    with pytest.raises(RuleViolation, match="is open already"), app.write() as db:
        reopen_program(db, get_program(db, SLUG))


def test_reopening_a_cancelled_program_keeps_its_sessions_cancelled(app: App) -> None:
    story(app, cancel_program)
    with app.write() as db:
        reopen_program(db, get_program(db, SLUG))
        add_session(
            db, program=get_program(db, SLUG), start=DAY1 + timedelta(days=30),
            end=DAY1 + timedelta(days=30, hours=8),
        )  # fmt: skip
    with app.engine.connect() as conn:
        sessions = [
            s for (s,) in conn.execute(sa.text("SELECT status FROM program_session ORDER BY id"))
        ]
        program = conn.execute(sa.text("SELECT status FROM program")).scalar()
    assert sessions == ["cancelled", "cancelled", "scheduled"] and program == "open"


def test_the_cli_says_what_reopening_did_and_a_closed_program_shows_nobody_waiting(run) -> None:  # type: ignore[no-untyped-def]
    from cli_support import ok, refused

    ok(run("create", SLUG, "--title", "Accompagnement", "--capacity", "1"))
    ok(run("participant", "add", "S. Martin"))
    ok(run("participant", "add", "Karim Benali"))
    ok(run("enroll", SLUG, "S. Martin"))
    ok(run("enroll", SLUG, "Karim"))
    assert "(+1 waiting)" in ok(run("list")).stdout
    ok(run("cancel", SLUG))
    assert "waiting" not in ok(run("list")).stdout + ok(run("show", SLUG)).stdout
    refused(run("edit", SLUG, "--capacity", "3"), "`programs reopen marseille-2026`")
    assert "cancelled sessions stay cancelled" in ok(run("reopen", SLUG)).stdout
    refused(run("reopen", SLUG), "is open already")
