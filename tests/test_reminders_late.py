"""Never after the start, and no stall after downtime (issue 14, items 1 and 2), against a
real SMTP server (aiosmtpd) on SQLite and PostgreSQL.

- a reminder about a session or a follow-up is never sent at or after its start, whatever
  the catch-up window, and the skipped row says why, in the coach's language;
- the program's end nudge (due after the program began) is bounded by the window only;
- a backlog of late rows is skipped in one statement, and one run sends every due row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from test_reminders_support import (
    DST_DAY_9AM,
    email_config,
    outbox,
    reminders_app,
    smtp_server,
    states,
    story,
)

from programs.domain.followup import plan_followup
from programs.i18n import using
from programs.models import Participant, Program


def send(app: Any, now: datetime) -> Any:
    from programs.plugins.reminders.sender import send_due

    return send_due(app, now=now)


def test_a_session_reminder_is_never_sent_once_the_session_began(db_url: str) -> None:
    with smtp_server() as (inbox, port):
        # a window so wide it would let the 2-hour reminder out an hour after the start
        app = reminders_app(db_url, email_config(port, catch_up="12h"))
        story(app)
        report = send(app, DST_DAY_9AM)  # exactly at the start: too late already
        assert report.sent == 0 and report.skipped == 4  # 2 people x (2 days, 2 hours)
        assert inbox.received == []
        assert {r.reason for r in outbox(app, target_kind="session")} == {
            "not sent: the session had started"
        }
        # an hour earlier, the 2-hour one would have gone out; the 2-day one is beyond the
        # window, and says so
        app2 = reminders_app(db_url.replace("programs.db", "second.db"), email_config(port))
        if app2.engine.dialect.name == "sqlite":
            story(app2)
            report = send(app2, DST_DAY_9AM - timedelta(hours=1))
            assert (report.sent, report.skipped) == (2, 2)
            assert {r.reason for r in outbox(app2, rule="session-2d")} == {
                "not sent: more than 2h late, beyond the catch-up window"
            }
        app2.close()
        app.close()


def test_a_call_reminder_says_the_call_had_started_in_the_coach_language(db_url: str) -> None:
    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port, catch_up="3h"))
        ids = story(app)
        call = DST_DAY_9AM + timedelta(days=3)
        with app.write() as db:
            plan_followup(
                db, participant=db.get(Participant, ids["people"][0]), kind="call", start=call
            )
        with using("fr"):
            report = send(app, call + timedelta(minutes=5))
        assert report.sent == 0
        rows = outbox(app, rule="followup-1h")
        assert {r.recipient_kind for r in rows} == {"participant", "coach"}
        assert {r.reason for r in rows} == {"non envoyé\u202f: l'appel avait commencé"}
        assert inbox.received == []
        # ten minutes before the call, with the same window, both go out
        with app.write() as db:
            plan_followup(
                db,
                participant=db.get(Participant, ids["people"][1]),
                kind="session",
                start=call + timedelta(days=1),
            )
        assert send(app, call + timedelta(days=1, minutes=-10)).sent == 2
        assert len(inbox.received) == 2
        app.close()


def test_the_end_nudge_is_bounded_by_the_window_only(db_url: str) -> None:
    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port, catch_up="2h"))
        story(app)
        nudge = outbox(app, rule="program-nudge")
        assert [r.starts_at for r in nudge] == [None]  # due after the program began
        assert send(app, _aware(nudge[0].due_at) + timedelta(hours=1)).sent >= 1
        assert states(app, rule="program-nudge") == {"sent": 1}
        assert any(r.rcpt_tos == ["claire@example.com"] for r in inbox.received)
        app.close()


def test_the_check_at_sending_time_uses_the_clock_of_the_run(sqlite_url: str) -> None:
    """A row claimed before its session began but composed after (a slow run) is skipped."""
    from programs.plugins.reminders.sender import _compose, claim
    from programs.plugins.reminders.settings import load_settings

    app = reminders_app(sqlite_url, email_config(1))
    story(app)
    now = DST_DAY_9AM - timedelta(minutes=1)
    settings = load_settings(app)
    with app.write() as db:
        claimed, _seen = claim(db, now=now, settings=settings, token="t" * 32)
    assert {r.rule for r in claimed} == {"session-2d", "session-2h"}  # claim skips nothing
    items = _compose(app, claimed, now=now, settings=settings, clock=lambda: DST_DAY_9AM)
    assert {i.outcome for i in items} == {("skipped", "not sent: the session had started")}
    assert all(i.message is None for i in items)
    app.close()


def _aware(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- no stall ----------------------------------------------------------------------------------


def _crowd(app: Any, slug: str, start: datetime, people: int, first: int) -> None:
    """A program with one session at ``start`` and ``people`` enrolled a week before, with
    Core bulk inserts (10,000 people through the domain would take minutes)."""
    from programs.api import Enrollment, Session

    week_ago = start - timedelta(days=7)
    with app.engine.begin() as conn:
        program_id = conn.execute(
            sa.insert(Program.__table__).returning(Program.__table__.c.id),
            {
                "slug": slug,
                "title": f"Program {slug}",
                "timezone": "Europe/Paris",
                "status": "open",
                "created_at": week_ago,
                "updated_at": week_ago,
            },
        ).scalar_one()
        conn.execute(
            sa.insert(Session.__table__),
            {
                "program_id": program_id,
                "title": "Day 1",
                "start": start,
                "end": start + timedelta(hours=8),
                "status": "scheduled",
                "uid": f"session-{uuid.uuid4()}@programs",
                "revision": 0,
                "created_at": week_ago,
                "updated_at": week_ago,
            },
        )
        ids = conn.execute(
            sa.insert(Participant.__table__).returning(Participant.__table__.c.id),
            [
                {
                    "name": f"Person {i}",
                    "email": f"p{i}@example.com",
                    "language": "en",
                    "created_at": week_ago,
                    "updated_at": week_ago,
                }
                for i in range(first, first + people)
            ],
        ).scalars()
        conn.execute(
            sa.insert(Enrollment.__table__),
            [
                {
                    "program_id": program_id,
                    "participant_id": pid,
                    "status": "enrolled",
                    "requested_at": week_ago,
                    "enrolled_at": week_ago,
                }
                for pid in ids
            ],
        )


def test_a_backlog_of_late_rows_never_stalls_the_due_ones(db_url: str) -> None:
    from programs.plugins.reminders.sync import plan_all

    now = datetime(2031, 5, 6, 10, 0, tzinfo=UTC)
    rules = [{"name": "soon", "target": "session", "offset": "-2h", "audience": "participants"}]
    with smtp_server() as (inbox, port):
        config = email_config(port, catch_up="30m", batch=20)
        config["reminders"]["rules"] = rules
        app = reminders_app(db_url, config)
        _crowd(app, "late", now + timedelta(hours=1), 10_000, 0)  # due an hour ago
        _crowd(app, "due", now + timedelta(hours=2), 100, 10_000)  # due now
        assert plan_all(app, now=now - timedelta(hours=4)).planned == 10_100
        statements: list[str] = []

        def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith("UPDATE REMINDERS_OUTBOX SET STATUS"):
                statements.append(statement)

        sa.event.listen(app.engine, "before_cursor_execute", note)
        report = send(app, now)  # one run
        sa.event.remove(app.engine, "before_cursor_execute", note)
        assert (report.sent, report.skipped, report.errors) == (100, 10_000, [])
        assert len(inbox.received) == 100
        assert states(app) == {"sent": 100, "skipped": 10_000}
        skips = [s for s in statements if "catch-up" in s or "CASE" in s.upper()]
        assert len(skips) == 1, skips  # the whole backlog in one statement
        app.close()


def test_a_run_started_a_moment_before_the_start_sends_nothing_late(db_url: str) -> None:
    """Due and on time when the run began, started by the time it would go out: skipped,
    whether the composing or the sending finds it (the run's own clock moves on)."""
    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port, catch_up="12h"))
        story(app)
        report = send(app, DST_DAY_9AM - timedelta(microseconds=1))
        assert report.sent == 0 and inbox.received == []
        assert {r.reason for r in outbox(app, rule="session-2h")} == {
            "not sent: the session had started"
        }
        app.close()
