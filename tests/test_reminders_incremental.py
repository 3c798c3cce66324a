"""Cheap when idle (issue 14, item 3): ``send`` plans only what changed since the last plan
(the core's calendar change markers), and ``reminders plan --full`` rebuilds everything in
short write transactions, so a coach's command typed meanwhile is never refused with
"database is locked"."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from conftest import make_app
from test_reminders_late import _crowd
from test_reminders_support import DST_DAY_9AM, outbox, reminders_app, states, story

from programs.domain.session import add_session
from programs.models import Program


def _statements(app: Any) -> tuple[list[str], Any]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    return seen, note


def test_an_idle_send_plans_nothing_and_a_missed_change_is_planned(db_url: str) -> None:
    from programs.plugins.reminders.sender import send_due

    app = reminders_app(db_url, {"email": {"host": "127.0.0.1", "port": 1}})
    ids = story(app)
    now = DST_DAY_9AM - timedelta(days=10)
    assert send_due(app, now=now).handled == 0  # the first plan (full) is recorded
    seen, note = _statements(app)
    sa.event.listen(app.engine, "before_cursor_execute", note)
    assert send_due(app, now=now).plan.planned == 0
    sa.event.remove(app.engine, "before_cursor_execute", note)
    # nothing read of sessions, enrollments or the outbox's targets: only the markers
    assert not [s for s in seen if "FROM program_session" in s or "FROM enrollment" in s]
    assert any("calendar_revision" in s for s in seen)
    # a session added while the reminders plugin was off (no event reached it)
    core = make_app(db_url)
    with core.write() as db:
        add_session(
            db,
            program=db.get(Program, ids["program"]),
            start=DST_DAY_9AM + timedelta(days=7),
            end=DST_DAY_9AM + timedelta(days=7, hours=8),
            title="Jour 2",
        )
    core.close()
    before = len(outbox(app))
    report = send_due(app, now=now)
    # 2 people x 2 rules for the new session, and the coach's nudge after the new last day
    # (the old one cancelled)
    assert (report.plan.planned, report.plan.cancelled) == (5, 1)
    assert len(outbox(app)) == before + 5
    assert send_due(app, now=now).plan.planned == 0
    app.close()


def test_a_rule_change_replans_everything(sqlite_url: str, run) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    app = reminders_app(sqlite_url, {"email": {"host": "127.0.0.1", "port": 1}})
    story(app)
    now = DST_DAY_9AM - timedelta(days=10)
    send_due(app, now=now)
    result = run("reminders", "rules", "add", "eve", "--target", "session", "--offset", "-1d")
    assert result.exit_code == 0, result.output
    send_due(app, now=now)
    assert states(app, rule="eve") == {"pending": 2}
    app.close()


def test_a_coach_command_during_a_full_plan_of_a_large_outbox_is_never_locked_out(
    sqlite_url: str, run
) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sync import plan_all

    app = reminders_app(sqlite_url)
    start = datetime(2031, 5, 6, 10, 0, tzinfo=UTC)
    for n in range(4):
        _crowd(app, f"big-{n}", start + timedelta(days=n), 10_000, n * 10_000)
    outcome: dict[str, Any] = {}

    def full() -> None:
        began = time.monotonic()
        outcome["result"] = plan_all(app, now=start - timedelta(days=30))
        outcome["took"] = time.monotonic() - began

    planner = threading.Thread(target=full)
    planner.start()
    path = sqlite_url.removeprefix("sqlite:///")
    writes, waits = 0, []
    while planner.is_alive():
        # what a coach's command does, allowed to wait two seconds for the lock and no more
        # (a plan in one transaction holds it for the whole plan, well over that)
        conn = sqlite3.connect(path, timeout=2.0, isolation_level=None)
        began = time.monotonic()
        conn.execute("BEGIN IMMEDIATE")  # "database is locked" if a plan holds it for 2 s
        waits.append(time.monotonic() - began)
        conn.execute("UPDATE coach SET phone = phone")
        conn.execute("COMMIT")
        conn.close()
        writes += 1
        time.sleep(0.05)
    planner.join()
    assert outcome["result"].planned == 80_000  # 4 x 10,000 people x 2 rules
    assert outcome["took"] > 2.0  # one transaction this long would have locked them out
    assert writes >= 5 and max(waits) < 2.0
    # and the coach's real command, typed during a second full plan
    planner = threading.Thread(target=full)
    planner.start()
    time.sleep(0.2)
    began = time.monotonic()
    added = run("participant", "add", "Nouvelle Personne", "--email", "n@example.com")
    typed = time.monotonic() - began
    planner.join()
    assert added.exit_code == 0, added.output
    assert "locked" not in added.output and typed < outcome["took"] + 5
    app.close()
