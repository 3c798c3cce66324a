"""The running application: configuration, database, plugins, and the unit of work.

Everything a command or a plugin does goes through an :class:`App`:

- ``app.write()`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite), commits it, and
  only then delivers the events the domain code queued (``on_enrolled``...). A plugin failing
  on an event is recorded in ``app.failures`` and never undoes the commit.
- ``app.read()`` opens a read-only unit of work.
- ``app.config``, ``app.registry`` and ``app.pm`` are what plugins are given.

Domain functions receive only the database session; they find the app (for vetoes and
events) in ``db.info`` through :mod:`programs.events`, and work without one in unit tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from programs.config import Config, load_config
from programs.db import WRITE, make_engine, resolve_url

if TYPE_CHECKING:
    import pluggy
    import sqlalchemy as sa
    from sqlmodel import Session as DbSession

    from programs.registry import Registry


@dataclass(frozen=True)
class PluginFailure:
    """A plugin raised on an event; the committed change stands."""

    plugin: str
    event: str
    message: str
    error: BaseException | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"plugin {self.plugin} failed on {self.event}: {self.message}"


class App:
    """One database, one configuration, one set of plugins."""

    def __init__(
        self,
        db_url: str | None = None,
        *,
        config: Config | None = None,
        pm: pluggy.PluginManager | None = None,
        check_schema: bool = True,
    ) -> None:
        self.url = resolve_url(db_url)
        self._config = config
        self._pm = pm
        self._check_schema = check_schema
        self._started = False
        self._core_started = False
        self._start_error: Exception | None = None
        self.failures: list[PluginFailure] = []

    # --- parts, built on first use ------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config()
        return self._config

    @property
    def pm(self) -> pluggy.PluginManager:
        if self._pm is None:
            from programs.plugin_manager import get_plugin_manager

            self._pm = get_plugin_manager()
        return self._pm

    @cached_property
    def engine(self) -> sa.Engine:
        return make_engine(self.url)

    @cached_property
    def registry(self) -> Registry:
        """What plugins registered (channels, calendar sources, export formats, migrations),
        collected once per app through the ``register_*`` hooks and validated."""
        from programs.exports import JsonExport
        from programs.registry import Registry, collect

        registry = collect(self.pm, Registry())
        if "json" not in registry.all("export_format"):
            registry.add("export_format", JsonExport(), "core")
        return registry

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def start(self) -> None:
        """Check the schema (the core's, then each plugin's), read the config file, and call
        the plugins' ``startup`` hook; done once, before the first write or hook call.

        Read-only units of work (``app.read()``) only check the core's schema: a listing
        needs no plugin, and ``programs list`` stays fast (bench/startup).

        A plugin failing on ``startup`` stops the command before anything is written (a
        plugin that could not read its settings must not act on half of them); the error
        says how to leave the plugin out. It is raised again on every later use.
        """
        self._start_core()
        if self._start_error is not None:
            raise self._start_error
        if self._started:
            return
        if self._check_schema:
            from programs.schema import check_plugin_schemas

            check_plugin_schemas(self)
        self._started = True  # before the hooks: a startup hook may use app.read()
        from programs.errors import PluginError
        from programs.plugin_manager import iter_calls, one_line

        for call in iter_calls(self.pm, "startup", app=self):
            if call.error is not None:
                self._start_error = PluginError(
                    f"plugin {call.plugin} failed on startup: {one_line(call.error)} "
                    f"(PROGRAMS_DISABLE_PLUGINS={call.plugin} leaves it out)"
                )
                raise self._start_error from call.error

    def _start_core(self) -> None:
        """The core's schema and the config file: what every command needs."""
        if self._core_started:
            return
        if self._check_schema:
            from programs.schema import check_schema

            check_schema(self)
        self.config  # noqa: B018 - a broken config file is an error for every command
        self._core_started = True

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    # --- units of work ------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[DbSession]:
        """A write transaction; events are delivered after a successful commit."""
        from sqlmodel import Session as DbSession

        self.start()
        with DbSession(self.engine, expire_on_commit=False) as db:
            db.info["app"] = self
            db.info["events"] = []
            db.connection(execution_options=WRITE)
            try:
                yield db
                db.commit()
            except BaseException:
                db.rollback()
                raise
            events = db.info.pop("events")
        for hook_name, kwargs in events:
            self.call_each(hook_name, **kwargs)

    @contextmanager
    def read(self) -> Iterator[DbSession]:
        """A read-only unit of work (rolled back at the end); loads no plugin."""
        from sqlmodel import Session as DbSession

        self._start_core()
        with DbSession(self.engine, expire_on_commit=False) as db:
            db.info["app"] = self
            yield db
            # No db.rollback(): it would expire every object read here, and callers use them
            # after the block. Closing the session hands the connection back to the pool,
            # which rolls the transaction back without touching the objects.

    # --- hooks --------------------------------------------------------------------------

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook on its own, so that one plugin's exception
        neither stops the others nor escapes: it becomes a :class:`PluginFailure` in
        ``app.failures`` (the CLI reports them and exits non-zero).

        ``app`` is passed for you. Returns ``(plugin name, result)`` for each implementation
        that returned normally. The core delivers events with it; a plugin may use it to ask
        other plugins (the iCal plugin asks ``calendar_alarms``).
        """
        from programs.plugin_manager import iter_calls, one_line

        self.start()
        results = []
        for call in iter_calls(self.pm, hook_name, app=self, **kwargs):
            if call.error is not None:
                self.failures.append(
                    PluginFailure(call.plugin, hook_name, one_line(call.error), call.error)
                )
            else:
                results.append((call.plugin, call.result))
        return results
