"""The email plugin: its own ``[email]`` settings (the old ``[reminders.email]`` still read,
with a notice), email that keeps working with the reminders plugin disabled, an unconfigured
email that stops a run and uses up no reminder, and ``programs email test``.

Real SMTP servers (aiosmtpd on loopback), the real command line, outbox rows read with plain
SQL after each run.
"""

from __future__ import annotations

import socket

import pytest
from cli_support import ok, refused, rows
from test_reminders_support import email_config, free_port, smtp_server, write_config


def nothing_on(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) != 0


def story(run) -> None:  # type: ignore[no-untyped-def]
    ok(run("coach", "set", "--name", "Claire Dubois", "--email", "claire@example.com"))
    ok(run("create", "marseille-2026", "--title", "Accompagnement collectif"))
    ok(run("session", "add", "marseille-2026", "--start", "2027-02-04 09:00", "--end", "17:00"))
    ok(run("participant", "add", "S. Martin", "--email", "s.martin@example.com"))
    ok(run("enroll", "marseille-2026", "S. Martin"))


def test_unconfigured_email_stops_every_run_and_leaves_the_reminders_as_they_were(
    run, sqlite_url: str
) -> None:
    """No [email] table and nothing answering on localhost:25: a configuration error, not a
    passing failure. Five cron runs later the reminder is still pending, never attempted."""
    if not nothing_on(25):
        pytest.skip("something answers on localhost:25 on this machine")
    story(run)
    due = "2027-02-02T08:00:00Z"  # 09:00 in Paris two days before: the reminder is due
    for _ in range(5):
        result = run("reminders", "send", "--now", due)
        refused(result, "email is not configured: nothing answers on localhost:25")
        assert "[email]" in result.stderr
    assert rows(
        sqlite_url, "SELECT status, attempts FROM reminders_outbox WHERE rule = 'session-2d'"
    ) == [("pending", 0)]


def test_the_old_reminders_email_table_still_works_with_a_notice(run, private_env) -> None:  # type: ignore[no-untyped-def]
    with smtp_server() as (inbox, port):
        config = email_config(port)
        old_table = {"email": config["email"], "notices": False}  # reminders only
        write_config(private_env / "config.toml", {"reminders": old_table})
        story(run)
        result = ok(run("reminders", "send", "--now", "2027-02-02T08:00:00Z"))
        assert "1 sent" in result.stdout
        assert "Warning: plugin email: the [reminders.email] table is now [email]" in result.stderr
        assert len(inbox.received) == 1


def test_email_works_with_the_reminders_plugin_disabled(run, private_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from programs.plugin_manager import reset_plugin_manager

    with smtp_server() as (inbox, port):
        write_config(private_env / "config.toml", email_config(port))
        monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", "reminders")
        reset_plugin_manager()
        ok(run("email", "test", "claire@example.com"))
        assert [r.rcpt_tos for r in inbox.received] == [["claire@example.com"]]


def test_email_test_sends_one_message(run, private_env) -> None:  # type: ignore[no-untyped-def]
    with smtp_server() as (inbox, port):
        write_config(private_env / "config.toml", email_config(port))
        out = ok(run("email", "test", "claire@example.com")).stdout
        assert out.startswith(f"sent a test message to claire@example.com through 127.0.0.1:{port}")
        (received,) = inbox.received
        assert received.message["Subject"] == "programs\u202f: message d'essai"
        assert received.message["From"] == "Claire Dubois <claire@example.com>"


def test_email_test_says_what_went_wrong_in_one_line(run, private_env, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    from cli_support import snapshot

    port = free_port()
    before = snapshot(sqlite_url)
    write_config(private_env / "config.toml", email_config(port))  # configured, nobody there
    refused(
        run("email", "test", "claire@example.com"), f"cannot reach SMTP server 127.0.0.1:{port}"
    )
    with smtp_server() as (_inbox, live):
        config = email_config(live)
        config["email"]["security"] = "starttls"
        write_config(private_env / "config.toml", config)
        refused(run("email", "test", "claire@example.com"), "does not offer STARTTLS")
        config["email"]["security"] = "none"
        config["email"].pop("sender")
        write_config(private_env / "config.toml", config)
        refused(run("email", "test", "claire@example.com"), "no sender")
    refused(run("email", "test", "not an address"), "invalid email")
    assert snapshot(sqlite_url) == before


def test_email_test_says_when_the_login_is_refused(run, private_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from test_reminders_support import Inbox

    def authenticator(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        return AuthResult(success=data.password == b"s3cret", handled=False)

    port = free_port()
    controller = Controller(
        Inbox(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        config = email_config(port)
        config["email"].update(username="claire", password_env="SMTP_PASSWORD")
        write_config(private_env / "config.toml", config)
        monkeypatch.setenv("SMTP_PASSWORD", "wrong")
        refused(run("email", "test", "claire@example.com"), "SMTP login refused by 127.0.0.1")
        monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
        ok(run("email", "test", "claire@example.com"))
    finally:
        controller.stop()
