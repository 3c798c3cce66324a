"""The core's machine words as people read them: column names, statuses and kinds, fill and
progress.

Rows keep machine values (``"enrolled"``, ``"planned"``, ``"8/12"``) for ``--json`` and
``--csv``; a table shows these words in the coach's language. A status is translated with
what it belongs to as its context: French agrees in gender (a session is *prévue*, a call
*prévu*) and tells a program *ouvert* from a track *en cours*.
"""

from __future__ import annotations

from typing import Any

from programs.i18n import N_, current_language, ngettext, pgettext
from programs.i18n import gettext as _

COLUMNS = (
    # the keys of the core's listings, as table headers read them (underscores as spaces;
    # ``programs.cli.toolkit.header``): marked here for the catalog
    N_("id"),
    N_("slug"),
    N_("title"),
    N_("status"),
    N_("timezone"),
    N_("location"),
    N_("fill"),
    N_("enrolled"),
    N_("waitlisted"),
    N_("capacity"),
    N_("when"),
    N_("revision"),
    N_("participant"),
    N_("position"),
    N_("name"),
    N_("email"),
    N_("phone"),
    N_("organisation"),
    N_("website"),
    N_("default"),
    N_("kind"),
    N_("start"),
    N_("end"),
    N_("minutes"),
    N_("topic"),
    N_("outcome"),
    N_("program"),
    N_("track"),
    N_("goal"),
    N_("progress"),
    N_("done"),
    N_("planned sessions"),
    N_("next planned"),
    N_("last activity"),
    N_("stalled"),
    N_("opened at"),
    N_("closed at"),
    N_("version"),
    N_("source"),
    N_("hooks"),
)


_known: dict[str, dict[tuple[str, str], str]] = {}


def _words() -> dict[tuple[str, str], str]:
    """``{(what it belongs to, machine word): word in the current language}``, built once
    per language (a listing asks for every row)."""
    language = current_language()
    if language not in _known:
        _known[language] = _table()
    return _known[language]


def _table() -> dict[tuple[str, str], str]:
    return {
        ("program", "open"): pgettext("program status", "open"),
        ("program", "cancelled"): pgettext("program status", "cancelled"),
        ("program", "completed"): pgettext("program status", "completed"),
        ("session", "scheduled"): pgettext("session status", "scheduled"),
        ("session", "moved"): pgettext("session status", "moved"),
        ("session", "cancelled"): pgettext("session status", "cancelled"),
        ("enrollment", "enrolled"): pgettext("enrollment status", "enrolled"),
        ("enrollment", "waitlisted"): pgettext("enrollment status", "waitlisted"),
        ("enrollment", "withdrawn"): pgettext("enrollment status", "withdrawn"),
        ("enrollment", "completed"): pgettext("enrollment status", "completed"),
        ("attendance", "present"): pgettext("attendance", "present"),
        ("attendance", "absent"): pgettext("attendance", "absent"),
        ("attendance", "morning"): pgettext("attendance", "morning only"),
        ("attendance", "afternoon"): pgettext("attendance", "afternoon only"),
        ("kind", "call"): pgettext("follow-up kind", "call"),
        ("kind", "session"): pgettext("follow-up kind", "session"),
        ("call", "planned"): pgettext("call status", "planned"),
        ("call", "done"): pgettext("call status", "done"),
        ("call", "cancelled"): pgettext("call status", "cancelled"),
        ("call", "missed"): pgettext("call status", "missed"),
        ("session-followup", "planned"): pgettext("one-to-one session status", "planned"),
        ("session-followup", "done"): pgettext("one-to-one session status", "done"),
        ("session-followup", "cancelled"): pgettext("one-to-one session status", "cancelled"),
        ("session-followup", "missed"): pgettext("one-to-one session status", "missed"),
        ("track", "open"): pgettext("track status", "open"),
        ("track", "closed"): pgettext("track status", "closed"),
        ("plugin", "loaded"): pgettext("plugin status", "loaded"),
        ("plugin", "built-in"): pgettext("plugin source", "built-in"),
        ("plugin", "entry point"): pgettext("plugin source", "entry point"),
        # the patterns a listing fills in for every row
        ("fill", "seats"): _("{enrolled}/{capacity}"),
        ("fill", "unlimited"): _("{enrolled}/unlimited"),
        ("progress", ""): _("{done} of {planned}"),
    }


def word(of: str, value: Any, fmt: str = "table") -> Any:
    """``value`` (a status or a kind of ``of``: "program", "session", "enrollment",
    "attendance", "kind", "track", "plugin") in the coach's words in a table; as it is in
    JSON and CSV, and for a word the core does not know."""
    if fmt != "table" or value is None:
        return value
    return _words().get((of, str(value)), value)


def followup_status(kind: str, status: Any, fmt: str = "table") -> Any:
    """A follow-up's status, agreeing with its kind (a call, a one-to-one session)."""
    return word("session-followup" if kind == "session" else "call", status, fmt)


def fill(enrolled: int, capacity: int | None, waitlisted: int) -> str:
    """How full a program is, for people: ``8/12``, ``3/unlimited``, ``12/12 (+2 waiting)``."""
    texts = _words()
    seats = (
        texts["fill", "seats"].format(enrolled=enrolled, capacity=capacity)
        if capacity is not None
        else texts["fill", "unlimited"].format(enrolled=enrolled)
    )
    if not waitlisted:
        return seats
    return ngettext("{seats} (+{n} waiting)", "{seats} (+{n} waiting)", waitlisted).format(
        seats=seats, n=waitlisted
    )


def progress(done: int, planned: int) -> str:
    """A track's progress for people: ``2 of 6``."""
    return _words()["progress", ""].format(done=done, planned=planned)
