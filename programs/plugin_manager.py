"""The one plugin manager, named ``programs``, loaded lazily and once.

Built-in plugins (``DEFAULT_PLUGINS``) are registered through the same hooks as third-party
ones, which come from the ``programs`` entry-point group. Environment variables limit what
loads:

- ``PROGRAMS_LOAD_PLUGINS=a,b``: only these (built-in or entry point); empty: none at all.
  A name that matches no plugin is an error, so a typo does not silently load nothing.
- ``PROGRAMS_DISABLE_PLUGINS=x,y``: everything but these.
- ``PROGRAMS_TRACE_HOOKS=1``: every hook call, its answers and failures, on stderr.

- ``PROGRAMS_TEST_MODE=1`` (set by a test suite, inherited by the processes it starts):
  entry-point plugins are not loaded unless ``PROGRAMS_LOAD_PLUGINS`` names them (or
  ``build_plugin_manager(entry_points=True)``), so an installed plugin cannot change test
  results. An explicit flag, not a guess: a real process that happens to import pytest
  keeps its plugins.

The core calls hooks one implementation at a time (:mod:`programs.hooks`), so wrapper
implementations (``wrapper=True``/``hookwrapper=True``) are refused at registration.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from programs import hooks, hookspecs
from programs.errors import PluginError, one_line
from programs.i18n import _

PROJECT = "programs"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "programs.plugins.email",
    "programs.plugins.ical",
    "programs.plugins.reminders",
    "programs.plugins.contacts",
)
TEST_MODE = "PROGRAMS_TEST_MODE"

BUILT_IN = "built-in"
ENTRY_POINT = "entry point"
REGISTERED = "registered"  # put on a manager by code (tests), not loaded by the manager


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``programs plugins`` shows it."""

    name: str
    version: str | None
    source: str  # BUILT_IN, ENTRY_POINT or REGISTERED
    hooks: tuple[str, ...] = ()
    module: str | None = None
    distribution: str | None = None
    loaded: bool = True
    reason: str | None = None  # why it was not loaded


