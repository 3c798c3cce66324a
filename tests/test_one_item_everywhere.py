"""One session and one follow-up read the same everywhere: one title, one time in one zone,
one place in the feed, the subscribe page, the reminder message and the ``.ics`` attached to
it, because all four come from the core's calendar item (``programs.calendar``).

Built with the real plugins (ical, reminders, email) on a SQLite file, the page served by the
real server, the reminder received by a real SMTP server (aiosmtpd), every file read back by
vobject (not the library that wrote them). The participant lives in London: the session is
still given in its venue's zone (Marseille), her own time added in the message.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import make_app
from test_ical_support import serving
from test_reminders_support import email_config, read_mail, smtp_server

from programs.calendar import CalendarScope

DAY1 = datetime(2027, 2, 4, 8, 0, tzinfo=UTC)  # 09:00 in Marseille, 08:00 in London
CALL = datetime(2027, 2, 11, 17, 0, tzinfo=UTC)  # 18:00 in Marseille, 17:00 in London


def vevent(ics: str, uid: str) -> str:
    """The VEVENT block of ``uid`` as written (unfolded lines)."""
    for block in re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", ics, re.S):
        if f"\r\nUID:{uid}\r\n" in block.replace("\r\n ", ""):
            return block
    raise AssertionError(f"no VEVENT {uid}")


@pytest.fixture
def world(sqlite_url: str):  # type: ignore[no-untyped-def]
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.followup import plan_followup
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    with smtp_server() as (inbox, port):
        app = make_app(
            sqlite_url, plugins=["ical", "reminders", "email"], config=email_config(port)
        )
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
            session = add_session(
                db, program=program, start=DAY1, end=DAY1 + timedelta(hours=8), title="Jour 1"
            )
            person = add_participant(
                db,
                name="Amy Clark",
                email="amy@example.com",
                language="en",
                timezone="Europe/London",
            )
        with app.write() as db:
            enroll(db, program=program, participant=person)
        with app.write() as db:
            call = plan_followup(
                db, participant=person, kind="call", start=CALL, topic="a small incident"
            )
        yield app, inbox, session, call, person
        app.close()


def test_one_session_and_one_follow_up_read_the_same_everywhere(world) -> None:  # type: ignore[no-untyped-def]
    import vobject
    from programs.plugins.ical.service import build_feed
    from programs.plugins.ical.tokens import issue
    from programs.plugins.reminders.sender import send_due

    app, inbox, session, call, person = world
    scope = CalendarScope("participant", person.id)
    feed = build_feed(app, scope).body.decode()
    read = vobject.readOne(feed)
    events = {e.uid.value: e for e in read.vevent_list}

    expected = {
        session.uid: (
            "Accompagnement collectif — Jour 1",
            "Europe/Paris",
            "Marseille, La Joliette",
        ),
        call.uid: ("Call with Claire Dubois", "Europe/London", None),
    }
    for uid, (summary, zone, place) in expected.items():  # 1. the feed
        event = events[uid]
        assert event.summary.value == summary
        assert f"DTSTART;TZID={zone}:" in feed.replace("\r\n ", "")
        assert getattr(event, "location", None) is None or event.location.value == place

    with app.write() as db:  # 2. the page, from the real server
        token = issue(db, scope)
    with serving(app) as url, httpx.Client(base_url=url) as http:
        page = http.get(f"/feeds/{token}").text
    assert "Accompagnement collectif — Jour 1" in page and "Call with Claire Dubois" in page
    assert "Thu 4 Feb 2027, 09:00–17:00 (Europe/Paris)" in page  # the venue's time and zone
    assert "Thu 11 Feb 2027, 17:00–17:45 (Europe/London)" in page  # her call, in her zone
    assert '<html lang="en">' in page  # her language
    assert "Marseille, La Joliette" in page

    # 3. the reminders, 2 days before the session and 1 hour before the call
    for moment in (DAY1 - timedelta(days=2), CALL - timedelta(hours=1)):
        report = send_due(app, now=moment)
        assert (report.sent, report.errors) >= (1, [])
    mails = {read_mail(r).subject: read_mail(r) for r in inbox.to("amy@example.com")}
    day = next(m for s, m in mails.items() if "Jour 1" in s)
    assert day.subject.startswith("Reminder: Accompagnement collectif — Jour 1, ")
    assert "Thursday, February 4, 2027 at 9:00" in day.text and "(Europe/Paris)" in day.text
    assert "8:00\u202fAM your time (Europe/London)" in day.text  # her own time added
    assert "Marseille, La Joliette" in day.text
    phone = next(m for s, m in mails.items() if "Call" in s)
    assert phone.subject.startswith("Reminder: Call with Claire Dubois, Thursday, February 11")
    assert "5:00\u202fPM" in phone.text and "(Europe/London)" in phone.text

    # 4. the attachments hold the very VEVENT of her feed, byte for byte
    for mail, uid in ((day, session.uid), (phone, call.uid)):
        assert vevent(mail.ics_text, uid) == vevent(feed, uid)
        assert mail.raw.get_content_type() == "multipart/mixed"
        part = next(p for p in mail.raw.iter_attachments())
        assert part.get_content_type() == "text/calendar"
        assert part.get_param("method") == "PUBLISH" and part.get_param("charset") == "utf-8"


def test_the_coach_reads_her_own_words_for_the_same_call(world) -> None:  # type: ignore[no-untyped-def]
    """The coach's feed and her reminder of the call: "Appel : Amy Clark", in her zone and
    her language, the alarm's words agreeing with the title's."""
    from programs.plugins.ical.service import build_feed
    from programs.plugins.reminders.sender import send_due

    from programs.api import default_coach

    app, inbox, _session, call, _person = world
    with app.read() as db:
        coach = default_coach(db)
    feed = build_feed(app, CalendarScope("coach", coach.id)).body.decode()
    block = vevent(feed, call.uid).replace("\r\n ", "")
    assert (
        "SUMMARY:Appel\u202f: Amy Clark" in block
        and "DESCRIPTION:Rappel\u202f: Appel\u202f: Amy Clark" in block
        and "DTSTART;TZID=Europe/Paris:20270211T180000" in block
    )
    send_due(app, now=CALL - timedelta(hours=1))
    (mine,) = [read_mail(r) for r in inbox.to("claire@example.com")]
    assert mine.subject == (
        "Rappel\u202f: Appel\u202f: Amy Clark, le jeudi 11 février 2027 à 18\u00a0h"
    )
    assert vevent(mine.ics_text, call.uid) == vevent(feed, call.uid)
