"""Writing vCards by hand, because every byte of them comes from people.

RFC 6350 (4.0) and RFC 2426 (3.0) rules that keep any name, organisation or address from
adding a property or a card: text values escape backslash, comma, semicolon and newline;
every line break a person typed (CR, LF, CRLF, NEL, U+2028/9) becomes the two characters
``\\n``; other control characters are dropped; lines end in CRLF and are folded at 75 octets
without splitting a UTF-8 character. Phones must already be E.164 (the core stores them so)
and URLs are percent-encoded where they could be read as vCard syntax.

Many Android contacts apps reject 4.0 and read 3.0, so 3.0 is what goes into downloads and
QR codes; 4.0 is there for those who want the current standard.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

VERSIONS = ("3.0", "4.0")
LINE_OCTETS = 75
_LINE_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_URL_SAFE = ":/?#[]@!$&'()*+=%-._~"


@dataclass(frozen=True)
class Card:
    """What one card says. ``phone`` is E.164; None fields are left out. ``given`` and
    ``family`` are the two parts of the name for ``N`` (a participant's own); when both are
    None, ``name`` is split the core's way (``programs.api.split_name``)."""

    name: str
    uid: str
    phone: str | None = None
    email: str | None = None
    organisation: str | None = None
    website: str | None = None
    revision: datetime | None = None
    given: str | None = None
    family: str | None = None


def clean_text(value: str) -> str:
    """Line breaks become ``\\n``; other control characters are dropped."""
    value = _LINE_BREAKS.sub("\n", value)
    return "".join(c for c in value if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))


def escape_text(value: str) -> str:
    """A TEXT value (or one component of N/ORG) as RFC 6350 §3.4 wants it."""
    return (
        clean_text(value)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\n", "\\n")
    )


def name_parts(card: Card) -> tuple[str, str]:
    """(family, given) for N: the card's own parts, else its full name split as the core
    splits names ("Jean de La Fontaine" -> ("de La Fontaine", "Jean"): the particles go with
    the family name). The full name itself always goes into FN."""
    if card.given is not None or card.family is not None:
        return card.family or "", card.given or ""
    from programs.api import split_name

    given, family = split_name(clean_text(card.name))
    return family, given


def fold(line: str) -> str:
    """Fold one content line at 75 octets (continuations start with one space), never in
    the middle of a UTF-8 sequence."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        n = len(char.encode("utf-8"))
        if size + n > LINE_OCTETS:
            parts.append("".join(current))
            current, size = [], 1  # the space that starts a continuation line
        current.append(char)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _url(value: str) -> str:
    return quote(clean_text(value).replace("\n", ""), safe=_URL_SAFE)


def _phone(value: str) -> str:
    if not _E164.match(value):
        raise ValueError(f"phone {value!r} is not E.164 (+ and digits)")
    return value


def _rev(when: datetime, version: str) -> str:
    when = when.astimezone(UTC)
    return when.strftime("%Y%m%dT%H%M%SZ" if version == "4.0" else "%Y-%m-%dT%H:%M:%SZ")


def lines(card: Card, version: str = "4.0", *, short: bool = False) -> list[str]:
    """The content lines of one card, unfolded. ``short`` keeps only what a phone needs
    when it scans a QR code: names, phone, email, organisation."""
    if version not in VERSIONS:
        raise ValueError(f"vCard version {version!r}: use 3.0 or 4.0")
    family, given = name_parts(card)
    out = ["BEGIN:VCARD", f"VERSION:{version}"]
    out.append(f"N:{escape_text(family)};{escape_text(given)};;;")
    out.append(f"FN:{escape_text(card.name)}")
    if card.organisation:
        out.append(f"ORG:{escape_text(card.organisation)}")
    if card.phone:
        if version == "4.0":
            out.append(f"TEL;VALUE=uri;TYPE=cell:tel:{_phone(card.phone)}")
        else:
            out.append(f"TEL;TYPE=CELL:{_phone(card.phone)}")
    if card.email:
        prefix = "EMAIL" if version == "4.0" else "EMAIL;TYPE=INTERNET"
        out.append(f"{prefix}:{escape_text(card.email)}")
    if not short:
        if card.website:
            out.append(f"URL:{_url(card.website)}")
        out.append(f"UID:{escape_text(card.uid)}")
        if card.revision is not None:
            out.append(f"REV:{_rev(card.revision, version)}")
    out.append("END:VCARD")
    return out


def render(card: Card, version: str = "4.0", *, short: bool = False) -> str:
    """One card as text: folded lines, each ending in CRLF."""
    return "".join(fold(line) + "\r\n" for line in lines(card, version, short=short))


def render_many(cards: Iterable[Card], version: str = "3.0") -> str:
    """Several cards one after the other: the format of a group directory file."""
    return "".join(render(card, version) for card in cards)
