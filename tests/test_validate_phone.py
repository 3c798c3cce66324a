"""Phone numbers written plainly are checked without phonenumbers' parser (a third of its
cost: an import's most expensive check); the answer is always the parser's, number for
number, error for error (by property, over real numbers of many regions written every way
people write them, and over random digits)."""

from __future__ import annotations

import hypothesis.strategies as st
import phonenumbers
import pytest
from hypothesis import assume, example, given, settings

from programs.errors import InvalidInput
from programs.validate import _parsed_phone, _quick_phone, phone

REGIONS = ["FR", "BE", "CH", "CA", "US", "GB", "DE", "IT", "ES", "MA", "SN", "RE", "BR", "AR"]
FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
]


def outcome(fn, value: str, region: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return fn(value, region)
    except InvalidInput as exc:
        return f"refused: {exc}"


@st.composite
def real_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """An example number of a region, of any type, in any format, separators shuffled,
    maybe a digit changed (which may make it invalid)."""
    home = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from(list(phonenumbers.PhoneNumberType.values())))
    number = phonenumbers.example_number_for_type(home, kind) or phonenumbers.example_number(home)
    text = phonenumbers.format_number(number, draw(st.sampled_from(FORMATS)))
    if draw(st.booleans()):
        text = text.replace(" ", draw(st.sampled_from(["", ".", "-", "\u00a0", "  "])))
    if draw(st.booleans()):
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        at = draw(st.sampled_from(digits))
        text = text[:at] + str(draw(st.integers(0, 9))) + text[at + 1 :]
    return text, draw(st.sampled_from(REGIONS))


@given(real_numbers())
@settings(max_examples=600, deadline=None)
@example(("06 12 34 56 78", "FR"))
@example(("+33 (0)6 12 34 56 78", "FR"))
@example(("0612", "FR"))
@example(("+39 06 1234 5678", "IT"))
@example(("020 7946 0018", "GB"))
@example(("+02015550123", "FR"))
def test_the_quick_path_always_agrees_with_the_parser(case: tuple[str, str]) -> None:
    value, region = case
    assert outcome(phone, value, region) == outcome(_parsed_phone, value, region)


@given(
    st.text(alphabet="0123456789+ .-()", min_size=1, max_size=20),
    st.sampled_from(REGIONS),
)
@settings(max_examples=600, deadline=None)
def test_random_digits_get_the_parsers_answer(value: str, region: str) -> None:
    assume(value.strip())  # a blank is "no number", before either path
    assert outcome(phone, value, region) == outcome(_parsed_phone, value, region)


@pytest.mark.parametrize(
    ("value", "region"),
    [("06 12 34 56 78", "FR"), ("+33 6 12 34 56 78", "FR"), ("+1 514 555 0199", "CA")],
)
def test_plain_numbers_take_the_quick_path(value: str, region: str) -> None:
    """The quick path is taken, not merely available (else the import gains nothing)."""
    assert _quick_phone(value, region) == phone(value, region)
