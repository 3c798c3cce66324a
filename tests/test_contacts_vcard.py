"""The contacts plugin's vCard writer and QR code, read back by independent parsers:
``vobject`` for the cards; the standard library (zlib, struct, xml) for the PNG and SVG."""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import vobject
from hypothesis import example, given, settings
from hypothesis import strategies as st
from programs.plugins.contacts import qr
from programs.plugins.contacts.vcard import Card, clean_text, fold, render, render_many

NOW = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)
COACH = Card(
    name="Claire Dubois",
    uid="urn:uuid:11111111-2222-5333-8444-555555555555",
    phone="+33612345678",
    email="claire@example.com",
    organisation="Cabinet Dubois",
    website="https://example.com/claire",
    revision=NOW,
)


def parse_all(text: str) -> list[vobject.base.Component]:
    """Every card in ``text``; QP guessing off (it is a vCard 2.1 heuristic)."""
    return list(vobject.readComponents(io.StringIO(text), allowQP=False))


def props(card: vobject.base.Component) -> dict[str, list]:
    return {name: [line.value for line in lines] for name, lines in card.contents.items()}


def physical_lines(text: str) -> list[bytes]:
    data = text.encode("utf-8")
    assert data.endswith(b"\r\n")
    body = data[:-2]
    assert b"\n" not in body.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "a bare CR"
    return body.split(b"\r\n")


# --- the cards ----------------------------------------------------------------------------


def test_vcard_4_has_the_fields_phones_and_rfc_6350_ask_for() -> None:
    text = render(COACH, "4.0")
    assert "TEL;VALUE=uri;TYPE=cell:tel:+33612345678\r\n" in text
    [card] = parse_all(text)
    found = props(card)
    assert found["version"] == ["4.0"]
    assert found["fn"] == ["Claire Dubois"]
    assert found["tel"] == ["tel:+33612345678"]
    assert card.tel.params == {"VALUE": ["uri"], "TYPE": ["cell"]}
    assert found["email"] == ["claire@example.com"]
    assert found["url"] == ["https://example.com/claire"]
    assert found["uid"] == [COACH.uid]
    assert found["rev"] == ["20261203T083000Z"]
    assert card.n.value.family == "Dubois" and card.n.value.given == "Claire"
    assert card.org.value == ["Cabinet Dubois"]


def test_vcard_3_is_what_android_reads() -> None:
    [card] = parse_all(render(COACH, "3.0"))
    found = props(card)
    assert found["version"] == ["3.0"]
    assert found["tel"] == ["+33612345678"]
    assert card.tel.params == {"TYPE": ["CELL"]}
    assert card.email.params == {"TYPE": ["INTERNET"]}
    assert found["rev"] == ["2026-12-03T08:30:00Z"]


def test_unknown_version_and_non_e164_phone_are_refused() -> None:
    with pytest.raises(ValueError, match=r"3\.0 or 4\.0"):
        render(COACH, "2.1")
    with pytest.raises(ValueError, match=r"E\.164"):
        render(Card(name="X", uid="u", phone="0612345678"))
    with pytest.raises(ValueError, match=r"E\.164"):
        render(Card(name="X", uid="u", phone="+33612345678\r\nEND:VCARD"))


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    name = "Zoé-Éloïse 😀 " * 20 + "de La Fontaine"
    text = render(Card(name=name, uid="u", organisation="Ça" * 60), "4.0")
    lines = physical_lines(text)
    assert len(lines) > 10  # the long name and organisation were folded
    assert max(len(line) for line in lines) >= 72  # folded late, not every few characters
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises if a character was cut in two
    [card] = parse_all(text)
    assert card.fn.value == name


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Marie;Curie", "Marie;Curie"),
        ("Dupont, Jean", "Dupont, Jean"),
        ("back\\slash\\n", "back\\slash\\n"),
        ("two\r\nlines\rand\nmore", "two\nlines\nand\nmore"),
        ("X\nEND:VCARD\nBEGIN:VCARD\nFN:Intruder\nTEL:+33699999999", None),
        ("bell\x07and\x00nul", "bellandnul"),
        ("line\u2028separator\x85nel", "line\nseparator\nnel"),
    ],
)
def test_what_people_type_stays_in_its_field(typed: str, kept: str | None) -> None:
    for version in ("3.0", "4.0"):
        text = render(Card(name=typed, uid="u", organisation=typed, email=typed), version)
        [card] = parse_all(text)
        assert sorted(card.contents) == ["email", "fn", "n", "org", "uid", "version"]
        assert card.fn.value == (kept if kept is not None else clean_text(typed))
        assert card.email.value == card.fn.value
        assert card.org.value == [card.fn.value]


