"""The schema: created and upgraded by Alembic, checked cheaply at start-up.

The core keeps its revision in ``alembic_version``; each plugin keeps its own in its own
version table (see :class:`programs.registry.Migrations`), so a disabled or removed plugin
never gets in the way of the core. The start-up check reads the version tables with one
query each and does not import Alembic.
"""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from programs.db import WRITE, cannot_open, sqlite_path
from programs.errors import PluginError, SchemaError
from programs.i18n import _
from programs.migrations import CORE_HEAD

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlmodel import Session as DbSession

    from programs.registry import Migrations

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CORE_VERSION_TABLE = "alembic_version"
MIGRATION_LOCK = 0x70726F67  # "prog": the PostgreSQL advisory lock held while migrating


def alembic_errors() -> tuple[type[Exception], ...]:
    """What Alembic raises for a revision it cannot find (a database made by a newer
    version): turned into one line that says what to do."""
    from alembic.util.exc import CommandError

    return (CommandError,)


def _newer(part: str, found: set[str], exc: Exception) -> SchemaError:
    from programs.i18n import _

    known = CORE_HEAD if part == "core" else "its newest revision"
    return SchemaError(
        _(
            "the database was made by a newer version of programs ({found}, {part}); "
            "this one knows up to {known}: upgrade programs"
        ).format(found=", ".join(sorted(found)) or "?", part=part, known=known)
    )


def _alembic_config(connection: sa.Connection, versions_dir: Path, version_table: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_locations", str(versions_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["connection"] = connection
    cfg.attributes["version_table"] = version_table
    return cfg


def _heads(versions_dir: Path) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None, versions_dir, "")  # type: ignore[arg-type]
    return tuple(ScriptDirectory.from_config(cfg).get_heads())


def upgrade(
    engine: sa.Engine,
    plugins: Mapping[str, Migrations] | None = None,
    *,
    core_revision: str = "heads",
    clear_duplicate_emails: bool = False,
) -> list[str]:
    """Bring the core (then each plugin's ``Migrations``) to its newest revision; returns
    what was upgraded, and what a migration changed on the way (emails cleared with
    ``clear_duplicate_emails``: the way out of a refusal, offered by the refusal itself).

    Each part runs in one transaction: on PostgreSQL a failed migration changes nothing; on
    SQLite, Alembic's batch mode copies tables so a failure leaves the old ones in place.
    """
    from alembic import command

    done = []
    parts: list[tuple[str, Path, str]] = [("core", MIGRATIONS_DIR / "versions", CORE_VERSION_TABLE)]
    parts += [(m.name, Path(m.versions_dir), m.version_table) for m in (plugins or {}).values()]
    for name, versions_dir, version_table in parts:
        target = core_revision if name == "core" else "heads"
        with _migration_connection(engine) as connection:
            before = _versions(connection, version_table)
            config = _alembic_config(connection, versions_dir, version_table)
            config.attributes["clear_duplicate_emails"] = clear_duplicate_emails
            try:
                with warnings.catch_warnings():
                    # SQLite batch mode cannot reflect lower(email) indexes; the migrations
                    # that rebuild a table drop and recreate them themselves (0004)
                    warnings.filterwarnings("ignore", "Skipped unsupported reflection")
                    command.upgrade(config, target)
            except alembic_errors() as exc:
                raise _newer(name, before, exc) from None
            done += [f"note: {n}" for n in config.attributes.get("notes", [])]
            _check_foreign_keys(connection, name)
            after = _versions(connection, version_table)
        if before != after:
            done.append(
                f"{name}: {','.join(sorted(before)) or 'empty'} -> {','.join(sorted(after))}"
            )
    return done


