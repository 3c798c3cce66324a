"""The core's settings: the ``[core]`` table of the config file, typed and checked once.

Values come from a file a person edits, so each is checked when the app starts: a wrong
type, an impossible value or an unknown key is one clear line naming the key, not a crash
later. Plugins read them as ``app.settings.default_timezone`` (and the rest); domain
functions, which only hold a database session, with :func:`settings_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from programs.errors import InvalidInput
from programs.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.config import Config


@dataclass(frozen=True)
class Settings:
    """``[core]``: every key, its type and its default."""

    track_sessions: int = 6  # planned sessions of a new track
    track_min_sessions: int = 4  # fewer is refused
    stalled_weeks: float = 3  # no follow-up planned or done for this long: the track stalled
    phone_region: str = "FR"  # how to read a phone number written without +country code
    default_timezone: str = "Europe/Paris"  # new programs, and people with no zone of theirs
    language: str | None = None  # the coach's language (messages, feeds); else French
    half_day_start_before: str = "12:00"  # a session starting before this (local time)...
    half_day_end_after: str = "14:00"  # ...and ending after this has a morning and an afternoon
    retention_years: int = 0  # 0: an erasure deletes all; else attendance proofs kept this long

    @property
    def coach_language(self) -> str:
        """The language of what the coach reads from the tool (her feed, her reminders)."""
        return self.language or "fr"

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        return check(config.section("core"), where=_where(config))


DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Settings)}


def _where(config: Config) -> str:
    if config.path:
        return _("config file {path}: [core]").format(path=config.path)
    return _("config [core]")


def _number(value: Any, key: str, where: str, *, integer: bool) -> Any:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
        message = (
            _("{where} {key} must be a whole number above 0 (got {value!r})")
            if integer
            else _("{where} {key} must be a number above 0 (got {value!r})")
        )
        raise InvalidInput(message.format(where=where, key=key, value=value))
    return value


def _clock(value: Any, key: str, where: str) -> str:
    """``HH:MM``, ``9:00``, ``14h`` or ``14h30`` (24-hour), written back as ``HH:MM`` (so
    strings compare as times)."""
    import re

    found = (
        re.fullmatch(r"\s*([01]?\d|2[0-3])(?:[:hH]([0-5]\d)|[hH])\s*", value)
        if isinstance(value, str)
        else None
    )
    if found is None:
        raise InvalidInput(
            _("{where} {key} must be a time of day such as 12:00 (got {value!r})").format(
                where=where, key=key, value=value
            )
        )
    return f"{int(found[1]):02d}:{found[2] or '00'}"


def check(values: dict[str, Any], *, where: str | None = None) -> Settings:
    """Settings from a ``[core]`` table; :class:`InvalidInput` naming the key otherwise."""
    from programs import validate
    from programs.times import zone

    where = where or _("config [core]")

    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise InvalidInput(
            _("{where}: unknown key(s) {unknown} (known: {known})").format(
                where=where, unknown=", ".join(unknown), known=", ".join(DEFAULTS)
            )
        )
    merged = {**DEFAULTS, **values}
    for key in ("track_sessions", "track_min_sessions"):
        _number(merged[key], key, where, integer=True)
    _number(merged["stalled_weeks"], "stalled_weeks", where, integer=False)
    if merged["track_sessions"] < merged["track_min_sessions"]:
        raise InvalidInput(
            _("{where} track_sessions ({sessions}) is below track_min_sessions ({minimum})").format(
                where=where,
                sessions=merged["track_sessions"],
                minimum=merged["track_min_sessions"],
            )
        )
    for key in ("half_day_start_before", "half_day_end_after"):
        merged[key] = _clock(merged[key], key, where)
    if merged["half_day_end_after"] < merged["half_day_start_before"]:
        raise InvalidInput(
            _("{where} half_day_end_after must not be before half_day_start_before").format(
                where=where
            )
        )
    years = merged["retention_years"]
    if isinstance(years, bool) or not isinstance(years, int) or not 0 <= years <= 100:
        raise InvalidInput(
            _(
                "{where} retention_years must be a whole number of years from 0 to 100 "
                "(got {value!r})"
            ).format(where=where, value=years)
        )
    for key in ("phone_region", "default_timezone"):
        if not isinstance(merged[key], str) or not merged[key].strip():
            raise InvalidInput(_("{where} {key} must be a text value").format(where=where, key=key))
    region = merged["phone_region"].strip().upper()
    if not (len(region) == 2 and region.isascii() and region.isalpha()):
        # Two letters is checked here, cheaply (phonenumbers costs 15 ms to import, and
        # `programs list` reads no phone); a code it does not know is refused where a
        # number is read (programs.validate.phone).
        raise InvalidInput(
            _(
                "{where} phone_region {value!r} is not a region code "
                "(two letters, e.g. FR, BE, CH, CA)"
            ).format(where=where, value=merged["phone_region"])
        )
    merged["phone_region"] = region
    try:
        zone(merged["default_timezone"].strip())
    except InvalidInput as exc:
        raise InvalidInput(
            _("{where} default_timezone: {reason}").format(where=where, reason=exc)
        ) from None
    merged["default_timezone"] = merged["default_timezone"].strip()
    if merged["language"] is not None:
        if not isinstance(merged["language"], str):
            raise InvalidInput(
                _("{where} language must be a language code such as fr or en").format(where=where)
            )
        try:
            merged["language"] = validate.language(merged["language"])
        except InvalidInput as exc:
            raise InvalidInput(
                _("{where} language: {reason}").format(where=where, reason=exc)
            ) from None
    return Settings(**merged)


def settings_of(db: DbSession) -> Settings:
    """The settings of the app that opened ``db`` (the defaults in a unit test of a rule)."""
    found = db.info.get("settings")
    return found if found is not None else Settings()
