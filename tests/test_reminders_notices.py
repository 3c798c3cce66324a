"""Messages on events through the outbox (issue 14, item 4), against a real SMTP server
(aiosmtpd) on SQLite and PostgreSQL: the confirmation ("convocation") with every session, the
coach's contact, the person's private link (from a plugin answering ``participant_links``, and
none when no plugin does) and one ``.ics``; the waiting list with its position; the promotion;
withdrawn, moved, cancelled; exactly once; rules the coach turns off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_reminders_support import (
    DST_DAY_9AM,
    email_config,
    outbox,
    read_mail,
    reminders_app,
    smtp_server,
    states,
    story,
)

from programs.domain.enrollment import enroll, withdraw
from programs.domain.participant import add_participant
from programs.domain.program import cancel_program
from programs.domain.session import cancel_session, move_session
from programs.hookspecs import hookimpl
from programs.models import Participant, Program, Session, utcnow

MARTIN, LEA = "s.martin@example.com", "lea.roux@example.com"
NNBSP = "\u202f"
SECOND = DST_DAY_9AM + timedelta(days=14)


class Links:
    """A plugin offering each participant a page and a feed, as the iCal plugin does."""

    @hookimpl
    def participant_links(self, db: Any, participant: Participant) -> list[Any]:
        from programs.api import PrivateLink

        assert db.in_transaction()  # asked inside a write unit of work
        return [
            PrivateLink("feed", f"https://c.example.org/feeds/{participant.id}.ics"),
            PrivateLink("page", f"https://c.example.org/p/tok{participant.id}"),
        ]


def send(app: Any) -> Any:
    from programs.plugins.reminders.sender import send_due

    return send_due(app, now=utcnow())


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with smtp_server() as (inbox, port):
        yield inbox, port


def test_a_confirmation_carries_the_sessions_the_coach_the_link_and_one_ics(
    db_url: str, server
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(db_url, email_config(port), notices=True)
    app.pm.register(Links(), name="links-test")
    ids = story(app, sessions=(DST_DAY_9AM, SECOND))
    assert states(app, rule="confirmation") == {"pending": 2}
    report = send(app)
    assert (report.sent, report.errors) == (2, [])
    fr = read_mail(inbox.to(MARTIN)[0])
    assert fr.subject == f"Vous êtes inscrit·e{NNBSP}: Accompagnement collectif"
    assert "Jour 1" in fr.text and "Jour 2" in fr.text
    assert "Marseille, 12 rue de la République" in fr.text
    assert f"https://c.example.org/p/tok{ids['people'][0]}" in fr.text  # the page, not the feed
    assert "feeds/" not in fr.text
    assert "06 12 34 56 78" in fr.text and "claire@example.com" in fr.text  # national format
    assert "Répondez à cet e-mail" in fr.text
    events = list(fr.ics.vevent_list)
    with app.read() as db:
        uids = {db.get(Session, s).uid for s in ids["sessions"]}
    assert {e.uid.value for e in events} == uids
    assert fr.ics.method.value == "PUBLISH"
    part = next(p for p in fr.raw.iter_attachments())
    assert part["Content-Type"].replace('"', "").replace(" ", "") == (
        "text/calendar;method=PUBLISH;charset=utf-8"
    )
    en = read_mail(inbox.to(LEA)[0])
    assert en.subject == "You are enrolled: Accompagnement collectif"
    assert "that is 3:00\u202fAM your time (America/Montreal)" in en.text
    assert "Can't make it, or a question? Reply to this email" in en.text
    # exactly once, and the Message-ID comes from the outbox key
    assert send(app).sent == 0
    row = outbox(app, rule="confirmation", recipient_id=ids["people"][0])[0]
    assert row.message_id == fr.message_id
    app.close()


def test_without_a_plugin_offering_links_the_confirmation_goes_without_one(
    sqlite_url: str, server
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(sqlite_url, email_config(port), notices=True)
    story(app)
    assert send(app).sent == 2
    mail = read_mail(inbox.to(LEA)[0])
    assert "private link" not in mail.text and "http" not in mail.text
    app.close()


def test_waitlist_position_then_promotion_and_withdrawal(db_url: str, server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(db_url, email_config(port), notices=True)
    ids = story(app, capacity=1)  # Martin seated, Léa waiting
    with app.write() as db:
        third = add_participant(db, name="Amy Lee", email="amy@example.com", language="en")
    with app.write() as db:
        enroll(db, program=db.get(Program, ids["program"]), participant=third)
    assert send(app).sent == 3  # Martin's confirmation, two waiting-list notices
    lea = read_mail(inbox.to(LEA)[0])
    assert lea.subject == "Waiting list: Accompagnement collectif"
    assert "on the waiting list, in position 1." in lea.text
    amy = read_mail(inbox.to("amy@example.com")[0])
    assert "in position 2." in amy.text
    with app.write() as db:
        withdraw(
            db,
            program=db.get(Program, ids["program"]),
            participant=db.get(Participant, ids["people"][0]),
        )
    assert send(app).sent == 2  # Martin withdrawn, Léa promoted
    promoted = read_mail(inbox.to(LEA)[1])
    assert promoted.subject == "A seat is yours: Accompagnement collectif"
    assert promoted.ics is not None
    gone = read_mail(inbox.to(MARTIN)[1])
    assert gone.subject == f"Plus inscrit·e{NNBSP}: Accompagnement collectif"
    assert len(inbox.to("amy@example.com")) == 1  # still waiting: nothing new
    app.close()


def test_moved_cancelled_and_program_cancelled_notices(db_url: str, server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(db_url, email_config(port), notices=True)
    ids = story(app, sessions=(DST_DAY_9AM, SECOND))
    send(app)
    inbox.received.clear()
    with app.write() as db:
        move_session(
            db,
            db.get(Session, ids["sessions"][0]),
            start=DST_DAY_9AM + timedelta(days=1),
            location="Aix, salle 2",
        )
    with app.write() as db:
        cancel_session(db, db.get(Session, ids["sessions"][1]))
    assert send(app).sent == 4
    moved = read_mail(next(r for r in inbox.to(LEA) if "Moved" in str(r.message["Subject"])))
    assert moved.subject.startswith("Moved: Accompagnement collectif — Jour 1, now Monday")
    assert "Where: Aix, salle 2" in moved.text
    assert int(moved.ics.vevent.sequence.value) == 1
    cancelled = read_mail(next(r for r in inbox.to(MARTIN) if "Annul" in str(r.message["Subject"])))
    assert cancelled.ics.vevent.status.value == "CANCELLED"
    inbox.received.clear()
    with app.write() as db:
        cancel_program(db, db.get(Program, ids["program"]))
    assert send(app).sent == 2
    assert {str(r.message["Subject"]) for r in inbox.received} == {
        f"Annulé{NNBSP}: Accompagnement collectif",
        "Cancelled: Accompagnement collectif",
    }
    app.close()


def test_a_notice_the_coach_turned_off_is_not_sent(sqlite_url: str, server, run) -> None:  # type: ignore[no-untyped-def]
    _inbox, port = server
    app = reminders_app(sqlite_url, email_config(port), notices=True)
    result = run("reminders", "rules", "remove", "confirmation")
    assert result.exit_code == 0, result.output
    story(app)
    assert send(app).sent == 0
    assert outbox(app, rule="confirmation") == []
    app.close()
