"""The schema belongs to Alembic: upgrades keep every row, the start-up check refuses a
database that is not at this code's revision, and models.py says what the migrations build.

Every test runs on a SQLite file and on a PostgreSQL database (``db_url``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from textwrap import dedent, indent

import pluggy
import pytest
import sqlalchemy as sa

from programs import hookspecs, schema
from programs.app import App
from programs.config import Config
from programs.errors import SchemaError
from programs.migrations import CORE_HEAD
from programs.registry import Migrations

# SQLite cannot reflect the expression index on lower(email); its behaviour is tested instead.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index",
    "ignore:autogenerate skipping metadata-specified expression-based index",
)

CORE_TABLES = (
    "coach",
    "program",
    "program_session",
    "participant",
    "enrollment",
    "attendance",
    "track",
    "followup",
)


def bare_app(url: str, *plugins: object) -> App:
    """An App on ``url`` whose schema is not checked, with only the given plugin objects."""
    pm = pluggy.PluginManager("programs")
    pm.add_hookspecs(hookspecs)
    for plugin in plugins:
        pm.register(plugin)
    return App(url, config=Config({}), pm=pm, check_schema=False)


def t(day: int, hour: int) -> datetime:
    """A naive UTC time in December 2026, as 0001-era code stored it."""
    return datetime(2026, 12, day, hour, 0)


def fill_at_0001(engine: sa.Engine) -> None:
    """Rows of every core table written with raw SQL against the 0001 schema."""
    rows: list[tuple[str, list[dict]]] = [
        (
            "coach",
            [{"id": 1, "name": "Claire", "is_default": True, "created_at": t(1, 8)}],
        ),
        (
            "program",
            [
                {
                    "id": 1,
                    "slug": "marseille-2026",
                    "title": "Accompagnement collectif",
                    "timezone": "Europe/Paris",
                    "capacity": 2,
                    "status": "open",
                    "coach_id": 1,
                    "created_at": t(1, 8),
                    "updated_at": t(1, 8),
                }
            ],
        ),
        (
            "participant",
            [
                {
                    "id": i,
                    "name": name,
                    "email": email,
                    "language": "fr",
                    "notes": "private" if i == 1 else None,
                    "created_at": t(1, 9),
                    "updated_at": t(1, 9),
                }
                for i, name, email in [
                    (1, "S. Martin", "s.martin@example.com"),
                    (2, "A. Durand", "A.Durand@example.com"),
                    (3, "B. Roux", None),
                    (4, "C. Blanc", None),
                ]
            ],
        ),
        (
            "program_session",
            [
                {
                    "id": 1,
                    "program_id": 1,
                    "title": "Day 1",
                    "start": t(3, 8),
                    "end": t(3, 16),
                    "status": "scheduled",
                    "uid": "session-1@programs",
                    "revision": 0,
                    "created_at": t(1, 8),
                    "updated_at": t(1, 8),
                }
            ],
        ),
        (
            "enrollment",
            [
                {
                    "id": i,
                    "program_id": 1,
                    "participant_id": i,
                    "status": status,
                    "requested_at": t(2, 8 + i),
                    "enrolled_at": t(2, 8 + i) if status == "enrolled" else None,
                }
                for i, status in [
                    (1, "enrolled"),
                    (2, "enrolled"),
                    (3, "waitlisted"),
                    (4, "waitlisted"),
                ]
            ],
        ),
        (
            "attendance",
            [
                {
                    "id": 1,
                    "session_id": 1,
                    "participant_id": 1,
                    "present": True,
                    "marked_at": t(3, 17),
                }
            ],
        ),
        (
            "track",
            [
                {
                    "id": 1,
                    "participant_id": 1,
                    "coach_id": 1,
                    "goal": "prepare the meeting with management",
                    "planned_sessions": 6,
                    "status": "open",
                    "opened_at": t(4, 9),
                }
            ],
        ),
        (
            "followup",
            [
                {
                    "id": 1,
                    "participant_id": 1,
                    "coach_id": 1,
                    "kind": "call",
                    "status": "done",
                    "start": t(4, 9),
                    "duration_minutes": 30,
                    "topic": "small incident",
                    "program_id": 1,
                    "track_id": 1,
                    "uid": "followup-1@programs",
                    "revision": 0,
                    "created_at": t(4, 9),
                    "updated_at": t(4, 9),
                }
            ],
        ),
    ]
    with engine.begin() as conn:
        for table, records in rows:
            columns = list(records[0])
            quoted = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join(f":{c}" for c in columns)
            conn.execute(sa.text(f"INSERT INTO {table} ({quoted}) VALUES ({marks})"), records)
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences on
            for table in CORE_TABLES:
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def snapshot(
    engine: sa.Engine, columns: dict[str, list[str]] | None = None
) -> dict[str, list[tuple]]:
    """Every row of every core table, in id order (``columns``: only these, per table)."""
    with engine.connect() as conn:
        out = {}
        for table in CORE_TABLES:
            shown = ", ".join(f'"{c}"' for c in columns[table]) if columns else "*"
            query = sa.text(f"SELECT {shown} FROM {table} ORDER BY id")
            out[table] = [tuple(r) for r in conn.execute(query)]
        return out


def columns_of(engine: sa.Engine) -> dict[str, list[str]]:
    inspector = sa.inspect(engine)
    return {t: [c["name"] for c in inspector.get_columns(t)] for t in CORE_TABLES}


def after_mark(app: App) -> object:
    """The afternoon copy's ``marked_at``, as the backend returns it (the morning's)."""
    with app.engine.connect() as conn:
        return conn.execute(sa.text("SELECT marked_at FROM attendance WHERE id = 1")).scalar()


def version(engine: sa.Engine) -> str | None:
    return schema.core_revision(engine)


def test_core_head_is_alembic_head() -> None:
    assert schema._heads(schema.MIGRATIONS_DIR / "versions") == (CORE_HEAD,)
    assert CORE_HEAD in schema._known_core_revisions()


def test_upgrade_from_0001_keeps_every_row(db_url: str) -> None:
    app = bare_app(db_url)
    app.upgrade(core_revision="0001", plugins=False)
    assert version(app.engine) == "0001"
    fill_at_0001(app.engine)
    before = snapshot(app.engine)
    old_columns = columns_of(app.engine)
    assert all(before[table] for table in CORE_TABLES)

    done = app.upgrade(plugins=False)

    assert done == [f"core: 0001 -> {CORE_HEAD}"]
    assert version(app.engine) == CORE_HEAD
    after = snapshot(app.engine, old_columns)
    # 0006: a mark of a session spanning the day (08:00-16:00 UTC) is a mark of both halves
    assert after.pop("attendance") == [*before.pop("attendance"), (2, 1, 1, 1, after_mark(app))]
    assert after == before  # every old value, as it was
    with app.engine.connect() as conn:
        halves = conn.execute(sa.text("SELECT id, half FROM attendance ORDER BY id")).all()
    assert [tuple(r) for r in halves] == [(1, "morning"), (2, "afternoon")]
    with app.engine.connect() as conn:  # 0003 split the names: given, then family
        split = conn.execute(
            sa.text("SELECT name, given_name, family_name FROM participant ORDER BY id")
        ).all()
    assert [tuple(r) for r in split] == [
        ("S. Martin", "S.", "Martin"),
        ("A. Durand", "A.", "Durand"),
        ("B. Roux", "B.", "Roux"),
        ("C. Blanc", "C.", "Blanc"),
    ]
    indexes = {i["name"] for i in sa.inspect(app.engine).get_indexes("enrollment")}
    assert "ix_enrollment_queue" in indexes
    app.close()

    # The code runs on the upgraded database and reads the old rows as they were.
    from programs.domain.base import get_program
    from programs.domain.enrollment import enroll, waitlist
    from programs.domain.fill import program_fill
    from programs.domain.participant import add_participant, find_person

    checked = App(db_url, config=Config({}), pm=app.pm)
    with checked.write() as db:
        program = get_program(db, "marseille-2026")
        assert str(program_fill(db, program)) == "2/2 (+2 waiting)"
        assert [e.participant_id for e in waitlist(db, program)] == [3, 4]
        newcomer = add_participant(db, name="D. Noir")
        assert enroll(db, program=program, participant=newcomer).status == "waitlisted"
        assert [e.participant_id for e in waitlist(db, program)] == [3, 4, newcomer.id]
        assert find_person(db, "a.durand@EXAMPLE.com").id == 2
    checked.close()


def test_emails_are_unique_whatever_their_case_after_upgrade(db_url: str) -> None:
    app = bare_app(db_url)
    app.upgrade(plugins=False)
    insert = sa.text(
        "INSERT INTO participant (name, email, language, created_at, updated_at) "
        "VALUES (:name, :email, 'fr', :now, :now)"
    )
    with app.engine.begin() as conn:
        conn.execute(insert, {"name": "A", "email": "a.martin@example.com", "now": t(1, 8)})
    with pytest.raises(sa.exc.IntegrityError), app.engine.begin() as conn:
        conn.execute(insert, {"name": "B", "email": "A.Martin@example.com", "now": t(1, 8)})
    with app.engine.begin() as conn:  # people without an email are not affected
        conn.execute(insert, [{"name": n, "email": None, "now": t(1, 8)} for n in "CD"])
        assert conn.execute(sa.text("SELECT count(*) FROM participant")).scalar() == 3
    app.close()


def test_upgrade_refuses_emails_differing_only_in_case_and_changes_nothing(db_url: str) -> None:
    app = bare_app(db_url)
    app.upgrade(core_revision="0001", plugins=False)
    fill_at_0001(app.engine)
    with app.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO participant (id, name, email, language, created_at, updated_at) "
                "VALUES (9, 'Twin', 'a.durand@example.com', 'fr', :now, :now)"
            ),
            {"now": t(1, 9)},
        )
    before = snapshot(app.engine)

    with pytest.raises(SchemaError) as caught:
        app.upgrade(plugins=False)

    message = str(caught.value)
    assert "a.durand@example.com (2 participants)" in message
    assert "programs init" in message
    assert version(app.engine) == "0001"
    assert snapshot(app.engine) == before
    # All of 0002 rolled back, including the index created before the check.
    indexes = {i["name"] for i in sa.inspect(app.engine).get_indexes("enrollment")}
    assert "ix_enrollment_queue" not in indexes
    app.close()


def test_upgrade_twice_changes_nothing_the_second_time(db_url: str) -> None:
    app = bare_app(db_url)
    assert app.upgrade(plugins=False) == [f"core: empty -> {CORE_HEAD}"]
    inspector = sa.inspect(app.engine)
    shape = {
        table: sorted(i["name"] for i in inspector.get_indexes(table)) for table in CORE_TABLES
    }
    assert app.upgrade(plugins=False) == []
    inspector = sa.inspect(app.engine)
    assert {
        table: sorted(i["name"] for i in inspector.get_indexes(table)) for table in CORE_TABLES
    } == shape
    assert version(app.engine) == CORE_HEAD
    app.close()


def test_start_refuses_an_uninitialised_database(db_url: str) -> None:
    app = App(db_url, config=Config({}), pm=bare_app(db_url).pm)
    with pytest.raises(SchemaError, match=r"is not initialised: run `programs init`$"):
        app.start()
    app.close()


def test_start_refuses_a_database_behind_the_code(db_url: str) -> None:
    setup = bare_app(db_url)
    setup.upgrade(core_revision="0001", plugins=False)
    setup.close()
    app = App(db_url, config=Config({}), pm=setup.pm)
    with pytest.raises(SchemaError) as caught, app.write():
        pass
    assert f"is at schema 0001, this version of programs needs {CORE_HEAD}" in str(caught.value)
    assert "run `programs init` to upgrade it" in str(caught.value)
    app.close()


def test_start_refuses_a_database_from_a_newer_version(db_url: str) -> None:
    setup = bare_app(db_url)
    setup.upgrade(plugins=False)
    with setup.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    setup.close()
    app = App(db_url, config=Config({}), pm=setup.pm)
    with pytest.raises(SchemaError, match="written by a newer version of programs"):
        app.start()
    app.close()


def test_start_accepts_a_database_at_head(db_url: str) -> None:
    setup = bare_app(db_url)
    setup.upgrade(plugins=False)
    setup.close()
    app = App(db_url, config=Config({}), pm=setup.pm)
    with app.read() as db:
        assert db.exec(sa.text("SELECT version_num FROM alembic_version")).scalar() == CORE_HEAD
    app.close()


def test_models_describe_what_the_migrations_build(db_url: str) -> None:
    """Alembic's autogenerate comparison finds nothing to change in the core tables."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import programs.models  # noqa: F401 - registers the core tables in SQLModel.metadata

    app = bare_app(db_url)
    app.upgrade(plugins=False)
    with app.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)

    def table_of(diff: object) -> str | None:
        while isinstance(diff, list):  # column changes come as lists of tuples
            diff = diff[0]
        for part in diff[1:]:  # type: ignore[index]
            if isinstance(part, sa.Table):
                return part.name
            if isinstance(part, sa.Index | sa.UniqueConstraint | sa.ForeignKeyConstraint):
                return part.table.name
            if isinstance(part, str) and part in CORE_TABLES:
                return part
        return None

    assert [d for d in diffs if table_of(d) in CORE_TABLES] == []
    app.close()


