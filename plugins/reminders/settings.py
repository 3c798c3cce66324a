"""The ``[reminders]`` table of the config file, checked.

Every setting has a default, so the plugin works with no configuration at all. A bad value
is a one-line error that names the setting. Email itself is configured in ``[email]`` (the
email plugin); ``[reminders.email]`` is still read there, with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from programs import i18n
from programs.api import InvalidInput, parse_duration
from programs.i18n import _

if TYPE_CHECKING:
    from programs.api import App, Config

DEFAULTS: dict[str, Any] = {
    "catch_up": "2h",  # after downtime, a reminder goes out at most this late, else skipped
    "sending_timeout": "10m",  # a row "sending" for longer was lost by its sender: retried
    "max_attempts": 5,  # failures are retried this many times in all, then kept as failed
    "retry_after": "5m",  # wait between two attempts
    "coach_language": None,  # the language of the coach's messages [default: [core] language]
    "batch": 20,  # rows claimed at a time by a sender
    "notices": True,  # messages on events (confirmation, waitlist, moved...): false turns all off
}
TABLES = ("rules", "email")  # [[reminders.rules]], and the old [reminders.email]


class SettingError(InvalidInput):
    """A bad setting; the message names it."""


@dataclass(frozen=True)
class Settings:
    catch_up: timedelta
    sending_timeout: timedelta
    max_attempts: int
    retry_after: timedelta
    coach_language: str
    batch: int
    default_timezone: str
    notices: bool = True


def _where(config: Config, table: str) -> str:
    if config.path:
        return _("config file {path}: [{table}]").format(path=config.path, table=table)
    return _("config [{table}]").format(table=table)


def _duration(config: Config, values: dict[str, Any], key: str) -> timedelta:
    try:
        return parse_duration(str(values[key]))
    except InvalidInput as exc:
        raise SettingError(
            _("{where} {key}: {error}").format(
                where=_where(config, "reminders"), key=key, error=exc
            )
        ) from None


def _int(config: Config, values: dict[str, Any], key: str, table: str, low: int) -> int:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SettingError(
            _("{where} {key} must be a whole number >= {low}").format(
                where=_where(config, table), key=key, low=low
            )
        )
    return value


def load_settings(app: App) -> Settings:
    """The plugin's settings, with the core's default zone and the coach's language."""
    config = app.config
    section = config.section("reminders")
    unknown = sorted(set(section) - set(DEFAULTS) - set(TABLES))
    if unknown:
        raise SettingError(
            _("{where}: unknown setting(s) {keys} (known: {known})").format(
                where=_where(config, "reminders"),
                keys=", ".join(unknown),
                known=", ".join([*DEFAULTS, *TABLES]),
            )
        )
    values = {**DEFAULTS, **{k: v for k, v in section.items() if k in DEFAULTS}}
    language = str(values["coach_language"] or app.settings.coach_language).lower()
    primary = i18n.supported(language)
    if primary is None:
        raise SettingError(
            _("{where} coach_language must be one of {known}").format(
                where=_where(config, "reminders"), known=", ".join(i18n.available())
            )
        )
    return Settings(
        catch_up=_duration(config, values, "catch_up"),
        sending_timeout=_duration(config, values, "sending_timeout"),
        max_attempts=_int(config, values, "max_attempts", "reminders", 1),
        retry_after=_duration(config, values, "retry_after"),
        coach_language=primary,
        batch=_int(config, values, "batch", "reminders", 1),
        default_timezone=app.settings.default_timezone,
        notices=_bool(config, values, "notices"),
    )


def _bool(config: Config, values: dict[str, Any], key: str) -> bool:
    value = values[key]
    if not isinstance(value, bool):
        raise SettingError(
            _("{where} {key} must be true or false").format(
                where=_where(config, "reminders"), key=key
            )
        )
    return value
