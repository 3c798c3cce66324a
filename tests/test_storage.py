"""Where the database is, how SQLite connections are set up, how writers exclude each other,
and backups of a live SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import make_app

from programs.app import App
from programs.config import Config
from programs.db import BUSY_TIMEOUT_MS, backup_sqlite, resolve_url, sqlite_path
from programs.errors import InvalidInput
from programs.hookspecs import hookimpl
from programs.migrations import CORE_HEAD

# --- where the database is ----------------------------------------------------------------


def test_default_database_is_a_file_in_the_user_data_dir(private_env: Path) -> None:
    expected = Path(os.environ["XDG_DATA_HOME"]) / "programs" / "programs.db"
    assert resolve_url() == f"sqlite:///{expected}"
    app = make_app(None)  # type: ignore[arg-type]
    assert app.url == f"sqlite:///{expected}"
    assert expected.is_file()  # created there by the first upgrade, folders included
    app.close()


def test_programs_db_variable_selects_the_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROGRAMS_DB", str(tmp_path / "from-env.db"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'from-env.db'}"
    # --db wins over the variable
    assert resolve_url("sqlite:////elsewhere/x.db") == "sqlite:////elsewhere/x.db"
    monkeypatch.setenv("PROGRAMS_DB", "postgresql://coach@db.example/practice")
    assert resolve_url() == "postgresql+psycopg://coach@db.example/practice"


def test_a_plain_path_is_a_sqlite_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_env: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_url("data/practice.db") == f"sqlite:///{tmp_path / 'data' / 'practice.db'}"
    assert resolve_url("~/practice.db") == f"sqlite:///{private_env / 'practice.db'}"
    assert sqlite_path(resolve_url("data/practice.db")) == tmp_path / "data" / "practice.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u:p@h:5433/db", "postgresql+psycopg://u:p@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_urls_are_sqlalchemy_urls(given: str, expected: str) -> None:
    assert resolve_url(given) == expected


def test_sqlite_path_is_none_for_other_databases() -> None:
    assert sqlite_path("postgresql+psycopg://u@h/db") is None
    assert sqlite_path("sqlite://") is None
    assert sqlite_path("sqlite:///:memory:") is None


def test_any_sqlalchemy_url_works_through_the_app(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    app = make_app(plain)
    assert app.dialect == "postgresql"
    with app.read() as db:
        assert db.exec(sa.text("SELECT version_num FROM alembic_version")).scalar() == CORE_HEAD
    app.close()


# --- SQLite connections -------------------------------------------------------------------


def test_sqlite_connections_have_foreign_keys_wal_and_a_busy_timeout(sqlite_app: App) -> None:
    with sqlite_app.read() as db:
        assert db.exec(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.exec(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.exec(sa.text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS
    with pytest.raises(sa.exc.IntegrityError), sqlite_app.write() as db:
        db.exec(
            sa.text(
                "INSERT INTO enrollment (program_id, participant_id, status, requested_at) "
                "VALUES (41, 42, 'enrolled', '2026-12-01 09:00:00')"
            )
        )


def test_a_sqlite_write_takes_the_write_lock_before_its_first_statement(
    sqlite_app: App,
) -> None:
    path = sqlite_path(sqlite_app.url)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    with sqlite_app.read():
        other.execute("BEGIN IMMEDIATE")  # a reader does not stop a writer
        other.execute("ROLLBACK")
    with sqlite_app.write(), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # free again after the commit
    other.execute("ROLLBACK")
    other.close()


def test_locking_a_program_holds_its_row_on_postgresql(pg_url: str) -> None:
    import psycopg

    from programs.domain.base import get_program, lock_program
    from programs.domain.program import create_program

    app = make_app(pg_url)
    with app.write() as db:
        create_program(db, slug="marseille-2026", title="Accompagnement collectif", capacity=3)
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as other:
        with app.write() as db:
            lock_program(db, get_program(db, "marseille-2026"))
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "SELECT id FROM program WHERE slug = 'marseille-2026' FOR UPDATE NOWAIT"
                )
        row = other.execute(
            "SELECT id FROM program WHERE slug = 'marseille-2026' FOR UPDATE NOWAIT"
        ).fetchone()
        assert row is not None
    app.close()


# --- backups ------------------------------------------------------------------------------

WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
i = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    for _ in range(20):
        i += 1
        db.execute(
            "INSERT INTO participant (name, language, created_at, updated_at) "
            "VALUES (?, 'fr', '2026-12-01 09:00:00', '2026-12-01 09:00:00')",
            (f"writer {i}",),
        )
    db.execute("COMMIT")
    if i == 20:
        print("ready", flush=True)
    time.sleep(0.002)
"""


