"""``programs reminders plan / list / send / run / history`` through the CLI (built-in plugins
loaded, a real SQLite file, a real SMTP server on loopback): output, exit codes, JSON, and
nothing written on a refused command or a dry run."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cli_support import ok, snapshot
from test_reminders_support import (
    email_config,
    outbox,
    reminders_app,
    smtp_server,
    story,
    write_config,
)

from programs.models import utcnow

DUE = "2027-03-26T08:00:00Z"  # the 2-day reminders of the story's session


@pytest.fixture
def world(run, sqlite_url: str, private_env):  # type: ignore[no-untyped-def]
    """The story in the CLI's database, the config pointing at a live SMTP server."""
    with smtp_server() as (inbox, port):
        write_config(private_env / "config.toml", email_config(port))
        app = reminders_app(sqlite_url, email_config(port))
        ids = story(app)
        yield app, inbox, ids
        app.close()


def test_list_plan_and_history_as_tables_and_json(run, world) -> None:  # type: ignore[no-untyped-def]
    _app, inbox, _ids = world
    assert (
        "outbox: 0 planned, 0 skipped, 0 cancelled, 0 updated"
        in ok(run("reminders", "plan")).stdout
    )
    rows = json.loads(ok(run("reminders", "list", "--json")).stdout)
    assert [(r["rule"], r["to"], r["due"], r["timezone"]) for r in rows[:2]] == [
        # each due time in its recipient's zone, ISO 8601 with the offset
        ("session-2d", "S. Martin", "2027-03-26T09:00:00+01:00", "Europe/Paris"),
        ("session-2d", "Léa Roux", "2027-03-26T04:00:00-04:00", "America/Montreal"),
    ]
    assert rows[-1]["to"] == "Claire Dubois (coach)"
    assert rows[0]["about"].startswith("marseille-2026 session #")
    table = ok(run("reminders", "list")).stdout
    assert "Martin" in table and "Claire" in table and "session-" in table
    assert json.loads(ok(run("reminders", "list", "--due", "--json")).stdout) == []
    due = json.loads(ok(run("reminders", "list", "--due", "--now", DUE, "--json")).stdout)
    assert len(due) == 2
    assert len(
        json.loads(ok(run("reminders", "list", "--program", "marseille-2026", "--json")).stdout)
    ) == len(rows)
    out = ok(run("reminders", "send", "--now", DUE))
    assert "reminders: 2 sent, 0 skipped" in out.stdout
    assert len(inbox.received) == 2
    history = json.loads(ok(run("reminders", "history", "S. Martin", "--json")).stdout)
    assert [(h["status"], h["rule"]) for h in history] == [("sent", "session-2d")]
    assert history[0]["message_id"] == inbox.to("s.martin@example.com")[0].message_id
    assert len(json.loads(ok(run("reminders", "history", "--json")).stdout)) == 2
    again = ok(run("reminders", "send", "--now", DUE))
    assert again.stdout.strip() == "Nothing is due."


