"""Shared fixtures: a private environment per test, real SQLite files, and a real PostgreSQL
database created for the test and dropped after it (skipped, with the reason, when no server
answers on 127.0.0.1:5432)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

PG_ADMIN_URL = os.environ.get("PROGRAMS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def private_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's config, data dir or installed plugins."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("PROGRAMS_CONFIG", str(home / "config.toml"))
    monkeypatch.delenv("PROGRAMS_DB", raising=False)
    monkeypatch.delenv("PROGRAMS_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PROGRAMS_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("PROGRAMS_DEBUG", raising=False)
    monkeypatch.delenv("PROGRAMS_TRACE_HOOKS", raising=False)
    monkeypatch.setenv("PROGRAMS_TEST_MODE", "1")  # installed plugins stay out of tests
    # English unless a test asks (a developer's French locale must not change results)
    for name in ("PROGRAMS_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    if os.environ.get("PROGRAMS_TEST_DISABLE_PLUGINS"):  # the suite run without built-ins
        monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", os.environ["PROGRAMS_TEST_DISABLE_PLUGINS"])
    from programs.plugin_manager import reset_plugin_manager

    reset_plugin_manager()
    yield home
    reset_plugin_manager()


def _pg_available() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means: no server for these tests
        return f"no PostgreSQL server at {PG_ADMIN_URL}: {exc}".splitlines()[0]


_PG_REASON: list[str | None] = []


def pg_skip_reason() -> str | None:
    if not _PG_REASON:
        _PG_REASON.append(_pg_available())
    return _PG_REASON[0]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for this test; dropped afterwards."""
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"programs_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'programs.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs twice: on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'programs.db'}"
    return request.getfixturevalue("pg_url")


def make_app(url: str, *, plugins: bool | list[str] = False, config: dict | None = None):  # type: ignore[no-untyped-def]
    """An initialised App on ``url``. ``plugins``: False none, True the built-ins, or a list
    of built-in names (``programs.testing.make_app``)."""
    from programs.testing import make_app as build

    return build(url, plugins=plugins, config=config)


@pytest.fixture
def app(db_url: str):  # type: ignore[no-untyped-def]
    """A core-only App (no plugins) on SQLite and on PostgreSQL."""
    application = make_app(db_url)
    yield application
    application.close()


@pytest.fixture
def sqlite_app(sqlite_url: str):  # type: ignore[no-untyped-def]
    application = make_app(sqlite_url)
    yield application
    application.close()


@pytest.fixture
def run(sqlite_url: str) -> Callable[..., Result]:
    """Run ``programs --db <a test SQLite file> ARGS...`` in-process; returns click's Result
    (``exit_code``, ``stdout``, ``stderr``). The database is initialised first."""
    from programs.cli.main import build_cli

    def invoke(*args: str, input: str | None = None, db: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(
            build_cli(), ["--db", db or sqlite_url, *args], input=input, prog_name="programs"
        )

    init = invoke("init")
    assert init.exit_code == 0, init.output
    return invoke


STORY_OVER = "2030-01-01T00:00:00+00:00"


@pytest.fixture
def story_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules' clock (``programs.times.now``) after every date of the stories the tests
    tell (December 2026): attendance and follow-ups done or missed may be recorded. Tests of
    the rule itself ("not before it starts") leave the clock alone or pass ``now``."""
    from datetime import datetime

    import programs.times

    monkeypatch.setattr(programs.times, "now", lambda: datetime.fromisoformat(STORY_OVER))
