"""Adding the plugins' commands to the root group (the ``register_commands`` hook).

Each plugin is called on its own so that a failure, or a command name that clashes with the
core's or another plugin's, is an error that names the plugin(s) instead of a silent
overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    import pluggy


def add_plugin_commands(
    group: click.Group, core: Iterable[str], pm: pluggy.PluginManager | None = None
) -> None:
    """Let every plugin add its commands to ``group``; ``core`` names are reserved.

    ``pm`` defaults to the process-wide plugin manager.
    """
    from programs.errors import PluginError, one_line
    from programs.hooks import iter_calls
    from programs.hookspecs import Mode
    from programs.i18n import gettext as _
    from programs.plugin_manager import get_plugin_manager

    pm = pm or get_plugin_manager()

    reserved = set(core)
    owners: dict[str, str] = {}
    before = dict(group.commands)
    for call in iter_calls(pm, "register_commands", Mode.COMMANDS, cli=group):
        if call.error is not None:
            raise PluginError(
                _("plugin {plugin} failed on register_commands: {error}").format(
                    plugin=call.plugin, error=one_line(call.error)
                )
            ) from call.error
        for name, command in group.commands.items():
            if before.get(name) is command:
                continue
            if name in reserved:
                raise PluginError(
                    _("plugin {plugin} adds command {name}, which the core has").format(
                        plugin=call.plugin, name=name
                    )
                )
            if name in owners:
                raise PluginError(
                    _("plugins {first} and {second} both add command {name}").format(
                        first=owners[name], second=call.plugin, name=name
                    )
                )
            owners[name] = call.plugin
        before = dict(group.commands)
