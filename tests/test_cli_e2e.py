"""The real console script in a subprocess: what a coach types, exit codes, clean errors,
and a progress bar only when stderr is a terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def programs_script() -> str:
    found = shutil.which("programs", path=str(Path(sys.executable).parent)) or shutil.which(
        "programs"
    )
    if found is None:
        pytest.skip("the programs console script is not installed")
    return found


def env_for(db: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)  # the private HOME/config of the autouse fixture
    env["PROGRAMS_DB"] = str(db)
    env.pop("PROGRAMS_DEBUG", None)
    env.update(extra)
    return env


def programs(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [programs_script(), *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow  # eight process starts
def test_a_coach_session_in_the_terminal(tmp_path) -> None:
    env = env_for(tmp_path / "coach.db")
    assert programs("init", env=env).returncode == 0
    created = programs(
        "create",
        "marseille-2026",
        "--title",
        "Accompagnement collectif",
        "--capacity",
        "12",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert "created program marseille-2026 (Europe/Paris)" in created.stdout
    added = programs(
        "session",
        "add",
        "marseille-2026",
        "--start",
        "2026-12-03 09:00",
        "--end",
        "17:00",
        env=env,
    )
    assert added.returncode == 0, added.stderr
    listed = programs("session", "list", "marseille-2026", "--csv", env=env)
    assert listed.stdout.splitlines()[1].startswith("1,,2026-12-03T09:00:00+01:00,")

    missing = programs("show", "nowhere", env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: no program 'nowhere' (see `programs list`)"
    assert "Traceback" not in missing.stderr
    gap = programs(
        "session",
        "add",
        "marseille-2026",
        "--start",
        "2027-03-28 02:30",
        "--end",
        "17:00",
        env=env,
    )
    assert gap.returncode == 1
    assert gap.stderr.startswith("Error: 2027-03-28 02:30 does not exist in Europe/Paris")
    assert "Traceback" not in gap.stderr
    usage = programs("list", "--json", "--csv", env=env)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_uninitialised_database_is_a_clear_error(tmp_path) -> None:
    result = programs("list", env=env_for(tmp_path / "new.db"))
    assert result.returncode == 1
    assert "not initialised: run `programs init`" in result.stderr
    assert "Traceback" not in result.stderr


def big_csv(path: Path, n: int) -> Path:
    lines = ["name,email"] + [f"Person {i},{path.stem}{i}@example.com" for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow  # imports 6,000 rows in three process starts
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_import_shows_progress_on_a_terminal_only(tmp_path) -> None:
    import pty

    env = env_for(tmp_path / "coach.db", TERM="xterm-256color", PROGRAMS_LOAD_PLUGINS="")
    assert programs("init", env=env).returncode == 0
    piped = programs("participant", "import", str(big_csv(tmp_path / "a.csv", 3000)), env=env)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""  # a pipe: quiet

    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [programs_script(), "participant", "import", str(big_csv(tmp_path / "b.csv", 3000))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    assert b"imported 3000 participants" in stdout
    assert b"importing" in shown  # rich drew its bar on the terminal
