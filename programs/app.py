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
from dataclasses import dataclass
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
    plugin: str
    event: str
    message: str

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
        from programs.registry import Registry

        registry = Registry()
        for hook_name, kind in (
            ("register_channels", "channel"),
            ("register_calendar_sources", "calendar_source"),
            ("register_export_formats", "export_format"),
            ("register_migrations", "migrations"),
        ):
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                impl.function(register=registry.registrar(kind, impl.plugin_name))
        from programs.exports import JsonExport

        if "json" not in registry.all("export_format"):
            registry.add("export_format", JsonExport(), "core")
        return registry

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def start(self) -> None:
        """Check the schema and call the plugins' ``startup`` hook; done once, on first use."""
        if self._started:
            return
        self._started = True
        if self._check_schema:
            from programs.schema import check_schema

            check_schema(self)
        self.call_each("startup")

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
        """A read-only unit of work (rolled back at the end)."""
        from sqlmodel import Session as DbSession

        self.start()
        with DbSession(self.engine, expire_on_commit=False) as db:
            db.info["app"] = self
            yield db
            # No db.rollback(): it would expire every object read here, and callers use them
            # after the block. Closing the session hands the connection back to the pool,
            # which rolls the transaction back without touching the objects.

    # --- hooks --------------------------------------------------------------------------

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of an event hook on its own, so that one plugin's
        exception neither stops the others nor escapes: it becomes a :class:`PluginFailure`.

        Returns ``(plugin name, result)`` for each implementation that returned normally.
        """
        kwargs = {"app": self, **kwargs}
        results = []
        for impl in reversed(getattr(self.pm.hook, hook_name).get_hookimpls()):
            try:
                result = impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
            except Exception as exc:
                self.failures.append(
                    PluginFailure(impl.plugin_name, hook_name, str(exc) or type(exc).__name__)
                )
                continue
            results.append((impl.plugin_name, result))
        return results
