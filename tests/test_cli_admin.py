"""`programs init` and `programs backup`, and a database that cannot be used."""

from __future__ import annotations

import sqlite3

from cli_support import check_refusals, db_path, ok, refused, small_story


def test_init_is_safe_to_run_again(run, sqlite_url) -> None:
    small_story(run)
    out = ok(run("init")).stdout
    assert "upgraded" not in out and "database ready" in out
    assert ok(run("participant", "show", "Karim")).stdout.startswith("#3 Karim Benali")


def test_backup_is_a_readable_copy(run, tmp_path) -> None:
    small_story(run)
    target = tmp_path / "backup.db"
    assert str(target) in ok(run("backup", str(target))).stdout
    con = sqlite3.connect(target)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM participant ORDER BY id")]
    finally:
        con.close()
    assert names == ["S. Martin", "S. Martinez", "Karim Benali", "Léa Roux"]


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    check_refusals(
        run,
        sqlite_url,
        [
            (("backup", db_path(sqlite_url)), "must not be the database itself"),
            (("backup", str(tmp_path / "missing" / "b.db")), "does not exist"),
            (("backup", str(tmp_path)), "is a directory", 2),
            (("backup",), "TARGET", 2),
        ],
    )
    refused(run("init", db="foo://nowhere"), "cannot use database URL foo://")
    refused(run("list", db=str(tmp_path / "empty.db")), "not initialised: run `programs init`")
