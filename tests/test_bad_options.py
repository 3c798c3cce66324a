"""Every command, with a bad value of each of its options and arguments in turn, generated
from the click tree (the built-in plugins' commands included): a clear refusal, never an
"unexpected" error or a traceback, no error line over 300 characters, and the database
exactly as it was. The rest of each command line is valid, so the bad value is what is
judged.

The bad values: for text, 131,000 characters and terminal control codes; for numbers, one
that is not a number, one past any integer, a negative one; for choices, one that is not
among them; for paths, a folder that does not exist. On SQLite every value; on PostgreSQL
the values that reach the database differently (huge numbers, huge text).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from cli_support import ok, small_story

HUGE_TEXT = "x" * 131_000
CONTROL_TEXT = "\x1b[2J\x07bad\x1b]0;title\x07"
NOT_A_NUMBER = "abc"
HUGE_NUMBER = "99999999999999999999"
NEGATIVE = "-5"

# A valid value for each required parameter, by name: the rest of the command line is good.
VALID = {
    "slug": "marseille-2026",
    "session_id": "1",
    "people": "S. Martin",
    "person": "S. Martin",
    "followup_id": "1",
    "track_id": "1",
    "name": "r1",
    "address": "claire@example.com",
    "--title": "T",
    "--kind": "call",
    "--at": "2027-01-10 10:00",
    "--program": "marseille-2026",
    "--target": "session",
    "--offset": "1d",
    "--start": "2027-01-10 09:00",
    "--end": "12:00",
    "--outcome": "fine",
    "--goal": "a goal",
}
# Commands that would run for a long time with good values: given what stops them at once.
STOPPERS = {
    ("reminders", "run"): ["--iterations", "1", "--every", "1s"],
    ("ical", "serve"): ["--port", "5432", "--host", "127.0.0.1"],  # a port in use
    ("participant", "erase"): ["--yes", ""],
}
SKIPPED = {("demo",)}  # its own database in its own folder (tests/test_cli_demo.py)


def leaves(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()) -> Iterator[Any]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from leaves(command, ctx, (*path, name))
        elif command is not None:
            yield (*path, name), command


def bad_values(param: click.Parameter, everything: bool) -> list[str]:
    kind = param.type
    if isinstance(kind, click.Choice):
        values = ["nope"]
    elif isinstance(kind, click.types.IntParamType):  # IntRange included
        values = [NOT_A_NUMBER, HUGE_NUMBER, NEGATIVE]
    elif isinstance(kind, click.Path):
        values = ["/no-such-folder/x/y.txt"]
    else:
        values = [HUGE_TEXT, CONTROL_TEXT]
    if not everything:
        values = [v for v in values if v in (HUGE_NUMBER, HUGE_TEXT)]
    return values


def valid_value(param: click.Parameter) -> str | None:
    """A good value for a required parameter (None: leave it out)."""
    if not param.required:
        return None
    if isinstance(param, click.Argument):
        return VALID.get(param.name or "", "")
    return next((VALID[o] for o in param.opts if o in VALID), "")


def command_lines(everything: bool) -> Iterator[tuple[str, list[str]]]:
    """``(label, argv)`` for every command and every bad value of each of its parameters."""
    from programs.cli.main import build_cli

    cli = build_cli()
    ctx = click.Context(cli)
    for path, command in leaves(cli, ctx):
        if path in SKIPPED:
            continue
        params = [p for p in command.params if p.name != "help" and not _flag(p)]
        for bad in params:
            for value in bad_values(bad, everything):
                argv = [*path]
                for param in params:
                    given = value if param is bad else valid_value(param)
                    if given is None:
                        continue
                    if isinstance(param, click.Argument):
                        argv.append(given)
                    else:
                        argv += [param.opts[0], given]
                stoppers = STOPPERS.get(path, [])
                for i in range(0, len(stoppers), 2):  # what stops it, unless it is judged
                    if not isinstance(bad, click.Option) or stoppers[i] not in bad.opts:
                        argv += [o for o in stoppers[i : i + 2] if o]
                label = f"{' '.join(path)} {bad.name}={value[:12]!r}"
                yield label, _reorder(argv, command, path)


def _flag(param: click.Parameter) -> bool:
    return isinstance(param, click.Option) and param.is_flag


def _reorder(argv: list[str], command: click.Command, path: tuple[str, ...]) -> list[str]:
    """Options first, then ``--`` and the arguments, so that "-5" given to an argument stays
    an argument."""
    rest = argv[len(path) :]
    options: list[str] = []
    arguments: list[str] = []
    names = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
    i = 0
    while i < len(rest):
        if rest[i] in names:
            options.append(rest[i])
            takes = next(
                p for p in command.params if isinstance(p, click.Option) and rest[i] in p.opts
            )
            if not takes.is_flag:
                options.append(rest[i + 1])
                i += 1
        else:
            arguments.append(rest[i])
        i += 1
    return [*path, *options, "--", *arguments] if arguments else [*path, *options]


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, on either database."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sorted(sa.inspect(conn).get_table_names())
            return {
                t: sorted(map(tuple, conn.execute(sa.text(f'SELECT * FROM "{t}"'))), key=repr)
                for t in tables
                if not t.startswith("sqlite_")
            }
    finally:
        engine.dispose()


def the_story(run: Any, tmp_path: Path) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim"))
    ok(run("followup", "add", "S. Martin", "--kind", "call", "--at", "2027-01-10 10:00"))
    ok(run("track", "open", "Karim", "--goal", "a goal"))
    ok(run("ical", "link", "--participant", "S. Martin"))


def judged(run: Any, url: str, everything: bool, db: str | None = None) -> list[str]:
    """Run every bad command line; the problems found, one line each."""
    before = snapshot(url)
    problems = []
    for label, argv in command_lines(everything):
        result = run(*argv, db=db) if db else run(*argv)
        out = result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        if result.exit_code == 0:
            problems.append(f"{label}: accepted (exit 0)")
        elif not isinstance(result.exception, SystemExit):
            problems.append(f"{label}: {type(result.exception).__name__}: {result.exception}")
        elif "unexpected" in out.lower() or "Traceback" in out:
            problems.append(f"{label}: {lines[-1][:200] if lines else out[:200]}")
        elif any(len(line) > 300 for line in lines):
            problems.append(f"{label}: an error line of {max(map(len, lines))} characters")
        elif not lines or not any(line.startswith("Error") for line in lines):
            problems.append(f"{label}: no error said ({out[:100]!r})")
        after = snapshot(url)
        if after != before:
            changed = [t for t in after if after[t] != before.get(t)]
            problems.append(f"{label}: changed {', '.join(changed)}")
            before = after
    return problems


def test_every_command_refuses_every_bad_value_cleanly_on_sqlite(
    run, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)  # a command that writes a file by mistake writes it here
    the_story(run, tmp_path)
    assert len(list(command_lines(True))) > 300  # the walk found the commands
    problems = judged(run, sqlite_url, everything=True)
    assert problems == [], "\n".join(problems)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in tmp_path.iterdir() if p.name in ("programs.db", "home")
    )


def test_every_command_refuses_huge_values_cleanly_on_postgresql(
    run, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert ok(run("init", db=pg_url))

    def on_pg(*args: str, db: str | None = None) -> Any:
        return run(*args, db=pg_url)

    the_story(on_pg, tmp_path)
    problems = judged(on_pg, pg_url, everything=False)
    assert problems == [], "\n".join(problems)
