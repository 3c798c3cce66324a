"""Sending through a real SMTP server (aiosmtpd on loopback), counting what it received:
languages and time zones, the .ics, moved, cancelled, withdrawn, booked late, downtime
catch-up, a server that refuses then recovers, permanent refusals, bounded retries, rows
stuck in "sending", dry runs, the coach's nudge and digest, overridden templates."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_reminders_support import (
    DST_DAY_9AM,
    Inbox,
    email_config,
    outbox,
    read_mail,
    reminders_app,
    smtp_server,
    story,
    utc,
)

from programs.domain.enrollment import withdraw
from programs.domain.followup import plan_followup
from programs.domain.session import cancel_session, move_session
from programs.models import Participant, Program, Session, utcnow

MARTIN, LEA = "s.martin@example.com", "lea.roux@example.com"
NNBSP, NBSP = "\u202f", "\u00a0"  # French typography: before ":", and in "9 h"
TWO_DAYS_BEFORE = utc("2027-03-26T08:00:00Z")  # 09:00 CET, two days before 09:00 CEST
TWO_HOURS_BEFORE = utc("2027-03-28T05:00:00Z")


def send(app, now: datetime):  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    return send_due(app, now=now)


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with smtp_server() as (inbox, port):
        yield inbox, port


@pytest.fixture
def mail_app(sqlite_url: str, server):  # type: ignore[no-untyped-def]
    application = reminders_app(sqlite_url, email_config(server[1]))
    yield application
    application.close()


def test_each_person_gets_one_message_in_their_language_time_zone_with_the_ics(
    db_url: str, server
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(db_url, email_config(port))
    ids = story(app)
    assert send(app, TWO_DAYS_BEFORE - timedelta(minutes=1)).handled == 0
    report = send(app, TWO_DAYS_BEFORE)
    assert (report.sent, report.errors) == (2, [])
    assert sorted(r.rcpt_tos[0] for r in inbox.received) == [LEA, MARTIN]
    assert all(len(r.rcpt_tos) == 1 for r in inbox.received)  # never a shared To/CC/BCC
    fr = read_mail(inbox.to(MARTIN)[0])
    # The title, time, zone and place of the feed (the core's calendar item).
    assert fr.subject == (
        f"Rappel{NNBSP}: Accompagnement collectif — Jour 1, le dimanche 28 mars 2027 à 9{NBSP}h"
    )
    assert (
        f"Quand{NNBSP}: le dimanche 28 mars 2027 à 9{NBSP}h, jusqu'à 17{NBSP}h (Europe/Paris)"
        in fr.text
    )
    assert "à votre heure" not in fr.text  # her zone is the venue's
    assert "Marseille, 12 rue de la République" in fr.text
    assert "Cc" not in fr.raw and "Bcc" not in fr.raw
    en = read_mail(inbox.to(LEA)[0])
    # In the venue's zone, where she travels to; her own time added (Montreal is 5h behind).
    assert en.subject.startswith(
        "Reminder: Accompagnement collectif — Jour 1, Sunday, March 28, 2027 at 9:00"
    )
    assert "When: Sunday, March 28, 2027 at 9:00" in en.text and "(Europe/Paris)" in en.text
    assert "that is 3:00\u202fAM your time (America/Montreal)" in en.text
    for mail in (fr, en):
        event = mail.ics.vevent
        assert mail.ics.method.value == "PUBLISH"
        assert event.dtstart.value.astimezone(UTC) == DST_DAY_9AM
        assert "\r\nDTSTART;TZID=Europe/Paris:20270328T090000\r\n" in mail.ics_text
        assert int(event.sequence.value) == 0
        assert not hasattr(event, "attendee")
    with app.read() as db:
        uid = db.get(Session, ids["sessions"][0]).uid
    assert fr.ics.vevent.uid.value == uid
    sent = outbox(app, rule="session-2d")
    assert {r.status for r in sent} == {"sent"}
    assert {r.message_id for r in sent} == {fr.message_id, en.message_id}
    assert send(app, TWO_DAYS_BEFORE + timedelta(minutes=5)).handled == 0  # never twice
    assert len(inbox.received) == 2
    app.close()


def test_a_moved_session_is_reminded_at_its_new_time_only(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    ids = story(mail_app)
    with mail_app.write() as db:
        move_session(
            db,
            db.get(Session, ids["sessions"][0]),
            start=DST_DAY_9AM + timedelta(days=1),
            location="Aix, salle 2",
        )
    assert send(mail_app, TWO_HOURS_BEFORE).sent == 0  # the old time: nothing
    assert send(mail_app, TWO_HOURS_BEFORE + timedelta(days=1)).sent == 2
    assert len(inbox.received) == 2
    mail = read_mail(inbox.to(MARTIN)[0])
    assert f"le lundi 29 mars 2027 à 9{NBSP}h" in mail.subject
    assert f"Où{NNBSP}: Aix, salle 2" in mail.text and "déplacée" in mail.text
    assert int(mail.ics.vevent.sequence.value) == 1
    assert mail.ics.vevent.location.value == "Aix, salle 2"


def test_cancelled_sessions_and_withdrawn_people_get_nothing(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    second = DST_DAY_9AM + timedelta(days=14)
    ids = story(mail_app, sessions=(DST_DAY_9AM, second))
    with mail_app.write() as db:
        cancel_session(db, db.get(Session, ids["sessions"][0]))
    with mail_app.write() as db:
        withdraw(
            db,
            program=db.get(Program, ids["program"]),
            participant=db.get(Participant, ids["people"][1]),
        )
    for moment in (
        TWO_DAYS_BEFORE,
        TWO_HOURS_BEFORE,
        second - timedelta(days=2),
        second - timedelta(hours=2),
    ):
        send(mail_app, moment)
    assert Counter(r.rcpt_tos[0] for r in inbox.received) == {MARTIN: 2}
    assert all("11 avril 2027" in read_mail(r).subject for r in inbox.received)


def test_booked_too_late_for_the_first_reminder_gets_only_the_second(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    start = utcnow() + timedelta(hours=30)
    story(mail_app, sessions=(start,), people=(("S. Martin", MARTIN, "fr", None),))
    assert send(mail_app, utcnow()).handled == 0  # the 2-day reminder is not sent late
    assert send(mail_app, start - timedelta(hours=2)).sent == 1
    assert len(inbox.received) == 1
    (skipped,) = outbox(mail_app, status="skipped")
    assert skipped.rule == "session-2d" and skipped.reason.startswith("booked late")


def test_after_downtime_only_reminders_within_the_catch_up_window_go_out(
    sqlite_url: str, server
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(sqlite_url, email_config(port, catch_up="30m"))
    story(app)
    assert send(app, TWO_DAYS_BEFORE + timedelta(minutes=20)).sent == 2  # 20 min late: fine
    report = send(app, TWO_HOURS_BEFORE + timedelta(hours=1))  # the machine was off
    assert (report.sent, report.skipped) == (0, 2)
    assert len(inbox.received) == 2
    reasons = {r.reason for r in outbox(app, rule="session-2h")}
    assert reasons == {"not sent: more than 30m late, beyond the catch-up window"}
    app.close()


def test_a_server_that_refuses_then_recovers(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    story(mail_app)
    inbox.refuse = "451 4.3.0 try again later"
    report = send(mail_app, TWO_DAYS_BEFORE)
    assert (report.sent, report.retrying, report.failed) == (0, 2, 0)
    assert "451" in report.errors[0] and "attempt 1 of 5" in report.errors[0]
    rows = outbox(mail_app, rule="session-2d")
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert all("451" in r.last_error for r in rows)
    assert inbox.refused == 2 and inbox.received == []
    # not before the retry delay (5m)
    assert send(mail_app, TWO_DAYS_BEFORE + timedelta(minutes=2)).handled == 0
    inbox.refuse = None
    report = send(mail_app, TWO_DAYS_BEFORE + timedelta(minutes=6))
    assert (report.sent, report.errors) == (2, [])
    assert sorted(inbox.ids.values()) == [1, 1]
    assert {r.status for r in outbox(mail_app, rule="session-2d")} == {"sent"}


def test_a_server_that_is_down_is_retried(sqlite_url: str) -> None:
    from test_reminders_support import free_port

    port = free_port()  # nobody listens here yet
    app = reminders_app(sqlite_url, email_config(port))
    story(app, people=(("S. Martin", MARTIN, "fr", None),))
    report = send(app, TWO_DAYS_BEFORE)
    assert report.retrying == 1 and "cannot reach SMTP server" in report.errors[0]
    inbox = Inbox()
    from aiosmtpd.controller import Controller

    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert send(app, TWO_DAYS_BEFORE + timedelta(minutes=5)).sent == 1
    finally:
        controller.stop()
    assert len(inbox.received) == 1
    app.close()


def test_a_refused_address_fails_at_once_and_attempts_are_bounded(sqlite_url: str, server) -> None:  # type: ignore[no-untyped-def]
    inbox, port = server
    app = reminders_app(sqlite_url, email_config(port, max_attempts=2))
    story(app)
    inbox.refuse_rcpt = "550 5.1.1 no such user"
    report = send(app, TWO_DAYS_BEFORE)
    assert (report.failed, report.retrying) == (2, 0)  # permanent: not retried
    assert {r.status for r in outbox(app, rule="session-2d")} == {"failed"}
    assert "550" in outbox(app, rule="session-2d")[0].last_error
    inbox.refuse_rcpt = None
    inbox.refuse = "452 4.3.1 out of storage"
    assert send(app, TWO_HOURS_BEFORE).retrying == 2
    report = send(app, TWO_HOURS_BEFORE + timedelta(minutes=6))
    assert report.failed == 2  # the second attempt was the last
    rows = outbox(app, rule="session-2h")
    assert {(r.status, r.attempts, r.reason) for r in rows} == {
        ("failed", 2, "failed after 2 attempts")
    }
    assert send(app, TWO_HOURS_BEFORE + timedelta(minutes=20)).handled == 0
    assert inbox.received == []
    app.close()


def test_rows_stuck_in_sending_are_taken_again_after_the_timeout(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    story(mail_app)
    now = TWO_DAYS_BEFORE + timedelta(minutes=30)
    first, second = outbox(mail_app, rule="session-2d")
    with mail_app.engine.begin() as conn:  # two senders died: one long ago, one just now
        for row, ago in ((first, 11), (second, 1)):
            conn.execute(
                sa.text(
                    "UPDATE reminders_outbox SET status = 'sending', attempts = 1, "
                    "claimed_at = :t WHERE id = :id"
                ),
                {"t": (now - timedelta(minutes=ago)).replace(tzinfo=None), "id": row.id},
            )
    report = send(mail_app, now)
    assert report.sent == 1
    assert {r.id: r.status for r in outbox(mail_app, rule="session-2d")} == {
        first.id: "sent",
        second.id: "sending",
    }
    assert send(mail_app, now + timedelta(minutes=10)).sent == 1  # its timeout passed too
    assert len(inbox.received) == 2


def test_a_dry_run_shows_what_is_due_and_changes_nothing(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    inbox, _port = server
    story(mail_app)
    with mail_app.engine.begin() as conn:  # plan has work to do (a missed event, say)
        conn.execute(sa.text("DELETE FROM reminders_outbox WHERE rule = 'session-2h'"))
    before = [tuple(r) for r in outbox(mail_app)]
    report = send_due(mail_app, now=TWO_DAYS_BEFORE, dry_run=True)
    assert [r.rule for r in report.due] == ["session-2d", "session-2d"]
    assert report.plan.planned == 2  # what plan would add
    assert [tuple(r) for r in outbox(mail_app)] == before
    assert inbox.received == []


def test_the_coach_gets_the_nudge_and_the_weekly_digest(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    from programs.domain.track import open_track

    inbox, _port = server
    ids = story(mail_app)
    martin = ids["people"][0]
    with mail_app.write() as db:
        person = db.get(Participant, martin)
        plan_followup(db, participant=person, kind="call", start=utc("2027-04-20T16:00:00Z"))
        open_track(db, participant=person, goal="prepare the meeting with management")
    # Monday 29 March, 09:00 in Paris: the day after the last session, and digest day;
    # the track opened months ago with nothing done since has stalled.
    day_after = utc("2027-03-29T07:00:00Z")
    assert send(mail_app, day_after).sent == 2
    mails = {read_mail(r).subject: read_mail(r) for r in inbox.to("claire@example.com")}
    nudge = mails[f"Accompagnement collectif{NNBSP}: 1 participant sans suivi prévu"]
    assert "Léa Roux" in nudge.text and "S. Martin" not in nudge.text
    digest = mails[f"Parcours au point mort{NNBSP}: 1"]
    assert f"S. Martin{NNBSP}: prepare the meeting with management (0 sur 6 séances" in digest.text
    assert send(mail_app, day_after + timedelta(days=1)).sent == 0
    next_monday = utc("2027-04-05T07:05:00Z")
    assert send(mail_app, next_monday).sent == 1  # the digest again, one week later
    assert len(inbox.received) == 3


def test_templates_are_overridden_from_the_config_dir(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    from programs.config import config_dir

    inbox, _port = server
    folder = config_dir() / "templates" / "reminders"
    folder.mkdir(parents=True)
    (folder / "session.fr.j2").write_text(
        "À ne pas manquer : {{ item.title }}\n\n"
        "{{ recipient.name }}, on vous attend {{ item.date }}.\n",
        encoding="utf-8",
    )
    story(mail_app)
    send(mail_app, TWO_DAYS_BEFORE)
    fr, en = read_mail(inbox.to(MARTIN)[0]), read_mail(inbox.to(LEA)[0])
    assert fr.subject == "À ne pas manquer : Accompagnement collectif — Jour 1"
    assert fr.text.strip() == "S. Martin, on vous attend dimanche 28 mars 2027."  # as it was
    assert en.subject.startswith("Reminder:")  # English was not overridden


def test_the_console_channel_prints_the_message(sqlite_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    rules = [{"name": "console-1d", "target": "session", "offset": "-1d", "channel": "console"}]
    app = reminders_app(sqlite_url, {"reminders": {"rules": rules}})
    story(app, people=(("S. Martin", None, "fr", None),))  # no email: the console reaches her
    capsys.readouterr()
    report = send(app, utc("2027-03-27T08:00:00Z"))
    assert report.sent == 1
    out = capsys.readouterr().out
    assert (
        "--- to S. Martin" in out
        and f"Subject: Rappel{NNBSP}: Accompagnement collectif — Jour 1, le dimanche 28 mars" in out
    )
    assert outbox(app)[0].message_id.startswith("console:")
    app.close()


def test_someone_without_an_email_is_skipped_with_the_reason(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    story(mail_app, people=(("S. Martin", None, "fr", None),))
    report = send(mail_app, TWO_DAYS_BEFORE)
    assert (report.sent, report.skipped) == (0, 1)
    assert outbox(mail_app, rule="session-2d")[0].reason == (
        "S. Martin has no email address (channel email)"
    )


def test_starttls_missing_on_the_server_stops_the_run_and_loses_nothing(
    sqlite_url: str, server
) -> None:  # type: ignore[no-untyped-def]
    """A setting that is wrong for every message (here: STARTTLS asked of a server without
    it) stops the run with a clear error; the reminder waits, its attempts untouched."""
    from programs.api import PluginError

    inbox, port = server
    config = email_config(port)
    config["email"]["security"] = "starttls"
    app = reminders_app(sqlite_url, config)
    story(app, people=(("S. Martin", MARTIN, "fr", None),))
    with pytest.raises(PluginError, match=r"does not offer STARTTLS.*1 reminder.*next run"):
        send(app, TWO_DAYS_BEFORE)
    (row,) = outbox(app, rule="session-2d")
    assert (row.status, row.attempts) == ("pending", 0)
    assert "does not offer STARTTLS" in row.last_error
    app.close()
    fixed = email_config(port)  # the coach fixes the setting: the reminder goes out
    app = reminders_app(sqlite_url, fixed)
    assert send(app, TWO_DAYS_BEFORE + timedelta(minutes=5)).sent == 1
    assert len(inbox.received) == 1
    app.close()


def test_no_sender_stops_the_run_and_loses_nothing(sqlite_url: str, server) -> None:  # type: ignore[no-untyped-def]
    from programs.api import PluginError

    inbox, port = server
    config = email_config(port)
    config["email"].pop("sender", None)
    app = reminders_app(sqlite_url, config)
    story(app, people=(("S. Martin", MARTIN, "fr", None),))
    with app.write() as db:  # the coach has no email either: nobody to send from
        db.execute(sa.text("UPDATE coach SET email = NULL"))
    with pytest.raises(PluginError, match="no sender"):
        send(app, TWO_DAYS_BEFORE)
    assert [(r.status, r.attempts) for r in outbox(app, rule="session-2d")] == [("pending", 0)]
    assert inbox.received == []
    app.close()


def test_the_message_id_is_derived_from_the_outbox_key() -> None:
    from programs.plugins.email.channel import message_id

    one = message_id("db1/session-2d/session-1/r0/participant-1/email", "example.com")
    assert one == message_id("db1/session-2d/session-1/r0/participant-1/email", "example.com")
    assert one != message_id("db1/session-2d/session-1/r1/participant-1/email", "example.com")
    assert one != message_id("db2/session-2d/session-1/r0/participant-1/email", "example.com")
    assert one.startswith("<") and one.endswith("@example.com>")


def test_a_call_reminds_the_participant_and_the_coach_an_hour_before(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    ids = story(mail_app)
    with mail_app.write() as db:
        plan_followup(
            db,
            participant=db.get(Participant, ids["people"][0]),
            kind="call",
            start=utc("2027-04-08T16:30:00Z"),
            topic="prepare the meeting",
        )
    assert send(mail_app, utc("2027-04-08T15:30:00Z")).sent == 2
    participant = read_mail(inbox.to(MARTIN)[0])
    assert participant.subject == (
        f"Rappel{NNBSP}: Appel avec Claire Dubois, le jeudi 8 avril 2027 à 18{NBSP}h{NBSP}30"
    )
    assert f"Numéro{NNBSP}: 06 12 34 56 78" in participant.text  # as dialled in France
    assert f"Sujet{NNBSP}: prepare the meeting" in participant.text
    coach = read_mail(inbox.to("claire@example.com")[0])
    assert coach.subject == (
        f"Rappel{NNBSP}: Appel{NNBSP}: S. Martin, le jeudi 8 avril 2027 à 18{NBSP}h{NBSP}30"
    )
    assert f"Appel{NNBSP}: S. Martin" in coach.text and "Numéro" not in coach.text
    # the .ics says what each one's feed says
    assert coach.ics.vevent.summary.value == f"Appel{NNBSP}: S. Martin"
    assert participant.ics.vevent.summary.value == "Appel avec Claire Dubois"


def test_regional_languages_and_languages_without_templates(mail_app, server) -> None:  # type: ignore[no-untyped-def]
    inbox, _port = server
    people = (
        ("Amy Clark", "amy@example.com", "en-GB", "Europe/London"),
        ("João Silva", "joao@example.com", "pt-BR", None),
    )
    story(mail_app, people=people)
    assert send(mail_app, TWO_DAYS_BEFORE).sent == 2
    british = read_mail(inbox.to("amy@example.com")[0])
    # the venue's time (09:00 in Marseille), her own added (08:00 in London)
    assert (
        british.subject
        == "Reminder: Accompagnement collectif — Jour 1, Sunday, 28 March 2027 at 09:00"
    )
    assert "that is 08:00 your time (Europe/London)" in british.text
    # no Portuguese catalog: the coach's language (French by default), dates included
    brazilian = read_mail(inbox.to("joao@example.com")[0])
    assert brazilian.subject == (
        f"Rappel{NNBSP}: Accompagnement collectif — Jour 1, le dimanche 28 mars 2027 à 9{NBSP}h"
    )


def test_smtp_login_with_the_password_from_the_environment(sqlite_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from test_reminders_support import free_port

    from programs.api import PluginError

    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, data):  # type: ignore[no-untyped-def]
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        config = email_config(port)
        config["email"].update(username="claire", password_env="SMTP_PASSWORD")
        app = reminders_app(sqlite_url, config)
        story(app, people=(("S. Martin", MARTIN, "fr", None),))
        monkeypatch.delenv("SMTP_PASSWORD", raising=False)
        with pytest.raises(
            PluginError,
            match="environment variable SMTP_PASSWORD \\(the SMTP password\\) is not set",
        ):
            send(app, TWO_DAYS_BEFORE)
        monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
        assert send(app, TWO_DAYS_BEFORE + timedelta(minutes=6)).sent == 1
        assert logins == [(b"claire", b"s3cret")]
        assert len(inbox.received) == 1
        monkeypatch.setenv("SMTP_PASSWORD", "wrong")
        with pytest.raises(PluginError, match="SMTP login refused"):
            send(app, TWO_HOURS_BEFORE)
        (waiting,) = outbox(app, rule="session-2h")
        assert (waiting.status, waiting.attempts) == ("pending", 0)  # not used up
        app.close()
    finally:
        controller.stop()
