"""People's names: a full name split into a given and a family name once, the particles kept
with the family name; the full name made back from the two parts; greetings by given name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.errors import InvalidInput
from programs.names import full_name, greeting_name, split_name
from programs.validate import participant_fields


@pytest.mark.parametrize(
    ("full", "given", "family"),
    [
        ("Léa Roux", "Léa", "Roux"),
        ("S. Martin", "S.", "Martin"),
        ("Jean de La Fontaine", "Jean", "de La Fontaine"),
        ("Charles de Gaulle", "Charles", "de Gaulle"),
        ("Ludwig van Beethoven", "Ludwig", "van Beethoven"),
        ("Johannes van der Waals", "Johannes", "van der Waals"),
        ("Marine Le Pen", "Marine", "Le Pen"),
        ("Anne Marie Dubois", "Anne Marie", "Dubois"),
        ("Madonna", "", "Madonna"),  # one word: a family name alone
        ("  Jean   de  La   Fontaine ", "Jean", "de La Fontaine"),
        ("De Gaulle", "De", "Gaulle"),  # a particle never takes the whole name
        ("", "", ""),
    ],
)
def test_the_split_rule(full: str, given: str, family: str) -> None:
    assert split_name(full) == (given, family)


words = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)


@given(st.lists(words, min_size=1, max_size=6))
def test_a_split_gives_back_the_full_name_and_never_an_empty_family(parts: list[str]) -> None:
    full = " ".join(parts)
    first, last = split_name(full)
    assert last
    assert full_name(first, last) == full
    assert len(parts) == 1 or first  # with two words or more, someone has a given name


def test_fields_keep_the_full_name_and_its_parts_in_step() -> None:
    assert participant_fields({"name": "Jean de La Fontaine"}, region="FR") == {
        "name": "Jean de La Fontaine",
        "given_name": "Jean",
        "family_name": "de La Fontaine",
    }
    assert (
        participant_fields({"given_name": "Anne", "family_name": "Dubois Martin"}, region="FR")[
            "name"
        ]
        == "Anne Dubois Martin"
    )
    with pytest.raises(InvalidInput, match="needs a name"):
        participant_fields({"given_name": " ", "family_name": ""}, region="FR")


def test_greetings_use_the_given_name() -> None:
    assert greeting_name("Léa", "Léa Roux") == "Léa"
    assert greeting_name(None, "Madonna") == "Madonna"
    assert greeting_name("  ", "S. Martin") == "S. Martin"
