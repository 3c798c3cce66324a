"""The core's settings as seen from a database session (the ``[core]`` config table).

Values come from a file a person edits, so they are checked here, where the rules read them:
a wrong type or an impossible value is a clear error naming the setting, not a crash later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from programs.config import CORE_DEFAULTS
from programs.errors import InvalidInput
from programs.events import app_of

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession


def core_settings(db: DbSession) -> dict[str, Any]:
    app = app_of(db)
    settings = app.config.core if app is not None else dict(CORE_DEFAULTS)
    return check_core_settings(settings)


def _number(settings: dict[str, Any], key: str, *, integer: bool) -> float:
    value = settings[key]
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        kind = "a whole number" if integer else "a number"
        raise InvalidInput(f"config [core] {key} must be {kind} above 0 (got {value!r})")
    return value


def check_core_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return ``settings`` when they make sense, else raise :class:`InvalidInput`."""
    minimum = _number(settings, "track_min_sessions", integer=True)
    planned = _number(settings, "track_sessions", integer=True)
    _number(settings, "stalled_weeks", integer=False)
    if planned < minimum:
        raise InvalidInput(
            f"config [core] track_sessions ({planned}) is below track_min_sessions ({minimum})"
        )
    for key in ("phone_region", "default_timezone"):
        if not isinstance(settings[key], str) or not settings[key]:
            raise InvalidInput(f"config [core] {key} must be a text value")
    return settings
