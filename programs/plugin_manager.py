"""The one plugin manager, named ``programs``, loaded lazily and once.

Built-in plugins (``DEFAULT_PLUGINS``) are registered through the same hooks as third-party
ones, which come from the ``programs`` entry-point group. Environment variables limit what
loads:

- ``PROGRAMS_LOAD_PLUGINS=a,b``: only these (built-in or entry point); empty: none at all.
- ``PROGRAMS_DISABLE_PLUGINS=x,y``: everything but these.

Under pytest, entry-point plugins are not loaded unless a test asks
(``get_plugin_manager(entry_points=True)``), so an installed plugin cannot change test results.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

import pluggy

from programs import hookspecs
from programs.errors import PluginError

PROJECT = "programs"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "programs.plugins.ical",
    "programs.plugins.reminders",
    "programs.plugins.contacts",
)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str | None
    source: str  # "built-in" or "entry point"
    hooks: tuple[str, ...]


def _names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def short_name(module: str) -> str:
    """``programs.plugins.ical`` -> ``ical``: how built-ins are named to people."""
    return module.rsplit(".", 1)[-1]


def _under_tests() -> bool:
    return "pytest" in sys.modules or bool(os.environ.get("PYTEST_CURRENT_TEST"))


def build_plugin_manager(*, entry_points: bool | None = None) -> pluggy.PluginManager:
    """A new manager with the allowed built-in and entry-point plugins registered."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    only = _names("PROGRAMS_LOAD_PLUGINS")
    disabled = _names("PROGRAMS_DISABLE_PLUGINS") or set()

    def wanted(name: str) -> bool:
        return (only is None or name in only) and name not in disabled

    for module_name in DEFAULT_PLUGINS:
        name = short_name(module_name)
        if not wanted(name):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise PluginError(f"built-in plugin {name} failed to import: {exc}") from exc
        pm.register(module, name=name)

    if entry_points is None:
        entry_points = not _under_tests() or only is not None
    if entry_points:
        _load_entry_points(pm, wanted)
    return pm


def _load_entry_points(pm: pluggy.PluginManager, wanted: Any) -> None:
    from importlib.metadata import entry_points

    for ep in entry_points(group=PROJECT):
        if not wanted(ep.name) or pm.get_plugin(ep.name) is not None:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin must be named, not crash blind
            dist = ep.dist.name if ep.dist else "?"
            raise PluginError(
                f"plugin {ep.name} ({dist}) failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        pm.register(plugin, name=ep.name)
        pm._programs_dists = getattr(pm, "_programs_dists", {})  # type: ignore[attr-defined]
        pm._programs_dists[ep.name] = ep.dist  # type: ignore[attr-defined]


_pm: pluggy.PluginManager | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager, built on first use."""
    global _pm
    if _pm is None:
        _pm = build_plugin_manager()
    return _pm


def reset_plugin_manager() -> None:
    """Forget the process-wide manager (tests change the environment between runs)."""
    global _pm
    _pm = None


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """What is loaded: name, version, source and the hooks each plugin implements."""
    from programs import __version__

    dists = getattr(pm, "_programs_dists", {})
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        if name in dists:
            dist = dists[name]
            infos.append(PluginInfo(name, dist.version if dist else None, "entry point", hooks))
        else:
            builtin = getattr(plugin, "__name__", "") in DEFAULT_PLUGINS
            infos.append(
                PluginInfo(
                    name,
                    __version__ if builtin else None,
                    "built-in" if builtin else "registered",
                    hooks,
                )
            )
    return sorted(infos, key=lambda i: i.name)
