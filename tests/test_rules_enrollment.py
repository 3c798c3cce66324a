"""Seats and the waitlist, on SQLite and PostgreSQL: capacity, first come first served,
promotions, coming back, and programs that are closed to enrollment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.base import get_enrollment, get_program
from programs.domain.enrollment import enroll, roster, waitlist, withdraw
from programs.domain.fill import program_fill
from programs.domain.participant import add_participant, find_person
from programs.domain.program import (
    cancel_program,
    complete_program,
    create_program,
    edit_program,
)
from programs.errors import NotFound, RuleViolation
from programs.models import Participant

SLUG = "marseille-2026"


def setup(app: App, *, capacity: int | None, people: int) -> list[int]:
    """A program and ``people`` participants P1..Pn; returns their ids."""
    with app.write() as db:
        create_program(db, slug=SLUG, title="Accompagnement collectif", capacity=capacity)
        return [add_participant(db, name=f"P{i}").id for i in range(1, people + 1)]


def enroll_all(app: App, names: list[str]) -> list[str]:
    """Enroll each named person in its own transaction; returns the statuses."""
    statuses = []
    for name in names:
        with app.write() as db:
            program = get_program(db, SLUG)
            statuses.append(enroll(db, program=program, participant=find_person(db, name)).status)
    return statuses


def state(app: App) -> tuple[list[str], list[str]]:
    """(names with a seat, names waiting in order)."""
    with app.read() as db:
        program = get_program(db, SLUG)
        rows = roster(db, program)
        seated = [p.name for e, p in rows if e.status == "enrolled"]
        waiting = [db.get(Participant, e.participant_id).name for e in waitlist(db, program)]
    return seated, waiting


def leave(app: App, name: str) -> str | None:
    with app.write() as db:
        result = withdraw(db, program=get_program(db, SLUG), participant=find_person(db, name))
        promoted = result.promoted
        return db.get(Participant, promoted.participant_id).name if promoted else None


def stored_statuses(app: App) -> list[tuple[int, str]]:
    with app.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT participant_id, status FROM enrollment ORDER BY id"))
        return [tuple(r) for r in rows]


def test_capacity_is_never_exceeded_and_the_rest_wait_in_order(app: App) -> None:
    setup(app, capacity=2, people=5)
    assert enroll_all(app, ["P1", "P2", "P3", "P4", "P5"]) == [
        "enrolled",
        "enrolled",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    assert state(app) == (["P1", "P2"], ["P3", "P4", "P5"])
    with app.read() as db:
        fill = program_fill(db, get_program(db, SLUG))
    assert (fill.enrolled, fill.waitlisted, fill.seats_left) == (2, 3, 0)
    assert str(fill) == "2/2 (+3 waiting)"


def test_statuses_are_stored_as_plain_text(app: App) -> None:
    ids = setup(app, capacity=1, people=2)
    enroll_all(app, ["P1", "P2"])
    assert stored_statuses(app) == [(ids[0], "enrolled"), (ids[1], "waitlisted")]


def test_no_limit_means_everyone_gets_a_seat(app: App) -> None:
    setup(app, capacity=None, people=4)
    assert set(enroll_all(app, ["P1", "P2", "P3", "P4"])) == {"enrolled"}
    with app.read() as db:
        assert str(program_fill(db, get_program(db, SLUG))) == "4/unlimited"


def test_a_freed_seat_goes_to_the_first_waiting(app: App) -> None:
    setup(app, capacity=2, people=5)
    enroll_all(app, ["P1", "P2", "P3", "P4", "P5"])
    assert leave(app, "P2") == "P3"
    assert state(app) == (["P1", "P3"], ["P4", "P5"])
    assert leave(app, "P1") == "P4"
    assert state(app) == (["P3", "P4"], ["P5"])


def test_leaving_the_waitlist_promotes_nobody_and_keeps_the_order(app: App) -> None:
    setup(app, capacity=1, people=4)
    enroll_all(app, ["P1", "P2", "P3", "P4"])
    assert leave(app, "P3") is None
    assert state(app) == (["P1"], ["P2", "P4"])


def test_raising_capacity_promotes_the_first_waiting(app: App) -> None:
    setup(app, capacity=1, people=4)
    enroll_all(app, ["P1", "P2", "P3", "P4"])
    with app.write() as db:
        assert edit_program(db, get_program(db, SLUG), capacity=3) == {"capacity": 1}
    assert state(app) == (["P1", "P2", "P3"], ["P4"])


def test_capacity_cannot_drop_below_the_seats_taken(app: App) -> None:
    setup(app, capacity=3, people=3)
    enroll_all(app, ["P1", "P2", "P3"])
    with (
        pytest.raises(RuleViolation, match="has 3 enrolled; capacity cannot go below"),
        app.write() as db,
    ):
        edit_program(db, get_program(db, SLUG), capacity=2)
    with app.read() as db:
        assert get_program(db, SLUG).capacity == 3


def test_nobody_is_enrolled_twice(app: App) -> None:
    setup(app, capacity=1, people=2)
    enroll_all(app, ["P1", "P2"])
    before = stored_statuses(app)
    for name, status in (("P1", "enrolled"), ("P2", "waitlisted")):
        with pytest.raises(RuleViolation, match=f"{name} is already {status} in {SLUG}"):
            enroll_all(app, [name])
    assert stored_statuses(app) == before


def test_someone_who_withdrew_comes_back_at_the_back_of_the_queue(app: App) -> None:
    """All of this happens within a second or so: the order must not depend on the clock's
    resolution nor on row ids (P1's row is the oldest)."""
    setup(app, capacity=2, people=5)
    enroll_all(app, ["P1", "P2", "P3", "P4"])
    assert leave(app, "P1") == "P3"
    assert enroll_all(app, ["P1", "P5"]) == ["waitlisted", "waitlisted"]
    assert state(app) == (["P2", "P3"], ["P4", "P1", "P5"])
    assert leave(app, "P2") == "P4"
    assert leave(app, "P3") == "P1"
    assert state(app) == (["P4", "P1"], ["P5"])
    with app.read() as db:  # the same row came back: one enrollment per person and program
        program = get_program(db, SLUG)
        assert get_enrollment(db, program, find_person(db, "P1")).status == "enrolled"
    assert len(stored_statuses(app)) == 5


def test_request_times_strictly_increase_in_arrival_order(app: App) -> None:
    setup(app, capacity=1, people=6)
    enroll_all(app, [f"P{i}" for i in range(1, 7)])
    with app.read() as db:
        rows = roster(db, get_program(db, SLUG))
    times = sorted((e.requested_at, p.name) for e, p in rows)
    assert [name for _, name in times] == [f"P{i}" for i in range(1, 7)]
    assert len({t for t, _ in times}) == 6


def test_withdrawing_someone_not_enrolled_is_an_error(app: App) -> None:
    setup(app, capacity=1, people=2)
    enroll_all(app, ["P1"])
    with pytest.raises(NotFound, match=f"P2 is not enrolled in {SLUG}"):
        leave(app, "P2")
    leave(app, "P1")
    with pytest.raises(NotFound, match=f"P1 is not enrolled in {SLUG}"):
        leave(app, "P1")


@pytest.mark.parametrize("close", [cancel_program, complete_program])
def test_no_enrollment_in_a_cancelled_or_completed_program(app: App, close) -> None:  # type: ignore[no-untyped-def]
    setup(app, capacity=1, people=3)
    enroll_all(app, ["P1"])
    with app.write() as db:
        close(db, get_program(db, SLUG))
    before = stored_statuses(app)
    with pytest.raises(
        RuleViolation, match=f"program {SLUG} is (cancelled|completed): cannot enroll"
    ):
        enroll_all(app, ["P2"])
    assert stored_statuses(app) == before


def test_completing_a_program_completes_seats_and_closes_the_waitlist(app: App) -> None:
    ids = setup(app, capacity=1, people=3)
    enroll_all(app, ["P1", "P2", "P3"])
    leave(app, "P3")
    with app.write() as db:
        complete_program(db, get_program(db, SLUG))
    assert stored_statuses(app) == [
        (ids[0], "completed"),
        (ids[1], "withdrawn"),
        (ids[2], "withdrawn"),
    ]
    with pytest.raises(RuleViolation, match="is completed: its enrollments can no longer change"):
        leave(app, "P1")
    with pytest.raises(RuleViolation, match="only open ones complete"), app.write() as db:
        complete_program(db, get_program(db, SLUG))


def test_a_failed_enrollment_writes_nothing(app: App) -> None:
    """A rule broken after other writes in the same unit of work rolls them back too."""
    setup(app, capacity=1, people=2)
    enroll_all(app, ["P1"])
    with pytest.raises(RuleViolation), app.write() as db:
        program = get_program(db, SLUG)
        enroll(db, program=program, participant=find_person(db, "P2"))
        enroll(db, program=program, participant=find_person(db, "P1"))
    assert state(app) == (["P1"], [])
