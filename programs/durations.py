"""One grammar for every length of time a person types, in the core and in every plugin.

A span is whole parts with a unit, optionally signed: ``45m``, ``90m``, ``1h30`` (a bare number
after hours is minutes), ``1h30m``, ``2d``, ``-2d``, ``-1d12h``, ``+1d``, ``1w``, ``30s``,
``90min``; a bare number alone is minutes (``90``). Spaces between parts are allowed. After a
larger unit, minutes and seconds stay below 60 (``1h70`` is refused, not read as 2h10: it is
a typo far more often than a wish); a span that starts with them may be larger (``90m``).

Whole days and weeks are kept apart from hours, minutes and seconds (:class:`Span`): a rule
"two days before" moves the wall clock of a time zone, "two hours before" moves absolute
time, and the difference shows on the day clocks change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from programs.errors import InvalidInput
from programs.i18n import N_, _, ngettext

_PART = re.compile(r"(\d+)\s*(w|d|h|min|m|s)?")
UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1}
ORDER = ("w", "d", "h", "m", "s")
MAX_DAYS = 366
EXAMPLES = "45m, 1h30, 2d, -2h or -1d12h"


class BadSpan(InvalidInput):
    """Text that is not a span; the message says what was expected."""


WHAT = {"duration": N_("duration"), "offset": N_("offset")}
"""The words for what is read, in the messages (a caller's own word is shown as it is)."""


def _what(what: str) -> str:
    return _(WHAT[what]) if what in WHAT else what


def _unreadable(what: str, text: str) -> BadSpan:
    return BadSpan(
        _("cannot read {what} {text!r}: expected e.g. {examples}").format(
            what=_what(what), text=text, examples=EXAMPLES
        )
    )


@dataclass(frozen=True)
class Span:
    """``days`` of wall-clock time plus ``seconds`` of absolute time, of the same sign."""

    days: int = 0
    seconds: int = 0

    @property
    def total(self) -> timedelta:
        return timedelta(days=self.days, seconds=self.seconds)

    @property
    def negative(self) -> bool:
        return self.days < 0 or self.seconds < 0

    def __str__(self) -> str:
        """The canonical form, which :func:`parse_span` reads back to the same span
        (hours stay hours: ``36h`` is not ``1d12h``, which moves the wall clock)."""
        if not self.days and not self.seconds:
            return "0"
        days, seconds = abs(self.days), abs(self.seconds)
        out = "-" if self.negative else ""
        if days:
            out += f"{days // 7}w" if days % 7 == 0 else f"{days}d"
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        out += f"{hours}h" if hours else ""
        out += f"{minutes}m" if minutes else ""
        return out + (f"{secs}s" if secs else "")

    def signed(self) -> str:
        """With its sign, ``+1d`` or ``-2h`` (``0`` for nothing): how offsets are shown."""
        text = str(self)
        return text if text == "0" or self.negative else f"+{text}"


def _read(raw: str, text: str, what: str) -> dict[str, int]:
    """``{unit: amount}`` of an unsigned span; a bare number after hours is minutes."""
    found: dict[str, int] = {}
    pos, last = 0, -1
    body = raw.strip()
    if not body:
        raise _unreadable(what, text)
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None or match.end() == pos:
            raise _unreadable(what, text)
        amount, unit = int(match[1]), match[2]
        if unit is None:  # "1h30": minutes after hours; "90": minutes alone
            if last == ORDER.index("h") or not found:
                unit = "m"
            else:
                raise BadSpan(
                    _("cannot read {what} {text!r}: give each number a unit").format(
                        what=_what(what), text=text
                    )
                )
        unit = "m" if unit == "min" else unit
        rank = ORDER.index(unit)
        if rank <= last:
            raise BadSpan(
                _("cannot read {what} {text!r}: units go from weeks down to seconds").format(
                    what=_what(what), text=text
                )
            )
        if unit in ("m", "s") and found and amount > 59:
            raise BadSpan(
                _(
                    "cannot read {what} {text!r}: {part} after a larger unit is more "
                    "than 59 (write e.g. 2h10)"
                ).format(what=_what(what), text=text, part=f"{amount}{unit}")
            )
        found[unit], last = amount, rank
        pos = match.end()
        while pos < len(body) and body[pos] == " ":
            pos += 1
    return found


def parse_span(text: str, *, signed: bool = False, what: str = "duration") -> Span:
    """A span from what a person typed. ``signed``: a leading ``+`` or ``-`` is allowed
    (offsets before or after something); ``0`` is the empty span."""
    raw = str(text).strip().lower()
    if raw in ("0", "+0", "-0") and signed:
        return Span()
    sign = 1
    if raw[:1] in ("+", "-"):
        if not signed:
            raise BadSpan(
                _("cannot read {what} {text!r}: a {what} has no sign").format(
                    what=_what(what), text=text
                )
            )
        sign = -1 if raw[0] == "-" else 1
        raw = raw[1:]
    parts = _read(raw, str(text), what)
    days = parts.get("w", 0) * 7 + parts.get("d", 0)
    seconds = sum(UNITS[u] * n for u, n in parts.items() if u in ("h", "m", "s"))
    if days > MAX_DAYS or seconds > MAX_DAYS * 86400:
        raise BadSpan(_("{what} {text!r} is more than a year").format(what=_what(what), text=text))
    return Span(sign * days, sign * seconds)


def parse_duration(text: str, *, what: str = "duration") -> timedelta:
    """A positive length of time: ``5m``, ``1h30``, ``2d``."""
    span = parse_span(text, what=what)
    if span.total <= timedelta(0):
        raise BadSpan(
            _("{what} {text!r} must be more than zero").format(what=_what(what), text=text)
        )
    return span.total


def parse_minutes(text: str, *, low: int = 1, high: int = 24 * 60, what: str = "duration") -> int:
    """A length in whole minutes between ``low`` and ``high`` (a follow-up's length)."""
    total = parse_span(text, what=what).total
    minutes, rest = divmod(int(total.total_seconds()), 60)
    if rest or not low <= minutes <= high:
        raise BadSpan(
            _("{what} {text!r} must be whole minutes between {low} and {high}").format(
                what=_what(what), text=text, low=_words(low), high=_words(high)
            )
        )
    return minutes


def _words(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def parse_offset(text: str) -> Span:
    """A signed span before (-) or after (+) a moment: ``-2d``, ``-2h``, ``+1d``, ``0``."""
    return parse_span(text, signed=True, what="offset")


def format_duration(delta: timedelta, *, zero: str = "0s") -> str:
    """A length as people read it, in the same grammar: ``2d``, ``1h30m``, ``45s``."""
    seconds = int(abs(delta.total_seconds()))
    if seconds == 0:
        return zero
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else ""]
    parts += [f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts)
