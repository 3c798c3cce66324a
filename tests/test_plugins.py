"""Loading plugins: built-ins and entry points, the environment variables that limit them,
lazy and once, clear errors for broken plugins, tracing, ``programs plugins``, and what
``programs --version`` / ``--help`` do not import.

Third-party plugins are real distributions found through ``importlib.metadata``: the
fixture ``programs-seatlog`` (tests/plugin_fixture) and, for import failures, a broken one
written here. Subprocess tests run the real ``programs`` script.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from seatlog_dist import build_site, programs_script, subprocess_env

from programs import __version__, plugin_manager
from programs.errors import PluginError
from programs.hookspecs import hookimpl
from programs.plugin_manager import (
    BUILT_IN,
    ENTRY_POINT,
    build_plugin_manager,
    get_plugin_manager,
    manager_with,
    plugin_infos,
)

BUILT_INS = ["contacts", "email", "ical", "reminders"]
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "pydantic")


@pytest.fixture(scope="session")
def seatlog_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("seatlog-site"))


@pytest.fixture
def seatlog(seatlog_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """programs-seatlog installed (on sys.path) for this test only."""
    monkeypatch.syspath_prepend(str(seatlog_site))
    return seatlog_site


@pytest.fixture(scope="session")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """programs-broken: its entry point imports a module that is not installed."""
    source = tmp_path_factory.mktemp("broken-src")
    (source / "pyproject.toml").write_text(
        '[project]\nname = "programs-broken"\nversion = "1.0"\n'
        '[project.entry-points.programs]\nbroken = "programs_broken"\n'
    )
    (source / "programs_broken").mkdir()
    (source / "programs_broken" / "__init__.py").write_text(
        "import programs_missing_dependency  # noqa: F401\n"
    )
    return build_site(tmp_path_factory.mktemp("broken-site"), source)


def names(pm) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.name for i in plugin_infos(pm)]


# --- which plugins load -------------------------------------------------------------------


def test_built_ins_load_by_default_through_the_same_hooks() -> None:
    infos = plugin_infos(build_plugin_manager())
    assert [i.name for i in infos] == BUILT_INS
    assert {(i.source, i.version) for i in infos} == {(BUILT_IN, __version__)}
    assert [i.module for i in infos] == [f"programs.plugins.{n}" for n in BUILT_INS]


def test_load_plugins_loads_only_those(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "ical, reminders")
    pm = build_plugin_manager()
    assert names(pm) == ["ical", "reminders"]
    left_out = [(i.name, i.loaded, i.reason) for i in plugin_infos(pm, left_out=True)]
    assert ("contacts", False, "not in PROGRAMS_LOAD_PLUGINS") in left_out


def test_empty_load_plugins_loads_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
    assert names(build_plugin_manager()) == []


def test_disable_plugins_leaves_them_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", "ical,contacts")
    pm = build_plugin_manager()
    assert names(pm) == ["email", "reminders"]
    assert "programs.plugins.ical" not in [getattr(p, "__name__", "") for p in pm.get_plugins()]


def test_a_misspelt_plugin_name_to_load_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "icall")
    with pytest.raises(PluginError) as info:
        build_plugin_manager()
    assert str(info.value) == (
        "PROGRAMS_LOAD_PLUGINS names no installed plugin: icall "
        "(installed: contacts, email, ical, reminders)"
    )


def test_installed_plugins_are_not_loaded_under_tests_unless_asked(
    seatlog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert names(build_plugin_manager()) == BUILT_INS  # installed, but this is a test
    asked = plugin_infos(build_plugin_manager(entry_points=True))
    assert [i.name for i in asked] == ["contacts", "email", "flaky", "ical", "reminders", "seatlog"]
    seat = next(i for i in asked if i.name == "seatlog")
    assert (seat.source, seat.version, seat.distribution) == (
        ENTRY_POINT,
        "0.3.0",
        "programs-seatlog",
    )
    assert "check_enrollment" in seat.hooks and "register_migrations" in seat.hooks
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "seatlog")
    assert names(build_plugin_manager()) == ["seatlog"]  # naming it is asking


def test_the_manager_is_built_lazily_and_once(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = []
    real = plugin_manager.build_plugin_manager

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        return real(**kwargs)

    monkeypatch.setattr(plugin_manager, "build_plugin_manager", counting)
    from programs.cli.main import build_cli

    from programs.app import App

    App(sqlite_url)  # an app does not load plugins until it needs them
    assert CliRunner().invoke(build_cli(), ["--version"]).exit_code == 0
    assert built == []
    for args in (["--db", sqlite_url, "init"], ["--db", sqlite_url, "list"], ["plugins"]):
        result = CliRunner().invoke(build_cli(), args)
        assert result.exit_code == 0, result.output
    assert built == [1]
    assert get_plugin_manager() is get_plugin_manager()


# --- broken plugins -----------------------------------------------------------------------


def test_a_plugin_that_fails_to_import_is_named(
    broken_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(broken_site))
    with pytest.raises(PluginError) as info:
        build_plugin_manager(entry_points=True)
    assert str(info.value) == (
        "plugin broken (programs-broken) failed to import: "
        "ModuleNotFoundError: No module named 'programs_missing_dependency'"
    )
    monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", "broken")
    assert "broken" not in names(build_plugin_manager(entry_points=True))  # never imported


def test_a_plugin_that_fails_to_import_is_one_line_from_the_real_script(
    broken_site: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [programs_script(), "--db", str(tmp_path / "x.db"), "init"],
        env=subprocess_env(broken_site),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Error: plugin broken (programs-broken) failed to import: "
        "ModuleNotFoundError: No module named 'programs_missing_dependency'\n"
    )
    assert result.stdout == ""  # not even the core was migrated: plugins load first


def test_a_built_in_that_fails_to_import_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin_manager, "DEFAULT_PLUGINS", ("programs.plugins.nosuch",))
    with pytest.raises(PluginError) as info:
        build_plugin_manager()
    assert str(info.value) == (
        "built-in plugin nosuch failed to import: "
        "ModuleNotFoundError: No module named 'programs.plugins.nosuch'"
    )


def test_subprocesses_of_tests_do_not_load_installed_plugins(seatlog_site: Path) -> None:
    """A test's subprocess inherits PROGRAMS_TEST_MODE: installed plugins stay out unless
    named in PROGRAMS_LOAD_PLUGINS."""
    env = {**subprocess_env(seatlog_site), "PROGRAMS_TEST_MODE": "1"}
    for extra, expected in (({}, BUILT_INS), ({"PROGRAMS_LOAD_PLUGINS": "seatlog"}, ["seatlog"])):
        result = subprocess.run(
            [programs_script(), "plugins", "--json"],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert [r["name"] for r in json.loads(result.stdout)] == expected, result.stderr


def test_a_real_process_that_imports_pytest_keeps_its_plugins(seatlog_site: Path) -> None:
    """Test mode is an explicit flag, not a guess from ``sys.modules``: a script that
    imports pytest for its own reasons still gets the installed plugins."""
    code = (
        "import pytest, json\n"
        "from programs.plugin_manager import build_plugin_manager, plugin_infos\n"
        "print(json.dumps([i.name for i in plugin_infos(build_plugin_manager())]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(seatlog_site),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "seatlog" in json.loads(result.stdout)


def test_an_argument_not_in_the_hookspec_is_refused() -> None:
    class Bad:
        @hookimpl
        def on_enrolled(self, app, enrolment):  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(PluginError) as info:
        manager_with(bad=Bad())
    message = str(info.value)
    assert message.startswith("plugin bad is invalid: Plugin 'bad' for hook 'on_enrolled'")
    assert "\n" not in message


def test_a_misspelt_hook_is_refused_unless_optional() -> None:
    class Typo:
        @hookimpl
        def on_enroled(self, app):  # type: ignore[no-untyped-def]
            pass

    class Newer:
        @hookimpl(optionalhook=True)
        def on_invoice_sent(self, app):  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(PluginError, match=r"plugin typo is invalid: unknown hook 'on_enroled'"):
        manager_with(typo=Typo())
    assert "newer" in names(manager_with(newer=Newer()))


def test_wrappers_are_refused() -> None:
    class Wraps:
        @hookimpl(wrapper=True)
        def on_enrolled(self, app):  # type: ignore[no-untyped-def]
            return (yield)

    with pytest.raises(PluginError, match="plugin wraps: on_enrolled is a wrapper"):
        manager_with(wraps=Wraps())


def test_two_plugins_cannot_share_a_name(seatlog: Path) -> None:
    from programs.plugin_manager import PluginInfo

    pm = build_plugin_manager(entry_points=True)
    with pytest.raises(
        PluginError, match="two plugins are named seatlog: one from programs-seatlog"
    ):
        pm.add(object(), PluginInfo("seatlog", "1", ENTRY_POINT, distribution="other-dist"))


# --- tracing ------------------------------------------------------------------------------


def test_trace_hooks_prints_each_call_and_failure(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import make_app

    from programs.domain.program import create_program

    class Quiet:
        @hookimpl
        def on_program_created(self, program):  # type: ignore[no-untyped-def]
            return None

    class Loud:
        @hookimpl
        def on_program_created(self, program):  # type: ignore[no-untyped-def]
            raise RuntimeError("loud failure")

    monkeypatch.setenv("PROGRAMS_TRACE_HOOKS", "1")
    app = make_app(sqlite_url)
    app.pm.register(Quiet(), name="quiet")
    app.pm.register(Loud(), name="loud")
    with app.write() as db:
        create_program(db, slug="m-2026", title="M")
    err = capsys.readouterr().err
    assert "[hook] on_program_created -> quiet: None" in err
    assert "[hook] on_program_created -> loud raised:" in err
    assert "RuntimeError: loud failure" in err  # the traceback, for the plugin's author
    assert [str(f) for f in app.failures] == [
        "plugin loud failed on on_program_created: loud failure"
    ]
    monkeypatch.delenv("PROGRAMS_TRACE_HOOKS")
    with app.write() as db:
        create_program(db, slug="m-2027", title="M")
    assert capsys.readouterr().err == ""


# --- programs plugins ---------------------------------------------------------------------


def test_plugins_command_lists_what_is_loaded(
    seatlog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from programs.cli.main import build_cli

    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "ical,seatlog")
    table = CliRunner().invoke(build_cli(), ["plugins"])
    assert table.exit_code == 0, table.output
    assert "seatlog" in table.output and "entry point" in table.output
    assert "contacts" not in table.output
    rows = json.loads(CliRunner().invoke(build_cli(), ["plugins", "--json"]).output)
    assert [(r["name"], r["source"], r["version"]) for r in rows] == [
        ("ical", BUILT_IN, __version__),
        ("seatlog", ENTRY_POINT, "0.3.0"),
    ]
    seat = rows[1]
    assert seat["distribution"] == "programs-seatlog" and seat["module"] == "programs_seatlog"
    assert "on_enrolled" in seat["hooks"] and seat["loaded"] is True
    everything = json.loads(CliRunner().invoke(build_cli(), ["plugins", "--all", "--json"]).output)
    left = {r["name"]: r["reason"] for r in everything if not r["loaded"]}
    assert left == {
        "contacts": "not in PROGRAMS_LOAD_PLUGINS",
        "email": "not in PROGRAMS_LOAD_PLUGINS",
        "flaky": "not in PROGRAMS_LOAD_PLUGINS",
        "reminders": "not in PROGRAMS_LOAD_PLUGINS",
    }
    table_all = CliRunner().invoke(build_cli(), ["plugins", "--all"])
    assert "contacts" in table_all.output and "status" in table_all.output


def test_plugins_command_from_the_real_script(seatlog_site: Path) -> None:
    """As a person's shell would run it: every built-in and every installed plugin."""
    result = subprocess.run(
        [programs_script(), "plugins", "--json"],
        env=subprocess_env(seatlog_site),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert sorted(rows) == ["contacts", "email", "flaky", "ical", "reminders", "seatlog"]
    assert rows["seatlog"]["source"] == ENTRY_POINT
    assert rows["seatlog"]["version"] == "0.3.0"
    assert rows["flaky"]["hooks"] == ["on_enrolled"]
    assert rows["ical"]["source"] == BUILT_IN


# --- what start-up does not pay for -------------------------------------------------------


def imported_after(argv: list[str], site: Path | None) -> tuple[set[str], str]:
    """Run ``main(argv)`` in a fresh interpreter; the modules it imported, and its output."""
    code = (
        "import sys, json\n"
        "from programs.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('\\nMODULES=' + json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(site),
        capture_output=True,
        text=True,
        timeout=60,
    )
    output, _, modules = result.stdout.rpartition("\nMODULES=")
    return set(json.loads(modules)), output


def test_version_loads_no_plugin_and_no_database_library(seatlog_site: Path) -> None:
    modules, output = imported_after(["--version"], seatlog_site)
    assert output.strip() == f"programs, version {__version__}"
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    assert "programs.plugin_manager" not in modules and "pluggy" not in modules
    assert not {m for m in modules if m.startswith(("programs.plugins.", "programs_seatlog"))}


def test_list_builds_no_orm_class(seatlog_site: Path, tmp_path: Path) -> None:
    """``programs list`` reads plain table clauses: neither SQLModel nor pydantic is imported
    (bench/startup: it must start faster than ``import sqlmodel``), and it still lists."""
    db = str(tmp_path / "list.db")
    assert imported_after(["--db", db, "init"], seatlog_site)[1]
    assert (
        "created program"
        in imported_after(
            ["--db", db, "create", "marseille-2026", "--title", "Marseille", "--capacity", "8"],
            seatlog_site,
        )[1]
    )
    modules, output = imported_after(["--db", db, "list"], seatlog_site)
    assert "marseille-2026" in output and "0/8" in output
    assert "sqlalchemy" in modules
    assert not {m for m in modules if m.split(".")[0] in ("sqlmodel", "pydantic")}
    assert "programs.models" not in modules


def test_help_lists_plugin_commands_without_database_libraries(seatlog_site: Path) -> None:
    modules, output = imported_after(["--help"], seatlog_site)
    assert "seatlog" in output  # the installed plugin's command is listed
    assert "programs_seatlog" in modules
    assert not {m for m in modules if m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("module", [*plugin_manager.DEFAULT_PLUGINS, "programs_seatlog"])
def test_plugin_modules_are_light_to_import(module: str, seatlog_site: Path) -> None:
    code = (
        f"import sys, {module}\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(seatlog_site),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()} at load"


def test_read_only_core_commands_load_no_plugin_but_plugin_commands_start_them(
    run, private_env
) -> None:  # type: ignore[no-untyped-def]
    """`programs list` reads without plugins (fast start); a plugin's own command, even a
    read-only one, gets a started app, so a bad setting stops it with a one-line error."""
    (private_env / "config.toml").write_text('[reminders]\nbatch = "twenty"\n')
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    for args in (("reminders", "list"), ("create", "x", "--title", "X")):
        result = run(*args)
        assert result.exit_code == 1
        assert "plugin reminders failed on startup" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    slugs = [line.split(",")[0] for line in run("list", "--csv").stdout.splitlines()[1:]]
    assert slugs == []  # nothing was created
