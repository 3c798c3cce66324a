"""Bringing the outbox in step with the database: the one place rows are planned.

``plan`` computes the rows that should exist for a scope (everything, or what one event
touched), compares them with the rows that do, and writes the difference in bulk:

- a missing row is inserted: "pending", or "skipped" with the reason when its time had
  passed before its target was booked (or before its rule existed);
- a pending row nobody wants any more (target moved, cancelled, withdrawn, rule removed) is
  cancelled with the reason; sent and failed rows are history and never touched;
- a pending row whose due time changed (the rule's offset changed) gets the new time, or is
  skipped with the reason when that time had already passed before the change;
- a cancelled row wanted again (enrolled again) is pending again if its time is ahead.

The same function serves the events (each in its own transaction) and ``reminders plan``,
so a missed event is repaired by the next plan. Plans are serialised (a write transaction on
SQLite, an advisory lock on PostgreSQL), so two at once never insert the same row twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import CANCELLED, OUTBOX, PENDING, SKIPPED
from programs.plugins.reminders.rules import load_rulebook
from programs.plugins.reminders.settings import load_settings
from programs.plugins.reminders.targets import Occasion, OccasionLoader, PlanScope, chunks
from programs.plugins.reminders.timing import due_time
from programs.plugins.reminders.words import reason as said

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App

LOCK_KEY = 0x52454D49  # "REMI": the advisory lock every plan takes on PostgreSQL
ROWS_PER_ROUND = 20_000  # desired rows compared and written per round (memory stays flat)
INSERT_CHUNK = 5_000

Key = tuple[str, str, int, int, str, int, str]


@dataclass
class PlanResult:
    planned: int = 0  # new pending rows
    skipped: int = 0  # rows skipped at once (booked late, rule added or changed later)
    cancelled: int = 0
    updated: int = 0  # due time changed, or wanted again

    def __str__(self) -> str:
        from programs.i18n import _

        return _(
            "{planned} planned, {skipped} skipped, {cancelled} cancelled, {updated} updated"
        ).format(
            planned=self.planned,
            skipped=self.skipped,
            cancelled=self.cancelled,
            updated=self.updated,
        )

    def add(self, other: PlanResult) -> None:
        self.planned += other.planned
        self.skipped += other.skipped
        self.cancelled += other.cancelled
        self.updated += other.updated


def lock(db: DbSession) -> None:
    """Serialise plans and claims: SQLite's write transaction already does; PostgreSQL
    takes a transaction-scoped advisory lock."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def row_problem(row: Any, target: Occasion | None) -> str | None:
    """Why an outbox row should not go out any more, or None when it still should."""
    if target is None:
        return said(f"{row.target_kind} gone")
    if target.inactive:
        return target.inactive
    if row.revision != target.revision:
        return said(f"{target.kind} moved")
    rule = next((r for r in target.rules if r.name == row.rule), None)
    if rule is None:
        return said("rule removed")
    if rule.channel != row.channel:
        return said("rule changed")
    if row.recipient_kind == "participant":
        if not rule.to_participants:
            return said("rule changed")
        if row.recipient_id not in target.participants:
            return said("no longer enrolled")
    elif row.recipient_kind == "coach":
        if not rule.to_coach:
            return said("rule changed")
        if row.recipient_id not in target.coaches:
            return said("coach changed")
    return None


def horizon_of(book: Any, catch_up: timedelta, now: datetime) -> datetime:
    """Targets ending before this have every reminder long past: planning leaves them out."""
    return now - timedelta(days=book.max_positive_days()) - catch_up - timedelta(days=1)


def plan(db: DbSession, app: App, *, now: datetime, scope: PlanScope) -> PlanResult:
    """Bring the outbox rows of ``scope`` in step; call inside ``app.write()``."""
    lock(db)
    settings = load_settings(app)
    book = load_rulebook(db, app.config, now=now)
    horizon = horizon_of(book, settings.catch_up, now) if scope.horizon else None
    loader = OccasionLoader(
        db, book, default_tz=settings.default_timezone, now=now, horizon=horizon
    )
    sessions = loader.sessions(scope)
    program_ids = set(scope.programs) | set(scope.program_targets)
    program_ids |= {t.program_id for t in sessions if t.program_id is not None}
    targets = sessions + loader.programs(program_ids, scope) + loader.followups(scope)
    if scope.everything or scope.weeks:
        targets += loader.weeks()
    result = PlanResult()
    for batch in _rounds(targets):
        result.add(_reconcile(db, batch, scope, now))
    return result


def must_beat(target: Occasion, due: datetime) -> datetime | None:
    """The moment a message due at ``due`` about ``target`` is pointless: the start of a
    session, follow-up or program it is due before. A message due once its item has begun
    (the nudge the day after a program's end) has no such moment: only the catch-up window
    bounds how late it may go."""
    if target.kind in ("session", "followup", "program") and due < target.start:
        return target.start
    return None


def about_of(target: Occasion) -> int | None:
    """The participant of a follow-up (a coach's reminder of it is about them)."""
    if target.kind == "followup" and len(target.participants) == 1:
        return next(iter(target.participants))
    return None


def _rounds(targets: list[Occasion]) -> Iterator[list[Occasion]]:
    batch: list[Occasion] = []
    size = 0
    for target in targets:
        batch.append(target)
        size += (len(target.participants) + len(target.coaches)) * max(len(target.rules), 1)
        if size >= ROWS_PER_ROUND:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


Wanted = tuple[datetime, str, "str | None", "int | None", "int | None", "datetime | None"]