class ProgramsPluginManager(pluggy.PluginManager):
    """pluggy's manager, plus where each plugin came from and which ones were left out."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, PluginInfo] = {}
        self.left_out: list[PluginInfo] = []
        self.entry_points_loaded = False

    def add(self, plugin: Any, info: PluginInfo) -> None:
        """Register ``plugin`` under ``info.name``; any problem is a one-line PluginError."""
        other = self.origins.get(info.name)
        if other is not None or self.has_plugin(info.name):
            first = other.distribution or other.source if other else "code"
            second = info.distribution or info.source
            raise PluginError(
                _("two plugins are named {name}: one from {first}, one from {second}").format(
                    name=info.name, first=first, second=second
                )
            )
        try:
            self.register(plugin, name=info.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(
                _("plugin {name} is invalid: {reason}").format(name=info.name, reason=one_line(exc))
            ) from exc
        except ValueError as exc:  # the same module registered twice under two names
            raise PluginError(
                _("plugin {name} cannot be registered: {reason}").format(
                    name=info.name, reason=one_line(exc)
                )
            ) from exc
        refuse_wrappers(self, plugin)
        self.origins[info.name] = info


def refuse_wrappers(pm: pluggy.PluginManager, plugin: Any) -> None:
    """Wrappers wrap one call of all plugins; the core calls plugins one by one (to isolate
    failures), so a wrapper would silently never run. Better to say so at once."""
    name = pm.get_name(plugin)
    for caller in pm.get_hookcallers(plugin) or ():
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin and (impl.wrapper or impl.hookwrapper):
                pm.unregister(plugin)
                raise PluginError(
                    _(
                        "plugin {name}: {hook} is a wrapper; programs calls each plugin "
                        "on its own, write a plain implementation"
                    ).format(name=name, hook=caller.name)
                )


def _names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


def short_name(module: str) -> str:
    """``programs.plugins.ical`` -> ``ical``: how built-ins are named to people."""
    return module.rsplit(".", 1)[-1]


def under_tests() -> bool:
    """True when a test suite said so (``PROGRAMS_TEST_MODE=1``, inherited by subprocesses)."""
    return os.environ.get(TEST_MODE, "") not in ("", "0")


def build_plugin_manager(
    *, entry_points: bool | None = None, only: Iterable[str] | None = None
) -> ProgramsPluginManager:
    """A new manager with the allowed built-in and entry-point plugins registered.

    ``entry_points``: load the ``programs`` entry-point group (default: yes, except in test
    mode unless ``PROGRAMS_LOAD_PLUGINS`` names what to load). ``only``: these plugins and
    no others, as ``PROGRAMS_LOAD_PLUGINS`` would say (for tests and scripts).
    """
    from programs import __version__

    pm = ProgramsPluginManager()
    only = set(only) if only is not None else _names("PROGRAMS_LOAD_PLUGINS")
    disabled = _names("PROGRAMS_DISABLE_PLUGINS") or set()

    def why_not(name: str) -> str | None:
        if name in disabled:
            return _("disabled by PROGRAMS_DISABLE_PLUGINS")
        if only is not None and name not in only:
            return _("not in PROGRAMS_LOAD_PLUGINS")
        return None

    known = set()
    for module_name in DEFAULT_PLUGINS:
        name = short_name(module_name)
        known.add(name)
        info = PluginInfo(name, __version__, BUILT_IN, module=module_name)
        reason = why_not(name)
        if reason:
            pm.left_out.append(_left_out(info, reason))
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise PluginError(
                _("built-in plugin {name} failed to import: {error}: {reason}").format(
                    name=name, error=type(exc).__name__, reason=one_line(exc)
                )
            ) from exc
        pm.add(module, info)

    if entry_points is None:
        entry_points = only is not None or not under_tests()
    if entry_points:
        known |= _load_entry_points(pm, why_not)
        pm.entry_points_loaded = True
        unknown = (only or set()) - known
        if unknown:
            raise PluginError(
                _(
                    "PROGRAMS_LOAD_PLUGINS names no installed plugin: {names} (installed: {known})"
                ).format(
                    names=", ".join(sorted(unknown)), known=", ".join(sorted(known)) or _("none")
                )
            )
    check_hook_names(pm)
    if hooks.tracing():
        hooks.monitor(pm)
    return pm


def _left_out(info: PluginInfo, reason: str) -> PluginInfo:
    return PluginInfo(
        info.name, info.version, info.source, (), info.module, info.distribution, False, reason
    )


def _load_entry_points(pm: ProgramsPluginManager, why_not: Callable[[str], str | None]) -> set[str]:
    """Load the ``programs`` entry points that are allowed; returns every name seen."""
    from importlib.metadata import entry_points

    seen = set()
    for ep in entry_points(group=PROJECT):
        seen.add(ep.name)
        dist = ep.dist
        info = PluginInfo(
            ep.name,
            dist.version if dist else None,
            ENTRY_POINT,
            module=ep.value,
            distribution=dist.name if dist else None,
        )
        reason = why_not(ep.name)
        if reason:
            pm.left_out.append(_left_out(info, reason))
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin is named, not a blind crash
            raise PluginError(
                _("plugin {name} ({source}) failed to import: {error}: {reason}").format(
                    name=ep.name,
                    source=info.distribution or ep.value,
                    error=type(exc).__name__,
                    reason=one_line(exc),
                )
            ) from exc
        pm.add(plugin, info)
    return seen


def manager_with(**plugins: Any) -> ProgramsPluginManager:
    """A manager holding only the given plugins (``name=module_or_object``), checked like
    loaded ones: what a plugin's own tests use, ``App(url, pm=manager_with(hello=hello))``."""
    pm = ProgramsPluginManager()
    for name, plugin in plugins.items():
        pm.add(plugin, PluginInfo(name, None, REGISTERED, module=getattr(plugin, "__name__", None)))
    check_hook_names(pm)
    return pm


def check_hook_names(pm: pluggy.PluginManager) -> None:
    """Every implementation must be of a known hook (or marked ``optionalhook=True``)."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or "?"
        raise PluginError(
            _(
                "plugin {name} is invalid: {reason} "
                "(a misspelt hook? mark hooks from a newer programs with optionalhook=True)"
            ).format(name=name, reason=one_line(exc))
        ) from exc


_pm: ProgramsPluginManager | None = None


def get_plugin_manager() -> ProgramsPluginManager:
    """The process-wide manager, built on first use (never at import time)."""
    global _pm
    if _pm is None:
        _pm = build_plugin_manager()
    return _pm


def reset_plugin_manager() -> None:
    """Forget the process-wide manager (tests change the environment between runs)."""
    global _pm
    _pm = None


# --- what is loaded -----------------------------------------------------------------------


def plugin_infos(pm: pluggy.PluginManager, *, left_out: bool = False) -> list[PluginInfo]:
    """What is loaded: name, version, source and the hooks each plugin implements, sorted by
    name. ``left_out`` adds the plugins that are installed but were not loaded, and why."""
    origins: Mapping[str, PluginInfo] = getattr(pm, "origins", {})
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        origin = origins.get(name) or PluginInfo(
            name, None, REGISTERED, module=getattr(plugin, "__name__", type(plugin).__name__)
        )
        infos.append(
            PluginInfo(
                name, origin.version, origin.source, hooks, origin.module, origin.distribution
            )
        )
    if left_out:
        infos += getattr(pm, "left_out", [])
    return sorted(infos, key=lambda i: (i.name, not i.loaded))
