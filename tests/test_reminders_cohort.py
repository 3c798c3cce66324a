"""``programs message`` and ``programs invite`` (issue 14 item 4, issue 12 item 6), through
the outbox, against a real SMTP server (aiosmtpd): once per recipient even when run twice,
``--again``, ``--dry-run``, audiences, listed in ``reminders history``; a cohort message to
1,000 people killed halfway (a real subprocess, SIGKILL) sends at most the one in flight twice,
with the same Message-ID; invitations once per person and link, in their language."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_reminders_concurrency import _people
from test_reminders_support import (
    Inbox,
    email_config,
    outbox,
    programs_cmd,
    read_mail,
    reminders_app,
    smtp_server,
    story,
    write_config,
)

from programs.domain.attendance import mark_attendance
from programs.hookspecs import hookimpl
from programs.models import Participant, Session, utcnow

MARTIN, LEA = "s.martin@example.com", "lea.roux@example.com"
NNBSP = "\u202f"


class Links:
    @hookimpl
    def participant_links(self, db: Any, participant: Participant) -> list[Any]:
        from programs.api import PrivateLink

        return [PrivateLink("page", f"https://c.example.org/p/tok{participant.id}-v{self.v}")]

    v = 1


def invoke(app: Any, command: Any, *args: str) -> Any:
    """A plugin's command in-process, on ``app`` (with its test plugins)."""
    from programs.cli.context import State

    state = State(str(app.engine.url))
    state._app = app
    return CliRunner().invoke(command, list(args), obj=state)


def test_a_cohort_message_run_twice_reaches_each_person_once(db_url: str) -> None:
    from programs.plugins.reminders.cohort_commands import message

    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port))
        story(app)
        args = ["marseille-2026", "--to", "enrolled", "--subject", "Salle changée\nici"]
        args += ["--body", "Nous serons en salle 4."]
        preview = invoke(app, message, *args, "--dry-run")
        assert preview.exit_code == 0, preview.output
        assert "S. Martin" in preview.output and "Léa Roux" in preview.output
        # the text as the first of them would read it, in their language
        assert "Nous serons en salle 4." in preview.output
        assert "Accompagnement collectif" in preview.output
        assert outbox(app, rule="message") == [] and inbox.received == []
        first = invoke(app, message, *args)
        assert first.exit_code == 0, first.output
        assert len(inbox.received) == 2, first.output
        fr = read_mail(inbox.to(MARTIN)[0])
        # the program's name first, the line break folded, French typography
        assert fr.subject == f"Accompagnement collectif{NNBSP}: Salle changée ici"
        assert "Nous serons en salle 4." in fr.text and "claire@example.com" in fr.text
        again = invoke(app, message, *args)
        assert again.exit_code == 0 and "Nothing new" in again.output
        assert len(inbox.received) == 2
        more = invoke(app, message, *args, "--again")
        assert more.exit_code == 0, more.output
        assert len(inbox.received) == 4
        assert len({r.message_id for r in inbox.received}) == 4
        rows = outbox(app, rule="message")
        assert {r.status for r in rows} == {"sent"} and len(rows) == 4
        app.close()


def test_audiences_present_and_absent_and_history(sqlite_url: str, run) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.cohort_commands import message

    with smtp_server() as (inbox, port):
        app = reminders_app(sqlite_url, email_config(port))
        ids = story(app, sessions=(utcnow() - timedelta(days=2),))  # attendance is marked after
        with app.write() as db:
            mark_attendance(
                db,
                session=db.get(Session, ids["sessions"][0]),
                participant=db.get(Participant, ids["people"][1]),
                present=True,
            )
        base = ["marseille-2026", "--session", str(ids["sessions"][0]), "--subject", "Merci"]
        assert invoke(app, message, *base, "--to", "present", "--body", "Merci !").exit_code == 0
        assert [r.rcpt_tos for r in inbox.received] == [[LEA]]
        assert invoke(app, message, *base, "--to", "absent", "--body", "Dommage").exit_code == 0
        assert inbox.received[-1].rcpt_tos == [MARTIN]
        refused = run(
            "message", "marseille-2026", "--to", "absent", "--subject", "x", "--body", "y"
        )
        assert refused.exit_code == 1 and "--to absent needs --session ID" in refused.output
        assert "Traceback" not in refused.output
        history = run("reminders", "history", "--json")
        assert history.exit_code == 0, history.output
        assert (
            sum(1 for r in __import__("json").loads(history.stdout) if r["rule"] == "message") == 2
        )
        app.close()


