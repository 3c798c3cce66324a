"""Database URLs and engines.

SQLite is the default: a file in the user's data dir, with foreign keys on, WAL, and a busy
timeout. Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so that two processes
checking capacity cannot both read "one seat left" and both take it; on PostgreSQL the domain
code takes a row lock (``SELECT ... FOR UPDATE``) instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from programs.config import data_dir
from programs.i18n import _

BUSY_TIMEOUT_MS = 30_000
WRITE = {"programs_write": True}
"""Execution options of a write transaction (``BEGIN IMMEDIATE`` on SQLite)."""


def default_db_path() -> Path:
    return data_dir() / "programs.db"


def resolve_url(value: str | None = None) -> str:
    """``--db`` value, else ``PROGRAMS_DB``, else the default SQLite file.

    Anything with ``://`` is a SQLAlchemy URL; anything else is the path of a SQLite file.
    """
    value = value or os.environ.get("PROGRAMS_DB") or None
    if value is None:
        return f"sqlite:///{default_db_path()}"
    if "://" in value:
        for scheme in ("postgresql://", "postgres://"):  # postgres:// is what hosts hand out
            if value.startswith(scheme):
                # psycopg 3 is the driver we ship and test; psycopg2 is not a dependency.
                value = "postgresql+psycopg://" + value.removeprefix(scheme)
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = sa.engine.make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


SUPPORTED = ("sqlite", "postgresql")
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; SQLite gets its pragmas and explicit transaction control, and
    a file only the coach can read (it holds people's details and the coach's notes)."""
    from programs.errors import InvalidInput
    from programs.i18n import _

    scheme = url.split("://", 1)[0].split("+", 1)[0] if "://" in url else ""
    if scheme not in SUPPORTED:
        raise InvalidInput(
            _(
                "unsupported database URL {scheme}://...: programs works with SQLite (a file "
                "path, or sqlite:///path) and PostgreSQL (postgresql://user@host/database)"
            ).format(scheme=scheme or "?")
        )
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            raise InvalidInput(
                _("{path} is a folder, not a database file: give a file path").format(path=path)
            )
        private_sqlite_file(path)
    try:
        engine = sa.create_engine(url, **kwargs)
    except ModuleNotFoundError:
        raise InvalidInput(
            _("PostgreSQL needs its driver: pip install 'programs[postgres]'")
        ) from None
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        # a typo in --db / PROGRAMS_DB is the user's to fix: one clear line, not a crash
        raise InvalidInput(
            _(
                "cannot use database URL {scheme}://...: {reason} "
                "(give a SQLite file path or a URL like postgresql://host/db)"
            ).format(scheme=scheme, reason=exc)
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def private_sqlite_file(path: Path) -> None:
    """The database file, its ``-wal`` and ``-shm`` readable by the coach only (600), in a
    folder only she can open when it is ours (the data folder: 700), whatever the umask.

    SQLite makes the file at the first connection, under a private umask
    (:func:`_configure_sqlite`), and gives the WAL and shared-memory files the mode of the
    database file. Files made by an older version are closed to others here.
    """
    from programs.config import data_dir

    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=PRIVATE_FOLDER)
    ours = data_dir()
    if folder == ours or ours in folder.parents:
        for owned in (folder, *[p for p in folder.parents if p == ours]):
            _restrict(owned, PRIVATE_FOLDER)
    for sidecar in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if sidecar.exists():
            _restrict(sidecar, PRIVATE_FILE)


def _restrict(path: Path, mode: int) -> None:
    """chmod to ``mode`` when it is wider; a file we cannot change is left to the OS."""
    import contextlib

    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)


def cannot_open(url: str | sa.URL, exc: BaseException) -> Exception:
    """The one-line error for a database that cannot be opened: a server that does not
    answer, a file that is not SQLite... (the driver's first line says why)."""
    from programs.errors import InvalidInput

    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason = lines[0] if lines else type(exc).__name__
    shown = sa.engine.make_url(url).render_as_string(hide_password=True)
    return InvalidInput(_("cannot open database {url}: {reason}").format(url=shown, reason=reason))


