"""The fast path for plain email addresses must agree with email_validator on everything it
accepts (programs/validate.py uses it to keep large CSV imports fast)."""

from __future__ import annotations

import pytest
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from programs import validate
from programs.errors import InvalidInput


def library(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def test_special_use_names_match_the_library() -> None:
    assert set(validate._SPECIAL_USE) == set(SPECIAL_USE_DOMAIN_NAMES)


label = st.from_regex(r"\A[a-zA-Z0-9-]{1,12}\Z")
addresses = st.builds(
    lambda local, labels, tld: f"{local}@{'.'.join(labels)}.{tld}",
    st.from_regex(r"\A[A-Za-z0-9._+-]{1,20}\Z"),
    st.lists(label, min_size=1, max_size=3),
    st.from_regex(r"\A[A-Za-z0-9-]{1,6}\Z"),
)


@settings(max_examples=400)
@given(addresses)
def test_fast_path_agrees_with_email_validator(value: str) -> None:
    fast = validate._plain_email(value)
    if fast is not None:
        assert fast == library(value)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_fast_path_never_accepts_what_the_library_refuses(value: str) -> None:
    fast = validate._plain_email(value)
    if fast is not None:
        assert library(value) == fast


@pytest.mark.parametrize(
    "value",
    [
        "a..b@x.org",
        "a@-x.org",
        "x@localhost",
        "a@x.123",
        "a@b.test",
        "ab--c@x.org@",
        "a@xn--x.org",
        "a@ab--cd.org",
        ".a@x.org",
        "a.@x.org",
        "a" * 65 + "@x.org",
    ],
)
def test_tricky_addresses_take_the_library_path(value: str) -> None:
    assert validate._plain_email(value) is None or library(value) is not None


def test_email_normalises_the_domain_and_refuses_bad_ones() -> None:
    assert validate.email(" S.Martin@Example.ORG ") == "S.Martin@example.org"
    assert validate.email("élise@exemple.fr") == library("élise@exemple.fr")
    with pytest.raises(InvalidInput, match="invalid email"):
        validate.email("a..b@x.org")
