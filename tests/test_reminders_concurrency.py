"""Senders as real processes (``python -m programs.cli ... reminders send``) against a real SMTP
server: two at once never send one reminder twice (SQLite and PostgreSQL), and a sender
killed with SIGKILL halfway through 1,000 reminders, then run again, delivers every one of
them with only the message in flight sent twice — with the same Message-ID, so the receiver
can drop it."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_reminders_support import (
    Inbox,
    email_config,
    programs_cmd,
    reminders_app,
    smtp_server,
    states,
    story,
    utc,
    write_config,
)

from programs.domain.csv_import import import_participants
from programs.models import Program

NOW = utc("2027-03-28T05:00:00Z")
RULES = [{"name": "session-2h", "target": "session", "offset": "-2h"}]


def _people(app: Any, program_id: int, count: int) -> None:
    rows = [
        (i + 2, {"name": f"Person {i:04d}", "email": f"p{i:04d}@example.com"}) for i in range(count)
    ]
    with app.write() as db:
        import_participants(db, rows, program=db.get(Program, program_id))
    assert not app.failures


def _setup(url: str, port: int, tmp_path: Path, count: int) -> tuple[Any, dict[str, str]]:
    config = email_config(port, rules=RULES, batch=10)
    path = write_config(tmp_path / "config.toml", config)
    app = reminders_app(url, config)
    ids = story(app, sessions=(NOW + timedelta(hours=2, minutes=-1),), people=())
    _people(app, ids["program"], count)
    assert states(app) == {"pending": count}
    env = {**os.environ, "PROGRAMS_CONFIG": str(path), "PROGRAMS_LOAD_PLUGINS": "reminders,email"}
    return app, env


def _send(url: str, now: str) -> list[str]:
    return programs_cmd("--db", url, "reminders", "send", "--now", now)


@pytest.mark.slow
def test_two_senders_at_once_never_send_a_reminder_twice(db_url: str, tmp_path: Path) -> None:
    inbox = Inbox(wait_for_peers=2)  # each holds its first message until the other sends
    with smtp_server(inbox) as (inbox, port):
        app, env = _setup(db_url, port, tmp_path, 200)
        both = [
            subprocess.Popen(
                _send(db_url, "2027-03-28T05:00:00Z"),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in both]
    for process, (out, err) in zip(both, outputs, strict=True):
        assert process.returncode == 0, err
        assert "sent" in out
        assert "Traceback" not in err
    assert len(inbox.peers) == 2  # both sent mail, at the same time
    assert len(inbox.received) == 200
    assert set(inbox.ids.values()) == {1}
    assert states(app) == {"sent": 200}
    app.close()


@pytest.mark.slow
def test_a_sender_killed_halfway_is_rerun_and_nothing_is_lost(
    sqlite_url: str, tmp_path: Path
) -> None:
    inbox = Inbox(hold_at=500)  # the 500th message: received, but never answered
    with smtp_server(inbox) as (inbox, port):
        app, env = _setup(sqlite_url, port, tmp_path, 1000)
        sender = subprocess.Popen(
            _send(sqlite_url, "2027-03-28T05:00:00Z"),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert inbox.held.wait(60), "the sender never reached the 500th message"
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=30)
        assert sender.returncode == -signal.SIGKILL
        in_flight = inbox.received[-1].message_id
        inbox.release.set()
        assert states(app)["sent"] == 499
        # Run again once the dead sender's claims have timed out (10 minutes).
        rerun = subprocess.run(
            _send(sqlite_url, "2027-03-28T05:11:00Z"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert rerun.returncode == 0, rerun.stderr
    assert states(app) == {"sent": 1000}
    ids = inbox.ids
    assert len(ids) == 1000  # every reminder delivered
    assert [k for k, n in ids.items() if n > 1] == [in_flight]  # only the one in flight twice
    assert ids[in_flight] == 2
    app.close()


@pytest.mark.slow
def test_sending_shows_progress_on_a_terminal_only(sqlite_url: str, tmp_path: Path) -> None:
    import pty

    with smtp_server() as (inbox, port):
        app, env = _setup(sqlite_url, port, tmp_path, 100)
        env["TERM"] = "xterm-256color"
        controller, terminal = pty.openpty()
        process = subprocess.Popen(
            _send(sqlite_url, "2027-03-28T05:00:00Z"),
            env=env,
            stdout=terminal,
            stderr=subprocess.PIPE,
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        os.close(controller)
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert b"sending" in shown and b"\x1b[" in shown  # rich drew its bar
        assert b"reminders: 100 sent" in shown
        # in a pipe (cron): one summary line, no bar
        with app.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE reminders_outbox SET status = 'pending'")
        piped = subprocess.run(
            _send(sqlite_url, "2027-03-28T05:00:00Z"),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == "reminders: 100 sent, 0 skipped, 0 cancelled, 0 to retry, 0 failed\n"
    assert len(inbox.received) == 200
    app.close()
