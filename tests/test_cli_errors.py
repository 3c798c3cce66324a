"""What a person sees when something goes wrong that is not their typing: one line."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from programs.cli.errors import as_click_error


def _driver_error(cls: type[sa.exc.DBAPIError], message: str) -> sa.exc.DBAPIError:
    return cls("INSERT INTO program (slug) VALUES (?)", ("x",), sqlite3.OperationalError(message))


def test_a_database_that_refuses_to_work_is_one_line_with_the_reason() -> None:
    # a read-only file, a full disk, a lock held too long: the driver's reason, on one line,
    # without SQLAlchemy's statement and "Background on this error" lines
    for message in ("attempt to write a readonly database", "database or disk is full"):
        error = as_click_error(_driver_error(sa.exc.OperationalError, message))
        assert error.format_message() == f"database error: {message}"
        assert error.exit_code == 1


def test_a_bug_is_one_line_unless_debugging(monkeypatch: pytest.MonkeyPatch) -> None:
    bug = _driver_error(sa.exc.IntegrityError, "UNIQUE constraint failed: program.slug")
    shown = as_click_error(bug).format_message()
    assert "\n" not in shown
    assert shown.startswith("unexpected IntegrityError: ")
    assert "UNIQUE constraint failed" in shown and "PROGRAMS_DEBUG=1" in shown
    assert "\n" not in as_click_error(ValueError("first\nsecond")).format_message()
    monkeypatch.setenv("PROGRAMS_DEBUG", "1")
    with pytest.raises(sa.exc.IntegrityError):
        as_click_error(bug)
    with pytest.raises(sa.exc.OperationalError):  # the traceback, when asked for
        as_click_error(_driver_error(sa.exc.OperationalError, "database is locked"))
