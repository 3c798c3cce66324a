"""Turning exceptions into what a person sees: one line, no traceback."""

from __future__ import annotations

import os

import click


class ProgramsClickError(click.ClickException):
    exit_code = 1


def as_click_error(exc: BaseException) -> click.ClickException:
    """A domain error keeps its message; anything else is a bug, said in one line, unless
    ``PROGRAMS_DEBUG=1`` asks for the traceback (then the exception is re-raised)."""
    from programs.errors import ProgramsError

    if isinstance(exc, click.ClickException):
        return exc
    if isinstance(exc, ProgramsError):
        message = str(exc)
        problems = getattr(exc, "problems", None)
        if problems:
            message += "\n" + "\n".join(f"  {p}" for p in problems)
        return ProgramsClickError(message)
    if os.environ.get("PROGRAMS_DEBUG"):
        raise exc
    return ProgramsClickError(
        f"unexpected {type(exc).__name__}: {exc} (set PROGRAMS_DEBUG=1 to see the traceback)"
    )
