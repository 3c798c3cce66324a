"""Tables on a real terminal, 80 columns wide, in French and in English: no line wider than
the terminal, no word split in two (a word is whole, or cut short with "…"), long text cut
at a space with "…", empty columns left out.

The CLI runs as its own process on a pseudo-terminal (``pty``), so it draws what a coach
sees: rich's table, fitted to the width. Every word it shows is checked against the same
command's output in a pipe, where nothing is cut or wrapped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios

import pytest
from cli_support import ok
from test_cli_languages import LANGS, story

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

WIDTH = 80
LISTINGS = [
    ("list",),
    ("show", "marseille-2026"),
    ("session", "list", "marseille-2026"),
    ("followup", "list"),
    ("track", "list"),
    ("track", "show", "2"),
    ("coach", "list"),
    ("plugins",),
]
RULES = {chr(c) for c in range(0x2500, 0x2580)}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


def on_terminal(args: list[str], width: int = WIDTH) -> str:
    """``programs ARGS`` in a process of its own on a pseudo-terminal ``width`` wide."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, width, 0, 0))
    env = {**os.environ, "COLUMNS": str(width), "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "programs.cli", *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _w, _x = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        process.wait(timeout=60)
    assert process.returncode == 0, b"".join(chunks).decode(errors="replace")
    text = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    return ANSI.sub("", text)


def words(text: str) -> list[str]:
    return text.translate({ord(c): " " for c in RULES}).split()


@pytest.fixture
def shown(run, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The story, and a track with long text (what a coach writes after a session)."""
    story(run, tmp_path)
    goal = (
        "prendre sa place de responsable d'équipe sans tout porter seul, déléguer davantage "
        "et préparer sereinement l'entretien annuel avec la direction générale du groupe"
    )
    ok(run("track", "open", "Karim", "--goal", goal, "--sessions", "8"))
    ok(run("followup", "add", "Karim", "--kind", "session", "--at", "2027-02-01 14:00"))
    ok(
        run(
            "followup",
            "add",
            "Karim",
            "--kind",
            "session",
            "--at",
            "2027-02-08 14:00",
            "--track",
            "2",
        )
    )
    return run


@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_tables_at_80_columns_read_whole_words(shown, sqlite_url, monkeypatch, language) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", LANGS[language])
    cut_seen = False
    for args in LISTINGS:
        piped = ok(shown(*args)).stdout  # a pipe: plain text, nothing cut or wrapped
        if len(piped.strip().splitlines()) == 1:  # "no plugins loaded" (the core-only run)
            continue
        whole = set(words(piped))
        drawn = on_terminal(["--db", sqlite_url, *args])
        where = f"{' '.join(args)} ({language})"
        assert any(c in RULES for c in drawn), f"{where}: no table drawn on the terminal"
        for line in drawn.splitlines():
            assert len(line.rstrip()) <= WIDTH, f"{where}: {len(line)} wide: {line!r}"
        for word in words(drawn):
            if word in whole:
                continue
            stem = word.removesuffix("…")
            assert word.endswith("…") and any(w.startswith(stem) for w in whole), (
                f"{where}: {word!r} is a piece of a word\n{drawn}"
            )
            cut_seen = True
    assert cut_seen  # the long goal was cut short with "…" somewhere, not folded


def test_a_column_empty_in_every_row_is_left_out_of_a_table(capsys) -> None:  # type: ignore[no-untyped-def]
    from programs.cli import toolkit

    rows = [{"id": 1, "track": None, "topic": ""}, {"id": 2, "track": None, "topic": "x"}]
    toolkit.render(rows, "table")
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split() == ["id", "topic"]
    toolkit.render(rows, "csv")
    assert capsys.readouterr().out.splitlines()[0] == "id,track,topic"  # machine output keeps it
