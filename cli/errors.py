"""Turning exceptions into what a person sees: one line, no traceback."""

from __future__ import annotations

import os
import re
import sys

import click


class ProgramsClickError(click.ClickException):
    exit_code = 1


_LONG_QUOTED = re.compile(r"'((?:[^'\\]|\\.){61,})'|\"((?:[^\"\\]|\\.){61,})\"")
_LONG_WORD = re.compile(r"\S{101,}")


LINE_CHARACTERS = 300


def tidy(message: str) -> str:
    """Long pieces of what was typed cut out of a line over 300 characters, whatever said it
    (the core, a plugin, click): a quoted value over 60 characters becomes its start and its
    length, a word over 100 characters its start; an error stays a line a person can read.
    Shorter lines are left alone (their apostrophes are prose, not quotes)."""
    if all(len(line) <= LINE_CHARACTERS for line in message.splitlines()):
        return message
    return "\n".join(_tidy_line(line) for line in message.splitlines())


def _tidy_line(message: str) -> str:
    if len(message) <= LINE_CHARACTERS:
        return message
    from programs.i18n import gettext as _

    def quoted(match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        mark = "'" if match.group(1) is not None else '"'
        return _("{text} ({length} characters)").format(
            text=f"{mark}{inner[:40]}…{mark}", length=len(inner)
        )

    message = _LONG_QUOTED.sub(quoted, message)
    return _LONG_WORD.sub(lambda m: m.group(0)[:40] + "…", message)


def as_click_error(exc: BaseException) -> click.ClickException:
    """A domain error keeps its message; anything else is a bug, said in one line, unless
    ``PROGRAMS_DEBUG=1`` asks for the traceback (then the exception is re-raised)."""
    from programs.errors import ProgramsError
    from programs.i18n import gettext as _

    if isinstance(exc, click.ClickException):
        return exc
    if isinstance(exc, ProgramsError):
        message = str(exc)
        problems = getattr(exc, "problems", None)
        if problems:
            message += "\n" + "\n".join(f"  {p}" for p in problems)
        return ProgramsClickError(tidy(message))
    if os.environ.get("PROGRAMS_DEBUG"):
        raise exc
    sa_exc = sys.modules.get("sqlalchemy.exc")  # loaded if the error is SQLAlchemy's
    driver = isinstance(exc, sa_exc.DBAPIError) if sa_exc is not None else False
    if driver and isinstance(exc, sa_exc.OperationalError):  # type: ignore[union-attr]
        # the database would not work (read-only file, full disk, lost server...)
        reason = _first_line(exc.orig)  # type: ignore[attr-defined]
        return ProgramsClickError(_("database error: {reason}").format(reason=reason))
    # One line: SQLAlchemy's message goes on with the statement, its parameters (people's
    # data) and a "Background" link; the driver's own first line is the reason.
    reason = _first_line(exc.orig if driver else exc)  # type: ignore[attr-defined]
    return ProgramsClickError(
        _("unexpected {kind}: {reason} (set PROGRAMS_DEBUG=1 to see the traceback)").format(
            kind=type(exc).__name__, reason=reason
        )
    )


def _first_line(error: object) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
