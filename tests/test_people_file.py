"""Reading the files coaches have (``programs.domain.people_file``): the encoding rule, the
separators, the French and English headers, and Excel workbooks, with no database."""

from __future__ import annotations

import codecs
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from programs.domain.people_file import (
    columns_of,
    delimiter_of,
    detect_encoding,
    fold,
    open_people,
)
from programs.errors import InvalidInput
from programs.validate import RAW

FRENCH_EXCEL = (
    "Nom;Prénom;E-mail;Téléphone;Société;Fonction\r\n"
    "Roux;Léa;lea@example.com;06 12 34 56 78;Hôtel Le Panier;réceptionniste\r\n"
)


def rows(data: bytes, name: str = "people.csv") -> list[tuple[int, dict]]:
    return [
        (line, {k: v for k, v in row.items() if k != RAW})
        for line, row in open_people(io.BytesIO(data), name)
    ]


# --- the encoding rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + "name\nLéa\n".encode(), "utf-8-sig"),
        ("name\nLéa\n".encode("utf-16"), "utf-16"),  # a BOM first
        ("name\nLéa\n".encode(), "utf-8"),
        (b"name\nLea\n", "utf-8"),  # ASCII is UTF-8
        ("name\nLéa\n".encode("cp1252"), "cp1252"),
        ("name\nŒuvre, cœur, 5 €\n".encode("cp1252"), "cp1252"),
        ("name\nCHÂ’\n".encode("cp1252"), "cp1252"),  # valid UTF-8, for a control character
        ("name\n\u0092\n".encode(), "cp1252"),  # no text holds one
        (b"", "utf-8"),
    ],
)
def test_the_encoding_rule(data: bytes, expected: str) -> None:
    assert detect_encoding(io.BytesIO(data)) == expected


def test_a_file_is_read_to_its_end_before_the_encoding_is_chosen() -> None:
    """A cp1252 byte after a megabyte of ASCII still makes the file cp1252."""
    data = b"name\n" + b"Ana\n" * 300_000 + "Léa\n".encode("cp1252")
    assert detect_encoding(io.BytesIO(data)) == "cp1252"
    assert rows(data)[-1][1] == {"name": "Léa"}


FRENCH_LETTERS = st.text(
    st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.'@")
        + list("àâäçéèêëîïôöùûüÿæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÆ«»€’")
    ),
    min_size=1,
    max_size=40,
)


BLIND_SPOT = re.compile(
    rb"[\xc3-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def blind_spot(text: str) -> bool:
    """An accented letter right before one (a capital), two or three (a small one) signs
    cp1252 writes 0x80-0xBF ("É’", "é«»"): valid UTF-8 by chance, for other letters ("ɒ").
    French writing does not do this."""
    return BLIND_SPOT.search(text.encode("cp1252")) is not None


@given(FRENCH_LETTERS)
def test_french_text_is_read_back_the_same_in_either_encoding(text: str) -> None:
    """Both encodings a French spreadsheet saves give back what was typed, but for the
    blind spot of the rule (:func:`blind_spot`)."""
    if blind_spot(text):
        return
    for encoding in ("cp1252", "utf-8", "utf-8-sig"):
        data = f"name\r\n{text}\r\n".encode(encoding)
        found = rows(data)
        shown = text.strip()
        assert found == ([(2, {"name": shown})] if shown else []), encoding


def test_a_byte_windows_1252_does_not_have_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match=r"people\.csv is neither UTF-8 nor Windows-1252"):
        rows(b"name\nJos\xe9\x81\n")


def test_stdin_that_cannot_seek_is_spooled() -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    found = open_people(Pipe(FRENCH_EXCEL.encode("cp1252")), "-")
    assert found.encoding == "cp1252" and found.delimiter == ";"
    assert [r["given_name"] for _, r in found] == ["Léa"]


# --- separators and headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("name,email", ","),
        ("Nom;Prénom;E-mail", ";"),
        ("Nom\tPrénom\tE-mail", "\t"),
        ("name", ","),
        ("Nom, Prénom;E-mail;Téléphone", ";"),  # most of them wins
        ("a,b;c", ","),  # a tie: the comma
    ],
)
def test_the_separator_is_the_one_the_header_has_most_of(header: str, expected: str) -> None:
    assert delimiter_of(header + "\r\n") == expected


