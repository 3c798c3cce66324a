"""Reminders: the right message, to the right person, once, on time — through channels.

Rules (defaults in the config file, per program in the database) say who is reminded of
what and when; an outbox in the database holds one row per reminder, kept in step by the
core's events and by ``programs reminders plan``; ``programs reminders send`` (cron) or
``run`` (a loop) sends what is due through registered channels (``email``, ``console``, or a
third party's). See ``docs/reminders.md``.

This module only wires hooks and stays light: ``programs --help`` imports it. Everything
heavy is imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from programs.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import click
    from sqlmodel import Session as DbSession

    from programs.api import (
        Alarm,
        App,
        CalendarItem,
        CalendarScope,
        Enrollment,
        FollowUp,
        Participant,
        Program,
        Session,
    )


@hookimpl
def register_commands(cli: click.Group) -> None:
    from programs.plugins.reminders.cohort_commands import invite, message
    from programs.plugins.reminders.commands import reminders

    cli.add_command(reminders)
    cli.add_command(message)
    cli.add_command(invite)


@hookimpl
def register_channels(register: Callable[[Any], None]) -> None:
    from programs.plugins.reminders.console import ConsoleChannel

    register(ConsoleChannel())


@hookimpl
def register_migrations(register: Callable[[Any], None]) -> None:
    from programs.api import Migrations

    register(
        Migrations(name="reminders", versions_dir=Path(__file__).parent / "migrations" / "versions")
    )


@hookimpl
def startup(app: App) -> None:
    """Check the settings once, so a typo is reported before anything is sent."""
    from programs.plugins.reminders.rules import default_rules
    from programs.plugins.reminders.settings import load_settings

    load_settings(app)
    default_rules(app.config)


# --- keeping the outbox in step --------------------------------------------------------


@hookimpl
def on_session_added(app: App, session: Session, program: Program) -> None:
    from programs.plugins.reminders.sync import session_changed

    session_changed(app, session.id, program.id)  # type: ignore[arg-type]


@hookimpl
def on_session_moved(app: App, session: Session, program: Program) -> None:
    from programs.plugins.reminders.notices import on_session
    from programs.plugins.reminders.sync import session_changed

    session_changed(app, session.id, program.id)  # type: ignore[arg-type]
    on_session(app, "session-moved", session.id, program.id)  # type: ignore[arg-type]


@hookimpl
def on_session_cancelled(app: App, session: Session, program: Program) -> None:
    from programs.plugins.reminders.notices import on_session
    from programs.plugins.reminders.sync import session_changed

    session_changed(app, session.id, program.id)  # type: ignore[arg-type]
    on_session(app, "session-cancelled", session.id, program.id)  # type: ignore[arg-type]


@hookimpl
def on_program_changed(app: App, program: Program) -> None:
    """A new time zone moves the wall-clock reminders ("2 days before, same time")."""
    from programs.plugins.reminders.sync import program_changed

    program_changed(app, program.id)  # type: ignore[arg-type]


@hookimpl
def on_program_cancelled(app: App, program: Program) -> None:
    from programs.plugins.reminders.notices import on_program_cancelled as tell
    from programs.plugins.reminders.sync import program_changed

    program_changed(app, program.id)  # type: ignore[arg-type]
    tell(app, program.id)  # type: ignore[arg-type]


def _seat(app: App, program: Program, participant: Participant, notice: str) -> None:
    """Replan the person's reminders, then queue the notice of what happened to them."""
    from programs.plugins.reminders.notices import on_seat
    from programs.plugins.reminders.sync import seat_changed

    seat_changed(app, program.id, participant.id)  # type: ignore[arg-type]
    on_seat(app, notice, program.id, participant.id)  # type: ignore[arg-type]


@hookimpl
def on_enrolled(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    _seat(app, program, participant, "confirmation")


@hookimpl
def on_promoted(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    _seat(app, program, participant, "promoted")


@hookimpl
def on_withdrawn(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    _seat(app, program, participant, "withdrawn")


@hookimpl
def on_waitlisted(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    _seat(app, program, participant, "waitlisted")


@hookimpl
def on_participants_imported(app: App, program: Program | None, participant_ids: list[int]) -> None:
    if program is None:
        return
    from programs.plugins.reminders.sync import program_changed

    program_changed(app, program.id)  # type: ignore[arg-type]


def _followup(app: App, followup: FollowUp) -> None:
    from programs.plugins.reminders.sync import followup_changed

    followup_changed(app, followup.id)  # type: ignore[arg-type]


@hookimpl
def on_followup_planned(app: App, followup: FollowUp) -> None:
    _followup(app, followup)


@hookimpl
def on_followup_moved(app: App, followup: FollowUp) -> None:
    _followup(app, followup)


@hookimpl
def on_followup_cancelled(app: App, followup: FollowUp) -> None:
    _followup(app, followup)


@hookimpl
def on_followup_done(app: App, followup: FollowUp) -> None:
    _followup(app, followup)


@hookimpl
def on_followup_missed(app: App, followup: FollowUp) -> None:
    _followup(app, followup)


# --- personal data ---------------------------------------------------------------------


@hookimpl
def participant_data(app: App, db: DbSession, participant: Participant) -> dict[str, Any] | None:
    from programs.plugins.reminders.sync import export

    return export(db, participant)


@hookimpl
def erase_participant_data(app: App, db: DbSession, participant: Participant) -> None:
    from programs.plugins.reminders.sync import erase

    erase(db, participant)


# --- calendar alarms and the demo ------------------------------------------------------


@hookimpl
def calendar_item_alarms(
    app: App, db: DbSession, items: Sequence[CalendarItem], scope: CalendarScope
) -> dict[str, list[Alarm]]:
    from programs.plugins.reminders.alarms import alarms_for

    return alarms_for(app, db, items, scope)


@hookimpl
def demo_sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    from programs.plugins.reminders.demo import sections

    return sections(app, workdir)
