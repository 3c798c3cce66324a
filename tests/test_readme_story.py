"""The README's "A coach's day" runs verbatim from a fresh clone: every line of its ``sh``
block, through the installed ``programs`` script, in a fresh home and data folder, from the
root of the repository (the import reads the shipped docs/examples/people.csv), in English
and in French. Each command must exit 0."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = Path(sys.executable).parent / "programs"
EXPORT = "s-martin.json"  # the story's export, written where it runs
WRITTEN = ("jour-1.pdf", "s-martin.pdf", "programs.svg")  # its sheet, certificate, chart


def story() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## A coach's day\n\n```sh\n(.+?)\n```", text, re.DOTALL)
    assert block, 'README.md has no sh block under "A coach\'s day"'
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_story_is_all_programs_commands() -> None:
    lines = story()
    assert len(lines) >= 10
    assert all(shlex.split(line, comments=True)[0] == "programs" for line in lines)
    assert any("docs/examples/people.csv" in line for line in lines)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["C.UTF-8", "fr_FR.UTF-8"])
def test_every_line_of_a_coachs_day_runs_verbatim(tmp_path: Path, lang: str) -> None:
    home = tmp_path / "fresh-home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PROGRAMS_", "LC_", "XDG_")) and k not in ("LANGUAGE", "HOME")
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        LANG=lang,
        PROGRAMS_TEST_MODE="1",  # installed third-party plugins stay out
    )
    export = ROOT / EXPORT
    kept = export.read_bytes() if export.exists() else None
    outputs = []
    try:
        for line in story():
            args = shlex.split(line, comments=True)
            answer = "y\n" if args[1:3] == ["participant", "erase"] else None
            done = subprocess.run(
                [str(PROGRAMS), *args[1:]],
                cwd=ROOT,
                env=env,
                input=answer,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            outputs.append(done.stdout)
        assert (home / ".local" / "share" / "programs" / "programs.db").exists()
    finally:
        for name in WRITTEN:
            (ROOT / name).unlink(missing_ok=True)
        if kept is None:
            export.unlink(missing_ok=True)
        else:
            export.write_bytes(kept)
    imported = next(out for line, out in zip(story(), outputs, strict=True) if "import" in line)
    expected = "6 participants importés" if lang.startswith("fr") else "imported 6 participants"
    assert expected in imported
