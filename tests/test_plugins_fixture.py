"""The plugin contract proven from outside, on SQLite and PostgreSQL, by a third-party
distribution (tests/plugin_fixture: ``programs-seatlog``, entry points ``seatlog`` and
``flaky``) found through its entry points like any installed package.

It adds a command, receives enrollment events, vetoes an enrollment, owns a table with its own
migration applied by ``programs init``, reads its config table, exports and erases its data
about a person, and is listed by ``programs plugins``; a failing plugin never loses the
change. Shown through the command line in-process, and through the real ``programs`` script.
The database is read back with plain SQL, not with the code under test.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from programs.cli.main import build_cli
from seatlog_dist import build_site, programs_script, subprocess_env

from programs.plugin_manager import reset_plugin_manager

SPAM_CONFIG = '[seatlog]\nrefuse_domains = ["spam.example"]\n'


@pytest.fixture(scope="session")
def seatlog_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("seatlog-site"))


@pytest.fixture
def seatlog(seatlog_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(seatlog_site))
    return seatlog_site


Run = Callable[..., Result]


@pytest.fixture
def programs(db_url: str, seatlog: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``programs(*args, load=..., disable=...)``: the CLI in-process on this test's
    database, with the installed plugins named in ``load`` (the test asks for them)."""

    def invoke(*args: str, load: str = "seatlog", disable: str | None = None) -> Result:
        monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", load)
        if disable is None:
            monkeypatch.delenv("PROGRAMS_DISABLE_PLUGINS", raising=False)
        else:
            monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", disable)
        reset_plugin_manager()
        return CliRunner().invoke(build_cli(), ["--db", db_url, *args])

    return invoke


def sql(db_url: str, query: str) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def seed(programs: Run, *people: tuple[str, str]) -> None:
    """An initialised database with a one-seat program and these participants."""
    ok(programs("init"))
    ok(programs("create", "marseille-2026", "--title", "Accompagnement", "--capacity", "1"))
    for name, email in people:
        ok(programs("participant", "add", name, "--email", email))


def log(programs: Run, **kwargs: str) -> list[tuple[str, str]]:
    rows = json.loads(ok(programs("seatlog", "show", "--json", **kwargs)))
    return [(r["event"], r["participant"]) for r in rows]


S = ("S. Martin", "s.martin@example.com")
B = ("B. Durand", "b.durand@example.com")
SPAM = ("Spam Bot", "bot@spam.example")


def test_init_applies_core_then_plugin_migrations(programs: Run, db_url: str) -> None:
    lines = ok(programs("init")).splitlines()
    core = next(i for i, line in enumerate(lines) if line.startswith("upgraded core: empty ->"))
    assert lines.index("upgraded seatlog: empty -> seatlog_0001") > core
    assert sql(db_url, "SELECT version_num FROM alembic_version_seatlog") == [("seatlog_0001",)]
    assert sql(db_url, "SELECT count(*) FROM seatlog_entry") == [(0,)]
    assert "upgraded" not in ok(programs("init"))  # nothing left to do


def test_commands_and_enrollment_events(programs: Run, db_url: str) -> None:
    seed(programs, S, B)
    ok(programs("enroll", "marseille-2026", "S. Martin"))
    ok(programs("enroll", "marseille-2026", "B. Durand"))  # full: waits
    ok(programs("withdraw", "marseille-2026", "S. Martin"))  # B. Durand gets the seat
    assert log(programs) == [
        ("enrolled", "S. Martin"),
        ("waitlisted", "B. Durand"),
        ("withdrawn", "S. Martin"),
        ("promoted", "B. Durand"),
    ]
    assert sql(db_url, "SELECT count(*) FROM seatlog_entry") == [(4,)]


def test_a_veto_refuses_with_the_plugins_message_and_writes_nothing(
    programs: Run, db_url: str, private_env: Path
) -> None:
    (private_env / "config.toml").write_text(SPAM_CONFIG)
    seed(programs, SPAM)
    result = programs("enroll", "marseille-2026", "Spam Bot")
    assert result.exit_code == 1
    assert result.output == (
        "Error: refused by plugin seatlog: enrollments from spam.example are closed\n"
    )
    assert sql(db_url, "SELECT count(*) FROM enrollment") == [(0,)]
    assert sql(db_url, "SELECT count(*) FROM seatlog_entry") == [(0,)]


def test_a_failing_plugin_never_loses_the_change_nor_the_event(programs: Run, db_url: str) -> None:
    seed(programs, S)
    result = programs("enroll", "marseille-2026", "S. Martin", load="seatlog,flaky")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: plugin flaky failed on on_enrolled: the CRM at crm.invalid did not answer\n"
    )
    assert "S. Martin" in result.stdout  # the confirmation of what was done
    assert sql(db_url, "SELECT status FROM enrollment") == [("enrolled",)]  # committed
    assert log(programs) == [("enrolled", "S. Martin")]  # seatlog still got the event


