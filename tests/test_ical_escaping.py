"""No text a person typed can add a property or a component to a feed.

Property test: for arbitrary titles, places, topics and names (with every character that
matters to iCalendar: CR, LF, ``;``, ``,``, ``\\``, ``:``, quotes, ``BEGIN:VEVENT``...),
vobject (another parser than the library that wrote the feed) reads back exactly what was
written, and the feed has exactly the components and properties it should.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs.plugins.ical.items import FeedItem, FeedSpec
from programs.plugins.ical.render import render
from test_ical_support import check_wire_format

from programs.calendar import CalendarItem, CalendarScope
from programs.ics import clean

NASTY = [
    "\r\n",
    "\r",
    "\n",
    ";",
    ",",
    "\\",
    "\\n",
    "\\N",
    "\\;",
    ":",
    '"',
    "^",
    "^n",
    "'",
    "BEGIN:VEVENT",
    "END:VCALENDAR",
    "\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT\r\n",
    "\r\nATTENDEE:mailto:x@y",
    " ",
    "\t",
    "é",
    "🙂",
    "\u2028",
    "\x85",
    "\x00",
    "\x1b",
    "\x7f",
]
texts = st.lists(
    st.one_of(st.sampled_from(NASTY), st.characters(exclude_categories=["Cs"])), max_size=40
).map("".join)


def rfc6868(value: str) -> str:
    """Decode RFC 6868 parameter escapes (vobject leaves them as written)."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "^" and i + 1 < len(value) and value[i + 1] in "n'^":
            out.append({"n": "\n", "'": '"', "^": "^"}[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def one_item_feed(summary: str, location: str, description: str, coach: str, alarm: str) -> bytes:
    start = datetime(2027, 3, 28, 7, tzinfo=UTC)
    item = CalendarItem(
        uid="session-1@programs",
        revision=2,
        summary=summary,
        start=start,
        end=start + timedelta(hours=8),
        timezone="Europe/Paris",
        location=location,
        description=description,
        cancelled=False,
        last_modified=datetime(2026, 11, 1, tzinfo=UTC),
        organizer=(coach, "claire@example.com"),
        kind="session",
        id=1,
    )
    entry = FeedItem(item, alarms=((3600, alarm),))
    return render(FeedSpec(CalendarScope("program", 1), summary, (entry,))).body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summary=texts, location=texts, description=texts, coach=texts, alarm=texts)
def test_arbitrary_text_reads_back_exactly(summary, location, description, coach, alarm) -> None:
    import vobject

    body = one_item_feed(summary, location, description, coach, alarm)
    lines = check_wire_format(body)
    cal = vobject.readOne(body.decode())

    # Exactly the components written: one VTIMEZONE, one VEVENT, one VALARM in it.
    assert sorted(cal.contents) == sorted(
        [
            "version",
            "prodid",
            "method",
            "name",
            "x-wr-calname",
            "refresh-interval",
            "uid",
            "x-published-ttl",
            "x-wr-timezone",
            "vtimezone",
            "vevent",
        ]
    )
    assert all(len(v) == 1 for v in cal.contents.values())
    assert sum(line == "BEGIN:VEVENT" for line in lines) == 1
    assert not any(line.startswith(("ATTENDEE", "UID:evil")) for line in lines)
    (event,) = cal.vevent_list
    expected = {
        "summary",
        "dtstart",
        "dtend",
        "dtstamp",
        "uid",
        "sequence",
        "last-modified",
        "organizer",
        "status",
        "valarm",
    }
    expected |= {"location"} if location else set()
    expected |= {"description"} if description else set()
    assert set(event.contents) == expected
    assert all(len(v) == 1 for v in event.contents.values())
    assert event.uid.value == "session-1@programs"

    # And what was written comes back, character for character.
    assert event.summary.value == clean(summary)
    assert cal.contents["name"][0].value == clean(summary)
    if location:
        assert event.location.value == clean(location)
    if description:
        assert event.description.value == clean(description)
    (valarm,) = event.contents["valarm"]
    assert valarm.description.value == (clean(alarm) or clean(summary) or "Reminder")
    if clean(coach):
        (cn,) = event.organizer.params["CN"]
        assert rfc6868(cn) == clean(coach)
    else:
        assert "CN" not in event.organizer.params
    assert event.organizer.value == "mailto:claire@example.com"


def test_clean_only_touches_control_characters() -> None:
    assert (
        clean('Jour 1; salle 2, \\N "B" é🙂\u2028\tfin')
        == 'Jour 1; salle 2, \\N "B" é🙂\u2028\tfin'
    )
    assert clean("a\r\nb\rc\nd") == "a\nb\nc\nd"
    assert clean("a\x00b\x1bc\x7fd") == "abcd"


def test_text_typed_through_the_domain_reads_back(sqlite_url: str) -> None:
    """The real path: validated by the core, stored, collected, rendered, parsed."""
    from conftest import make_app
    from test_ical_support import read_back

    from programs.domain.coach import set_default_coach
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    title = 'Jour 1; "salle" 2, C:\\New\\ BEGIN:VEVENT'
    place = "12, rue de la Paix;\nMarseille\\N"
    app = make_app(sqlite_url, plugins=["ical"])
    try:
        with app.write() as db:
            set_default_coach(
                db, name='Claire "CD" Dubois; coach, Marseille', email="c@example.com"
            )
            program = create_program(db, slug="p", title="Programme")
            start = datetime(2027, 1, 5, 9, tzinfo=UTC)
            add_session(
                db,
                program=program,
                start=start,
                end=start + timedelta(hours=2),
                title=title,
                location=place,
            )
        from programs.plugins.ical.service import build_feed

        read = read_back(build_feed(app, CalendarScope("program", program.id)).body)
        (event,) = read.events.values()
        assert event.summary == f"Programme — {title}"
        assert event.location == place
        assert rfc6868(event.organizer_cn) == 'Claire "CD" Dubois; coach, Marseille'
    finally:
        app.close()