_NASTY = st.sampled_from(
    [
        ";",
        ",",
        "\\",
        "\n",
        "\r",
        "\r\n",
        ":",
        "END:VCARD",
        "BEGIN:VCARD",
        "\u2028",
        "\x85",
        "TEL:+33699999999",
        "é",
        "😀",
        " ",
        "\t",
        "=",
        "quoted-printable",
    ]
)
_TEXT = st.lists(st.one_of(_NASTY, st.text(max_size=12)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(name=_TEXT, organisation=_TEXT, email=_TEXT, version=st.sampled_from(["3.0", "4.0"]))
@example(name="A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:B", organisation="", email="", version="3.0")
@example(name=" " * 80, organisation="\\" * 80, email=";" * 80, version="4.0")
def test_no_input_adds_a_field_or_a_card(
    name: str, organisation: str, email: str, version: str
) -> None:
    card = Card(
        name=name,
        uid="urn:uuid:x",
        phone="+33612345678",
        email=email or None,
        organisation=organisation or None,
    )
    text = render(card, version)
    for line in physical_lines(text):
        assert len(line) <= 75
        line.decode("utf-8")
    [parsed] = parse_all(text)
    expected = {"version", "n", "fn", "tel", "uid"}
    expected |= {"email"} if email else set()
    expected |= {"org"} if organisation else set()
    assert set(parsed.contents) == expected
    assert all(len(lines) == 1 for lines in parsed.contents.values())
    assert parsed.fn.value == clean_text(name)
    if email:
        assert parsed.email.value == clean_text(email)
    if organisation:
        assert parsed.org.value == [clean_text(organisation)]
    assert parsed.tel.value.endswith("+33612345678")


@settings(max_examples=100, deadline=None)
@given(names=st.lists(_TEXT, min_size=1, max_size=5))
def test_a_directory_holds_exactly_one_card_per_person(names: list[str]) -> None:
    cards = [
        Card(name=n, uid=f"urn:uuid:{i}", email=f"p{i}@example.com") for i, n in enumerate(names)
    ]
    parsed = parse_all(render_many(cards, "3.0"))
    assert [p.uid.value for p in parsed] == [c.uid for c in cards]
    assert [p.fn.value for p in parsed] == [clean_text(n) for n in names]
    assert [p.email.value for p in parsed] == [c.email for c in cards]


def test_fold_counts_octets_not_characters() -> None:
    folded = fold("FN:" + "é" * 100)  # 2 octets each
    first, *rest = folded.split("\r\n")
    assert len(first.encode()) <= 75 and len(first.encode()) >= 74
    assert all(line.startswith(" ") and len(line.encode()) <= 75 for line in rest)
    assert "".join([first, *(line[1:] for line in rest)]) == "FN:" + "é" * 100


def test_urls_cannot_carry_vcard_syntax() -> None:
    card = Card(name="X", uid="u", website="https://example.com/a,b;c\\d\nEND:VCARD")
    [parsed] = parse_all(render(card, "4.0"))
    assert parsed.url.value == "https://example.com/a%2Cb%3Bc%5CdEND:VCARD"
    assert set(parsed.contents) == {"version", "n", "fn", "uid", "url"}


# --- the QR code --------------------------------------------------------------------------


def png_pixels(data: bytes) -> list[list[int]]:
    """Decode a 1-bit greyscale PNG with the standard library: check every chunk's CRC,
    undo the scanline filters, return rows of 0 (black) / 1 (white)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (1, 0, 0), "expected 1-bit greyscale, not interlaced"
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = (width + 7) // 8
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, scan = line[0], bytearray(line[1:])
        for i in range(stride):
            left = scan[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                scan[i] = (scan[i] + left) & 0xFF
            elif kind == 2:
                scan[i] = (scan[i] + up) & 0xFF
            elif kind == 3:
                scan[i] = (scan[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                scan[i] = (scan[i] + pred) & 0xFF
            else:
                assert kind == 0
        rows.append([(scan[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
        previous = scan
    return rows


def svg_dark_modules(text: str) -> set[tuple[int, int]]:
    """Read segno's SVG path (``M x y``, ``m dx dy``, ``h n`` drawing along the row) into
    the set of dark (x, y) modules, border included."""
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    [path] = root.iter("{http://www.w3.org/2000/svg}path")
    assert path.get("transform") == f"scale({qr.SCALE})"
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([MmHh])(-?[\d.]+)(?: (-?[\d.]+))?", path.get("d", "")):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            n = float(a) if op == "h" else float(a) - x
            dark |= {(int(x) + i, int(y)) for i in range(int(n))}
            x += n
    return dark


def test_qr_payload_is_a_short_vcard_3_that_phones_import() -> None:
    payload = qr.payload(COACH)
    [card] = parse_all(payload)
    assert card.version.value == "3.0"
    assert set(card.contents) == {"version", "n", "fn", "tel", "email", "org"}
    assert card.tel.value == "+33612345678"
    assert card.fn.value == "Claire Dubois"


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_qr_files_hold_the_qr_symbol_of_the_3_0_card(tmp_path: Path, suffix: str) -> None:
    import segno

    card = Card(name="Zoé N'Diaye", uid="u", phone="+33612345678", email="zoe@example.com")
    target = qr.save(card, tmp_path / f"coach{suffix}")
    expected = segno.make(qr.payload(card), error="m", micro=False, encoding="utf-8")
    size = len(expected.matrix) + 2 * qr.BORDER
    want = {
        (x + qr.BORDER, y + qr.BORDER)
        for y, row in enumerate(expected.matrix)
        for x, module in enumerate(row)
        if module
    }
    if suffix == ".png":
        pixels = png_pixels(target.read_bytes())
        assert len(pixels) == len(pixels[0]) == size * qr.SCALE
        got = {
            (x, y)
            for y in range(size)
            for x in range(size)
            if pixels[y * qr.SCALE + qr.SCALE // 2][x * qr.SCALE + qr.SCALE // 2] == 0
        }
    else:
        text = target.read_text(encoding="utf-8")
        root = ET.fromstring(text)
        assert root.get("width") == root.get("height") == str(size * qr.SCALE)
        got = svg_dark_modules(text)
    assert got == want
    assert len(want) > 100


def test_qr_file_name_must_be_png_or_svg(tmp_path: Path) -> None:
    from programs.api import InvalidInput

    out = tmp_path / "out"
    out.mkdir()
    for name in ("coach.jpg", "coach", "coach.png.txt"):
        with pytest.raises(InvalidInput, match=r"\.png or \.svg"):
            qr.save(COACH, out / name)
    assert list(out.iterdir()) == []


# --- N: the family name, then the given name ---------------------------------------------


def test_n_splits_a_full_name_the_cores_way_with_its_particles() -> None:
    text = render(Card(name="Jean de La Fontaine", uid="u"), "3.0")
    assert "N:de La Fontaine;Jean;;;\r\n" in text
    [card] = parse_all(text)
    assert (card.n.value.family, card.n.value.given) == ("de La Fontaine", "Jean")
    assert card.fn.value == "Jean de La Fontaine"


def test_n_uses_a_participants_own_parts() -> None:
    from programs.plugins.contacts.cards import participant_card

    from programs.api import Participant

    person = Participant(name="Anne Dubois Martin", given_name="Anne", family_name="Dubois Martin")
    for version in ("3.0", "4.0"):
        [card] = parse_all(render(participant_card(person, phone=False, email=False), version))
        assert (card.n.value.family, card.n.value.given) == ("Dubois Martin", "Anne")
    alone = Participant(name="Madonna", given_name=None, family_name="Madonna")
    [card] = parse_all(render(participant_card(alone, phone=False, email=False)))
    assert (card.n.value.family, card.n.value.given) == ("Madonna", "")
