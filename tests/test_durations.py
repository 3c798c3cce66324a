"""One grammar for every length of time a person types (``programs.durations``): the same
words are accepted by the core (a follow-up's length) and by every plugin (a reminder rule's
offset, a setting, ``reminders run --every``), and the same mistakes are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.durations import Span, parse_duration, parse_minutes, parse_offset, parse_span
from programs.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("90m", Span(seconds=5400)),
        ("1h30", Span(seconds=5400)),
        ("1h30m", Span(seconds=5400)),
        ("1h 30m", Span(seconds=5400)),
        ("90", Span(seconds=5400)),
        ("90min", Span(seconds=5400)),
        ("45m", Span(seconds=2700)),
        ("2d", Span(days=2)),
        ("1w", Span(days=7)),
        ("1d12h", Span(days=1, seconds=43200)),
        ("36h", Span(seconds=129600)),
        ("30s", Span(seconds=30)),
    ],
)
def test_every_form_of_a_length(text: str, span: Span) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize(
    ("text", "span"),
    [("-2d", Span(days=-2)), ("-1d12h", Span(days=-1, seconds=-43200)), ("+1d", Span(days=1)),
     ("-2h", Span(seconds=-7200)), ("0", Span())],
)  # fmt: skip
def test_signed_offsets(text: str, span: Span) -> None:
    assert parse_offset(text) == span


@pytest.mark.parametrize(
    "text", ["1h70", "1h60m", "2m75s", "soon", "", "h", "1.5h", "2d30", "30m1h", "1h1h"]
)
def test_mistakes_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(InvalidInput, match="duration"):
        parse_span(text)


def test_a_length_has_no_sign_and_an_offset_may() -> None:
    with pytest.raises(InvalidInput, match="has no sign"):
        parse_duration("-5m")
    assert parse_offset("-5m") == Span(seconds=-300)


def test_minutes_of_a_follow_up_are_bounded() -> None:
    assert parse_minutes("1h30") == 90
    assert parse_minutes("24h") == 1440
    for bad in ("0m", "25h", "30s", "1m30s"):
        with pytest.raises(InvalidInput, match="between 1 minute and 24 hours"):
            parse_minutes(bad)


def test_the_core_and_the_reminders_plugin_read_the_same_words() -> None:
    """A rule's offset and a follow-up's length: one grammar, one answer."""
    from programs.plugins.reminders.rules import make_rule

    for text in ("90m", "1h30", "1d12h", "1w"):
        rule = make_rule(
            {"name": "r", "target": "session", "offset": f"-{text}"}, where="t", layer="config"
        )
        assert rule.offset.total == -parse_span(text).total
    with pytest.raises(InvalidInput):
        make_rule({"name": "r", "target": "session", "offset": "-1h70"}, where="t", layer="config")


@given(
    st.builds(
        Span,
        days=st.integers(min_value=-366, max_value=366),
        seconds=st.integers(min_value=0, max_value=366 * 86400),
    )
)
def test_a_span_reads_back_as_it_is_shown(span: Span) -> None:
    if span.days < 0:  # one sign for both parts
        span = Span(span.days, -span.seconds)
    assert parse_offset(span.signed()) == span
    assert parse_span(str(Span(abs(span.days), abs(span.seconds)))).total == timedelta(
        days=abs(span.days), seconds=abs(span.seconds)
    )
