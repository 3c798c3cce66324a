"""Calling plugins: the one place that knows how each kind of hook is called.

Every hook has a calling mode, declared next to its spec in :data:`programs.hookspecs.CALLING`;
this module is the machinery behind each mode, and refuses a call that uses the wrong one
(a bug in programs, raised as ``TypeError``):

- ``register``: once per app, each plugin given a ``register`` callback that knows who
  registers (:func:`programs.registry.collect`); ``commands`` is the same for the CLI.
- ``startup``: once per app, before its first write; a failure stops the command.
- ``veto``: inside the transaction; each plugin in turn, the first refusal wins and the
  others are not asked; an exception also refuses (a veto that cannot be asked is no yes).
- ``data``: inside the transaction; each plugin's answer, by plugin; an exception rolls
  the whole transaction back.
- ``event``: after the commit; each plugin on its own, a failure recorded as a
  :class:`PluginFailure` while the others still run.
- ``ask``: a plugin asks the others (alarms, demo sections): answers by plugin, failures
  recorded like an event's.

Plugins are called one implementation at a time rather than through ``pm.hook.NAME(...)``:
that is how a failure is pinned on the plugin that raised it while the others still run
(and why wrapper implementations are refused when a plugin loads).

This module depends on nothing of programs but its errors and the hookspecs, so every core
module may use it. Domain functions hold only a database session: :func:`queue`,
:func:`veto` and :func:`collect` find the app's :class:`Hooks` in ``db.info`` (put there by
``App.write()`` / ``App.read()``) and do nothing without it (a unit test of a rule).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from programs.errors import PluginError, Vetoed, one_line
from programs.hookspecs import CALLING, Mode
from programs.i18n import _

if TYPE_CHECKING:
    import pluggy
    from sqlmodel import Session as DbSession


@dataclass(frozen=True)
class PluginFailure:
    """A plugin raised on an event (or when asked); the committed change stands."""

    plugin: str
    event: str
    message: str
    error: BaseException | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return _("plugin {plugin} failed on {hook}: {message}").format(
            plugin=self.plugin, hook=self.event, message=self.message
        )


class Call(NamedTuple):
    """One plugin's answer to one hook call: ``result``, or the ``error`` it raised."""

    plugin: str
    result: Any = None
    error: Exception | None = None


def tracing() -> bool:
    return bool(os.environ.get("PROGRAMS_TRACE_HOOKS"))


