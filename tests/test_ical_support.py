"""Shared helpers for the iCal plugin's tests (no tests here).

- :func:`read_back` reads a feed as a calendar app would, with parsers that are not the one
  that wrote it: ``vobject`` (which builds its time zones from our VTIMEZONEs, through
  dateutil) and ``recurring-ical-events``; it also checks the wire format line by line.
- :func:`make_world` fills a database through the core's domain functions.
- :func:`serving` runs the real server (uvicorn) on a free loopback port, in a thread.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

PARIS_DST_DAY = date(2027, 3, 28)  # Europe/Paris goes from +01:00 to +02:00 at 02:00


@dataclass
class ReadEvent:
    uid: str
    summary: str
    start: datetime  # aware, from the feed's own VTIMEZONE
    end: datetime
    sequence: int
    status: str
    location: str | None
    description: str | None
    stamp: datetime
    last_modified: datetime
    organizer: str | None
    organizer_cn: str | None
    alarms: list[tuple[str, str]] = field(default_factory=list)  # (TRIGGER, DESCRIPTION)


@dataclass
class ReadFeed:
    text: str
    lines: list[str]  # unfolded content lines
    props: dict[str, list[Any]]  # calendar properties (vobject ContentLines), by lower name
    events: dict[str, ReadEvent]  # by UID
    tzids: set[str]  # VTIMEZONEs present


def _value(component: Any, name: str) -> Any:
    line = component.contents.get(name)
    return line[0].value if line else None


def check_wire_format(body: bytes) -> list[str]:
    """CRLF only, lines of at most 75 octets, each valid UTF-8 on its own (folding never
    splits a character); returns the unfolded lines."""
    assert body.endswith(b"\r\n")
    raw = body.split(b"\r\n")[:-1]
    for line in raw:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # raises if a fold split a character
    unfolded: list[str] = []
    for line in raw:
        text = line.decode("utf-8")
        if text.startswith((" ", "\t")):
            unfolded[-1] += text[1:]
        else:
            unfolded.append(text)
    return unfolded


def forget_vobject_timezones() -> None:
    """vobject keeps, for the whole process, the first time zone it read under each TZID
    and reuses it for every later calendar; a calendar app reads each feed on its own.
    (vobject also misreads a VTIMEZONE whose RDATE lists hold three dates or more, e.g.
    Europe/Paris from 2025 to 2028, which dateutil reads right: found here, not ours.)"""
    import vobject.icalendar as vcal

    registry = vars(vcal)["__tzidMap"]
    registry.clear()
    vcal.registerTzid("UTC", vcal.utc)


def read_back(
    body: bytes, *, window: tuple[date, date] = (date(2020, 1, 1), date(2035, 1, 1))
) -> ReadFeed:
    """Parse a feed independently and check what every feed must satisfy."""
    import icalendar
    import recurring_ical_events
    import vobject

    forget_vobject_timezones()
    lines = check_wire_format(body)
    text = body.decode("utf-8")
    cal = vobject.readOne(text)
    assert cal.name == "VCALENDAR"
    assert not any(line.startswith("ATTENDEE") for line in lines), "a feed names no attendee"
    events: dict[str, ReadEvent] = {}
    for ev in cal.contents.get("vevent", []):
        uid = ev.uid.value
        assert uid not in events, f"duplicate UID {uid}"
        assert _value(ev, "dtstamp").tzinfo is not None
        assert _value(ev, "dtstamp").utcoffset().total_seconds() == 0, "DTSTAMP is in UTC"
        start, end = ev.dtstart.value, ev.dtend.value
        assert isinstance(start, datetime) and start.tzinfo is not None, "never floating"
        organizer = ev.contents.get("organizer")
        alarms = [
            (str(_value(a, "trigger")), _value(a, "description"))
            for a in ev.contents.get("valarm", [])
        ]
        events[uid] = ReadEvent(
            uid=uid,
            summary=_value(ev, "summary"),
            start=start,
            end=end,
            sequence=int(_value(ev, "sequence")),
            status=_value(ev, "status"),
            location=_value(ev, "location"),
            description=_value(ev, "description"),
            stamp=_value(ev, "dtstamp"),
            last_modified=_value(ev, "last-modified"),
            organizer=organizer[0].value if organizer else None,
            organizer_cn=organizer[0].params.get("CN", [None])[0] if organizer else None,
            alarms=alarms,
        )
    tzids = {tz.tzid.value for tz in cal.contents.get("vtimezone", [])}
    used = {
        line.split("TZID=", 1)[1].split(":", 1)[0].split(";", 1)[0]
        for line in lines
        if ";TZID=" in line.split(":", 1)[0]
    }
    assert used <= tzids, f"TZIDs without a VTIMEZONE: {used - tzids}"
    # recurring-ical-events (icalendar + its own time zone handling) sees the same events
    # at the same instants.
    parsed = icalendar.Calendar.from_ical(body)
    seen = recurring_ical_events.of(parsed).between(*window)
    assert sorted(str(e["UID"]) for e in seen) == sorted(
        u for u, e in events.items() if window[0] <= e.start.date() < window[1]
    )
    for occurrence in seen:
        mine = events[str(occurrence["UID"])]
        assert occurrence.start == mine.start and occurrence.end == mine.end
    props = {k: v for k, v in cal.contents.items() if k not in ("vevent", "vtimezone")}
    return ReadFeed(text=text, lines=lines, props=props, events=events, tzids=tzids)


@dataclass
class World:
    coach_id: int
    program_id: int
    slug: str
    other_program_id: int
    waitlist_program_id: int
    sessions: dict[str, int]  # name -> session id
    people: dict[str, int]  # name -> participant id
    followups: dict[str, int]  # name -> follow-up id


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_world(app: Any) -> World:
    """A coach, the Marseille program (a session on the Paris DST day), a second program,
    a full one with a waitlist, participants with private notes, and follow-ups."""
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll, withdraw
    from programs.domain.followup import plan_followup
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session
    from programs.times import parse_time

    def paris(text: str) -> datetime:
        return parse_time(text, "Europe/Paris")

    with app.write() as db:
        coach = set_default_coach(
            db, name="Claire Dubois", email="claire@example.com", phone="0612345678"
        )
        marseille = create_program(
            db,
            slug="marseille-2026",
            title="Accompagnement collectif",
            location="Marseille, salle 2",
            capacity=12,
        )
        other = create_program(db, slug="lyon-2027", title="Atelier Lyon", location="Lyon")
        full = create_program(db, slug="full-2027", title="Petit groupe", capacity=1)
        sessions = {
            "day1": add_session(
                db,
                program=marseille,
                start=paris("2027-03-28 09:00"),
                end=paris("2027-03-28 17:00"),
                title="Jour 1",
            ).id,
            "day2": add_session(
                db,
                program=marseille,
                start=paris("2027-04-29 09:00"),
                end=paris("2027-04-29 17:00"),
                title="Jour 2",
            ).id,
            "lyon": add_session(
                db, program=other, start=paris("2027-05-10 09:00"), end=paris("2027-05-10 12:00")
            ).id,
            "full": add_session(
                db, program=full, start=paris("2027-06-01 09:00"), end=paris("2027-06-01 12:00")
            ).id,
        }
        people = {}
        for name, email, phone, notes in (
            ("Sophie Martin", "sophie.martin@example.com", "0611111111", "NOTE-SOPHIE burnout"),
            ("Karim Benali", "karim.benali@example.org", "0622222222", "NOTE-KARIM conflict"),
            ("Lucie Moreau", "lucie.moreau@example.net", "0633333333", "NOTE-LUCIE divorce"),
        ):
            people[name] = add_participant(db, name=name, email=email, phone=phone, notes=notes).id
        from programs.models import Participant

        sophie, karim, lucie = (db.get(Participant, people[n]) for n in people)
        enroll(db, program=marseille, participant=sophie)
        enroll(db, program=marseille, participant=karim)
        enroll(db, program=other, participant=karim)
        enroll(db, program=full, participant=karim)  # takes the only seat
        enroll(db, program=full, participant=sophie)  # waitlisted
        enroll(db, program=other, participant=lucie)
        withdraw(db, program=other, participant=lucie)
        followups = {
            "sophie-call": plan_followup(
                db,
                participant=sophie,
                kind="call",
                start=paris("2027-04-02 18:00"),
                topic="TOPIC-SOPHIE prepare the meeting with management",
                program=marseille,
            ).id,
            "karim-session": plan_followup(
                db,
                participant=karim,
                kind="session",
                start=paris("2027-04-10 10:00"),
                duration_minutes=60,
                topic="TOPIC-KARIM team conflict",
                location="Visio",
            ).id,
        }
    return World(
        coach_id=coach.id,
        program_id=marseille.id,
        slug="marseille-2026",
        other_program_id=other.id,
        waitlist_program_id=full.id,
        sessions=sessions,
        people=people,
        followups=followups,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    app: Any, *, base_url: str | None = None, slots: int | None = None, port: int | None = None
) -> Iterator[str]:
    """Run the feed server for ``app`` on a free loopback port (or ``port``); yields its
    base URL."""
    import uvicorn
    from programs.plugins.ical.server import SLOTS, create_asgi_app, uvicorn_config

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    asgi = create_asgi_app(app, base_url=base_url or url, slots=slots or SLOTS)
    config = uvicorn_config(asgi, host="127.0.0.1", port=port)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
