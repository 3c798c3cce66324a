"""Each participant reads everything sent or served to them in their own language: a French
participant's feed, subscribe page, reminder emails and the coach's card read French, an
English participant's read English, and a Brazilian one (no Portuguese catalog) reads the
coach's language, French here — whatever the coach's terminal speaks (English in tests).

End to end with the real plugins on a SQLite file: the feed read back by vobject, the page
served by the real server, the reminders received by a real SMTP server (aiosmtpd), the card
sent by ``programs contacts share`` through the email plugin's channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import vobject
from click.testing import Result
from conftest import make_app
from test_contacts_consent import in_words
from test_ical_support import serving
from test_reminders_support import email_config, read_mail, smtp_server, write_config
from test_reminders_templates import ENGLISH, FRENCH

from programs.calendar import CalendarScope

NNBSP, NBSP = "\u202f", "\u00a0"
DAY1 = datetime(2027, 2, 4, 8, 0, tzinfo=UTC)  # Thursday, 09:00 in Marseille
CALL = datetime(2027, 2, 11, 17, 0, tzinfo=UTC)  # 18:00 in Marseille, 17:00 in London
PEOPLE = {  # name, email, language, zone
    "lea": ("Léa Roux", "lea@example.com", "fr", None),
    "amy": ("Amy Clark", "amy@example.com", "en", "Europe/London"),
    "joao": ("João Silva", "joao@example.com", "pt-BR", None),
}
READS = {"lea": "fr", "amy": "en", "joao": "fr"}  # João: the coach's language


def first_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


@pytest.fixture
def world(run: Callable[..., Result], sqlite_url: str, private_env: Path):  # type: ignore[no-untyped-def]
    """The coach, a session, three people with a call each, every reminder sent and the card
    shared; yields what each person received or can fetch."""
    from programs.plugins.ical.service import build_feed
    from programs.plugins.ical.tokens import issue
    from programs.plugins.reminders.sender import send_due

    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.followup import plan_followup
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    with smtp_server() as (inbox, port):
        config = email_config(port)
        write_config(private_env / "config.toml", config)  # what the CLI reads
        app = make_app(
            sqlite_url, plugins=["ical", "reminders", "email", "contacts"], config=config
        )
        ids: dict[str, int] = {}
        with app.write() as db:
            set_default_coach(
                db, name="Claire Dubois", email="claire@example.com", phone="06 12 34 56 78"
            )
            program = create_program(
                db,
                slug="marseille-2026",
                title="Accompagnement collectif",
                location="Marseille, La Joliette",
                timezone="Europe/Paris",
            )
            add_session(
                db, program=program, start=DAY1, end=DAY1 + timedelta(hours=8), title="Jour 1"
            )
        for key, (name, address, language, zone) in PEOPLE.items():
            with app.write() as db:
                person = add_participant(
                    db, name=name, email=address, language=language, timezone=zone
                )
            with app.write() as db:
                enroll(db, program=program, participant=person)
            with app.write() as db:
                plan_followup(db, participant=person, kind="call", start=CALL)
            ids[key] = person.id  # type: ignore[assignment]
        feeds, pages = {}, {}
        with serving(app) as url, httpx.Client(base_url=url) as http:
            for key, person_id in ids.items():
                scope = CalendarScope("participant", person_id)
                feeds[key] = vobject.readOne(build_feed(app, scope).body.decode())
                with app.write() as db:
                    token = issue(db, scope)
                pages[key] = http.get(f"/feeds/{token}").text
        for moment in (DAY1 - timedelta(days=2), CALL - timedelta(hours=1)):
            report = send_due(app, now=moment)
            assert report.errors == [] and report.sent >= 3
        reminders = {key: [read_mail(r) for r in inbox.to(PEOPLE[key][1])] for key in ids}
        before = len(inbox.received)
        first, last = first_day(), first_day() + timedelta(days=40)
        shared = run(
            "contacts", "share", "marseille-2026", "--from", str(first), "--until", str(last)
        )
        assert shared.exit_code == 0, shared.output
        cards = {key: read_mail(r) for key in ids for r in inbox.received[before:]
                 if r.rcpt_tos == [PEOPLE[key][1]]}  # fmt: skip
        yield {"feeds": feeds, "pages": pages, "reminders": reminders, "cards": cards,
               "window": (first, last), "shared": shared.stdout}  # fmt: skip
        app.close()


def reads(text: str, language: str) -> None:
    """``text`` holds words of ``language`` and none of the other one."""
    own, other = (FRENCH, ENGLISH) if language == "fr" else (ENGLISH, FRENCH)
    assert own.search(text), text
    assert not other.search(text), (other.search(text), text)


@pytest.mark.parametrize("who", ["lea", "amy", "joao"])
def test_the_feed_and_its_alarms_speak_the_participants_language(world: Any, who: str) -> None:
    feed = world["feeds"][who]
    french = READS[who] == "fr"
    assert feed.x_wr_calname.value == (
        "Accompagnement — Claire Dubois" if french else "Coaching — Claire Dubois"
    )
    events = {e.summary.value: e for e in feed.vevent_list}
    call = events["Appel avec Claire Dubois" if french else "Call with Claire Dubois"]
    session = events["Accompagnement collectif — Jour 1"]
    reminder = f"Rappel{NNBSP}: " if french else "Reminder: "
    for event, title in ((call, call.summary.value), (session, session.summary.value)):
        alarms = [a.description.value for a in event.valarm_list]
        assert alarms and set(alarms) == {reminder + title}  # the alarm agrees with the title


@pytest.mark.parametrize("who", ["lea", "amy", "joao"])
def test_the_subscribe_page_speaks_the_participants_language(world: Any, who: str) -> None:
    page = world["pages"][who]
    if READS[who] == "fr":
        assert '<html lang="fr">' in page
        assert "Ajouter à mon agenda" in page and "À venir" in page
        assert "jeu. 4 févr. 2027, 09:00–17:00 (Europe/Paris)" in page
        assert "Add to my calendar" not in page and "Next" not in page
    else:
        assert '<html lang="en">' in page
        assert "Add to my calendar" in page and "<h2>Next</h2>" in page
        assert "Thu 4 Feb 2027, 09:00–17:00 (Europe/Paris)" in page
        assert "Thu 11 Feb 2027, 17:00–17:45 (Europe/London)" in page  # her call, her zone
        assert "Ajouter" not in page


@pytest.mark.parametrize("who", ["lea", "amy", "joao"])
def test_reminder_emails_speak_the_participants_language(world: Any, who: str) -> None:
    session, call = world["reminders"][who]
    given = PEOPLE[who][0].split()[0]
    if READS[who] == "fr":
        assert session.subject == (
            f"Rappel{NNBSP}: Accompagnement collectif — Jour 1, le jeudi 4 février 2027 à 9{NBSP}h"
        )
        assert call.subject.startswith(f"Rappel{NNBSP}: Appel avec Claire Dubois, le jeudi 11 ")
        assert session.text.startswith(f"Bonjour {given},\n")
        assert f"Numéro{NNBSP}: 06 12 34 56 78" in call.text
    else:
        assert session.subject == (
            "Reminder: Accompagnement collectif — Jour 1, Thursday, February 4, 2027 at "
            f"9:00{NNBSP}AM"
        )
        assert call.subject == (
            f"Reminder: Call with Claire Dubois, Thursday, February 11, 2027 at 5:00{NNBSP}PM"
        )
        assert session.text.startswith(f"Hello {given},\n")
        assert "Number: 06 12 34 56 78" in call.text
    for mail in (session, call):
        assert mail.raw["Content-Language"] == READS[who]
        reads(f"{mail.subject}\n{mail.text}", READS[who])


@pytest.mark.parametrize("who", ["lea", "amy", "joao"])
def test_the_coachs_card_email_speaks_the_participants_language(world: Any, who: str) -> None:
    card = world["cards"][who]
    first, last = world["window"]
    given = PEOPLE[who][0].split()[0]
    language = READS[who]
    if language == "fr":
        assert card.subject == "Coordonnées de Claire Dubois – Accompagnement collectif"
        assert card.text.startswith(f"Bonjour {given},\n\n")
        assert (
            f"Entre les séances de «{NNBSP}Accompagnement collectif{NNBSP}», vous pouvez joindre "
            f"Claire Dubois en cas de besoin, du {in_words(str(first), 'fr')} au "
            f"{in_words(str(last), 'fr')} inclus." in card.text
        )
        assert f"Téléphone{NNBSP}: 06 12 34 56 78\nE-mail{NNBSP}: claire@example.com" in card.text
    else:
        assert card.subject == "How to reach Claire Dubois – Accompagnement collectif"
        assert card.text.startswith(f"Hello {given},\n\n")
        assert (
            f"you can reach Claire Dubois if you need to, from {in_words(str(first), 'en')} to "
            f"{in_words(str(last), 'en')} inclusive." in card.text
        )
        assert "Phone: 06 12 34 56 78\nEmail: claire@example.com" in card.text
    assert str(first) not in card.text  # never ISO in a sentence
    reads(card.text, language)
    # the coach's own terminal speaks English in tests, whatever the participants read
    assert "card is shared from " in world["shared"] and "Sent to 3 participants" in world["shared"]