# --- a plugin's migration that rebuilds a table the core's rows point at ------------------


def write_versions(folder: Path, body: str) -> Path:
    folder.mkdir()
    (folder / "ext_0001_rebuild.py").write_text(
        dedent(
            """
            import sqlalchemy as sa
            from alembic import op

            revision = "ext_0001"
            down_revision = None
            branch_labels = None
            depends_on = None


            def upgrade():
            """
        )
        + indent(dedent(body).strip() + "\n", "    ")
    )
    return folder


class MigrationsPlugin:
    def __init__(self, versions: Path) -> None:
        self.versions = versions

    @hookspecs.hookimpl
    def register_migrations(self, register):  # type: ignore[no-untyped-def]
        register(Migrations("ext", self.versions))


def test_rebuilding_a_referenced_table_keeps_the_rows_pointing_at_it(
    db_url: str, tmp_path: Path
) -> None:
    """Batch mode copies ``participant`` and drops the old table: with SQLite's foreign keys
    on, that DROP would cascade-delete every enrollment, attendance, track and follow-up."""
    versions = write_versions(
        tmp_path / "ext_versions",
        """
            rebuild = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
            with op.batch_alter_table("participant", recreate=rebuild) as batch:
                batch.add_column(sa.Column("nickname", sa.String(), nullable=True))
        """,
    )
    app = bare_app(db_url, MigrationsPlugin(versions))
    app.upgrade(core_revision="0001", plugins=False)
    fill_at_0001(app.engine)
    app.upgrade(plugins=False)
    before = snapshot(app.engine)

    done = app.upgrade()

    assert done == ["ext: empty -> ext_0001"]
    after = snapshot(app.engine)
    for table in CORE_TABLES:
        if table != "participant":
            assert after[table] == before[table], table
    assert [row[:-1] for row in after["participant"]] == before["participant"]
    assert [row[-1] for row in after["participant"]] == [None] * 4  # the new column
    if app.dialect == "sqlite":
        with app.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    app.close()


