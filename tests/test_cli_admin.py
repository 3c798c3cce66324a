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
            (("backup", str(tmp_path)), "is a folder; give a file name"),
            (("backup",), "TARGET", 2),
        ],
    )
    refused(run("init", db="foo://nowhere"), "unsupported database URL foo://")
    refused(run("list", db=str(tmp_path / "empty.db")), "not initialised: run `programs init`")


def test_a_database_that_cannot_be_opened_says_why_in_one_line(run, tmp_path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for command in ("list", "init"):
        refused(run(command, db=str(folder)), "is a folder")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all\n" * 100)
    for args in (("list",), ("init",), ("create", "x", "--title", "X")):
        refused(run(*args, db=str(text)), "file is not a database")
    assert text.read_text() == "not a database at all\n" * 100
    # nothing listens on port 1: that is not "not initialised"
    unreachable = "postgresql://127.0.0.1:1/programs"
    for command in ("list", "init"):
        refused(run(command, db=unreachable), "cannot open database")
