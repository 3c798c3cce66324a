"""The running application: configuration, database, plugins, and the unit of work.

Everything a command or a plugin does goes through an :class:`App`:

- ``app.write()`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite), commits it, and
  only then delivers the events the domain code queued (``on_enrolled``...). A plugin failing
  on an event is recorded in ``app.failures`` and never undoes the commit.
- ``app.read()`` opens a read-only unit of work.
- ``app.config``, ``app.settings``, ``app.registry`` are what plugins read; they call other
  plugins with ``app.call_each`` and report with ``app.report_failure`` / ``app.notice``.

Domain functions receive only the database session; they find the app's hooks, settings and
registered migrations in ``db.info`` (:mod:`programs.hooks`, :mod:`programs.settings`), and
work without them in unit tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any

from programs.config import Config, load_config
from programs.db import WRITE, PlainReader, QuickRead, make_engine, resolve_url
from programs.settings import Settings

if TYPE_CHECKING:
    import pluggy
    import sqlalchemy as sa
    from sqlmodel import Session as DbSession

    from programs.hooks import Hooks, PluginFailure
    from programs.registry import Registry

__all__ = ["App"]


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

    # --- parts, built on first use ------------------------------------------------------

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config()
        return self._config

    @cached_property
    def settings(self) -> Settings:
        """The core's ``[core]`` settings, typed and checked."""
        return Settings.from_config(self.config)

    @property
    def pm(self) -> pluggy.PluginManager:
        """The plugin manager (for the core and its tests; plugins use the methods below)."""
        if self._pm is None:
            from programs.plugin_manager import get_plugin_manager

            self._pm = get_plugin_manager()
        return self._pm

    @cached_property
    def hooks(self) -> Hooks:
        """Calling the plugins (:mod:`programs.hooks`), built on first use: a read-only
        command loads neither pluggy nor the plugins."""
        from programs.hooks import Hooks

        return Hooks(self.pm, self)

    @property
    def failures(self) -> list[PluginFailure]:
        """What plugins failed at after a commit (the CLI reports them and exits 1)."""
        return self.hooks.failures if "hooks" in self.__dict__ else []

    @property
    def notices(self) -> list[str]:
        """Warnings for the person (a deprecated setting...), printed once by the CLI."""
        return self.hooks.notices if "hooks" in self.__dict__ else []

    @cached_property
    def engine(self) -> sa.Engine:
        return make_engine(self.url, **getattr(self, "_pool", {}))

    def size_pool(self, connections: int, *, timeout: float) -> None:
        """Give the engine ``connections`` pooled connections and no more; a unit of work
        that waits ``timeout`` seconds for one raises ``sqlalchemy.exc.TimeoutError`` (a
        server answers 503 rather than queueing without end)."""
        self.close()
        self.__dict__.pop("engine", None)
        self.__dict__.pop("_plain", None)
        self._pool = {"pool_size": connections, "max_overflow": 0, "pool_timeout": timeout}

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

            registry = self.registry
            owned = {
                name: (registry.owner("migrations", name), found)
                for name, found in registry.all("migrations").items()
            }
            check_plugin_schemas(self.engine, self.url, owned)
        self._check_config_tables()
        self._started = True  # before the hooks: a startup hook may use app.read()
        try:
            self.hooks.startup()
        except Exception as exc:
            self._start_error = exc
            raise

    def _check_config_tables(self) -> None:
        """With the installed plugins known (their entry points read), a config table that
        is none of theirs nor the core's is a typo, said before anything is done."""
        pm = self.pm
        if not getattr(pm, "entry_points_loaded", False):
            return  # a chosen set of plugins (tests, embedding): other tables may be others'
        from programs.config import check_tables

        left_out = {info.name for info in getattr(pm, "left_out", [])}
        check_tables(self.config, {"core", *getattr(pm, "origins", {}), *left_out})

    def _start_core(self) -> None:
        """The core's schema and settings: what every command needs."""
        if self._core_started:
            return
        if self._check_schema:
            from programs.schema import check_schema

            check_schema(self.engine, self.url)
        self.settings  # noqa: B018 - a broken config file is an error for every command
        self._core_started = True

    def upgrade(
        self,
        *,
        core_revision: str = "heads",
        plugins: bool = True,
        clear_duplicate_emails: bool = False,
    ) -> list[str]:
        """Create or upgrade the schema: the core's, then each plugin's (``programs init``)."""
        from programs.schema import upgrade

        migrations = self.registry.all("migrations") if plugins else {}
        return upgrade(
            self.engine,
            migrations,
            core_revision=core_revision,
            clear_duplicate_emails=clear_duplicate_emails,
        )

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file and empty it (SQLite): after an
        erasure, nothing of the person lingers in the ``-wal`` file (``secure_delete`` has
        zeroed their rows in the file). Waits for readers in a transaction, up to the busy
        timeout; other databases have nothing to do."""
        if self.dialect != "sqlite":
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if "_plain" in self.__dict__:
            self._plain.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    # --- units of work ------------------------------------------------------------------

    def _prepare(self, db: DbSession) -> None:
        db.info["hooks"] = self._lazy_hooks
        db.info["settings"] = self.settings
        db.info["migrations"] = self._migrations

    def _lazy_hooks(self) -> Hooks:
        return self.hooks

    def _migrations(self) -> dict[str, Any]:
        return self.registry.all("migrations")

    @contextmanager
    def write(self) -> Iterator[DbSession]:
        """A write transaction; events are delivered after a successful commit."""
        from sqlmodel import Session as DbSession

        self.start()
        from programs import revisions

        with DbSession(self.engine, expire_on_commit=False) as db:
            self._prepare(db)
            db.info["events"] = []
            db.connection(execution_options=WRITE)
            revisions.track(db)
            try:
                yield db
                revisions.record(db)  # in the transaction: calendars' markers move with it
                db.commit()
            except BaseException:
                db.rollback()
                raise
            events = db.info.pop("events")
        for hook_name, kwargs in events:
            self.hooks.event(hook_name, **kwargs)

    @cached_property
    def _plain(self) -> PlainReader:
        return PlainReader(self.engine)

    @contextmanager
    def quick_read(self) -> Iterator[QuickRead]:
        """Prebuilt reads (statements built once and kept) on a plain cursor of this thread's
        own connection, for a server's hot path and short listings: ``with app.quick_read()
        as read: read(statement, scope=3)``. No unit of work, no plugin, no transaction
        (programs.db.PlainReader)."""
        self._start_core()
        with self._plain.cursor() as read:
            yield read

    @contextmanager
    def read(self) -> Iterator[DbSession]:
        """A read-only unit of work (rolled back at the end); loads no plugin."""
        from sqlmodel import Session as DbSession

        self._start_core()
        with DbSession(self.engine, expire_on_commit=False) as db:
            self._prepare(db)
            yield db
            # No db.rollback(): it would expire every object read here, and callers use them
            # after the block. Closing the session hands the connection back to the pool,
            # which rolls the transaction back without touching the objects.

    # --- plugins ------------------------------------------------------------------------

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Ask every plugin implementing an ``ask`` hook (``calendar_item_alarms``,
        ``demo_sections``...), each on its own: returns ``(plugin name, answer)`` for each
        that answered; one that raises becomes a :class:`PluginFailure` in ``app.failures``
        (the CLI reports it and exits non-zero) and the others are still asked.
        ``app`` is passed for you."""
        from programs.hookspecs import CALLING, Mode

        if CALLING.get(hook_name) is not Mode.ASK:
            raise TypeError(f"{hook_name} is not a hook plugins ask each other")
        self.start()
        return self.hooks.ask(hook_name, **kwargs)

    def implements(self, hook_name: str) -> bool:
        """Whether any loaded plugin implements ``hook_name`` (to skip work nobody wants)."""
        return self.hooks.implements(hook_name)

    def implementers(self, hook_name: str) -> list[str]:
        """The plugins implementing ``hook_name``, in the order they are called."""
        return self.hooks.implementers(hook_name)

    def plugin_versions(self) -> tuple[tuple[str, str | None], ...]:
        """``(name, version)`` of each loaded plugin, sorted: what a cache of output that
        plugins shape (a feed's ETag) must vary with."""
        from programs.plugin_manager import plugin_infos

        return tuple((info.name, info.version) for info in plugin_infos(self.pm))

    def dormant_plugins(self) -> list[str]:
        """Installed plugins left out of this run (``PROGRAMS_DISABLE_PLUGINS`` /
        ``PROGRAMS_LOAD_PLUGINS``) whose tables are in this database: they may hold data
        about people that their hooks cannot erase or export now."""
        import sqlalchemy as sa

        left_out = [info.name for info in getattr(self.pm, "left_out", [])]
        if not left_out:
            return []
        with self.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        return sorted(n for n in left_out if f"alembic_version_{n.replace('-', '_')}" in tables)

    def take_failures(self) -> list[PluginFailure]:
        """The failures recorded so far, forgotten here: for a long-running process (a
        server) that logs them as they come instead of exiting non-zero."""
        taken = list(self.failures)
        self.failures.clear()
        return taken

    def report_failure(self, plugin: str, what: str, message: str) -> None:
        """Record that ``plugin`` failed at ``what`` without stopping the command: it is
        reported as ``plugin NAME failed on WHAT: message`` and the command exits 1."""
        self.hooks.report(plugin, what, message)

    def notice(self, plugin: str, message: str) -> None:
        """A warning for the person running the command, printed once on stderr."""
        self.hooks.notice(plugin, message)
