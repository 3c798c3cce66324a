"""Shared helpers for the reminders plugin's tests (no tests here).

- :class:`Inbox` / :func:`smtp_server`: a real SMTP server (aiosmtpd) on a free loopback
  port, keeping and counting what it receives; it can refuse, hold a message, or wait for a
  second client.
- :func:`read_mail`: a received message read back with the standard library's parser and its
  ``.ics`` with ``vobject`` (neither is what wrote them).
- :func:`story`: a program with sessions and participants, built through the core's domain
  functions (so the plugin's events fire as they would in real use).
- :func:`outbox`: the outbox rows, read with plain SQL.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from conftest import make_app

# Europe/Paris goes from +01:00 to +02:00 at 02:00 on this day: 09:00 local is 07:00 UTC.
DST_DAY_9AM = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
SLUG = "marseille-2026"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    peer: Any

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message, with knobs for failure tests."""

    received: list[Received] = field(default_factory=list)
    refuse: str | None = None  # e.g. "451 4.3.0 try again later": answer DATA with it
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 no such user": answer RCPT with it
    hold_at: int | None = None  # hold the Nth message's answer until ``release`` is set
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    wait_for_peers: int = 0  # hold every answer until this many clients have sent mail
    peers: set[Any] = field(default_factory=set)
    refused: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refused += 1
            return self.refuse
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), parsed, session.peer))  # type: ignore[arg-type]
        self.peers.add(session.peer)
        deadline = time.monotonic() + 20
        while len(self.peers) < self.wait_for_peers and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.hold_at is not None and len(self.received) == self.hold_at:
            self.held.set()
            while not self.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
        return "250 OK"

    @property
    def ids(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.rcpt_tos == [address]]


@contextmanager
def smtp_server(inbox: Inbox | None = None) -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    handler = inbox or Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()
        asyncio.set_event_loop(None)


def email_config(port: int, **reminders: Any) -> dict[str, Any]:
    """``[email]`` pointing at the test's SMTP server, and ``[reminders]`` settings
    (``notices`` false unless given)."""
    config: dict[str, Any] = {
        "email": {
            "host": "127.0.0.1",
            "port": port,
            "sender": "Claire Dubois <claire@example.com>",
        }
    }
    # the notices on events (confirmation, waitlist...) are off unless asked for, so that
    # tests of reminders count only reminders
    config["reminders"] = {"notices": False, **reminders}
    return config


def reminders_app(url: str, config: dict[str, Any] | None = None, *, notices: bool = False):  # type: ignore[no-untyped-def]
    """The reminders plugin and the email channel it sends through; the notices on events
    (confirmation, waitlist...) off unless ``notices``, so tests of reminders count only
    reminders."""
    config = dict(config or {})
    config["reminders"] = {**config.get("reminders", {}), "notices": notices}
    return make_app(url, plugins=["reminders", "email"], config=config)


def toml(config: dict[str, Any]) -> str:
    """The few shapes our tests use, written as TOML (the standard library only reads it)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def table(name: str, data: dict[str, Any]) -> None:
        lines.append(f"[{name}]")
        nested = {k: v for k, v in data.items() if isinstance(v, dict | list)}
        for k, v in data.items():
            if k not in nested:
                lines.append(f"{k} = {value(v)}")
        for k, v in nested.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)
            else:
                for item in v:
                    lines.append(f"[[{name}.{k}]]")
                    lines.extend(f"{ik} = {value(iv)}" for ik, iv in item.items())

    for name, data in config.items():
        table(name, data)
    return "\n".join(lines) + "\n"


def write_config(path: Path, config: dict[str, Any]) -> Path:
    """The config file as a coach keeps one that may hold a password: hers alone (600)."""
    path.write_text(toml(config), encoding="utf-8")
    path.chmod(0o600)
    return path


# --- reading what was received -----------------------------------------------------------


@dataclass
class Mail:
    to: list[str]
    subject: str
    text: str
    message_id: str
    ics: Any | None  # a vobject VCALENDAR
    raw: email.message.EmailMessage
    ics_text: str = ""


def forget_zones(ics_text: str) -> None:
    """vobject keeps the first VTIMEZONE it read for a TZID, for good: one covering 2031 would
    then be used for a 2027 time in the next file. Each file is read with its own (the
    parsed times keep their zone objects)."""
    import re

    import vobject.icalendar

    known = getattr(vobject.icalendar, "__tzidMap")  # the module's private map
    for tzid in re.findall(r"^TZID:(.+?)\r?$", ics_text, flags=re.MULTILINE):
        known.pop(tzid, None)


def read_mail(received: Received) -> Mail:
    import vobject

    message = received.message
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    ics, ics_text = None, ""
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            ics_text = part.get_payload(decode=True).decode("utf-8")
            forget_zones(ics_text)
            ics = vobject.readOne(ics_text)
            forget_zones(ics_text)  # and leave none of them for the next reader
    return Mail(
        received.rcpt_tos,
        str(message["Subject"]),
        text,
        received.message_id,
        ics,
        message,
        ics_text,
    )


# --- building the story --------------------------------------------------------------------


PEOPLE = (
    ("S. Martin", "s.martin@example.com", "fr", None),
    ("Léa Roux", "lea.roux@example.com", "en", "America/Montreal"),
)


def story(
    app: Any,
    *,
    sessions: tuple[datetime, ...] = (DST_DAY_9AM,),
    people: tuple[tuple[str, str | None, str, str | None], ...] = PEOPLE,
    capacity: int | None = None,
    hours: int = 8,
) -> dict[str, Any]:
    """The coach, the program, its sessions, the people, all enrolled (in that order)."""
    from datetime import timedelta

    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    with app.write() as db:
        coach = set_default_coach(
            db, name="Claire Dubois", email="claire@example.com", phone="+33612345678"
        )
        program = create_program(
            db,
            slug=SLUG,
            title="Accompagnement collectif",
            location="Marseille, 12 rue de la République",
            capacity=capacity,
            timezone="Europe/Paris",
        )
        made = [
            add_session(
                db, program=program, start=s, end=s + timedelta(hours=hours), title=f"Jour {i}"
            )
            for i, s in enumerate(sessions, start=1)
        ]
    ids = {"coach": coach.id, "program": program.id, "sessions": [s.id for s in made], "people": []}
    for name, address, language, tz in people:
        with app.write() as db:
            person = add_participant(db, name=name, email=address, language=language, timezone=tz)
        with app.write() as db:
            enroll(db, program=program, participant=person)
        ids["people"].append(person.id)
    assert not app.failures, app.failures
    return ids


def outbox(app: Any, **where: Any) -> list[Any]:
    """Outbox rows (plain SQL), in id order; ``where``: column=value filters."""
    sql = "SELECT * FROM reminders_outbox"
    if where:
        sql += " WHERE " + " AND ".join(f"{k} = :{k}" for k in where)
    with app.engine.connect() as conn:
        return list(conn.execute(sa.text(sql + " ORDER BY id"), where))


def states(app: Any, **where: Any) -> Counter[str]:
    return Counter(r.status for r in outbox(app, **where))


def programs_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "programs.cli", *args]
