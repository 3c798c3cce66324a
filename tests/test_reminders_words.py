"""Right words (issue 14, item 5): every shipped template names only commands that exist
(each template rendered in every language, each ``programs …`` line found in it run with
``--help``, and its options found there); the coach's call reminder says whom she calls and
their number in national format."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from test_reminders_support import (
    DST_DAY_9AM,
    email_config,
    read_mail,
    reminders_app,
    smtp_server,
    story,
)

from programs.domain.followup import plan_followup
from programs.models import Participant

COMMAND = re.compile(r"\bprograms((?: [a-z][a-z0-9-]*)+)((?: (?:[A-Z\"'\[][^\s]*|--[a-z-]+))*)")


def _texts(language: str) -> list[tuple[str, str]]:
    """``(template, text)``: each shipped template rendered for a coach and a participant,
    every optional part shown, and its source (the English words of every branch)."""
    import jinja2
    from programs.plugins.reminders.messages import PACKAGE_TEMPLATES, template_env

    from programs.testing import make_app

    app = make_app("sqlite://", plugins=["reminders"])
    env = template_env(app, language)
    env.undefined = jinja2.ChainableUndefined
    out = []
    for path in sorted(PACKAGE_TEMPLATES.glob("*.j2")):
        out.append((path.name, path.read_text(encoding="utf-8")))
        for kind in ("coach", "participant"):
            context: dict[str, Any] = {
                "recipient": {"kind": kind, "name": "X", "greeting": "X", "phone": "1"},
                "coach": {"name": "C", "phone": "1", "email": "c@example.com"},
                "participant": {"name": "P", "phone": "2"},
                "item": {"call": True, "moved": True, "title": "T", "location": "L"},
                "participants": [{"name": "P", "phone": "2", "email": "p@example.com"}],
                "tracks": [{"participant": "P", "goal": "G", "done": 1, "planned": 6}],
                "program": {"title": "Prog", "slug": "prog"},
                "sessions": [{"title": "S", "date": "d", "time": "t", "location": "L"}],
                "session": {"title": "S", "date": "d", "time": "t", "location": "L"},
                "message": {"subject": "s", "body": "b"},
                "link": "https://example.org/p/x",
                "position": 2,
            }
            out.append((path.name, env.get_template(path.name).render(**context)))
    app.close()
    return out


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_command_a_template_names_exists_with_its_options(run, language: str) -> None:  # type: ignore[no-untyped-def]
    found: dict[tuple[str, ...], set[str]] = {}
    for _name, text in _texts(language):
        for words, rest in COMMAND.findall(text):
            options = set(re.findall(r"--[a-z-]+", rest))
            found.setdefault(tuple(words.split()), set()).update(options)
    assert ("followup", "add") in found  # the nudge's, at least
    for words, options in found.items():
        result = run(*words, "--help")
        assert result.exit_code == 0, (words, result.output)
        assert result.output.startswith("Usage: programs " + " ".join(words)), words
        for option in options:
            assert option in result.output, (words, option)


def test_the_coach_is_told_whom_she_calls_and_their_number(db_url: str) -> None:
    from programs.plugins.reminders.sender import send_due

    with smtp_server() as (inbox, port):
        app = reminders_app(db_url, email_config(port, coach_language="fr"))
        ids = story(app)
        call = DST_DAY_9AM + timedelta(days=3)
        with app.write() as db:
            person = db.get(Participant, ids["people"][0])
            person.phone = "+33698765432"
            db.add(person)
        with app.write() as db:
            plan_followup(
                db, participant=db.get(Participant, ids["people"][0]), kind="call", start=call
            )
        assert send_due(app, now=call - timedelta(hours=1)).sent == 2
        coach = read_mail(inbox.to("claire@example.com")[0])
        assert "Vous appelez S. Martin au 06 98 76 54 32." in coach.text
        martin = read_mail(inbox.to("s.martin@example.com")[0])
        assert "Claire Dubois vous appellera au 06 98 76 54 32." in martin.text
        assert "Répondez à cet e-mail" in martin.text
        app.close()


def test_subjects_carry_the_program_s_name(sqlite_url: str) -> None:
    from programs.plugins.reminders.sender import send_due

    from programs.models import Program

    with smtp_server() as (inbox, port):
        app = reminders_app(sqlite_url, email_config(port, coach_language="en"))
        ids = story(app)
        call = DST_DAY_9AM + timedelta(days=3)
        with app.write() as db:
            plan_followup(
                db,
                participant=db.get(Participant, ids["people"][1]),
                kind="call",
                start=call,
                program=db.get(Program, ids["program"]),
            )
        assert send_due(app, now=call - timedelta(hours=1)).sent == 2
        subjects = [str(r.message["Subject"]) for r in inbox.received]
        assert all("(Accompagnement collectif)" in s for s in subjects), subjects
        app.close()