def test_a_migration_leaving_dangling_rows_is_rolled_back_on_sqlite(
    sqlite_url: str, tmp_path: Path
) -> None:
    versions = write_versions(
        tmp_path / "ext_versions",
        """
            op.execute("DELETE FROM participant WHERE id = 1")
        """,
    )
    app = bare_app(sqlite_url, MigrationsPlugin(versions))
    app.upgrade(core_revision="0001", plugins=False)
    fill_at_0001(app.engine)
    app.upgrade(plugins=False)
    before = snapshot(app.engine)

    with pytest.raises(SchemaError, match="ext migrations left rows referencing missing rows"):
        app.upgrade()

    assert snapshot(app.engine) == before
    assert schema._current(app.engine, "alembic_version_ext") == set()
    app.close()


INIT = """
import json, sys
import pluggy
from programs import hookspecs, schema
from programs.app import App
from programs.config import Config
pm = pluggy.PluginManager("programs")
pm.add_hookspecs(hookspecs)
app = App(sys.argv[1], config=Config({}), pm=pm, check_schema=False)
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps(app.upgrade(plugins=False)))
"""


def test_two_upgrades_at_once_do_the_work_once(db_url: str) -> None:
    """Two `programs init` started together: one migrates, the other waits and finds nothing
    left to do (a write transaction on SQLite, an advisory lock on PostgreSQL)."""
    import json
    import subprocess
    import sys

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", INIT, db_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            outputs.append(json.loads(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert sorted(outputs) == [[], [f"core: empty -> {CORE_HEAD}"]]
    app = bare_app(db_url)
    assert version(app.engine) == CORE_HEAD
    app.close()


