"""A reader that goes away (``programs participant list --csv | head -2``) ends the command
quietly with exit 0, as ``head`` users expect: whether the pipe closes while the command is
still writing or only when its last bytes are flushed. The real ``programs`` process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_app

PROGRAMS = str(Path(sys.executable).parent / "programs")


def _people(url: str, count: int) -> None:
    from programs.domain.participant import add_participant

    app = make_app(url)
    with app.write() as db:
        for i in range(count):
            add_participant(db, name=f"Personne {i:05d}", email=f"p{i}@example.com")
    app.close()


@pytest.mark.parametrize("count", [3, 3000], ids=["flushed-at-exit", "mid-output"])
def test_a_closed_pipe_ends_quietly_with_exit_0(sqlite_url: str, count: int) -> None:
    _people(sqlite_url, count)
    for args in (["participant", "list", "--csv"], ["participant", "list"]):
        child = subprocess.Popen(
            [PROGRAMS, "--db", sqlite_url, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert child.stdout is not None and child.stderr is not None
        if count > 3:  # read a little (as head does), then go away mid-output
            assert child.stdout.readline()
        child.stdout.close()  # no reader: every write from now on meets a closed pipe
        stderr = child.stderr.read().decode()
        assert child.wait(timeout=60) == 0, stderr
        assert stderr == "", stderr


def test_head_in_a_shell_pipeline_sees_the_first_lines_and_a_clean_exit(sqlite_url: str) -> None:
    _people(sqlite_url, 3000)
    shell = subprocess.run(
        [
            "bash",
            "-c",
            f'"{PROGRAMS}" --db "{sqlite_url}" participant list --csv | head -2;'
            ' echo "status=${PIPESTATUS[0]}" >&2',
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shell.stdout.splitlines()[1].startswith("1,Personne 00000")
    assert shell.stderr.strip() == "status=0", shell.stderr
