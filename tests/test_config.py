"""The config file: where it is, what a plugin reads from it, and one-line errors when it is
broken (from the API and from the command line, with nothing written)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from programs.config import config_path, load_config
from programs.errors import InvalidInput
from programs.settings import DEFAULTS as CORE_DEFAULTS
from programs.settings import Settings


def test_the_platform_config_dir_by_default(
    private_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROGRAMS_CONFIG")
    # platformdirs follows XDG_CONFIG_HOME on Linux (set by conftest to the test's home)
    assert config_path() == private_env / ".config" / "programs" / "config.toml"


def test_programs_config_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere.toml"
    target.write_text('[core]\nphone_region = "BE"\n')
    monkeypatch.setenv("PROGRAMS_CONFIG", str(target))
    config = load_config()
    assert config.path == target
    settings = Settings.from_config(config)
    assert settings.phone_region == "BE"
    assert settings.track_sessions == CORE_DEFAULTS["track_sessions"]  # defaults kept


def test_a_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml")
    assert config.data == {}
    assert config.section("seatlog") == {}
    assert Settings.from_config(config) == Settings(**CORE_DEFAULTS)


def test_each_plugin_reads_its_own_table(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[seatlog]\nrefuse_domains = ["spam.example"]\n\n[meetlink]\nbase_url = "https://m.example"\n'
    )
    config = load_config(path)
    assert config.section("seatlog") == {"refuse_domains": ["spam.example"]}
    assert config.section("meetlink") == {"base_url": "https://m.example"}
    assert config.directory == tmp_path


def test_a_plugin_key_that_is_not_a_table_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('seatlog = "on"\n')
    with pytest.raises(InvalidInput, match=r"\[seatlog\] must be a table"):
        load_config(path).section("seatlog")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"[core\n", "is not valid TOML: "),
        (b'[core]\nphone_region = "FR"\nphone_region = "BE"\n', "is not valid TOML: "),
        (b"\xff\xfe[core]\n", "is not valid TOML: not UTF-8 text"),
    ],
)
def test_a_broken_file_is_a_one_line_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(InvalidInput) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"config file {path} {expected}")
    assert "\n" not in message


def test_a_folder_in_place_of_the_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read config file"):
        load_config(tmp_path)


def test_a_broken_file_stops_every_command_and_writes_nothing(
    run,
    private_env: Path,
    sqlite_url: str,  # type: ignore[no-untyped-def]
) -> None:
    """Even a command that reads no setting: the file is read when the app starts."""
    from cli_support import snapshot

    before = snapshot(sqlite_url)
    (private_env / "config.toml").write_text("[core]\ntrack_sessions = \n")
    for args in (["list"], ["participant", "add", "A. Person"]):
        result = run(*args)
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: config file {private_env / 'config.toml'}")
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert snapshot(sqlite_url) == before


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[icall]\ncancelled_grace_days = 3\n", "unknown table [icall] (tables: contacts, core,"),
        ("[contacts]\nwindow = 3\n", "config [contacts]: unknown key window"),
    ],
    ids=["misspelt-table", "key-of-a-plugin-without-settings"],
)
def test_no_table_or_key_of_the_config_file_is_ignored(
    private_env: Path, sqlite_url: str, table: str, expected: str
) -> None:
    """With the installed plugins known (the real command, entry points read), a table that
    is nobody's, or a key a plugin does not take, stops the first change, naming it."""
    import subprocess
    import sys

    from cli_support import snapshot

    programs = str(Path(sys.executable).parent / "programs")
    env = {**os.environ, "PROGRAMS_TEST_MODE": "0"}
    subprocess.run([programs, "--db", sqlite_url, "init"], env=env, check=True, capture_output=True)
    before = snapshot(sqlite_url)
    config = private_env / "config.toml"
    config.write_text(table)
    config.chmod(0o600)
    result = subprocess.run(
        [programs, "--db", sqlite_url, "create", "x", "--title", "X"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert expected in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert snapshot(sqlite_url) == before
