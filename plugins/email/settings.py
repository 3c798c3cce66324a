"""The ``[email]`` table of the config file, checked once per app.

```toml
[email]
host = "smtp.example.org"        # default: localhost
port = 587                        # default: 25, 587 with starttls, 465 with ssl
security = "starttls"             # none, starttls or ssl
username = "claire@example.org"
password_env = "PROGRAMS_SMTP_PASSWORD"   # or password = "..." (the file must be private)
sender = "Claire Dubois <claire@example.org>"   # default: the coach's name and email
timeout = 30
```

The same keys under ``[reminders.email]`` (where they lived before this plugin) are still
read, with a notice asking to rename the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from programs.i18n import _

if TYPE_CHECKING:
    from programs.api import App, Config

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
KEYS = ("host", "port", "security", "username", "password", "password_env", "sender", "timeout")
OLD_TABLE = "reminders.email"


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
    configured: bool  # an [email] (or [reminders.email]) table exists
    table: str = "email"  # where the settings were read

    @property
    def connection_key(self) -> tuple[Any, ...]:
        return (self.host, self.port, self.security, self.username)

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _where(config: Config, table: str) -> str:
    if config.path:
        return _("config file {path}: [{table}]").format(path=config.path, table=table)
    return _("config [{table}]").format(table=table)


def section(config: Config) -> tuple[str, dict[str, Any] | None]:
    """``(table name, its values)``: ``[email]``, else the old ``[reminders.email]``."""
    from programs.api import PluginError

    if "email" in config.data:
        return "email", config.section("email")
    old = config.data.get("reminders", {})
    if isinstance(old, dict) and "email" in old:
        if not isinstance(old["email"], dict):
            raise PluginError(_("{where} must be a table").format(where=_where(config, OLD_TABLE)))
        return OLD_TABLE, old["email"]
    return "email", None


def load(config: Config) -> EmailSettings:
    """The email settings; a bad value is a :class:`programs.api.PluginError` naming it."""
    from programs.api import PluginError

    table, values = section(config)
    configured = values is not None
    values = values or {}

    def bad(message: str, **fields: Any) -> PluginError:
        """The refusal, naming where the setting was read (worded only then: this runs for
        every message sent)."""
        return PluginError(message.format(where=_where(config, table), **fields))

    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise bad(
            _("{where}: unknown setting(s) {keys} (known: {known})"),
            keys=", ".join(unknown),
            known=", ".join(KEYS),
        )
    security = str(values.get("security", "none")).lower()
    if security not in SECURITY:
        raise bad(_("{where} security must be one of {known}"), known=", ".join(SECURITY))
    port = values.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise bad(_("{where} port must be a number from 1 to 65535"))
    timeout = values.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise bad(_("{where} timeout must be a number of seconds"))
    for key in ("host", "username", "password", "password_env", "sender"):
        if key in values and not isinstance(values[key], str):
            raise bad(_("{where} {key} must be a string"), key=key)
    if values.get("password") and values.get("password_env"):
        raise bad(_("{where}: give password or password_env, not both"))
    sender = values.get("sender")
    if sender is not None and "@" not in sender:
        raise bad(
            _('{where} sender must be an email address, e.g. "Claire Dubois <claire@example.com>"')
        )
    return EmailSettings(
        host=values.get("host", "localhost") or "localhost",
        port=port,
        security=security,
        username=values.get("username") or None,
        password=values.get("password") or None,
        password_env=values.get("password_env") or None,
        sender=sender,
        timeout=float(timeout),
        configured=configured,
        table=table,
    )


def check(app: App) -> EmailSettings:
    """Read the settings at start-up; a notice when they are still under the old table."""
    settings = load(app.config)
    if settings.table == OLD_TABLE:
        app.notice(
            "email",
            (
                _("the [reminders.email] table is now [email] (same keys): rename it in {path}")
                if app.config.path
                else _("the [reminders.email] table is now [email] (same keys): rename it")
            ).format(path=app.config.path),
        )
    return settings