def test_a_dry_run_lists_what_would_go_and_writes_nothing(run, world, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    _app, inbox, _ids = world
    before = snapshot(sqlite_url)
    out = ok(run("reminders", "send", "--dry-run", "--now", DUE))
    assert "Would send 2 reminders (nothing was changed):" in out.stdout
    assert "S. Martin" in out.stdout and "Léa Roux" in out.stdout
    assert snapshot(sqlite_url) == before
    assert inbox.received == []


def test_a_failing_server_exits_1_with_one_line_per_reminder(run, world) -> None:  # type: ignore[no-untyped-def]
    app, inbox, _ids = world
    inbox.refuse = "421 4.3.2 shutting down"
    result = run("reminders", "send", "--now", DUE)
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 3
    assert all(line.startswith("Error: ") for line in errors)
    assert "421" in errors[0] and errors[-1] == "Error: 2 reminders not sent (see above)"
    assert "Traceback" not in result.stderr
    assert {r.status for r in outbox(app, rule="session-2d")} == {"pending"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["send", "--now", "tomorrow"], "cannot read time 'tomorrow'"),
        (["list", "--program", "nowhere"], "no program 'nowhere'"),
        (["history", "Nobody Here"], "no participant matches 'Nobody Here'"),
        (["run", "--every", "often"], "cannot read duration 'often'"),
    ],
)
def test_mistakes_are_one_line_errors_and_write_nothing(
    run, world, sqlite_url: str, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(sqlite_url)
    result = run("reminders", *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {message}" or result.stderr.startswith(
        f"Error: {message}"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(sqlite_url) == before


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_history_refuses_a_limit_below_one_as_a_usage_error(run, world, limit: str) -> None:  # type: ignore[no-untyped-def]
    # LIMIT -1 meant "no limit" on SQLite and a multi-line DataError on PostgreSQL
    result = run("reminders", "history", "--limit", limit)
    assert result.exit_code == 2
    assert "Invalid value for '--limit'" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_loops_a_bounded_number_of_times_and_sends_what_is_due(run, world) -> None:  # type: ignore[no-untyped-def]
    app, inbox, _ids = world
    now = utcnow().replace(tzinfo=None)
    start = now + timedelta(hours=2, minutes=-1)  # its 2-hour reminders: due a minute ago
    with app.engine.begin() as conn:  # booked a week ago, its time changed behind our back
        conn.execute(
            sa.text('UPDATE program_session SET start = :s, "end" = :e, updated_at = :w'),
            {"s": start, "e": start + timedelta(hours=8), "w": now - timedelta(days=7)},
        )
        conn.execute(
            sa.text("UPDATE enrollment SET enrolled_at = :w"), {"w": now - timedelta(days=7)}
        )
        conn.execute(  # and the rules were in force then too
            sa.text("UPDATE reminders_rule_seen SET since = :w"), {"w": now - timedelta(days=7)}
        )
    result = ok(run("reminders", "run", "--every", "1s", "--iterations", "2"))
    # the run plans first: the 2-hour reminders go out, the 2-day ones are too late
    assert result.stdout.count("reminders: 2 sent, 2 skipped") == 1, result.stdout
    assert len(result.stdout.strip().splitlines()) == 1  # the second run had nothing to do
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == [
        "lea.roux@example.com",
        "s.martin@example.com",
    ]


def test_run_goes_on_after_a_run_that_lost_the_database(run, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # e.g. PostgreSQL restarted between two runs: the first run fails, the loop goes on
    from programs.plugins.reminders import sender

    app, inbox, _ids = world
    real = sender.send_due
    calls = []

    def flaky(app, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        if len(calls) == 1:
            raise sa.exc.OperationalError(
                "SELECT 1", {}, Exception("terminating connection\nDETAIL: admin")
            )
        return real(app, **kwargs)

    monkeypatch.setattr(sender, "send_due", flaky)
    now = utcnow().replace(tzinfo=None)
    start = now + timedelta(hours=2, minutes=-1)  # its 2-hour reminders: due a minute ago
    with app.engine.begin() as conn:  # booked a week ago, its time changed behind our back
        conn.execute(
            sa.text('UPDATE program_session SET start = :s, "end" = :e, updated_at = :w'),
            {"s": start, "e": start + timedelta(hours=8), "w": now - timedelta(days=7)},
        )
        conn.execute(
            sa.text("UPDATE enrollment SET enrolled_at = :w"), {"w": now - timedelta(days=7)}
        )
        conn.execute(  # and the rules were in force then too
            sa.text("UPDATE reminders_rule_seen SET since = :w"), {"w": now - timedelta(days=7)}
        )
    result = run("reminders", "run", "--every", "1s", "--iterations", "2")
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 2
    errors = result.stderr.strip().splitlines()
    assert errors == [
        "Error: unexpected Exception: terminating connection (the next run tries again)"
    ]
    assert "reminders: 2 sent" in result.stdout
    assert len(inbox.received) == 2


def test_the_group_and_every_command_have_help(run) -> None:  # type: ignore[no-untyped-def]
    for command in (
        [],
        ["rules"],
        ["rules", "add"],
        ["rules", "remove"],
        ["rules", "reset"],
        ["plan"],
        ["list"],
        ["send"],
        ["run"],
        ["history"],
    ):
        out = ok(run("reminders", *command, "--help"))
        assert "Usage:" in out.stdout and len(out.stdout.splitlines()) > 4
