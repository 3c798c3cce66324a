"""The ``[reminders]`` and ``[reminders.email]`` tables of the config file, checked.

Every setting has a default, so the plugin works with no configuration at all (the console
channel needs none; the email channel needs at least a sender, or a coach with an email).
A bad value is a one-line error that names the setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from programs.plugins.reminders.timing import BadSpan, parse_duration

from programs.api import InvalidInput

if TYPE_CHECKING:
    from programs.api import Config

LANGUAGES = ("fr", "en")
SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}

DEFAULTS: dict[str, Any] = {
    "catch_up": "2h",  # after downtime, a reminder goes out at most this late, else skipped
    "sending_timeout": "10m",  # a row "sending" for longer was lost by its sender: retried
    "max_attempts": 5,  # failures are retried this many times in all, then kept as failed
    "retry_after": "5m",  # wait between two attempts
    "coach_language": "fr",  # the language of the coach's messages
    "batch": 20,  # rows claimed at a time by a sender
}


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


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    password_env: str | None
    sender: str | None
    timeout: float

    @property
    def connection_key(self) -> tuple[Any, ...]:
        return (self.host, self.port, self.security, self.username)


def _where(config: Config, table: str) -> str:
    return f"config file {config.path}: [{table}]" if config.path else f"config [{table}]"


def _duration(config: Config, values: dict[str, Any], key: str) -> timedelta:
    try:
        return parse_duration(str(values[key]))
    except BadSpan as exc:
        raise SettingError(f"{_where(config, 'reminders')} {key}: {exc}") from None


def _int(config: Config, values: dict[str, Any], key: str, table: str, low: int) -> int:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SettingError(f"{_where(config, table)} {key} must be a whole number >= {low}")
    return value


def load_settings(config: Config) -> Settings:
    section = config.section("reminders")
    values = {**DEFAULTS, **{k: v for k, v in section.items() if k in DEFAULTS}}
    language = str(values["coach_language"]).lower()
    if language not in LANGUAGES:
        raise SettingError(
            f"{_where(config, 'reminders')} coach_language must be one of {', '.join(LANGUAGES)}"
        )
    return Settings(
        catch_up=_duration(config, values, "catch_up"),
        sending_timeout=_duration(config, values, "sending_timeout"),
        max_attempts=_int(config, values, "max_attempts", "reminders", 1),
        retry_after=_duration(config, values, "retry_after"),
        coach_language=language,
        batch=_int(config, values, "batch", "reminders", 1),
        default_timezone=str(config.core["default_timezone"]),
    )


EMAIL_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password",
    "password_env",
    "sender",
    "timeout",
)


def load_email_settings(config: Config) -> EmailSettings:
    section = config.section("reminders").get("email", {})
    where = _where(config, "reminders.email")
    if not isinstance(section, dict):
        raise SettingError(f"{where} must be a table")
    unknown = sorted(set(section) - set(EMAIL_KEYS))
    if unknown:
        raise SettingError(
            f"{where}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(EMAIL_KEYS)})"
        )
    security = str(section.get("security", "none")).lower()
    if security not in SECURITY:
        raise SettingError(f"{where} security must be one of {', '.join(SECURITY)}")
    port = section.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SettingError(f"{where} port must be a number from 1 to 65535")
    timeout = section.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise SettingError(f"{where} timeout must be a number of seconds")
    for key in ("host", "username", "password", "password_env", "sender"):
        if key in section and not isinstance(section[key], str):
            raise SettingError(f"{where} {key} must be a string")
    if section.get("password") and section.get("password_env"):
        raise SettingError(f"{where}: give password or password_env, not both")
    sender = section.get("sender")
    if sender is not None and "@" not in sender:
        raise SettingError(
            f'{where} sender must be an email address, e.g. "Claire Dubois <claire@example.com>"'
        )
    return EmailSettings(
        host=section.get("host", "localhost"),
        port=port,
        security=security,
        username=section.get("username") or None,
        password=section.get("password") or None,
        password_env=section.get("password_env") or None,
        sender=sender,
        timeout=float(timeout),
    )
