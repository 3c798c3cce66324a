"""The ``[ical]`` table of the config file, read and checked once per app.

```toml
[ical]
cancelled_grace_days = 30          # cancelled items stay in feeds (struck through) this long
base_url = "https://feeds.example.org"   # what `ical link` prints and the page links to
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from programs.api import App

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_GRACE_DAYS = 30
_URL_RE = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


@dataclass(frozen=True)
class IcalSettings:
    cancelled_grace_days: int = DEFAULT_GRACE_DAYS
    base_url: str | None = None


def check_base_url(value: str) -> str:
    """An ``http(s)://host[:port][/path]`` URL without query or fragment; trailing / dropped."""
    from programs.api import InvalidInput
    from programs.i18n import _

    value = value.strip()
    if not _URL_RE.match(value):
        raise InvalidInput(
            _(
                "invalid base URL {url!r}: expected http://host[:port][/path], e.g. "
                "https://feeds.example.org"
            ).format(url=value)
        )
    return value.rstrip("/")


def read_settings(app: App) -> IcalSettings:
    """The plugin's settings; a bad value is a :class:`PluginError` naming the key."""
    from programs.api import InvalidInput, PluginError
    from programs.i18n import _

    section: dict[str, Any] = app.config.section("ical")
    unknown = sorted(set(section) - {"cancelled_grace_days", "base_url"})
    if unknown:
        raise PluginError(_("config [ical]: unknown key(s) {keys}").format(keys=", ".join(unknown)))
    grace = section.get("cancelled_grace_days", DEFAULT_GRACE_DAYS)
    if isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= 3650:
        raise PluginError(
            _(
                "config [ical] cancelled_grace_days must be a whole number of days from 0 to "
                "3650 (got {value!r})"
            ).format(value=grace)
        )
    base_url = section.get("base_url")
    if base_url is not None:
        if not isinstance(base_url, str):
            raise PluginError(
                _("config [ical] base_url must be a string (got {value!r})").format(value=base_url)
            )
        try:
            base_url = check_base_url(base_url)
        except InvalidInput as exc:
            raise PluginError(_("config [ical] base_url: {error}").format(error=exc)) from None
    return IcalSettings(cancelled_grace_days=grace, base_url=base_url)