# --- whether a plugin's schema is there (programs.api.plugin_schema_ready) ----------------


def test_heads_read_from_the_files_are_alembics() -> None:
    import programs.plugins.contacts
    import programs.plugins.ical
    import programs.plugins.reminders

    folders = [schema.MIGRATIONS_DIR / "versions"] + [
        Path(module.__file__).parent / "migrations" / "versions"  # type: ignore[arg-type]
        for module in (programs.plugins.ical, programs.plugins.reminders, programs.plugins.contacts)
    ]
    folders.append(
        Path(__file__).parent / "plugin_fixture" / "programs_seatlog" / "migrations" / "versions"
    )
    for folder in folders:
        assert schema._file_heads(folder) == schema._heads(folder), folder


def test_a_plugin_schema_is_ready_once_its_newest_revision_is_applied(
    db_url: str, tmp_path: Path
) -> None:
    from programs.api import PluginError, plugin_schema_ready, require_plugin_schema

    versions = write_versions(
        tmp_path / "ext_versions",
        'op.create_table("ext_thing", sa.Column("id", sa.Integer(), primary_key=True))',
    )
    app = bare_app(db_url, MigrationsPlugin(versions))
    app.upgrade(plugins=False)
    with app.read() as db:
        assert not plugin_schema_ready(db, "ext")
        with pytest.raises(PluginError, match=r"plugin ext are missing .*run `programs init`$"):
            require_plugin_schema(db, "ext")
        with pytest.raises(PluginError, match="no migrations are registered as 'nope'"):
            plugin_schema_ready(db, "nope")

    app.upgrade()
    with app.read() as db:
        assert plugin_schema_ready(db, "ext")
        require_plugin_schema(db, "ext")

    (versions / "ext_0002_more.py").write_text(
        (versions / "ext_0001_rebuild.py")
        .read_text()
        .replace('revision = "ext_0001"', 'revision = "ext_0002"')
        .replace("down_revision = None", 'down_revision = "ext_0001"')
        .replace('"ext_thing"', '"ext_other"')
    )
    with app.write() as db:
        assert not plugin_schema_ready(db, "ext")  # outdated: ext_0002 is not applied

    assert app.upgrade() == ["ext: ext_0001 -> ext_0002"]
    with app.write() as db:
        assert plugin_schema_ready(db, "ext")
    app.close()
