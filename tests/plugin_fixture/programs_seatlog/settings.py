"""The plugin's own table of the programs config file: ``[seatlog]``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from programs.api import App


def refuse_domains(app: App) -> set[str]:
    """``refuse_domains``: email domains whose people may not enroll (default: none)."""
    from programs.api import PluginError

    value = app.config.section("seatlog").get("refuse_domains", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PluginError("[seatlog] refuse_domains must be a list of domains")
    return {v.lower() for v in value}