def iter_calls(
    pm: pluggy.PluginManager,
    hook_name: str,
    mode: Mode,
    args_for: Callable[[str], Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> Iterator[Call]:
    """Call each implementation of ``hook_name`` on its own, in pluggy's order (``tryfirst``
    first, then the last registered first), yielding a :class:`Call` for each.

    ``mode`` is the caller's: it must be the hook's declared mode. An ``Exception`` from one
    plugin is yielded, not raised, so the caller can name the plugin and carry on or stop.
    ``args_for(plugin name)`` adds per-plugin arguments (registration callbacks). The
    arguments must be exactly the hookspec's: a call site that forgets one is a bug.
    """
    declared = CALLING.get(hook_name)
    if declared is None:
        raise TypeError(f"no hookspec named {hook_name}")
    if declared is not mode:
        raise TypeError(f"{hook_name} is a {declared.value} hook, called as {mode.value}")
    caller = getattr(pm.hook, hook_name, None)
    if caller is None or caller.spec is None:
        raise TypeError(f"no hookspec named {hook_name} in this plugin manager")
    given = kwargs.keys() | (args_for("").keys() if args_for else set())
    if given != set(caller.spec.argnames):
        raise TypeError(
            f"{hook_name} takes {', '.join(sorted(caller.spec.argnames))}; called with "
            f"{', '.join(sorted(given)) or 'nothing'}"
        )
    trace = tracing()
    for impl in reversed(caller.get_hookimpls()):
        args = {**kwargs, **args_for(impl.plugin_name)} if args_for else kwargs
        try:
            result = impl.function(*[args[a] for a in impl.argnames])
        except Exception as exc:
            if trace:
                _trace(hook_name, impl.plugin_name, error=exc)
            yield Call(impl.plugin_name, None, exc)
            continue
        if trace:
            _trace(hook_name, impl.plugin_name, result=result)
        yield Call(impl.plugin_name, result)


def failed(plugin: str, hook_name: str, error: BaseException) -> PluginError:
    """The one-line error naming the plugin that raised."""
    return PluginError(
        _("plugin {plugin} failed on {hook}: {message}").format(
            plugin=plugin, hook=hook_name, message=one_line(error)
        )
    )


def implemented_by(pm: pluggy.PluginManager, hook_name: str) -> list[str]:
    """The plugins implementing ``hook_name``, in calling order."""
    caller = getattr(pm.hook, hook_name, None)
    if caller is None:
        return []
    return [impl.plugin_name for impl in reversed(caller.get_hookimpls())]


class Hooks:
    """One app's plugins, called by mode. ``owner`` is what hooks receive as ``app``."""

    def __init__(self, pm: pluggy.PluginManager, owner: Any) -> None:
        self.pm = pm
        self.owner = owner
        self.failures: list[PluginFailure] = []
        self.notices: list[str] = []

    def implements(self, hook_name: str) -> bool:
        return bool(implemented_by(self.pm, hook_name))

    def implementers(self, hook_name: str) -> list[str]:
        return implemented_by(self.pm, hook_name)

    def report(
        self, plugin: str, what: str, message: str, error: BaseException | None = None
    ) -> None:
        """Record a failure that does not stop the command (it still exits non-zero)."""
        self.failures.append(PluginFailure(plugin, what, message, error))

    def notice(self, plugin: str, message: str) -> None:
        """A warning for the person running the command (a setting to rename...), once."""
        line = _("plugin {plugin}: {message}").format(plugin=plugin, message=message)
        if line not in self.notices:
            self.notices.append(line)

    def startup(self) -> None:
        for call in iter_calls(self.pm, "startup", Mode.STARTUP, app=self.owner):
            if call.error is not None:
                raise PluginError(
                    _(
                        "plugin {plugin} failed on startup: {message} "
                        "(PROGRAMS_DISABLE_PLUGINS={plugin} leaves it out)"
                    ).format(plugin=call.plugin, message=one_line(call.error))
                ) from call.error

    def event(self, hook_name: str, **kwargs: Any) -> None:
        """Deliver an event to every plugin; failures are recorded, never raised."""
        for call in iter_calls(self.pm, hook_name, Mode.EVENT, app=self.owner, **kwargs):
            if call.error is not None:
                self.report(call.plugin, hook_name, one_line(call.error), call.error)

    def ask(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """``(plugin, answer)`` for each plugin that answered; failures are recorded."""
        answers = []
        for call in iter_calls(self.pm, hook_name, Mode.ASK, app=self.owner, **kwargs):
            if call.error is not None:
                self.report(call.plugin, hook_name, one_line(call.error), call.error)
            else:
                answers.append((call.plugin, call.result))
        return answers

    def veto(self, db: DbSession, hook_name: str, **kwargs: Any) -> None:
        """Ask each plugin in turn; the first message refuses (raises :class:`Vetoed`)."""
        for call in iter_calls(self.pm, hook_name, Mode.VETO, app=self.owner, db=db, **kwargs):
            if call.error is not None:
                raise failed(call.plugin, hook_name, call.error) from call.error
            if call.result:
                raise Vetoed(call.plugin, str(call.result))

    def collect(self, db: DbSession, hook_name: str, **kwargs: Any) -> dict[str, Any]:
        """``{plugin: answer}`` for non-None answers; a failure raises (rolls back)."""
        answers: dict[str, Any] = {}
        for call in iter_calls(self.pm, hook_name, Mode.DATA, app=self.owner, db=db, **kwargs):
            if call.error is not None:
                raise failed(call.plugin, hook_name, call.error) from call.error
            if call.result is not None:
                answers[call.plugin] = call.result
        return answers


# --- what domain functions use, with only a database session ------------------------------


def hooks_of(db: DbSession) -> Hooks | None:
    """The app's hooks (``db.info["hooks"]`` holds them, or a function making them on first
    use: a read that needs no plugin loads none)."""
    found = db.info.get("hooks")
    if found is not None and not isinstance(found, Hooks):
        found = db.info["hooks"] = found()
    return found


def queue(db: DbSession, hook_name: str, **kwargs: Any) -> None:
    """Deliver the event ``hook_name`` to plugins once this transaction has committed."""
    if CALLING.get(hook_name) is not Mode.EVENT:
        raise TypeError(f"{hook_name} is not an event")
    events = db.info.get("events")
    if events is not None:
        events.append((hook_name, kwargs))


def veto(db: DbSession, hook_name: str, **kwargs: Any) -> None:
    hooks = hooks_of(db)
    if hooks is not None:
        hooks.veto(db, hook_name, **kwargs)


def collect(db: DbSession, hook_name: str, **kwargs: Any) -> dict[str, Any]:
    hooks = hooks_of(db)
    return hooks.collect(db, hook_name, **kwargs) if hooks is not None else {}


# --- tracing (PROGRAMS_TRACE_HOOKS=1) -------------------------------------------------------


def _trace(
    hook_name: str, plugin: str, *, result: Any = None, error: Exception | None = None
) -> None:
    if error is None:
        print(f"[hook] {hook_name} -> {plugin}: {result!r}", file=sys.stderr)
    else:
        print(f"[hook] {hook_name} -> {plugin} raised:", file=sys.stderr)
        traceback.print_exception(error, file=sys.stderr)


def monitor(pm: pluggy.PluginManager) -> None:
    """Trace calls made through ``pm.hook`` directly (not by this module), when tracing."""

    def before(hook_name: str, impls: list[Any], kwargs: Mapping[str, Any]) -> None:
        plugins = ", ".join(i.plugin_name for i in reversed(impls)) or "no plugin"
        print(f"[hook] {hook_name} called directly ({plugins})", file=sys.stderr)

    def after(outcome: Any, hook_name: str, impls: list[Any], kwargs: Mapping[str, Any]) -> None:
        if outcome.exception is not None:
            print(f"[hook] {hook_name} raised {one_line(outcome.exception)}", file=sys.stderr)
        else:
            print(f"[hook] {hook_name} -> {outcome.get_result()!r}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)
