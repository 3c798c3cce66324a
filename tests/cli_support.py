"""Helpers for the CLI tests: what a refused command must look like, and a snapshot of the
database read with the standard library's sqlite3 (not the code under test), to prove that
nothing was written."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from click.testing import Result


def db_path(sqlite_url: str) -> str:
    return sqlite_url.removeprefix("sqlite:///")


def snapshot(sqlite_url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (except the migration version tables), in rowid order."""
    con = sqlite3.connect(db_path(sqlite_url))
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'alembic_version%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        con.close()


def rows(sqlite_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db_path(sqlite_url))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def ok(result: Result) -> Result:
    """The command succeeded; returns the result for chaining."""
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def refused(result: Result, says: str | None = None, *, code: int = 1) -> None:
    """A user mistake: the right exit code, ``Error: ...`` on stderr (one line for exit 1),
    no traceback, nothing escaped as an unexpected exception."""
    out = f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.exit_code == code, out
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr + result.stdout, out
    if code == 1:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, out
        assert lines[0].startswith("Error: "), out
        assert "unexpected" not in lines[0], out
    else:
        assert "Error: " in result.stderr, out
    if says is not None:
        assert says.lower() in result.stderr.lower(), out


def refused_unchanged(
    run_result: Result, sqlite_url: str, before: dict, says: str | None = None, *, code: int = 1
) -> None:
    """:func:`refused`, and the database holds exactly what it held before."""
    refused(run_result, says, code=code)
    assert snapshot(sqlite_url) == before


def check_refusals(run: Any, sqlite_url: str, cases: list[tuple[Any, ...]]) -> None:
    """Each case ``(args, says[, exit code])`` is refused and leaves the database as it was."""
    for args, says, *code in cases:
        before = snapshot(sqlite_url)
        result = run(*args)
        try:
            refused(result, says, code=code[0] if code else 1)
        except AssertionError as exc:
            raise AssertionError(f"programs {' '.join(args)}: {exc}") from None
        assert snapshot(sqlite_url) == before, f"programs {' '.join(args)} wrote to the database"


def small_story(run: Any, *, capacity: int = 3) -> None:
    """A coach, program ``marseille-2026`` (Europe/Paris) with two sessions (ids 1 and 2),
    and participants #1 S. Martin, #2 S. Martinez, #3 Karim Benali, #4 Léa Roux."""
    ok(run("coach", "set", "--name", "Claire Dubois", "--phone", "06 12 34 56 78"))
    ok(
        run(
            "create",
            "marseille-2026",
            "--title",
            "Accompagnement collectif",
            "--location",
            "Marseille",
            "--capacity",
            str(capacity),
        )
    )
    ok(
        run(
            "session",
            "add",
            "marseille-2026",
            "--start",
            "2026-12-03 09:00",
            "--end",
            "17:00",
            "--title",
            "Jour 1",
        )
    )
    ok(
        run(
            "session",
            "add",
            "marseille-2026",
            "--start",
            "2027-01-14 09:00",
            "--end",
            "17:00",
            "--title",
            "Jour 2",
        )
    )
    ok(
        run(
            "participant",
            "add",
            "S. Martin",
            "--email",
            "s.martin@example.com",
            "--role",
            "pre-sales support",
        )
    )
    ok(run("participant", "add", "S. Martinez", "--email", "s.martinez@example.com"))
    ok(run("participant", "add", "Karim Benali", "--tz", "America/Montreal"))
    ok(run("participant", "add", "Léa Roux"))


def plan(run: Any, person: str, kind: str, at: str, **options: str) -> Result:
    """``programs followup add PERSON --kind KIND --at AT --option value...``, which must
    succeed (the one way the CLI tests plan a follow-up)."""
    args = ["followup", "add", person, "--kind", kind, "--at", at]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    return ok(run(*args))