def _set_wal(cursor: Any) -> None:
    """Switch the file to WAL. Two processes opening a new file at once can both try, and
    SQLite answers "database is locked" at once (no busy handler for this pragma): retry
    for the busy timeout, then let the error through."""
    import sqlite3
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "do_connect")
    def _private_connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
        """Connect under umask 077: a database file SQLite makes now is the coach's alone."""
        import os

        previous = os.umask(0o077)
        try:
            return dialect.dbapi.connect(*cargs, **cparams)
        finally:
            os.umask(previous)

    # pysqlite's own transaction handling cannot issue BEGIN IMMEDIATE; take it over
    # (the recipe from SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # deleted rows are overwritten with zeros, not left in free pages: an erased person
        # leaves nothing in the file (python.org and macOS builds do not do it by default)
        cursor.execute("PRAGMA secure_delete = ON")
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("programs_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def backup_sqlite(url: str, target: Path, *, force: bool = False) -> Path:
    """A consistent copy of a live SQLite database (SQLite's online backup API).

    Safe while other processes write: the copy is one transaction's view of the file. It is
    written to a private temporary file in the target's folder (600, whatever the umask),
    then renamed: a crash, a full disk or a refusal never leaves a copy of people's data
    behind, and never a half-written backup under the target's name. An existing file is
    kept unless ``force``.
    """
    import os
    import sqlite3

    from programs.errors import InvalidInput
    from programs.i18n import _

    source = sqlite_path(url)
    if source is None:
        raise InvalidInput(_("backup copies SQLite databases only; use pg_dump for PostgreSQL"))
    if not source.exists():
        raise InvalidInput(
            _("no database at {path}; run `programs init` first").format(path=source)
        )
    if not str(target).strip():
        raise InvalidInput(_("give the backup file's name, e.g. programs-2026-12-01.db"))
    from programs.files import output_path, temp_beside

    target = output_path(target, force=True).resolve()
    if target == source.resolve():
        raise InvalidInput(_("the backup file must not be the database itself"))
    output_path(target, force=force)
    fd, name = temp_beside(target, ".tmp")
    os.close(fd)  # mkstemp made it 600; SQLite writes into it
    partial = Path(name)
    try:
        # A URI, so the source is opened read-only; as_uri() escapes spaces, "?" and "#".
        src = sqlite3.connect(
            source.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            finally:
                dst.close()
        finally:
            src.close()
        partial.chmod(PRIVATE_FILE)
        partial.replace(target)  # atomic
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        for sidecar in ("-journal", "-wal", "-shm"):
            Path(name + sidecar).unlink(missing_ok=True)
        if isinstance(exc, sqlite3.Error | OSError):
            raise InvalidInput(
                _(
                    "the backup was not written ({reason}; is the disk full?): nothing was left "
                    "in {folder}"
                ).format(reason=exc, folder=target.parent)
            ) from None
        raise
    return target


class PlainReader:
    """Prebuilt reads run straight on a DBAPI cursor: the hot path of a feed poll (a token, a
    calendar's change markers) asked thousands of times a second. SQLAlchemy's execution (a
    transaction begun, the statement's cache looked up, a result wrapped) and even a pool
    checkout cost several times the indexed lookup itself; here each statement is compiled
    once per dialect, each thread that reads keeps one connection of its own (taken from
    the engine, so its connect settings apply, then detached: the pool's count is left to
    units of work), and a read is one ``cursor.execute``. For reads only, with no
    transaction: each statement is its own snapshot (SQLite runs in autocommit already,
    PostgreSQL's connection is put in autocommit).

    One per engine, kept: ``with reader.cursor() as read: read(statement, scope=3)``;
    :meth:`close` closes every thread's connection (``App.close``)."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._compiled: dict[int, tuple[Any, str, dict[str, Any], tuple[str, ...] | None]] = {}
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def _prepared(self, statement: Any) -> tuple[str, dict[str, Any], tuple[str, ...] | None]:
        entry = self._compiled.get(id(statement))
        if entry is None or entry[0] is not statement:
            compiled = statement.compile(dialect=self._engine.dialect)
            if compiled.literal_execute_params or compiled.post_compile_params:
                raise ValueError("a quick read takes no expanding IN nor literal_execute")
            order = tuple(compiled.positiontup) if compiled.positiontup else None
            defaults = compiled.construct_params(_check=False)
            entry = (statement, compiled.string, defaults, order)
            self._compiled[id(statement)] = entry
        return entry[1], entry[2], entry[3]

    def _connection(self) -> Any:
        """This thread's DBAPI connection, opened at its first read."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            proxied = self._engine.raw_connection()
            proxied.detach()  # ours from now on: closed by close(), not pooled
            connection = proxied.dbapi_connection
            if self._engine.dialect.name == "postgresql":
                connection.autocommit = True  # no transaction left open between polls
            with self._lock:
                self._opened.append(connection)
            self._local.connection = connection
        return connection

    def _drop(self, connection: Any) -> None:
        """Forget a connection that failed (the server went away...): the next read opens
        another one."""
        import contextlib

        self._local.connection = None
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        with contextlib.suppress(Exception):
            connection.close()

    @contextmanager
    def cursor(self) -> Iterator[QuickRead]:
        """A :class:`QuickRead` on this thread's connection: it runs a prebuilt statement
        (kept alive by its caller) with its bound parameters set from keywords."""
        connection = self._connection()
        read = QuickRead(self, connection.cursor(), self._engine.dialect.name == "sqlite")
        try:
            yield read
        except self._engine.dialect.loaded_dbapi.Error:
            self._drop(connection)
            raise
        finally:
            read.cursor.close()

    def close(self) -> None:
        """Close every thread's connection (they are not the pool's to close)."""
        import contextlib

        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(Exception):
                connection.close()
        self._local = threading.local()


class QuickRead:
    """What ``App.quick_read()`` gives: ``read(statement, **values)`` returns the rows of a
    prebuilt read; ``read.data_version()`` tells whether anything was committed since."""

    __slots__ = ("cursor", "reader", "sqlite")

    def __init__(self, reader: PlainReader, cursor: Any, sqlite: bool) -> None:
        self.reader, self.cursor, self.sqlite = reader, cursor, sqlite

    def __call__(self, statement: Any, **values: Any) -> list[tuple[Any, ...]]:
        sql, defaults, order = self.reader._prepared(statement)
        params = {**defaults, **values}
        self.cursor.execute(sql, [params[n] for n in order] if order else params)
        return list(self.cursor.fetchall())

    def data_version(self) -> int | None:
        """A number that changes whenever any other connection (of any process) commits to
        the database, so that what was read at the same number is still true: SQLite's
        ``PRAGMA data_version``, one step with no table read. None on PostgreSQL, which has
        no such number: there, read again."""
        if not self.sqlite:
            return None
        self.cursor.execute("PRAGMA data_version")
        return int(self.cursor.fetchone()[0])


def read_rows(db: Any, statement: Any, **values: Any) -> list[tuple[Any, ...]]:
    """The rows of a prebuilt read on whatever the caller holds: a unit of work (a session),
    a connection, or a quick reader (``App.quick_read``): one query, three ways to run it."""
    if callable(db):
        return db(statement, **values)
    from sqlalchemy.orm import Session as OrmSession

    conn = db.connection() if isinstance(db, OrmSession) else db
    return [tuple(row) for row in conn.execute(statement, values)]