def count_participants(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM participant").fetchone()[0]


def test_backup_of_a_database_being_written_is_consistent(sqlite_app: App, tmp_path: Path) -> None:
    source = sqlite_path(sqlite_app.url)
    assert source is not None
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(source)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        copies = []
        for n in range(3):
            before = count_participants(source)
            copy = backup_sqlite(sqlite_app.url, tmp_path / f"copy-{n}.db")
            after = count_participants(source)
            copies.append((copy, before, after))
            time.sleep(0.05)
        assert writer.poll() is None, "the writer must still be running during the backups"
    finally:
        writer.terminate()
        writer.wait(timeout=10)
    grew = False
    for copy, before, after in copies:
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (CORE_HEAD,)
            count = db.execute("SELECT count(*) FROM participant").fetchone()[0]
            names = {r[0] for r in db.execute("SELECT name FROM participant")}
        assert before <= count <= after
        assert count % 20 == 0  # whole transactions only
        assert names == {f"writer {i}" for i in range(1, count + 1)}
        grew = grew or after > before
    assert not list(tmp_path.glob("*.partial"))
    # The copy is a working database for the app.
    restored = App(f"sqlite:///{copies[-1][0]}", config=sqlite_app.config, pm=sqlite_app.pm)
    with restored.read() as db:
        assert db.exec(sa.text("SELECT count(*) FROM participant")).scalar() == count
    restored.close()


def test_backup_of_a_closed_database(sqlite_app: App, tmp_path: Path) -> None:
    sqlite_app.close()
    copy = backup_sqlite(sqlite_app.url, tmp_path / "copy.db")
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (CORE_HEAD,)


def test_backup_refuses_what_it_cannot_do(sqlite_app: App, tmp_path: Path) -> None:
    source = sqlite_path(sqlite_app.url)
    assert source is not None
    cases = [
        ("postgresql+psycopg://u@h/db", tmp_path / "x.db", "SQLite databases only"),
        (f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "x.db", "no database at"),
        (sqlite_app.url, source, "must not be the database itself"),
        (sqlite_app.url, tmp_path / "missing" / "x.db", "does not exist"),
    ]
    for url, target, message in cases:
        with pytest.raises(InvalidInput, match=message):
            backup_sqlite(url, target)
    assert not (tmp_path / "x.db").exists()
    assert not (tmp_path / "none.db").exists()


# --- units of work ------------------------------------------------------------------------


class Recorder:
    """A plugin that reads what events give it, after the commit."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str, str]] = []

    @hookimpl
    def on_enrolled(self, enrollment, program, participant) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(("enrolled", program.slug, participant.name, enrollment.status))

    @hookimpl
    def on_promoted(self, enrollment, program, participant) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(("promoted", program.slug, participant.name, enrollment.status))


def test_objects_outlive_their_unit_of_work(app: App) -> None:
    """What a command got inside ``write()`` or ``read()`` can still be shown after it, and
    event hooks (called after the commit) can read every attribute."""
    from programs.domain.base import get_program
    from programs.domain.enrollment import enroll, withdraw
    from programs.domain.participant import add_participant, find_person
    from programs.domain.program import create_program

    recorder = Recorder()
    app.pm.register(recorder, name="recorder")
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif", capacity=1)
        first = add_participant(db, name="S. Martin")
        seat = enroll(db, program=program, participant=first)
        enroll(db, program=program, participant=add_participant(db, name="A. Durand"))
    assert (program.slug, first.name, seat.status, seat.id) == (
        "marseille-2026",
        "S. Martin",
        "enrolled",
        1,
    )
    with app.read() as db:
        read_back = get_program(db, "marseille-2026")
        person = find_person(db, "A. Durand")
    assert (read_back.title, person.name, person.created_at.tzinfo) == (
        "Collectif",
        "A. Durand",
        UTC,
    )
    with app.write() as db:
        result = withdraw(db, program=get_program(db, "marseille-2026"), participant=first)
    assert (result.enrollment.status, result.promoted.status) == ("withdrawn", "enrolled")
    assert recorder.seen == [
        ("enrolled", "marseille-2026", "S. Martin", "enrolled"),
        ("promoted", "marseille-2026", "A. Durand", "enrolled"),
    ]
    assert app.failures == []


def test_a_failed_unit_of_work_writes_nothing_and_sends_no_event(app: App) -> None:
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program

    recorder = Recorder()
    app.pm.register(recorder, name="recorder")
    with pytest.raises(RuntimeError, match="crash after the enrollment"), app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif")
        enroll(db, program=program, participant=add_participant(db, name="S. Martin"))
        raise RuntimeError("crash after the enrollment")
    with app.engine.connect() as conn:
        for table in ("program", "participant", "enrollment"):
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0
    assert recorder.seen == []


def test_backup_of_a_database_in_a_folder_with_an_awkward_name(tmp_path: Path) -> None:
    folder = tmp_path / "my data #1?"
    folder.mkdir()
    app = make_app(str(folder / "programs.db"))
    with app.write() as db:
        db.exec(
            sa.text(
                "INSERT INTO participant (name, language, created_at, updated_at) "
                "VALUES ('S. Martin', 'fr', '2026-12-01 09:00:00', '2026-12-01 09:00:00')"
            )
        )
    copy = backup_sqlite(app.url, folder / "copy #2.db")
    app.close()
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT name FROM participant").fetchall() == [("S. Martin",)]


def test_checking_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    from programs.errors import SchemaError

    target = tmp_path / "typo.db"
    app = App(str(target), config=Config({}), pm=make_app(str(tmp_path / "ok.db")).pm)
    with pytest.raises(SchemaError, match="is not initialised: run `programs init`"):
        app.start()
    assert not target.exists()
