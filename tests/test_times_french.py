"""Times as a French coach writes them: ``03/12/2026 09:00``, ``3/12/2026 9h30``, ``9h``,
``17h30``, and ISO as everywhere; the day always first, never guessed month first. In English
only ISO and ``HH:MM`` are read. A bad form says, in the coach's language, what is accepted;
the daylight-saving rules are the same whatever the form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs import i18n
from programs.errors import InvalidInput
from programs.times import parse_date, parse_time

PARIS = "Europe/Paris"
DAY = date(2026, 12, 3)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def french():  # type: ignore[no-untyped-def]
    with i18n.using("fr"):
        yield


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/12/2026 09:00", utc(2026, 12, 3, 8, 0)),
        ("3/12/2026 09:00", utc(2026, 12, 3, 8, 0)),
        ("3/12/2026 9h30", utc(2026, 12, 3, 8, 30)),
        ("3/12/2026 9h", utc(2026, 12, 3, 8, 0)),
        ("03/12/2026 17H45", utc(2026, 12, 3, 16, 45)),
        ("3/12/2026 9 h 30", utc(2026, 12, 3, 8, 30)),
        ("3/12/2026 à 9h30", utc(2026, 12, 3, 8, 30)),
        (" 1/7/2026 9h ", utc(2026, 7, 1, 7, 0)),  # summer: +02:00
        ("2026-12-03 09:00", utc(2026, 12, 3, 8, 0)),  # ISO, as in every language
        ("2026-12-03T09:00+00:00", utc(2026, 12, 3, 9, 0)),
    ],
)
def test_french_forms_with_a_date(french, text: str, expected: datetime) -> None:  # type: ignore[no-untyped-def]
    assert parse_time(text, PARIS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9h", utc(2026, 12, 3, 8, 0)),
        ("17h30", utc(2026, 12, 3, 16, 30)),
        ("17h", utc(2026, 12, 3, 16, 0)),
        ("17:00", utc(2026, 12, 3, 16, 0)),
        ("9h05", utc(2026, 12, 3, 8, 5)),
        ("2026-12-04 10:00", utc(2026, 12, 4, 9, 0)),
    ],
)
def test_a_bare_french_time_is_read_on_the_given_date(french, text, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse_time(text, PARIS, on_date=DAY) == expected


def test_a_bare_time_needs_a_date_to_go_with(french) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="2026-12-03 09:00"):
        parse_time("9h", PARIS)


@pytest.mark.parametrize(
    ("text", "on_date"),
    [
        ("13/13/2026 09:00", None),  # no thirteenth month
        ("31/02/2026 09:00", None),
        ("3/12/2026 9h75", None),
        ("3/12/2026 25h", None),
        ("9h75", DAY),
        ("25h", DAY),
        ("24:00", DAY),
        ("3/12/26 9h", None),  # the year in full
        ("3/12/2026 9h5", None),
        ("3.12.2026 9h", None),
        ("demain 9h", None),
    ],
)
def test_french_refusals_say_which_forms_are_accepted_in_french(french, text, on_date) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        parse_time(text, PARIS, on_date=on_date)
    message = str(caught.value)
    assert text.strip() in message
    assert "impossible de lire l’heure" in message
    assert "9h30" in message or "HH:MM" in message  # the forms it reads


def test_a_french_date_without_a_time_of_day_asks_for_one(french) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="donnez aussi l’heure"):
        parse_time("03/12/2026", PARIS)


def test_daylight_saving_rules_are_the_same_in_the_french_forms(french) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="n’existe pas"):
        parse_time("28/03/2027 2h30", PARIS)
    with pytest.raises(InvalidInput, match="n’existe pas"):
        parse_time("2h", PARIS, on_date=date(2027, 3, 28))
    with pytest.raises(InvalidInput) as caught:
        parse_time("25/10/2026 2h30", PARIS)
    assert "deux fois" in str(caught.value)
    suggestion = str(caught.value).split("«\u202f")[1].split("\u202f»")[0]
    assert parse_time(suggestion, PARIS) == utc(2026, 10, 25, 0, 30)  # its advice is read
    assert parse_time("28/03/2027 3h", PARIS) == utc(2027, 3, 28, 1, 0)


@pytest.mark.parametrize(
    "text", ["03/12/2026 09:00", "3/12/2026 9h30", "3/12/2026 9h", "9h", "17h30"]
)
def test_english_reads_iso_and_hh_mm_only(text: str) -> None:
    with i18n.using("en"), pytest.raises(InvalidInput) as caught:
        parse_time(text, PARIS, on_date=DAY)
    assert "expected 'YYYY-MM-DD HH:MM'" in str(caught.value)


def test_french_and_english_dates() -> None:
    with i18n.using("fr"):
        assert parse_date("3/12/2026") == parse_date("03/12/2026") == DAY
        assert parse_date("2026-12-03") == DAY
        with pytest.raises(InvalidInput, match="impossible de lire la date"):
            parse_date("12/31/2026")  # never month first
    with i18n.using("en"), pytest.raises(InvalidInput, match="expected YYYY-MM-DD"):
        parse_date("3/12/2026")


# --- properties -----------------------------------------------------------------------------

days = st.dates(min_value=date(1900, 1, 2), max_value=date(2999, 12, 30))
clocks = st.times().map(lambda t: t.replace(second=0, microsecond=0))


def exists_once(moment: datetime) -> bool:
    """Neither skipped nor repeated by daylight saving in Paris."""
    tz = ZoneInfo(PARIS)
    early, late = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    round_trip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == moment
    return round_trip and early.utcoffset() == late.utcoffset()


def french_forms(day: date, clock: time) -> list[str]:
    d, m, y, h, mi = day.day, day.month, day.year, clock.hour, clock.minute
    forms = [
        f"{d:02d}/{m:02d}/{y} {h:02d}:{mi:02d}",
        f"{d}/{m}/{y} {h}:{mi:02d}",
        f"{d}/{m}/{y} {h}h{mi:02d}",
        f"{d}/{m}/{y} à {h} h {mi:02d}",
    ]
    return forms + ([f"{d}/{m}/{y} {h}h"] if mi == 0 else [])


@given(days, clocks)
def test_every_french_form_reads_as_its_iso_form(day: date, clock: time) -> None:
    moment = datetime.combine(day, clock)
    with i18n.using("fr"):
        if not exists_once(moment):
            for text in french_forms(day, clock):
                with pytest.raises(InvalidInput):
                    parse_time(text, PARIS)
            return
        iso = parse_time(moment.strftime("%Y-%m-%d %H:%M"), PARIS)
        for text in french_forms(day, clock):
            assert parse_time(text, PARIS) == iso, text
        bare = f"{clock.hour}h{clock.minute:02d}" if clock.minute else f"{clock.hour}h"
        assert parse_time(bare, PARIS, on_date=day) == iso


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1900, 2999))
def test_the_day_comes_first_never_the_month(first: int, second: int, year: int) -> None:
    with i18n.using("fr"):
        read = parse_time(f"{first}/{second}/{year} 12h", "UTC")
    assert (read.day, read.month, read.year) == (first, second, year)


@given(st.integers(0, 99), st.integers(0, 99))
def test_hours_and_minutes_out_of_range_are_refused(hours: int, minutes: int) -> None:
    text = f"3/12/2026 {hours}h{minutes:02d}"
    with i18n.using("fr"):
        if hours <= 23 and minutes <= 59:
            assert parse_time(text, "UTC") == utc(2026, 12, 3, hours, minutes)
        else:
            with pytest.raises(InvalidInput, match="impossible de lire l’heure"):
                parse_time(text, "UTC")
