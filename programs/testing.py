"""What a plugin's tests need, public (docs/plugins.md, "Testing a plugin").

- :func:`build_cli`: the ``programs`` command group, built fresh (for click's ``CliRunner``);
- :func:`manager_with`: a plugin manager holding only the given plugins, checked like
  loaded ones; :func:`builtin_manager`: the built-in plugins (all, or some by name);
- :func:`make_app`: an :class:`programs.api.App` on a database URL, its schema created
  (the core's and the plugins'), with a configuration given as a dict;
- :func:`reset_plugin_manager`: forget the process-wide manager, so the next command loads
  plugins for the environment the test set (``PROGRAMS_LOAD_PLUGINS``...);
- :data:`TEST_MODE`: the variable a test suite sets (``PROGRAMS_TEST_MODE=1``) so that
  installed plugins are not loaded unless ``PROGRAMS_LOAD_PLUGINS`` names them.

Everything here is also what programs' own test suite uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from programs.plugin_manager import (
    TEST_MODE,
    ProgramsPluginManager,
    build_plugin_manager,
    manager_with,
    reset_plugin_manager,
)

if TYPE_CHECKING:
    import click

    from programs.app import App

__all__ = [
    "TEST_MODE",
    "build_cli",
    "builtin_manager",
    "make_app",
    "manager_with",
    "reset_plugin_manager",
]


def build_cli() -> click.Group:
    """A fresh ``programs`` root group (nothing is registered at import time)."""
    from programs.cli.main import build_cli as build

    return build()


def builtin_manager(names: Iterable[str] | None = None) -> ProgramsPluginManager:
    """The built-in plugins (``names``: only these, e.g. ``["ical"]``), no entry points."""
    return build_plugin_manager(entry_points=False, only=names)


def make_app(
    url: str,
    *,
    plugins: bool | Iterable[str] | Mapping[str, Any] = False,
    config: dict[str, Any] | None = None,
) -> App:
    """An App on ``url`` with its schema created.

    ``plugins``: False none; True the built-ins; a list of built-in names; or a mapping of
    name to plugin (a module or an object) for plugins of your own.
    """
    from programs.app import App
    from programs.config import Config

    if plugins is False:
        pm = manager_with()
    elif plugins is True:
        pm = builtin_manager()
    elif isinstance(plugins, Mapping):
        pm = manager_with(**plugins)
    else:
        pm = builtin_manager(plugins)
    app = App(url, config=Config(config or {}), pm=pm)
    app.upgrade()
    return app