def test_disabling_the_plugin_never_breaks_the_core(programs: Run, db_url: str) -> None:
    seed(programs, S, B)
    ok(programs("enroll", "marseille-2026", "S. Martin"))
    # Disabled: the core works on the same database, the plugin's command is gone.
    ok(programs("create", "lyon-2027", "--title", "Lyon", disable="seatlog"))
    ok(programs("enroll", "lyon-2027", "B. Durand", disable="seatlog"))
    assert "lyon-2027" in ok(programs("list", disable="seatlog"))
    gone = programs("seatlog", "show", disable="seatlog")
    assert gone.exit_code == 2 and "No such command 'seatlog'" in gone.output
    assert "upgraded" not in ok(programs("init", disable="seatlog"))
    # Enabled again: its table is as it was left, and it works.
    assert log(programs) == [("enrolled", "S. Martin")]
    assert "upgraded" not in ok(programs("init"))
    ok(programs("withdraw", "lyon-2027", "B. Durand"))
    assert log(programs)[-1] == ("withdrawn", "B. Durand")


def test_a_plugin_enabled_after_init_asks_for_init(programs: Run, db_url: str) -> None:
    ok(programs("init", load=""))
    ok(programs("list"))  # reading needs no plugin, so it is not stopped
    result = programs("create", "lyon-2027", "--title", "Lyon")
    assert result.exit_code == 1
    assert "Error: the tables of plugin seatlog are not in database" in result.output
    assert "run `programs init`" in result.output
    assert "lyon-2027" not in ok(programs("list", "--csv"))  # nothing written
    assert ok(programs("init")).splitlines()[0] == "upgraded seatlog: empty -> seatlog_0001"
    ok(programs("create", "lyon-2027", "--title", "Lyon"))


def test_the_plugin_reads_its_own_config_table(programs: Run, private_env: Path) -> None:
    seed(programs, S)
    config = private_env / "config.toml"
    config.write_text('[seatlog]\nrefuse_domains = "spam.example"\n')
    result = programs("create", "lyon-2027", "--title", "Lyon")
    assert result.exit_code == 1
    assert result.output == (
        "Error: plugin seatlog failed on startup: [seatlog] refuse_domains must be a list of "
        "domains (PROGRAMS_DISABLE_PLUGINS=seatlog leaves it out)\n"
    )
    config.write_text("[seatlog\n")
    result = programs("list")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: config file {config} is not valid TOML: ")
    assert result.output.count("\n") == 1


def test_export_and_erase_include_the_plugins_data(programs: Run, db_url: str) -> None:
    seed(programs, S)
    ok(programs("enroll", "marseille-2026", "S. Martin"))
    exported = json.loads(ok(programs("participant", "export", "S. Martin")))
    assert exported["plugins"]["seatlog"] == {
        "entries": [{"event": "enrolled", "program": "marseille-2026"}]
    }
    ok(programs("participant", "erase", "S. Martin", "--yes"))
    assert sql(db_url, "SELECT count(*) FROM seatlog_entry") == [(0,)]
    assert sql(db_url, "SELECT count(*) FROM participant") == [(0,)]


@pytest.mark.slow
def test_the_real_script_with_the_installed_plugin(
    db_url: str, seatlog_site: Path, private_env: Path, programs: Run
) -> None:
    """As a person's shell runs it: installed plugins load without being named. (The
    program and people are added in-process; what the plugins do goes through the script.)"""
    config = private_env / "config.toml"
    config.write_text(SPAM_CONFIG)
    env = subprocess_env(seatlog_site, PROGRAMS_CONFIG=str(config), PROGRAMS_DB=db_url)

    def script(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [programs_script(), *args], env=env, capture_output=True, text=True, timeout=60
        )

    listed = {r["name"]: r for r in json.loads(script("plugins", "--json").stdout)}
    assert listed["seatlog"]["source"] == "entry point"
    assert listed["flaky"]["version"] == "0.3.0"
    assert "upgraded seatlog: empty -> seatlog_0001" in script("init").stdout
    ok(programs("create", "m-2026", "--title", "M", "--capacity", "5"))
    for name, email in (S, SPAM):
        ok(programs("participant", "add", name, "--email", email))

    enrolled = script("enroll", "m-2026", "S. Martin")
    assert (enrolled.returncode, enrolled.stderr) == (
        1,
        "Error: plugin flaky failed on on_enrolled: the CRM at crm.invalid did not answer\n",
    )
    refused = script("enroll", "m-2026", "Spam Bot")
    assert (refused.returncode, refused.stderr) == (
        1,
        "Error: refused by plugin seatlog: enrollments from spam.example are closed\n",
    )
    assert script("seatlog", "show").stdout == "m-2026\tenrolled\tS. Martin\n"
    assert sql(
        db_url, "SELECT p.name FROM enrollment e JOIN participant p ON p.id = e.participant_id"
    ) == [("S. Martin",)]
