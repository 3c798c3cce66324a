"""The channel contract, from outside: a third party's SMS channel written from the guide.

It takes no attachments and has a length limit, so its messages come from the short
templates (or its own ``NAME.sms.LANG.j2``); it learns whom each message is for and the
run's ``now``; it writes its own log through ``app.write()`` while sending; a person it
cannot reach is skipped with the reason, never retried.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import programs.plugins.reminders as reminders_plugin
import pytest
import sqlalchemy as sa

from programs.api import OutgoingMessage, hookimpl
from programs.testing import make_app

DAY = datetime(2027, 2, 4, 8, 0, tzinfo=UTC)
DUE = DAY - timedelta(days=1)


class Sms:
    """A channel as a stranger writes it from docs/plugins.md."""

    name = "sms"
    takes_attachments = False
    max_length = 160

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def can_reach(self, message: OutgoingMessage) -> bool:
        return message.to_phone is not None

    def send(self, app: Any, message: OutgoingMessage) -> str:
        with app.write() as db:  # its own log, written while the run goes on
            db.execute(
                sa.text(
                    "INSERT INTO sms_log (recipient_kind, recipient_id, msg_key, sent_for) "
                    "VALUES (:kind, :id, :key, :now)"
                ),
                {
                    "kind": message.recipient_kind,
                    "id": message.recipient_id,
                    "key": message.key,
                    "now": message.now.isoformat() if message.now else None,
                },
            )
        self.sent.append(message)
        return f"sms-{len(self.sent)}"


class SmsPlugin:
    def __init__(self) -> None:
        self.channel = Sms()

    @hookimpl
    def register_channels(self, register: Any) -> None:
        register(self.channel)


@pytest.fixture
def world(sqlite_url: str):  # type: ignore[no-untyped-def]
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    plugin = SmsPlugin()
    rules = [{"name": "sms-1d", "target": "session", "offset": "-1d", "channel": "sms"}]
    app = make_app(
        sqlite_url,
        plugins={"reminders": reminders_plugin, "sms": plugin},
        config={"reminders": {"rules": rules}},
    )
    with app.engine.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE TABLE sms_log (recipient_kind TEXT, recipient_id INTEGER, "
                "msg_key TEXT, sent_for TEXT)"
            )
        )
    with app.write() as db:
        set_default_coach(db, name="Claire Dubois", phone="06 12 34 56 78")
        program = create_program(
            db, slug="marseille-2026", title="Accompagnement collectif", location="Marseille"
        )
        add_session(db, program=program, start=DAY, end=DAY + timedelta(hours=8), title="Jour 1")
        people = [
            add_participant(db, name="S. Martin", phone="06 98 76 54 32"),
            add_participant(db, name="Léa Roux"),  # no phone: the SMS cannot reach her
        ]
    for person in people:
        with app.write() as db:
            enroll(db, program=program, participant=person)
    yield app, plugin.channel, people
    app.close()


def test_a_channel_without_attachments_gets_short_messages_and_knows_whom_they_are_for(
    world,
) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    app, sms, (martin, lea) = world
    report = send_due(app, now=DUE)
    assert (report.sent, report.skipped, report.errors) == (1, 1, [])
    (message,) = sms.sent
    assert message.attachments == ()
    assert len(message.text) <= 160
    assert ".ics" not in message.text  # written for SMS, not for email
    assert "Accompagnement collectif — Jour 1" in message.text and "Marseille" in message.text
    assert (message.recipient_kind, message.recipient_id) == ("participant", martin.id)
    assert message.now == DUE and message.to_phone == "+33698765432"
    with app.engine.connect() as conn:
        logged = conn.execute(sa.text("SELECT * FROM sms_log")).all()
        reasons = dict(
            conn.execute(
                sa.text("SELECT recipient_id, reason FROM reminders_outbox WHERE status='skipped'")
            ).all()
        )
    assert logged == [("participant", martin.id, message.key, DUE.isoformat())]
    assert reasons == {lea.id: "channel sms cannot reach Léa Roux"}
    assert send_due(app, now=DUE + timedelta(minutes=5)).handled == 0  # skipped, not retried


def test_a_channel_may_ship_its_own_template(world) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    from programs.config import config_dir

    app, sms, _people = world
    folder = config_dir() / "templates" / "reminders"
    folder.mkdir(parents=True)
    (folder / "session.sms.fr.j2").write_text(
        "ignored subject\nRDV {{ item.date }} {{ item.time }} : {{ item.title }}\n", "utf-8"
    )
    send_due(app, now=DUE)
    (message,) = sms.sent
    # item.time as a sentence writes it ("9 h"), since templates speak French typography
    assert message.text == "RDV jeudi 4 février 2027 9\u00a0h : Accompagnement collectif — Jour 1\n"


def test_a_text_over_the_limit_is_cut(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sender import send_due

    app, sms, _people = world
    sms.max_length = 40
    send_due(app, now=DUE)
    (message,) = sms.sent
    assert len(message.text) == 40 and message.text.endswith("…")
