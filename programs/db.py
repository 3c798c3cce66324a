"""Database URLs and engines.

SQLite is the default: a file in the user's data dir, with foreign keys on, WAL, and a busy
timeout. Write transactions on SQLite start with ``BEGIN IMMEDIATE`` so that two processes
checking capacity cannot both read "one seat left" and both take it; on PostgreSQL the domain
code takes a row lock (``SELECT ... FOR UPDATE``) instead.
"""

from __future__ import annotations

import os
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


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; SQLite gets its pragmas and explicit transaction control."""
    path = sqlite_path(url)
    if path is not None:
        if path.is_dir():
            from programs.errors import InvalidInput

            raise InvalidInput(
                _("{path} is a folder, not a database file: give a file path").format(path=path)
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        # a typo in --db / PROGRAMS_DB is the user's to fix: one clear line, not a crash
        from programs.errors import InvalidInput

        shown = url.split("://", 1)[0]
        raise InvalidInput(
            _(
                "cannot use database URL {scheme}://...: {reason} "
                "(give a SQLite file path or a URL like postgresql://host/db)"
            ).format(scheme=shown, reason=exc)
        ) from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


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
    # pysqlite's own transaction handling cannot issue BEGIN IMMEDIATE; take it over
    # (the recipe from SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("programs_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def backup_sqlite(url: str, target: Path) -> Path:
    """A consistent copy of a live SQLite database (SQLite's online backup API).

    Safe while other processes write: the copy is one transaction's view of the file.
    """
    import sqlite3

    from programs.errors import InvalidInput

    source = sqlite_path(url)
    if source is None:
        raise InvalidInput(_("backup copies SQLite databases only; use pg_dump for PostgreSQL"))
    if not source.exists():
        raise InvalidInput(
            _("no database at {path}; run `programs init` first").format(path=source)
        )
    target = target.expanduser().resolve()
    if target == source.resolve():
        raise InvalidInput(_("the backup file must not be the database itself"))
    if not target.parent.is_dir():
        raise InvalidInput(_("folder {path} does not exist").format(path=target.parent))
    partial = target.with_name(target.name + ".partial")
    # A URI, so the source is opened read-only; as_uri() escapes spaces, "?" and "#".
    src = sqlite3.connect(
        source.resolve().as_uri() + "?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)  # atomic: a crash never leaves a half-written backup under its name
    return target
