"""Planning only what changed, and a full plan that never holds the lock for long.

The core's events keep the outbox in step as things happen; a plan from the database is the
safety net for what an event missed (the plugin was disabled, a bulk import). Running that
net over the whole outbox at every ``send`` made an idle cron run cost in proportion to the
outbox (9 s at a million rows, holding SQLite's write lock). So:

- :func:`plan_changed` (every ``send``, and ``reminders plan``) compares the core's calendar
  change markers (``programs.api.change_total``: one aggregate) and the rules' form with
  what the outbox was last planned at. Nothing moved: only the digest's two weeks are
  planned (a few rows). Some markers moved: only their programs, people and follow-ups are
  planned again. The rules changed, every calendar changed (a program or coach edited), or
  many markers moved: a full plan.
- :func:`plan_full` (``reminders plan --full``) plans everything in short write transactions
  of about ``ROWS_PER_TRANSACTION`` rows each (a few sessions, a chunk of follow-ups), so a
  coach's command typed meanwhile waits a fraction of a second at most. Each transaction
  reads its targets as they are then, so a change committed between two of them is never
  undone; the markers are read before the first one, so such a change is planned again
  next time. On SQLite it leaves the lock free between two steps (a waiting command's
  busy handler polls; a lock taken again at once would starve it).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from programs.plugins.reminders.models import META, PLANNED
from programs.plugins.reminders.planner import PlanResult, horizon_of, lock, plan
from programs.plugins.reminders.rules import RuleBook, load_rulebook
from programs.plugins.reminders.settings import load_settings
from programs.plugins.reminders.targets import PlanScope, chunks

from programs.api import (
    SEATED,
    Enrollment,
    FollowUp,
    Program,
    Session,
    all_markers,
    change_total,
    markers_changed,
)

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App

TOTAL_KEY, RULES_KEY = "planned_total", "planned_rules"
FULL_OVER = 500  # more moved markers than this: one full plan is cheaper than many small ones
ROWS_PER_TRANSACTION = 10_000
FOLLOWUPS_PER_TRANSACTION = 2_000
# seconds the write lock is left free between two steps (SQLite): one poll of a waiting
# command's busy handler (every 0.1 s after its first 0.3 s) falls in it
PAUSE = 0.11


def rules_signature(book: RuleBook) -> str:
    """The rules' form, every layer: a rule added, changed or turned off changes it."""
    parts = sorted(f"*|{name}|{rule.signature()}" for name, rule in book.defaults.items())
    for program_id, own in book.own.items():
        parts += sorted(
            f"{program_id}|{name}|{rule.signature() if rule else '-'}" for name, rule in own.items()
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def _meta(db: DbSession) -> dict[str, str]:
    query = sa.select(META.c.key, META.c.value).where(META.c.key.in_([TOTAL_KEY, RULES_KEY]))
    return {key: value for key, value in db.execute(query)}


def _set_meta(db: DbSession, values: dict[str, str]) -> None:
    db.execute(sa.delete(META).where(META.c.key.in_(list(values))))
    db.execute(sa.insert(META), [{"key": k, "value": v} for k, v in values.items()])


def _remember(db: DbSession, markers: list[tuple[str, int, int]], *, replace: bool) -> None:
    """Record ``markers`` as planned (``replace``: they are all of them)."""
    if replace:
        db.execute(sa.delete(PLANNED))
    else:
        for kind in {m[0] for m in markers}:
            ids = [m[1] for m in markers if m[0] == kind]
            for batch in chunks(ids):
                db.execute(
                    sa.delete(PLANNED).where(PLANNED.c.kind == kind, PLANNED.c.id.in_(batch))
                )
    rows = [{"kind": k, "id": i, "revision": r} for k, i, r in markers]
    for start in range(0, len(rows), 5_000):
        db.execute(sa.insert(PLANNED), rows[start : start + 5_000])


def _scopes(db: DbSession, changed: list[tuple[str, int, int]]) -> Iterator[PlanScope]:
    """What to plan for the markers that moved: a program's sessions and itself; a
    participant's seats in every program they were ever in, and their follow-ups (with the
    coach's reminders of them)."""
    programs = frozenset(i for kind, i, _r in changed if kind == "program")
    if programs:
        yield PlanScope(programs=programs)
    people = sorted({i for kind, i, _r in changed if kind == "participant"})
    for batch in chunks(people):
        where = Enrollment.participant_id.in_(batch)  # type: ignore[attr-defined]
        their = frozenset(p for (p,) in db.execute(sa.select(Enrollment.program_id).where(where)))
        if their:
            yield PlanScope(programs=their, participants=frozenset(batch))
        followups = sa.select(FollowUp.id).where(FollowUp.participant_id.in_(batch))  # type: ignore[attr-defined]
        ids = frozenset(f for (f,) in db.execute(followups))
        if ids:
            yield PlanScope(followups=ids)


def plan_changed(app: App, *, now: datetime) -> PlanResult:
    """Plan what changed since the last plan (see the module's docstring)."""
    with app.write() as db:
        lock(db)
        total = change_total(db)
        book = load_rulebook(db, app.config, now=now)
        signature = rules_signature(book)
        known = _meta(db)
        result = plan(db, app, now=now, scope=PlanScope(weeks=True))
        if known.get(TOTAL_KEY) == str(total) and known.get(RULES_KEY) == signature:
            return result
        full = known.get(RULES_KEY) != signature
        changed = [] if full else markers_changed(db, PLANNED)
        if full or len(changed) > FULL_OVER or any(m[0] == "all" for m in changed):
            full = True
        else:
            for scope in _scopes(db, changed):
                result.add(plan(db, app, now=now, scope=scope))
            _remember(db, changed, replace=False)
            _set_meta(db, {TOTAL_KEY: str(total), RULES_KEY: signature})
            return result
    result.add(plan_full(app, now=now))
    return result


def _full_scopes(db: DbSession, app: App, now: datetime) -> Iterator[PlanScope]:
    """Every target not long past, cut into scopes of about ``ROWS_PER_TRANSACTION`` rows."""
    settings = load_settings(app)
    book = load_rulebook(db, app.config, now=None)
    horizon = horizon_of(book, settings.catch_up, now)
    seated = dict(
        db.execute(
            sa.select(Enrollment.program_id, sa.func.count())
            .where(Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
            .group_by(Enrollment.program_id)
        ).all()
    )
    rules: dict[int, int] = {}
    batch: set[int] = set()
    size = 0
    sessions = sa.select(Session.id, Session.program_id).where(Session.end >= horizon)  # type: ignore[operator]
    for session_id, program_id in db.execute(sessions.order_by(Session.program_id, Session.id)):
        if program_id not in rules:
            rules[program_id] = max(len(book.for_target("session", program_id)), 1)
        cost = (seated.get(program_id, 0) + 1) * rules[program_id]
        if cost > ROWS_PER_TRANSACTION:  # a crowded session: in slices of its people
            yield from _slices(
                db, session_id, program_id, ROWS_PER_TRANSACTION // rules[program_id]
            )
            continue
        batch.add(session_id)
        size += cost
        if size >= ROWS_PER_TRANSACTION:
            yield PlanScope(sessions=frozenset(batch))
            batch, size = set(), 0
    if batch:
        yield PlanScope(sessions=frozenset(batch))
    program_ids = [p for (p,) in db.execute(sa.select(Program.id).order_by(Program.id))]
    for ids in chunks(program_ids, 200):
        yield PlanScope(program_targets=frozenset(ids))
    followups = sa.select(FollowUp.id).where(FollowUp.start >= horizon)  # type: ignore[operator]
    followup_ids = [f for (f,) in db.execute(followups.order_by(FollowUp.id))]
    for ids in chunks(followup_ids, FOLLOWUPS_PER_TRANSACTION):
        yield PlanScope(followups=frozenset(ids))


def _slices(db: DbSession, session_id: int, program_id: int, people: int) -> Iterator[PlanScope]:
    """One session's rows, ``people`` participants at a time; the coach's with the first."""
    seated = (
        sa.select(Enrollment.participant_id)
        .where(Enrollment.program_id == program_id, Enrollment.status.in_(SEATED))  # type: ignore[attr-defined]
        .order_by(Enrollment.participant_id)
    )
    ids = [p for (p,) in db.execute(seated)]
    for n, start in enumerate(range(0, len(ids), max(people, 1))):
        yield PlanScope(
            sessions=frozenset({session_id}),
            participants=frozenset(ids[start : start + people]),
            coach=n == 0,
        )


def plan_full(app: App, *, now: datetime) -> PlanResult:
    """Plan everything, in short write transactions (see the module's docstring)."""
    with app.read() as db:
        total = change_total(db)
        markers = all_markers(db)
        scopes = list(_full_scopes(db, app, now))
    result = PlanResult()
    pause = app.engine.dialect.name == "sqlite"
    for scope in scopes:
        with app.write() as db:
            result.add(plan(db, app, now=now, scope=scope))
        if pause:
            # SQLite has no queue for its write lock: a waiting command polls for it (every
            # 0.1 s once it has waited a while). Leave it free a little longer than that, so
            # the coach's command gets in between two steps instead of starving.
            time.sleep(PAUSE)
    with app.write() as db:
        lock(db)
        result.add(plan(db, app, now=now, scope=PlanScope(weeks=True)))
        signature = rules_signature(load_rulebook(db, app.config, now=now))
        _remember(db, markers, replace=True)
        _set_meta(db, {TOTAL_KEY: str(total), RULES_KEY: signature})
    return result
