"""Keeping the outbox in step through the core's events, and the personal-data hooks.

Each event replans only what it touched, in a transaction of its own (the core's change is
already committed). If an event is missed (the plugin was disabled at the time), the next
``reminders plan`` or ``reminders send`` repairs the outbox from the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import OUTBOX
from programs.plugins.reminders.planner import PlanResult, plan
from programs.plugins.reminders.targets import PlanScope

from programs.api import FollowUp, utcnow

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, Participant


def replan(app: App, scope: PlanScope, *, now: datetime | None = None) -> PlanResult:
    with app.write() as db:
        return plan(db, app, now=now or utcnow(), scope=scope)


def plan_all(app: App, *, now: datetime | None = None) -> PlanResult:
    """Everything, in short write transactions (``reminders plan --full``)."""
    from programs.plugins.reminders.incremental import plan_full

    return plan_full(app, now=now or utcnow())


def plan_changes(app: App, *, now: datetime | None = None) -> PlanResult:
    """What changed since the last plan (``reminders plan``, and each ``send``)."""
    from programs.plugins.reminders.incremental import plan_changed

    return plan_changed(app, now=now or utcnow())


def session_changed(app: App, session_id: int, program_id: int) -> None:
    replan(
        app, PlanScope(sessions=frozenset({session_id}), program_targets=frozenset({program_id}))
    )


def seat_changed(app: App, program_id: int, participant_id: int) -> None:
    replan(
        app, PlanScope(programs=frozenset({program_id}), participants=frozenset({participant_id}))
    )


def program_changed(app: App, program_id: int) -> None:
    replan(app, PlanScope(programs=frozenset({program_id})))


def followup_changed(app: App, followup_id: int) -> None:
    replan(app, PlanScope(followups=frozenset({followup_id})))


def _rows_of(db: DbSession, participant_id: int) -> Any:
    """Rows sent to this person, and rows about their follow-ups (sent to the coach)."""
    followups = sa.select(FollowUp.id).where(FollowUp.participant_id == participant_id)
    c = OUTBOX.c
    return sa.or_(
        sa.and_(c.recipient_kind == "participant", c.recipient_id == participant_id),
        sa.and_(c.target_kind == "followup", c.target_id.in_(followups.scalar_subquery())),
    )


def erase(db: DbSession, participant: Participant) -> None:
    db.execute(sa.delete(OUTBOX).where(_rows_of(db, participant.id)))  # type: ignore[arg-type]


def export(db: DbSession, participant: Participant) -> dict[str, Any] | None:
    c = OUTBOX.c
    rows = db.execute(
        sa.select(
            c.rule,
            c.target_kind,
            c.target_id,
            c.channel,
            c.due_at,
            c.status,
            c.reason,
            c.sent_at,
            c.message_id,
        )
        .where(c.recipient_kind == "participant", c.recipient_id == participant.id)
        .order_by(c.due_at, c.id)
    ).all()
    if not rows:
        return None
    return {
        "reminders": [
            {
                "rule": r.rule,
                "about": f"{r.target_kind} {r.target_id}",
                "channel": r.channel,
                "due": r.due_at.isoformat(),
                "status": r.status,
                "reason": r.reason,
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                "message_id": r.message_id,
            }
            for r in rows
        ]
    }
