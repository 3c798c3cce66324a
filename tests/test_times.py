"""Times: stored in UTC, typed in a zone, with daylight-saving gaps and folds refused clearly.

The property tests check ``programs.times`` against python-dateutil, a second implementation
of "does this wall-clock time exist / happen twice in this zone"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dateutil import tz as dateutil_tz
from hypothesis import given, settings
from hypothesis import strategies as st

from programs.app import App
from programs.domain.program import create_program
from programs.domain.session import add_session, get_session
from programs.durations import parse_minutes as parse_duration
from programs.errors import InvalidInput
from programs.times import (
    format_local,
    localize,
    parse_date,
    parse_time,
    to_local,
    zone,
)

PARIS = "Europe/Paris"
ZONES = [
    "Europe/Paris",
    "America/New_York",
    "America/St_Johns",  # -03:30, DST
    "Australia/Lord_Howe",  # DST of 30 minutes
    "Asia/Kolkata",  # +05:30, no DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/Sao_Paulo",  # DST until 2019, at midnight
    "UTC",
]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03 09:00", utc(2026, 12, 3, 8, 0)),  # winter: +01:00
        ("2026-07-01 09:00", utc(2026, 7, 1, 7, 0)),  # summer: +02:00
        ("2026-12-03T09:00", utc(2026, 12, 3, 8, 0)),
        (" 2026-12-03 09:00:30 ", utc(2026, 12, 3, 8, 0, 30)),
        ("2026-12-03 09:00+00:00", utc(2026, 12, 3, 9, 0)),
        ("2026-12-03 09:00Z", utc(2026, 12, 3, 9, 0)),
        ("2026-12-03T09:00-05:00", utc(2026, 12, 3, 14, 0)),
    ],
)
def test_local_times_are_read_in_the_zone_and_returned_in_utc(
    text: str, expected: datetime
) -> None:
    parsed = parse_time(text, PARIS)
    assert parsed == expected
    assert parsed.tzinfo == UTC


def test_a_bare_time_is_read_on_the_given_date() -> None:
    assert parse_time("17:00", PARIS, on_date=date(2026, 12, 3)) == utc(2026, 12, 3, 16, 0)
    assert parse_time("9:05", PARIS, on_date=date(2026, 7, 1)) == utc(2026, 7, 1, 7, 5)
    with pytest.raises(InvalidInput, match="cannot read time '17:00': expected 'YYYY-MM-DD HH:MM'"):
        parse_time("17:00", PARIS)


def test_a_time_skipped_by_daylight_saving_is_an_error_that_says_so() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time("2027-03-28 02:30", PARIS)
    assert str(caught.value) == (
        "2027-03-28 02:30 does not exist in Europe/Paris: the clocks skip that hour "
        "(daylight saving); pick another time"
    )
    with pytest.raises(InvalidInput, match="does not exist in America/New_York"):
        parse_time("2027-03-14 02:30", "America/New_York")
    with pytest.raises(InvalidInput, match="does not exist"):
        parse_time("02:00", PARIS, on_date=date(2027, 3, 28))
    # the minutes around the gap exist
    assert parse_time("2027-03-28 01:59", PARIS) == utc(2027, 3, 28, 0, 59)
    assert parse_time("2027-03-28 03:00", PARIS) == utc(2027, 3, 28, 1, 0)


def test_a_time_that_happens_twice_needs_an_offset() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time("2026-10-25 02:30", PARIS)
    assert str(caught.value) == (
        "2026-10-25 02:30 happens twice in Europe/Paris (clocks go back): add the offset, "
        "e.g. '2026-10-25 02:30+02:00' (+02:00 or +01:00)"
    )
    assert parse_time("2026-10-25 02:30+02:00", PARIS) == utc(2026, 10, 25, 0, 30)
    assert parse_time("2026-10-25 02:30+01:00", PARIS) == utc(2026, 10, 25, 1, 30)
    # the suggestion in the message is itself accepted
    suggestion = str(caught.value).split("e.g. '")[1].split("'")[0]
    assert parse_time(suggestion, PARIS) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "cannot read time 'tomorrow'"),
        ("2026-13-03 09:00", "cannot read time"),
        ("2026-12-03", "give a time of day too"),
        ("", "cannot read time"),
    ],
)
def test_unreadable_times_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_time(text, PARIS)


@pytest.mark.parametrize(
    ("text", "zone_name"),
    [
        ("0001-01-01 00:05", PARIS),  # before year 1 in UTC: OverflowError
        ("9999-12-31 22:00", "America/New_York"),  # after year 9999 in UTC
        ("9999-12-31 23:50", PARIS),  # readable, but its end (+45 min) is not
        ("0001-01-01 10:00Z", PARIS),
        ("1899-12-31 23:59", PARIS),
        ("3000-01-01 00:00", PARIS),
    ],
)
def test_years_out_of_range_are_clear_errors(text: str, zone_name: str) -> None:
    with pytest.raises(InvalidInput, match="the year must be between 1900 and 2999"):
        parse_time(text, zone_name)
    with pytest.raises(InvalidInput, match="the year must be between 1900 and 2999"):
        parse_date(text[:10])
    assert parse_time("2999-12-31 23:00", PARIS) == utc(2999, 12, 31, 22, 0)


def test_hours_out_of_range_on_a_date() -> None:
    with pytest.raises(InvalidInput, match="expected HH:MM"):
        parse_time("25:00", PARIS, on_date=date(2026, 12, 3))


@pytest.mark.parametrize("name", ["Mars/Olympus", "CET1", "", "Europe/../../etc/passwd", "paris"])
def test_unknown_zones_are_clear_errors(name: str) -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        zone(name)
    with pytest.raises(InvalidInput, match="unknown time zone"):
        parse_time("2026-12-03 09:00", name)


def test_showing_times() -> None:
    instant = utc(2026, 12, 3, 8, 0)
    assert format_local(instant, PARIS) == "2026-12-03 09:00"
    assert format_local(instant, "America/New_York") == "2026-12-03 03:00"
    assert to_local(instant, PARIS).utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "minutes"), [("45m", 45), ("1h", 60), ("1h30", 90), ("1h30m", 90), ("90", 90)]
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "0", "25h", "1.5h", "soon", "h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidInput, match="duration"):
        parse_duration(text)


def test_dates() -> None:
    assert parse_date(" 2026-12-03 ") == date(2026, 12, 3)
    with pytest.raises(InvalidInput, match="expected YYYY-MM-DD"):
        parse_date("03/12/2026")


# --- properties ---------------------------------------------------------------------------

aware_instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(instant=aware_instants, shown_in=st.sampled_from(ZONES), read_in=st.sampled_from(ZONES))
def test_any_instant_written_with_its_offset_reads_back_the_same(
    instant: datetime, shown_in: str, read_in: str
) -> None:
    """An offset in the text wins over the zone it is read in: no gap nor fold applies."""
    text = instant.astimezone(ZoneInfo(shown_in)).isoformat(sep=" ")
    assert parse_time(text, read_in) == instant


def _transition_days(name: str, years: range) -> list[date]:
    """Days on which the zone's UTC offset changes (found by scanning, not by rule)."""
    tz = ZoneInfo(name)
    days = []
    day = date(years.start, 1, 1)
    previous = datetime.combine(day, time(0), tz).utcoffset()
    while day.year < years.stop:
        day += timedelta(days=1)
        offset = datetime.combine(day, time(0), tz).utcoffset()
        if offset != previous:
            days.append(day - timedelta(days=1))
            days.append(day)
        previous = offset
    return days


