"""Text that people typed, made safe for a calendar line before the library escapes it.

RFC 5545 TEXT may hold any character but the ASCII controls (tab excepted); a line break
is written ``\\n``. So: CR LF and lone CR become LF (one line break each), other ASCII
controls, lone surrogates and U+FEFF (an invisible byte-order mark that parsers such as
vobject strip) are dropped. Everything else is kept exactly, and
:class:`IcalText` then escapes ``\\``, ``;``, ``,`` and LF, so no input can end a line or
start a property or a component.
"""

from __future__ import annotations

import re

from icalendar import vText

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufeff]")


def clean(value: str) -> str:
    """What a feed writes for ``value`` (identity for text without control characters)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", value)


class IcalText(vText):
    """A TEXT value escaped exactly as RFC 5545 §3.3.11 says.

    icalendar 7's own escaping first turns a literal backslash-``N`` into a line break
    (``"C:\\New"`` comes back as ``"C:"`` + newline + ``"ew"``); this one escapes the backslash
    first and nothing else is rewritten, so every parser reads back what was written.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        return (
            self.replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
            .encode(self.encoding)
        )
