"""Follow-ups (calls and one-to-one sessions), on SQLite and PostgreSQL: which status changes
are allowed, and what a move or a cancellation does to the UID and the revision."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.base import get_program
from programs.domain.followup import (
    cancel_followup,
    complete_followup,
    get_followup,
    list_followups,
    miss_followup,
    move_followup,
    plan_followup,
)
from programs.domain.participant import add_participant, find_person
from programs.domain.program import create_program
from programs.errors import InvalidInput, RuleViolation

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

START = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)

ACTIONS: dict[str, Callable] = {
    "done": lambda db, f: complete_followup(db, f, outcome="got what I expected"),
    "cancelled": cancel_followup,
    "missed": miss_followup,
    "moved": lambda db, f: move_followup(db, f, start=f.start + timedelta(days=1)),
}

# (from status, action) -> allowed?
ALLOWED = {
    ("planned", "done"): True,
    ("planned", "cancelled"): True,
    ("planned", "missed"): True,
    ("planned", "moved"): True,
    ("missed", "done"): True,
    ("missed", "cancelled"): False,
    ("missed", "missed"): False,
    ("missed", "moved"): False,
    ("done", "done"): False,
    ("done", "cancelled"): False,
    ("done", "missed"): False,
    ("done", "moved"): False,
    ("cancelled", "done"): False,
    ("cancelled", "cancelled"): False,
    ("cancelled", "missed"): False,
    ("cancelled", "moved"): False,
}


def planned(app: App, status: str = "planned") -> int:
    """A follow-up with S. Martin, brought to ``status``; returns its id."""
    with app.write() as db:
        person = add_participant(db, name="S. Martin", email="s.martin@example.com")
        followup = plan_followup(
            db, participant=person, kind="call", start=START, topic="a small incident"
        )
        if status != "planned":
            ACTIONS[status](db, followup)
        return followup.id


def row(app: App, followup_id: int) -> tuple:
    with app.engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.text(
                    "SELECT status, uid, revision, start, outcome FROM followup WHERE id = :id"
                ),
                {"id": followup_id},
            ).one()
        )


@pytest.mark.parametrize(("start_status", "action"), sorted(ALLOWED))
def test_status_transitions(app: App, start_status: str, action: str) -> None:
    followup_id = planned(app, start_status)
    before = row(app, followup_id)
    if ALLOWED[(start_status, action)]:
        with app.write() as db:
            ACTIONS[action](db, get_followup(db, followup_id))
        status, uid, revision, start, _ = row(app, followup_id)
        assert uid == before[1]
        if action == "moved":
            assert (status, revision) == ("planned", before[2] + 1)
            assert start != before[3]
        elif action == "cancelled":
            assert (status, revision) == ("cancelled", before[2] + 1)
        else:
            assert (status, revision) == (action, before[2])
    else:
        with pytest.raises(RuleViolation, match=f"is {start_status}: cannot"), app.write() as db:
            ACTIONS[action](db, get_followup(db, followup_id))
        assert row(app, followup_id) == before


def test_done_records_the_outcome(app: App) -> None:
    followup_id = planned(app, "missed")
    with app.write() as db:
        complete_followup(db, get_followup(db, followup_id), outcome="I put less pressure")
    assert row(app, followup_id)[0] == "done"
    assert row(app, followup_id)[4] == "I put less pressure"


def test_moving_to_the_same_time_changes_nothing(app: App) -> None:
    followup_id = planned(app)
    before = row(app, followup_id)
    with app.write() as db:
        assert move_followup(db, get_followup(db, followup_id), start=START) == {}
    assert row(app, followup_id) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "visit"}, "unknown follow-up kind 'visit'"),
        ({"duration_minutes": 0}, "between 1 minute and 24 hours"),
        ({"duration_minutes": 24 * 60 + 1}, "between 1 minute and 24 hours"),
        ({"start": START.replace(tzinfo=None)}, "needs a time zone"),
    ],
)
def test_bad_follow_ups_are_refused(app: App, changes: dict, message: str) -> None:
    with app.write() as db:
        add_participant(db, name="S. Martin")
    with pytest.raises(InvalidInput, match=message), app.write() as db:
        plan_followup(
            db,
            participant=find_person(db, "S. Martin"),
            **{"kind": "call", "start": START, **changes},
        )
    with app.read() as db:
        assert list_followups(db) == []


def test_a_follow_up_in_a_program_needs_the_person_in_it(app: App) -> None:
    with app.write() as db:
        create_program(db, slug="marseille-2026", title="Accompagnement collectif")
        add_participant(db, name="S. Martin")
    with pytest.raises(RuleViolation, match="not in program marseille-2026"), app.write() as db:
        plan_followup(
            db,
            participant=find_person(db, "S. Martin"),
            kind="call",
            start=START,
            program=get_program(db, "marseille-2026"),
        )


def test_upcoming_lists_only_planned_ones_not_yet_started(app: App) -> None:
    with app.write() as db:
        person = add_participant(db, name="S. Martin")
        ids = [
            plan_followup(
                db, participant=person, kind="session", start=START + timedelta(days=d)
            ).id
            for d in (0, 7, 14)
        ]
        cancel_followup(db, get_followup(db, ids[2]))
    with app.read() as db:
        upcoming = list_followups(db, upcoming=True, now=START + timedelta(hours=1))
        everything = list_followups(db, participant=find_person(db, "S. Martin"))
    assert [f.id for f in upcoming] == [ids[1]]
    assert [f.id for f in everything] == ids
