"""programs-seatlog: a log of seats, and enrollments closed to some email domains.

Loaded by ``programs --help``: only the hook marker is imported here; SQLModel, click and
programs.api are imported inside the hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programs.hookspecs import hookimpl

if TYPE_CHECKING:
    import click
    from sqlmodel import Session as DbSession

    from programs.api import App, Enrollment, Participant, Program

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_commands(cli: click.Group) -> None:
    from programs_seatlog.commands import seatlog

    cli.add_command(seatlog)


@hookimpl
def register_migrations(register: Callable[[Any], None]) -> None:
    from programs.api import Migrations

    register(Migrations("seatlog", VERSIONS_DIR))


@hookimpl
def startup(app: App) -> None:
    from programs_seatlog.settings import refuse_domains

    refuse_domains(app)  # a bad setting stops the command with a clear message


@hookimpl
def check_enrollment(app: App, participant: Participant) -> str | None:
    from programs_seatlog.settings import refuse_domains

    domain = (participant.email or "").rpartition("@")[2].lower()
    if domain and domain in refuse_domains(app):
        return f"enrollments from {domain} are closed"
    return None


def _log(app: App, event: str, program: Program, participant: Participant) -> None:
    from programs_seatlog.models import SeatlogEntry

    with app.write() as db:
        db.add(
            SeatlogEntry(
                event=event,
                program_slug=program.slug,
                participant_id=participant.id,
                participant_name=participant.name,
            )
        )


@hookimpl
def on_enrolled(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    _log(app, "enrolled", program, participant)


@hookimpl
def on_waitlisted(app: App, program: Program, participant: Participant) -> None:
    _log(app, "waitlisted", program, participant)


@hookimpl
def on_withdrawn(app: App, program: Program, participant: Participant) -> None:
    _log(app, "withdrawn", program, participant)


@hookimpl
def on_promoted(app: App, program: Program, participant: Participant) -> None:
    _log(app, "promoted", program, participant)


@hookimpl
def participant_data(db: DbSession, participant: Participant) -> dict[str, Any] | None:
    from programs_seatlog.models import entries_of

    entries = entries_of(db, participant.id)
    if not entries:
        return None
    return {"entries": [{"event": e.event, "program": e.program_slug} for e in entries]}


@hookimpl
def erase_participant_data(db: DbSession, participant: Participant) -> None:
    from programs_seatlog.models import entries_of

    for entry in entries_of(db, participant.id):
        db.delete(entry)
    db.flush()
