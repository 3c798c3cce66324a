"""Sending what is due: claim, check, send, mark — so no reminder goes out twice.

A run first plans what changed since the last plan (``incremental.py``: nothing, when
nothing changed), skips in one statement every due row that is late (its item started, or
beyond the catch-up window), then repeatedly, until nothing is due:

1. claims a few due rows in a write transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
   the write lock on SQLite): they become "sending" with the claim time and a token, so a
   second sender running at the same time passes them by. Rows stuck in "sending" longer
   than ``sending_timeout`` (their sender died) are claimed again. A row more than
   ``catch_up`` late (the machine was off) is skipped with the reason, not sent late;
2. checks each row against its target as it is now (a change whose event was missed never
   goes out stale) and writes the message;
3. sends it, then marks it "sent" with the channel's message id at once, one row at a time:
   if the sender is killed, at most the one message in flight is sent again, with the same
   Message-ID. A failure is kept with its error and retried after ``retry_after``, up to
   ``max_attempts`` in all; a permanent one (an address refused) is not retried.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.incremental import plan_changed
from programs.plugins.reminders.messages import ComposeError, Composer, Skip
from programs.plugins.reminders.models import (
    CANCELLED,
    FAILED,
    META,
    OUTBOX,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
)
from programs.plugins.reminders.notices import MESSAGE, NOTICE
from programs.plugins.reminders.notices import problem as notice_problem
from programs.plugins.reminders.planner import PlanResult, plan, row_problem
from programs.plugins.reminders.rules import load_rulebook
from programs.plugins.reminders.settings import Settings, load_settings
from programs.plugins.reminders.targets import OccasionLoader, PlanScope

from programs.api import ChannelError, FollowUp, FollowUpKind, PluginError, utcnow
from programs.api import format_duration as short
from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, OutgoingMessage


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    cancelled: int = 0
    failed: int = 0  # failed for good in this run
    retrying: int = 0  # failed in this run, to be tried again
    errors: list[str] = field(default_factory=list)
    plan: PlanResult | None = None
    due: list[Any] = field(default_factory=list)  # dry run: what would be sent

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.cancelled + self.failed + self.retrying

    def __str__(self) -> str:
        return _(
            "{sent} sent, {skipped} skipped, {cancelled} cancelled, {retrying} to retry, "
            "{failed} failed"
        ).format(
            sent=self.sent,
            skipped=self.skipped,
            cancelled=self.cancelled,
            retrying=self.retrying,
            failed=self.failed,
        )


@dataclass
class Claimed:
    row: Any
    message: OutgoingMessage | None = None
    outcome: tuple[str, str] | None = None  # (final state, reason) decided before sending
    starts: datetime | None = None  # the start it must beat, checked again just before sending
    late: str = ""  # what the row says if it does not


class _Rollback(Exception):
    def __init__(self, payload: Any) -> None:
        super().__init__("dry run")
        self.payload = payload


def instance_id(db: DbSession) -> str:
    row = db.execute(sa.select(META.c.value).where(META.c.key == "instance_id")).first()
    return row[0] if row else "programs"


def due_filter(now: datetime) -> Any:
    c = OUTBOX.c
    return sa.and_(
        c.status == PENDING, c.due_at <= now, sa.or_(c.not_before.is_(None), c.not_before <= now)
    )


def _stuck_filter(now: datetime, settings: Settings) -> Any:
    c = OUTBOX.c
    return sa.and_(
        c.status == SENDING, c.due_at <= now, c.claimed_at < now - settings.sending_timeout
    )


def due_rows(
    db: DbSession, now: datetime, settings: Settings, limit: int | None = None
) -> list[Any]:
    """Rows a run at ``now`` would claim, oldest first (read only)."""
    c = OUTBOX.c
    query = sa.select(OUTBOX).where(sa.or_(due_filter(now), _stuck_filter(now, settings)))
    query = query.order_by(c.due_at, c.id)
    return list(db.execute(query.limit(limit) if limit else query))


def count_due(db: DbSession, now: datetime, settings: Settings, only: Any = None) -> int:
    """How many rows a run at ``now`` would claim (for the progress bar)."""
    condition = sa.or_(due_filter(now), _stuck_filter(now, settings))
    if only is not None:
        condition = sa.and_(condition, only)
    return int(
        db.execute(sa.select(sa.func.count()).select_from(OUTBOX).where(condition)).scalar_one()
    )


def claim_query(condition: Any, limit: int, *, skip_locked: bool = False) -> Any:
    """The oldest rows matching ``condition`` (``due_filter(now)``): served by the
    ``(status, due_at, id)`` index, so it stays quick on an outbox of millions (bench/reminders
    prints its plan)."""
    c = OUTBOX.c
    query = sa.select(OUTBOX).where(condition).order_by(c.due_at, c.id).limit(limit)
    return query.with_for_update(skip_locked=True) if skip_locked else query


def late_reasons() -> dict[str, str]:
    """Why a late row is skipped, in the current language, by what it was about."""
    return {
        "session": _("not sent: the session had started"),
        "call": _("not sent: the call had started"),
        "followup": _("not sent: the one-to-one session had started"),
        "program": _("not sent: the program had started"),
        "window": _("not sent: more than {window} late, beyond the catch-up window"),
        "stuck": _(
            "not sent: more than {window} late, beyond the catch-up window (it was being "
            "sent when a sender stopped)"
        ),
    }


def skip_late(db: DbSession, *, now: datetime, settings: Settings) -> int:
    """Skip, in one statement, every due row that must not go out any more: what it reminds
    of has started (``starts_at``), or it is beyond the catch-up window. A backlog of any
    size costs one UPDATE, so it never delays the rows still on time. Returns how many."""
    c = OUTBOX.c
    words = late_reasons()
    window = short(settings.catch_up)
    is_call = (
        sa.select(FollowUp.kind)  # type: ignore[call-overload]
        .where(FollowUp.id == c.target_id)
        .scalar_subquery()
        == FollowUpKind.CALL.value
    )
    started = sa.and_(c.starts_at.is_not(None), c.starts_at <= now)
    reason = sa.case(
        (
            sa.and_(started, c.target_kind.in_(["session", "notice"])),
            sa.literal(words["session"]),
        ),
        (sa.and_(started, c.target_kind == "followup", is_call), sa.literal(words["call"])),
        (sa.and_(started, c.target_kind == "followup"), sa.literal(words["followup"])),
        (started, sa.literal(words["program"])),
        (c.status == SENDING, sa.literal(words["stuck"].format(window=window))),
        else_=sa.literal(words["window"].format(window=window)),
    )
    result = db.execute(
        sa.update(OUTBOX)
        .where(
            sa.or_(due_filter(now), _stuck_filter(now, settings)),
            # a notice or a coach's message waits for a sender however long it takes: only
            # a moved session's notice has a start to beat
            sa.or_(
                started,
                sa.and_(
                    c.due_at < now - settings.catch_up,
                    c.target_kind.not_in([NOTICE, MESSAGE]),
                ),
            ),
        )
        .values(status=SKIPPED, reason=reason, claim_token=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def claim(
    db: DbSession,
    *,
    now: datetime,
    settings: Settings,
    token: str,
    report: SendReport | None = None,
    only: Any = None,
) -> tuple[list[Any], int]:
    """Take up to ``settings.batch`` due rows for this sender; rows out of attempts are
    failed (counted in ``report``). Returns the rows claimed and how many were looked at:
    0 means nothing is due any more. ``only``: a condition on the rows (one message's)."""
    report = report if report is not None else SendReport()
    c = OUTBOX.c
    skip_locked = db.get_bind().dialect.name == "postgresql"
    rows: list[Any] = []
    for condition in (due_filter(now), _stuck_filter(now, settings)):
        want = settings.batch - len(rows)
        if want <= 0:
            break
        if only is not None:
            condition = sa.and_(condition, only)
        rows += db.execute(claim_query(condition, want, skip_locked=skip_locked))
    claimed = []
    for row in rows:
        if row.attempts >= settings.max_attempts:
            _finish(
                db,
                row.id,
                FAILED,
                now,
                reason=_("gave up after {n} attempts").format(n=row.attempts),
                error=row.last_error,
            )
            report.failed += 1
            report.errors.append(
                _("reminder #{id} ({rule}): gave up after {n} attempts: {error}").format(
                    id=row.id, rule=row.rule, n=row.attempts, error=row.last_error
                )
            )
        else:
            claimed.append(row)
    if claimed:
        db.execute(
            sa.update(OUTBOX)
            .where(c.id.in_([r.id for r in claimed]))
            .values(
                status=SENDING,
                claimed_at=now,
                claim_token=token,
                attempts=c.attempts + 1,
                updated_at=now,
            )
        )
    return claimed, len(rows)


def _finish(
    db: DbSession,
    row_id: int,
    state: str,
    now: datetime,
    *,
    reason: str | None = None,
    error: str | None = None,
    message_id: str | None = None,
    token: str | None = None,
) -> None:
    c = OUTBOX.c
    values: dict[str, Any] = {"status": state, "updated_at": now, "claim_token": None}
    if reason is not None:
        values["reason"] = reason
    if error is not None:
        values["last_error"] = error
    if state == SENT:
        values.update(sent_at=now, message_id=message_id)
    query = sa.update(OUTBOX).where(c.id == row_id)
    if token is not None:
        query = query.where(c.claim_token == token)
    db.execute(query.values(**values))


def _compose(
    app: App,
    claimed: list[Any],
    *,
    now: datetime,
    settings: Settings,
    clock: Callable[[], datetime] | None = None,
) -> list[Claimed]:
    """Check each claimed row against its target as it is now (its start too: a reminder
    due before it never goes out once it began) and write its message."""
    words = late_reasons()
    wanting = {r.recipient_id for r in claimed if r.rule in LINKED and is_notice(r)}
    links = ask_links(app, wanting) if wanting else {}
    out = [Claimed(row) for row in claimed]
    channels = app.registry.all("channel")
    with app.read() as db:
        book = load_rulebook(db, app.config, now=None)
        loader = OccasionLoader(
            db, book, default_tz=settings.default_timezone, now=now, horizon=None
        )
        targets = loader.by_keys(
            ((r.target_kind, r.target_id) for r in claimed),
            people={r.recipient_id for r in claimed if r.recipient_kind == "participant"},
        )
        composer = Composer(app, db, settings, now=now, instance=instance_id(db))
        for item in out:
            row = item.row
            moment = clock() if clock is not None else now
            if is_notice(row):
                _compose_notice(item, db, composer, channels, links, moment=moment, words=words)
                continue
            target = targets.get((row.target_kind, row.target_id))
            problem = row_problem(row, target)
            if problem is not None:
                item.outcome = (CANCELLED, problem)
                continue
            assert target is not None
            if row.due_at < target.start <= moment:
                item.outcome = (SKIPPED, words[target.what])
                continue
            if row.due_at < target.start:
                item.starts, item.late = target.start, words[target.what]
            channel = channels.get(row.channel)
            if channel is None:
                known = ", ".join(sorted(channels)) or _("none")
                item.outcome = (
                    FAILED,
                    _("no channel named {name!r} (known: {known})").format(
                        name=row.channel, known=known
                    ),
                )
                continue
            _settle(item, row, channel, partial(composer.compose, row, target, channel))
    return out


LINKED = ("confirmation", "promoted", "invite")  # notices that carry the person's link


def is_notice(row: Any) -> bool:
    return row.target_kind in (NOTICE, MESSAGE)


def ask_links(app: App, people: set[int]) -> dict[int, list[Any]]:
    """Each person's private links from the plugins that offer them (``participant_links``,
    asked in a write unit of work: a plugin may create the link)."""
    from programs.api import Participant

    out: dict[int, list[Any]] = {}
    with app.write() as db:
        for pid in sorted(people):
            person = db.get(Participant, pid)
            if person is None:
                continue
            answers = app.call_each("participant_links", db=db, participant=person)
            out[pid] = [link for _name, given in answers for link in (given or ())]
    return out


def _settle(item: Claimed, row: Any, channel: Any, compose: Callable[[], Any]) -> None:
    """A claimed row's message, or why it is not sent: every kind of message the same way
    (a template that breaks fails the row; a skip or a recipient the channel cannot reach
    is skipped, saying why)."""
    try:
        composed = compose()
    except ComposeError as exc:
        item.outcome = (FAILED, str(exc))
        return
    if isinstance(composed, Skip):
        item.outcome = (SKIPPED, composed.reason)
    elif not channel.can_reach(composed):
        item.outcome = (SKIPPED, _unreachable(row, composed))
    else:
        item.message = composed


def _unreachable(row: Any, composed: Any) -> str:
    return (
        _("{name} has no email address (channel email)")
        if row.channel == "email"
        else _("channel {channel} cannot reach {name}")
    ).format(name=composed.to_name, channel=row.channel)


def _compose_notice(
    item: Claimed,
    db: DbSession,
    composer: Composer,
    channels: dict[str, Any],
    links: dict[int, list[Any]],
    *,
    moment: datetime,
    words: dict[str, str],
) -> None:
    row = item.row
    why = notice_problem(db, row)
    if why is not None:
        item.outcome = (CANCELLED, why)
        return
    if row.starts_at is not None and row.starts_at <= moment:
        item.outcome = (SKIPPED, words["session"])
        return
    item.starts, item.late = row.starts_at, words["session"]
    channel = channels.get(row.channel)
    if channel is None:
        known = ", ".join(sorted(channels)) or _("none")
        item.outcome = (
            FAILED,
            _("no channel named {name!r} (known: {known})").format(name=row.channel, known=known),
        )
        return
    _settle(
        item,
        row,
        channel,
        lambda: composer.compose_notice(row, channel, links.get(row.recipient_id, ())),
    )


def send_due(
    app: App,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    only: Any = None,
) -> SendReport:
    """Plan, then send everything due at ``now`` (default: the current time); ``only``: just
    the rows matching this condition (``programs message`` sends its own at once)."""
    now = now or utcnow()
    settings = load_settings(app)
    report = SendReport()
    if dry_run:
        try:
            with app.write() as db:
                planned = plan(db, app, now=now, scope=PlanScope(everything=True))
                raise _Rollback((planned, due_rows(db, now, settings)))
        except _Rollback as stop:
            report.plan, report.due = stop.payload
        return report
    began = time.monotonic()

    def clock() -> datetime:
        """The run's time as it goes on: a message is never sent once its item started."""
        return now + timedelta(seconds=time.monotonic() - began)

    report.plan = plan_changed(app, now=now)
    with app.write() as db:
        report.skipped += skip_late(db, now=now, settings=settings)
        total = count_due(db, now, settings, only)
    if progress is not None:
        progress(0, total)
    token = uuid.uuid4().hex
    channels = app.registry.all("channel")
    try:
        while True:
            with app.write() as db:
                claimed, seen = claim(
                    db, now=now, settings=settings, token=token, report=report, only=only
                )
            if not seen:
                break
            try:
                for item in _compose(app, claimed, now=now, clock=clock, settings=settings):
                    if item.starts is not None and item.outcome is None and clock() >= item.starts:
                        item.outcome, item.message = (SKIPPED, item.late), None
                    _deliver(
                        app,
                        item,
                        now=now,
                        settings=settings,
                        token=token,
                        report=report,
                        channels=channels,
                    )
                    if progress is not None:
                        progress(report.handled, total)
            except Misconfigured as stop:
                with app.write() as db:
                    waiting = release(db, token=token, now=now, error=stop.message)
                raise PluginError(
                    ngettext(
                        "channel {channel} cannot send: {error}; {n} reminder left waiting for "
                        "the next run",
                        "channel {channel} cannot send: {error}; {n} reminders left waiting for "
                        "the next run",
                        waiting,
                    ).format(channel=stop.channel, error=stop.message, n=waiting)
                ) from None
    finally:
        for channel in channels.values():
            close = getattr(channel, "close", None)
            if callable(close):
                close()
    return report


class Misconfigured(Exception):
    """A channel said it can send nothing until its settings are fixed."""

    def __init__(self, channel: str, message: str) -> None:
        super().__init__(message)
        self.channel, self.message = channel, message


def release(db: DbSession, *, token: str, now: datetime, error: str) -> int:
    """Hand back what this sender claimed and did not finish, as if never tried: a wrong
    setting must not use up a reminder's attempts. Returns how many rows went back."""
    c = OUTBOX.c
    result = db.execute(
        sa.update(OUTBOX)
        .where(c.claim_token == token, c.status == SENDING)
        .values(
            status=PENDING,
            attempts=c.attempts - 1,
            claim_token=None,
            claimed_at=None,
            last_error=error,
            updated_at=now,
        )
    )
    return result.rowcount or 0


def _deliver(
    app: App,
    item: Claimed,
    *,
    now: datetime,
    settings: Settings,
    token: str,
    report: SendReport,
    channels: dict[str, Any],
) -> None:
    row = item.row
    if item.outcome is not None:
        state, reason = item.outcome
        with app.write() as db:
            _finish(
                db,
                row.id,
                state,
                now,
                reason=reason,
                error=reason if state == FAILED else None,
                token=token,
            )
        if state == FAILED:
            report.failed += 1
            report.errors.append(
                _("reminder #{id} ({rule}): {reason}").format(
                    id=row.id, rule=row.rule, reason=reason
                )
            )
        elif state == SKIPPED:
            report.skipped += 1
        else:
            report.cancelled += 1
        return
    assert item.message is not None
    attempts = row.attempts + 1
    try:
        message_id = channels[row.channel].send(app, item.message)
    except Exception as exc:  # a channel's failure is recorded on the row, never lost
        if isinstance(exc, ChannelError) and exc.configuration:
            raise Misconfigured(row.channel, str(exc)) from exc
        permanent = isinstance(exc, ChannelError) and exc.permanent
        error = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        final = permanent or attempts >= settings.max_attempts
        with app.write() as db:
            if final:
                _finish(
                    db,
                    row.id,
                    FAILED,
                    now,
                    error=error,
                    token=token,
                    reason=ngettext(
                        "failed after {n} attempt", "failed after {n} attempts", attempts
                    ).format(n=attempts),
                )
            else:
                db.execute(
                    sa.update(OUTBOX)
                    .where(OUTBOX.c.id == row.id, OUTBOX.c.claim_token == token)
                    .values(
                        status=PENDING,
                        last_error=error,
                        claim_token=None,
                        not_before=now + settings.retry_after,
                        updated_at=now,
                    )
                )
        who = item.message.to_name
        if final:
            report.failed += 1
            report.errors.append(
                _("reminder #{id} to {name} by {channel} failed: {error}").format(
                    id=row.id, name=who, channel=row.channel, error=error
                )
            )
        else:
            report.retrying += 1
            report.errors.append(
                _(
                    "reminder #{id} to {name} by {channel} failed (attempt {n} of {most}, "
                    "retried in {wait}): {error}"
                ).format(
                    id=row.id,
                    name=who,
                    channel=row.channel,
                    n=attempts,
                    most=settings.max_attempts,
                    wait=short(settings.retry_after),
                    error=error,
                )
            )
        return
    with app.write() as db:
        _finish(db, row.id, SENT, now, message_id=str(message_id), token=token)
    report.sent += 1