TRANSITIONS = {name: _transition_days(name, range(2015, 2035)) for name in ZONES if name != "UTC"}

# Clocks change between midnight and 04:00 local time in these zones.
early_hours = st.times(max_value=time(4, 0))

around_changes = (
    st.sampled_from(sorted(name for name, days in TRANSITIONS.items() if days))
    .flatmap(lambda name: st.tuples(st.just(name), st.sampled_from(TRANSITIONS[name]), early_hours))
    .map(lambda t: (t[0], datetime.combine(t[1], t[2])))
)
local_times = st.one_of(
    # any time (dateutil reads only the listed transitions of a zone file, which end in 2037)
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2036, 12, 31)),
    # twice as often, the early hours of the days clocks change: where gaps and folds are
    around_changes,
    around_changes,
)


@settings(max_examples=500, deadline=None)
@given(case=local_times, fallback_zone=st.sampled_from(ZONES))
def test_local_times_round_trip_unless_skipped_or_repeated(case, fallback_zone: str) -> None:  # type: ignore[no-untyped-def]
    name, wall = case if isinstance(case, tuple) else (fallback_zone, case)
    wall = wall.replace(second=0, microsecond=0)
    text = wall.strftime("%Y-%m-%d %H:%M")
    reference = dateutil_tz.gettz(name)
    exists = dateutil_tz.datetime_exists(wall, reference)
    ambiguous = dateutil_tz.datetime_ambiguous(wall, reference)
    if not exists:
        with pytest.raises(InvalidInput, match="does not exist"):
            parse_time(text, name)
    elif ambiguous:
        with pytest.raises(InvalidInput, match="happens twice"):
            parse_time(text, name)
    else:
        parsed = parse_time(text, name)
        assert parsed.tzinfo == UTC
        assert parsed.astimezone(ZoneInfo(name)).replace(tzinfo=None) == wall
        assert format_local(parsed, name) == text
        # and the same instant per dateutil
        assert parsed == wall.replace(tzinfo=reference).astimezone(UTC)