@contextmanager
def _migration_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection in one write transaction, committed at the end, for one part's migrations.

    On SQLite, foreign keys are switched off around the transaction (the pragma is ignored
    inside one): Alembic's batch mode rebuilds a table by copying it and dropping the old one,
    and with foreign keys on, that DROP would cascade-delete every row referencing it
    (the procedure of https://www.sqlite.org/lang_altertable.html#otheralter).
    :func:`_check_foreign_keys` then verifies the result before the commit.
    """
    try:
        opened = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise cannot_open(engine.url, exc) from None
    with opened as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection if sqlite else None
        if raw is not None:
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            connection.execution_options(**WRITE)
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Two `programs init` at once: the second waits, then finds nothing to do.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                yield connection
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: sa.Connection, part: str) -> None:
    """On SQLite, refuse (roll back) migrations that left rows pointing at nothing."""
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL checks foreign keys on every statement
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = ", ".join(sorted({str(row[0]) for row in broken}))
        raise SchemaError(
            _(
                "{part} migrations left rows referencing missing rows in {tables}; nothing changed"
            ).format(part=part, tables=tables)
        )


def _current(engine: sa.Engine, version_table: str) -> set[str]:
    """The revisions recorded in a version table; empty when the table does not exist."""
    with engine.connect() as conn:
        return _versions(conn, version_table)


def _versions(conn: sa.Connection, version_table: str) -> set[str]:
    if not sa.inspect(conn).has_table(version_table):
        return set()
    rows = conn.execute(sa.text(f"SELECT version_num FROM {version_table}"))
    return {r[0] for r in rows}


def core_revision(engine: sa.Engine) -> str | None:
    return _revision(engine, CORE_VERSION_TABLE)


def _revision(engine: sa.Engine, version_table: str) -> str | None:
    """One revision from a version table (one query); None when it is missing or empty."""
    try:
        with engine.connect() as conn:
            row = conn.execute(sa.text(f"SELECT version_num FROM {version_table}")).first()
    except sa.exc.ProgrammingError:  # PostgreSQL: relation does not exist
        return None
    except sa.exc.DBAPIError as exc:
        if "no such table" in str(exc.orig):  # SQLite
            return None
        # not "not initialised": the server does not answer, the file is not SQLite...
        raise cannot_open(engine.url, exc) from None
    return row[0] if row else None


def check_schema(engine: sa.Engine, url: str) -> None:
    """Refuse to run on a database that is not initialised, behind, or ahead of the code."""
    where = _describe(url)
    path = sqlite_path(url)
    # Connecting would create an empty file (a typo in --db would leave one behind).
    found = None if path is not None and not path.exists() else core_revision(engine)
    if found is None:
        raise SchemaError(
            _("database {url} is not initialised: run `programs init`").format(url=where)
        )
    if found == CORE_HEAD:
        return
    known = _known_core_revisions()
    if found in known:
        raise SchemaError(
            _(
                "database {url} is at schema {found}, this version of programs needs {needed}: "
                "run `programs init` to upgrade it (`programs backup FILE` first keeps a copy)"
            ).format(url=where, found=found, needed=CORE_HEAD)
        )
    raise SchemaError(
        _(
            "database {url} was written by a newer version of programs (schema {found}); "
            "install that version or newer"
        ).format(url=where, found=found)
    )


def check_plugin_schemas(
    engine: sa.Engine, url: str, migrations: Mapping[str, tuple[str, Migrations]]
) -> None:
    """Refuse to run with a loaded plugin whose migrations were never applied (it was
    installed or enabled after ``programs init``): its tables would be missing mid-command.
    ``migrations``: ``{name: (owning plugin, Migrations)}``.

    A disabled plugin is not checked: its tables and version table just wait for it.
    """
    for owner, found in migrations.values():
        if not _has_revision_files(Path(found.versions_dir)):
            continue  # nothing to apply yet
        if _revision(engine, found.version_table) is None:
            raise SchemaError(
                _(
                    "the tables of plugin {plugin} are not in database {url}: "
                    "run `programs init` (or leave it out: PROGRAMS_DISABLE_PLUGINS={plugin})"
                ).format(plugin=owner, url=_describe(url))
            )


def plugin_schema_ready(db: DbSession, name: str) -> bool:
    """True when the database holds the newest schema of the migrations registered as
    ``name``: its version table records exactly the heads of its versions folder.

    ``db`` is a session from ``app.read()`` or ``app.write()`` (the query runs in its
    transaction). A plugin's hooks call it to stay quiet on a database where its migrations
    were never applied (nothing of the plugin can be in it). It reads the version table and
    the names in the versions folder; it does not import Alembic.
    """
    migrations = _registered_migrations(db, name)
    found = _versions(db.connection(), migrations.version_table)
    return found == set(_file_heads(Path(migrations.versions_dir)))


def require_plugin_schema(db: DbSession, name: str) -> None:
    """Raise :class:`PluginError` (``... run `programs init` ``) unless
    :func:`plugin_schema_ready`: for a plugin's commands, before they touch its tables."""
    if not plugin_schema_ready(db, name):
        raise PluginError(
            _("the tables of plugin {plugin} are missing or outdated: run `programs init`").format(
                plugin=name
            )
        )


def _registered_migrations(db: DbSession, name: str) -> Migrations:
    registered = db.info.get("migrations")
    if registered is None:
        raise PluginError(_("a plugin's schema is checked on a session from app.read() or write()"))
    found = registered().get(name)
    if found is None:
        raise PluginError(_("no migrations are registered as {name!r}").format(name=name))
    return found


def _file_heads(versions_dir: Path) -> tuple[str, ...]:
    """The head revisions of a versions folder, read from the ``revision`` and
    ``down_revision`` of its files without importing Alembic (a test compares with it)."""
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(versions_dir.glob("*.py")))
    return _heads_of_files(versions_dir, stamp)


@functools.cache
def _heads_of_files(versions_dir: Path, stamp: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for name, _mtime in stamp:
        values: dict[str, object] = {}
        for node in ast.parse((versions_dir / name).read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        if isinstance(values.get("revision"), str):
            revisions.add(values["revision"])  # type: ignore[arg-type]
            down = values.get("down_revision")
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, (tuple, list)):
                parents.update(str(d) for d in down)
    return tuple(sorted(revisions - parents))


def _has_revision_files(versions_dir: Path) -> bool:
    return any(p.name != "__init__.py" for p in versions_dir.glob("*.py"))


def _known_core_revisions() -> set[str]:
    """Revision ids in the core's versions folder, read from file names (no Alembic import)."""
    return {
        p.name.split("_", 1)[0]
        for p in (MIGRATIONS_DIR / "versions").glob("*.py")
        if p.name[0].isdigit()
    }


def _describe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def follow_core_rows(table: str, column: str, core_table: str, *, index: bool = True) -> None:
    """For a plugin's migration: add ``column`` to the plugin's ``table``, a foreign key to
    ``core_table`` with ``ON DELETE CASCADE``, nullable, indexed.

    A row that references a core row this way goes with it whatever plugins are enabled at
    the time (a participant erased while the plugin is disabled still takes the plugin's rows
    about them). Works on SQLite (the table is rebuilt in batch mode) and PostgreSQL.
    """
    from alembic import op

    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch.create_foreign_key(
            f"fk_{table}_{column}", core_table, [column], ["id"], ondelete="CASCADE"
        )
        if index:
            batch.create_index(f"ix_{table}_{column}", [column])