def test_a_french_excel_file_is_read_with_its_french_headers() -> None:
    found = rows(FRENCH_EXCEL.encode("cp1252"))
    assert found == [
        (
            2,
            {
                "family_name": "Roux",
                "given_name": "Léa",
                "email": "lea@example.com",
                "phone": "06 12 34 56 78",
                "organisation": "Hôtel Le Panier",
                "role": "réceptionniste",
            },
        )
    ]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (["Nom"], ["name"]),  # alone: the full name
        (["Nom", "Prénom"], ["family_name", "given_name"]),
        (["NOM", "PRENOM"], ["family_name", "given_name"]),
        (["Nom", "Prénom", "Nom de famille"], ["name", "given_name", "family_name"]),
        (["Name", "First name"], ["family_name", "given_name"]),
        (["First Name", "Last Name", "E-Mail"], ["given_name", "family_name", "email"]),
        (["\ufeffname", "given_name", "family_name"], ["name", "given_name", "family_name"]),
        (["nom", "Adresse e-mail", "Tél."], ["name", "email", "phone"]),
        (["nom", "Courriel", "Portable"], ["name", "email", "phone"]),
        (["nom", "mail", "mobile"], ["name", "email", "phone"]),
        (["nom", "Entreprise", "Poste", "Langue", "Fuseau"], [
            "name", "organisation", "role", "language", "timezone"
        ]),
        (["nom", "Organization", "Job title", "lang", "tz", "Notes"], [
            "name", "organisation", "role", "language", "timezone", "notes"
        ]),
        (["nom", "Raison sociale", "fuseau horaire", "time zone"][:3], [
            "name", "organisation", "timezone"
        ]),
        (["Motif", "Nom"], [None, "name"]),  # a rejects file's reason column
        (["reason", "name"], [None, "name"]),
    ],
)  # fmt: skip
def test_headers_in_french_and_english(header: list[str], columns: list[str | None]) -> None:
    assert columns_of(header)[0] == columns


def test_fold_sets_case_accents_and_punctuation_aside() -> None:
    assert fold(" Prénom ") == fold("PRENOM") == "prenom"
    assert fold("E-mail") == fold("e_mail") == fold("E.Mail") == "e mail"
    assert fold("Société") == "societe"


def test_an_empty_file_and_blank_rows() -> None:
    with pytest.raises(InvalidInput, match="the CSV file is empty"):
        rows(b"")
    assert rows(b"Nom;E-mail\r\n;;\r\n\r\nLea;\r\n") == [(4, {"name": "Lea", "email": ""})]


# --- Excel -----------------------------------------------------------------------------------


def workbook(*lines: list[object]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for line in lines:
        sheet.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_workbook_is_read_whatever_its_name() -> None:
    data = workbook(
        ["Nom", "Prénom", "Téléphone", "Notes", None],
        ["Roux", "Léa", 612345678, datetime(2026, 12, 3, 9, 0), None],
        [None, None, None, None, None],  # an empty row
        ["Benali", "Karim", 33781920314.0, date(2026, 12, 3), None],
        ["Extra", "Cells", None, None, "surplus"],
    )
    found = open_people(io.BytesIO(data), "people.csv")  # the bytes say it is a workbook
    assert found.encoding == "xlsx" and found.header == ["Nom", "Prénom", "Téléphone", "Notes"]
    got = [(line, {k: v for k, v in r.items() if k != RAW}) for line, r in found]
    assert got == [
        (2, {"family_name": "Roux", "given_name": "Léa", "phone": "612345678",
             "notes": "2026-12-03 09:00"}),
        (4, {"family_name": "Benali", "given_name": "Karim", "phone": "33781920314",
             "notes": "2026-12-03"}),
        (5, {"__extra__": "5"}),
    ]  # fmt: skip


def test_old_and_broken_workbooks_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match=r"old Excel \.xls"):
        rows(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "people.xls")
    with pytest.raises(InvalidInput, match=r"people\.xlsx is not a readable Excel file"):
        rows(b"PK\x03\x04" + b"\0" * 100, "people.xlsx")
    with pytest.raises(InvalidInput, match="unknown CSV column"):
        rows(workbook(["Nom", "Âge"], ["Roux", 40]), "people.xlsx")
