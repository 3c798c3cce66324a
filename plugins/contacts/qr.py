"""The QR code to project in the workshop room: a short vCard 3.0 that phones scan straight
into their contacts. Drawn by ``segno`` as PNG or SVG, with no image library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from programs.plugins.contacts.vcard import Card, render

if TYPE_CHECKING:
    import segno

QR_SUFFIXES = (".png", ".svg")
SCALE = 8  # pixels (PNG) or user units (SVG) per module: sharp when projected
BORDER = 4  # the quiet zone the QR standard asks for


def payload(card: Card) -> str:
    """What the QR code holds: version 3.0 (Android reads it), names, phone, email, org."""
    return render(card, "3.0", short=True)


def check_target(path: Path) -> str:
    """The file kind from the extension; anything else is refused before anything is written."""
    from programs.api import InvalidInput

    suffix = path.suffix.lower()
    if suffix not in QR_SUFFIXES:
        from programs.i18n import _

        raise InvalidInput(
            _("cannot write a QR code to {name!r}: use a .png or .svg file name").format(
                name=path.name
            )
        )
    return suffix[1:]


def make(card: Card) -> segno.QRCode:
    """UTF-8 bytes, medium error correction (survives a projector's glare)."""
    import segno

    return segno.make(payload(card), error="m", micro=False, encoding="utf-8")


def save(card: Card, path: Path) -> Path:
    kind = check_target(path)
    code = make(card)
    code.save(str(path), kind=kind, scale=SCALE, border=BORDER)
    return path
