"""Errors a person can cause and fix. The CLI prints their message on one line, no traceback.

Anything else that escapes is a bug and is shown as one (``PROGRAMS_DEBUG=1`` for the trace).
"""

from __future__ import annotations

from programs.i18n import _


class ProgramsError(Exception):
    """A mistake in what the user asked for; the message says what and how to fix it."""

    exit_code = 1


class NotFound(ProgramsError):
    """No program, session, person... matches what was named."""


class Ambiguous(ProgramsError):
    """A name matches several records; the message lists the candidates."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


class InvalidInput(ProgramsError):
    """A value that cannot be read: a date, a phone number, a time zone, a CSV row..."""


class RuleViolation(ProgramsError):
    """The request breaks a domain rule (capacity, status, dates...)."""


class Vetoed(ProgramsError):
    """A plugin refused the change before commit; nothing was written."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(
            _("refused by plugin {plugin}: {message}").format(plugin=plugin, message=message)
        )
        self.plugin = plugin
        self.reason = message


class SchemaError(ProgramsError):
    """The database schema does not match this version of the code."""


class PluginError(ProgramsError):
    """A plugin could not be loaded or registered something invalid."""


def one_line(exc: BaseException) -> str:
    """An exception as one line: its first non-empty line, or its type when it has none."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__