def _desired(targets: Iterable[Occasion]) -> dict[Key, Wanted]:
    """``key -> (due, state, reason, program id, participant, starts)`` for every row the
    targets call for; the participant is whom the row is about (its recipient, or the
    participant of a follow-up the coach is reminded of), so the row goes when they are
    erased; ``starts``: the start it must beat (:func:`must_beat`)."""
    out: dict[Key, Wanted] = {}
    late, added = said("booked late"), said("rule added later")
    for t in targets:
        if t.inactive:
            continue
        for rule in t.rules:
            due = due_time(t.start if rule.anchor == "start" else t.end, rule.offset, rule.at, t.tz)
            starts = must_beat(t, due)
            since = rule.since
            recipients: list[tuple[str, int, datetime]] = []
            if rule.to_participants:
                recipients += [
                    ("participant", pid, max(booked, t.booked_at))
                    for pid, booked in t.participants.items()
                ]
            if rule.to_coach:
                recipients += [("coach", cid, t.booked_at) for cid in t.coaches]
            for kind, rid, booked in recipients:
                why: str | None = None
                if due < booked:
                    state = SKIPPED
                    why = late.format(
                        due=f"{due:%Y-%m-%d %H:%M}", booked=f"{booked:%Y-%m-%d %H:%M}"
                    )
                elif since is not None and due < since:
                    state, why = SKIPPED, added.format(name=rule.name)
                else:
                    state = PENDING
                key = (rule.name, t.kind, t.id, t.revision, kind, rid, rule.channel)
                about = rid if kind == "participant" else about_of(t)
                out[key] = (due, state, why, t.program_id, about, starts)
    return out


def _existing(db: DbSession, targets: list[Occasion], scope: PlanScope) -> list[Any]:
    by_kind: dict[str, list[int]] = {}
    for t in targets:
        by_kind.setdefault(t.kind, []).append(t.id)
    c = OUTBOX.c
    rows: list[Any] = []
    for kind, ids in by_kind.items():
        for batch in chunks(sorted(set(ids))):
            query = sa.select(
                c.id,
                c.rule,
                c.target_kind,
                c.target_id,
                c.revision,
                c.recipient_kind,
                c.recipient_id,
                c.channel,
                c.status,
                c.due_at,
            ).where(c.target_kind == kind, c.target_id.in_(batch))
            if scope.participants is not None:
                theirs = sa.and_(
                    c.recipient_kind == "participant", c.recipient_id.in_(list(scope.participants))
                )
                query = query.where(
                    sa.or_(theirs, c.recipient_kind == "coach") if scope.coach else theirs
                )
            rows += db.execute(query)
    return rows


def _reconcile(
    db: DbSession, targets: list[Occasion], scope: PlanScope, now: datetime
) -> PlanResult:
    result = PlanResult()
    desired = _desired(targets)
    by_key = {t.key: t for t in targets}
    cancel: dict[str, list[int]] = {}
    changed: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    for row in _existing(db, targets, scope):
        key = (
            row.rule,
            row.target_kind,
            row.target_id,
            row.revision,
            row.recipient_kind,
            row.recipient_id,
            row.channel,
        )
        want = desired.pop(key, None)
        if want is None:
            if row.status == PENDING:
                why = row_problem(row, by_key.get((row.target_kind, row.target_id)))
                cancel.setdefault(why or said("no longer planned"), []).append(row.id)
            continue
        due, state, reason, _program, _about, starts = want
        if row.status == PENDING and row.due_at != due and state != PENDING:
            # its new time had passed before the change (the rule now says earlier)
            late.append({"row_id": row.id, "due": due, "reason": reason})
        elif row.status == PENDING and row.due_at != due:
            changed.append({"row_id": row.id, "due": due, "old": PENDING, "starts": starts})
        elif row.status == CANCELLED and state == PENDING and due > now:
            changed.append({"row_id": row.id, "due": due, "old": CANCELLED, "starts": starts})
    inserts = [
        {
            "rule": key[0],
            "target_kind": key[1],
            "target_id": key[2],
            "revision": key[3],
            "recipient_kind": key[4],
            "recipient_id": key[5],
            "channel": key[6],
            "program_id": program_id,
            "participant_id": about,
            "followup_id": key[2] if key[1] == "followup" else None,
            "session_id": key[2] if key[1] == "session" else None,
            "due_at": due,
            "starts_at": starts,
            "status": state,
            "reason": reason,
            "attempts": 0,
            "planned_at": now,
            "updated_at": now,
        }
        for key, (due, state, reason, program_id, about, starts) in desired.items()
    ]
    for start in range(0, len(inserts), INSERT_CHUNK):
        db.execute(sa.insert(OUTBOX), inserts[start : start + INSERT_CHUNK])
    result.planned = sum(1 for r in inserts if r["status"] == PENDING)
    result.skipped = len(inserts) - result.planned
    c = OUTBOX.c
    for reason, ids in cancel.items():
        for batch in chunks(ids):
            done = db.execute(
                sa.update(OUTBOX)
                .where(c.id.in_(batch), c.status == PENDING)
                .values(status=CANCELLED, reason=reason, updated_at=now)
            )
            result.cancelled += done.rowcount
    if late:
        db.execute(
            sa.update(OUTBOX)
            .where(c.id == sa.bindparam("row_id"), c.status == PENDING)
            .values(
                due_at=sa.bindparam("due"),
                status=SKIPPED,
                reason=sa.bindparam("reason"),
                updated_at=now,
            ),
            late,
        )
        result.skipped += len(late)
    if changed:
        stmt = (
            sa.update(OUTBOX)
            .where(c.id == sa.bindparam("row_id"), c.status == sa.bindparam("old"))
            .values(
                due_at=sa.bindparam("due"),
                starts_at=sa.bindparam("starts"),
                status=PENDING,
                reason=None,
                not_before=None,
                updated_at=now,
            )
        )
        db.execute(stmt, changed)
        result.updated = len(changed)
    return result