def test_the_transition_days_were_found() -> None:
    """The strategy above really samples gaps and folds (both kinds of day, each zone)."""
    assert date(2027, 3, 28) in TRANSITIONS[PARIS]
    assert date(2026, 10, 25) in TRANSITIONS[PARIS]
    assert TRANSITIONS["Asia/Kolkata"] == []
    with pytest.raises(InvalidInput):
        localize(datetime(2027, 3, 28, 2, 30), PARIS)


# --- storage ------------------------------------------------------------------------------


def test_sessions_on_the_days_clocks_change_store_the_right_instants(app: App) -> None:
    """09:00-17:00 in Paris is 08:00-16:00 UTC the day before summer time, 07:00-15:00 on the
    day it starts, and 08:00-16:00 again on the day it ends."""
    days = [date(2027, 3, 27), date(2027, 3, 28), date(2026, 10, 25)]
    with app.write() as db:
        program = create_program(db, slug="marseille-2027", title="Printemps", timezone=PARIS)
        ids = [
            add_session(
                db,
                program=program,
                start=parse_time(f"{day} 09:00", program.timezone),
                end=parse_time("17:00", program.timezone, on_date=day),
            ).id
            for day in days
        ]
    with app.engine.connect() as conn:
        stored = conn.execute(sa.text('SELECT start, "end" FROM program_session ORDER BY id')).all()
    as_text = [(str(s)[:19], str(e)[:19]) for s, e in stored]  # naive UTC on both databases
    assert as_text == [
        ("2027-03-27 08:00:00", "2027-03-27 16:00:00"),
        ("2027-03-28 07:00:00", "2027-03-28 15:00:00"),
        ("2026-10-25 08:00:00", "2026-10-25 16:00:00"),
    ]
    with app.read() as db:
        for session_id, day in zip(ids, days, strict=True):
            session = get_session(db, session_id)
            assert session.start.tzinfo == UTC
            assert format_local(session.start, PARIS) == f"{day} 09:00"
            assert format_local(session.end, PARIS) == f"{day} 17:00"