@pytest.mark.slow
def test_a_cohort_message_killed_halfway_sends_at_most_the_one_in_flight_twice(
    db_url: str, tmp_path: Path
) -> None:
    inbox = Inbox(hold_at=500)  # the 500th message: received, never answered
    with smtp_server(inbox) as (inbox, port):
        config = email_config(port, batch=10)
        path = write_config(tmp_path / "config.toml", config)
        app = reminders_app(db_url, config)
        ids = story(app, sessions=(utcnow() + timedelta(days=30),), people=())
        _people(app, ids["program"], 1000)
        env = {
            **os.environ,
            "PROGRAMS_CONFIG": str(path),
            "PROGRAMS_LOAD_PLUGINS": "reminders,email",
        }
        command = programs_cmd("--db", db_url, "message", "marseille-2026", "--to", "enrolled")
        command += ["--subject", "La salle change", "--body", "Salle 4, même heure."]
        sender = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert inbox.held.wait(120), "the sender never reached the 500th message"
        os.kill(sender.pid, signal.SIGKILL)
        sender.wait(timeout=30)
        assert sender.returncode == -signal.SIGKILL
        in_flight = inbox.received[-1].message_id
        inbox.release.set()
        # the same command again queues nothing new; the next send (once the dead sender's
        # claim timed out) finishes the job
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        later = (utcnow() + timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M:%SZ")
        finish = subprocess.run(
            programs_cmd("--db", db_url, "reminders", "send", "--now", later),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert finish.returncode == 0, finish.stderr
    got = inbox.ids
    assert len(got) == 1000  # everyone has it
    assert [k for k, n in got.items() if n > 1] == [in_flight]  # only the one in flight twice
    assert {r.status for r in outbox(app, rule="message")} == {"sent"}
    app.close()


def test_invite_sends_each_their_link_once_per_link_in_their_language(db_url: str) -> None:
    from programs.plugins.reminders.cohort_commands import invite

    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port))
        links = Links()
        app.pm.register(links, name="links-test")
        ids = story(app)
        dry = invoke(app, invite, "marseille-2026", "--dry-run")
        assert dry.exit_code == 0 and "Léa Roux" in dry.output and inbox.received == []
        assert invoke(app, invite, "marseille-2026").exit_code == 0
        assert len(inbox.received) == 2
        fr = read_mail(inbox.to(MARTIN)[0])
        assert fr.subject == f"Votre lien personnel{NNBSP}: Accompagnement collectif"
        assert f"https://c.example.org/p/tok{ids['people'][0]}-v1" in fr.text
        en = read_mail(inbox.to(LEA)[0])
        assert en.subject == "Your private link: Accompagnement collectif"
        assert invoke(app, invite, "marseille-2026").exit_code == 0  # again: nothing
        assert len(inbox.received) == 2
        assert invoke(app, invite, "marseille-2026", "Léa Roux", "--again").exit_code == 0
        assert [r.rcpt_tos for r in inbox.received[2:]] == [[LEA]]
        links.v = 2  # the coach rotated the links: a new invitation each
        assert invoke(app, invite, "marseille-2026").exit_code == 0
        assert len(inbox.received) == 5
        assert "-v2" in read_mail(inbox.received[-1]).text
        app.close()


def test_invite_without_a_plugin_offering_links_says_so(sqlite_url: str) -> None:
    from programs.plugins.reminders.cohort_commands import invite

    app = reminders_app(sqlite_url, email_config(1))
    story(app)
    result = invoke(app, invite, "marseille-2026")
    assert result.exit_code != 0 and "ical" in str(result.exception)
    assert outbox(app, rule="invite") == []
    app.close()


def test_with_the_ical_plugin_the_confirmation_and_invite_carry_the_page(
    run, private_env: Path
) -> None:  # type: ignore[no-untyped-def]
    """The real ``participant_links`` (the iCal plugin's page), through the real CLI."""
    with smtp_server() as (inbox, port):
        config = email_config(port, notices=True)
        config["ical"] = {"base_url": "https://coach.example.org"}
        write_config(private_env / "config.toml", config)
        assert run("create", "demo", "--title", "Atelier").exit_code == 0
        assert (
            run("session", "add", "demo", "--start", "2031-05-06 09:00", "--end", "17:00").exit_code
            == 0
        )
        assert run("participant", "add", "Léa Roux", "--email", LEA, "--lang", "en").exit_code == 0
        assert run("enroll", "demo", "Léa").exit_code == 0
        sent = run("reminders", "send")
        assert sent.exit_code == 0, sent.output
        confirmation = read_mail(inbox.to(LEA)[0])
        assert confirmation.subject == "You are enrolled: Atelier"
        assert "https://coach.example.org/p/" in confirmation.text
        invited = run("invite", "demo")
        assert invited.exit_code == 0, invited.output
        mail = read_mail(inbox.to(LEA)[1])
        assert mail.subject == "Your private link: Atelier"
        page = [w for w in mail.text.split() if w.startswith("https://coach.example.org/p/")]
        assert page and page[0] in confirmation.text  # the same link both times
        again = run("invite", "demo")
        assert again.exit_code == 0 and "Nothing new" in again.output
        assert len(inbox.to(LEA)) == 2


def test_a_message_at_a_later_time_goes_with_the_send_after_it(sqlite_url: str) -> None:
    from programs.plugins.reminders.cohort_commands import message
    from programs.plugins.reminders.sender import send_due

    with smtp_server() as (inbox, port):
        app = reminders_app(sqlite_url, email_config(port))
        story(app)
        later = utcnow() + timedelta(days=1)
        at = later.strftime("%Y-%m-%dT%H:%M:%SZ")
        args = ["marseille-2026", "--to", "all", "--subject", "Demain", "--body", "À demain."]
        queued = invoke(app, message, *args, "--at", at)
        assert queued.exit_code == 0 and "Queued for 2 people" in queued.output
        assert inbox.received == []
        assert send_due(app, now=later - timedelta(minutes=1)).sent == 0
        assert send_due(app, now=later).sent == 2
        assert len(inbox.received) == 2
        app.close()
