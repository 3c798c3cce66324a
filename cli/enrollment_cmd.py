"""``enroll``, ``withdraw`` and ``attend``: people in programs and at sessions.

Several people on one command line go in one transaction: if one of them cannot be enrolled
(unknown, already enrolled, refused by a plugin), nobody is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from programs.cli.toolkit import pass_app

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.app import App


@click.command()
@click.argument("slug")
@click.argument("people", metavar="PERSON...", nargs=-1, required=True)
@pass_app
def enroll(app: App, slug: str, people: tuple[str, ...]) -> None:
    """Enroll one or more people in program SLUG; when it is full they go on the waitlist.

    PERSON is an id, an email or an unambiguous part of a name. All or nobody: if one
    cannot be enrolled, nothing is written.

    \b
    Example:
      programs enroll marseille-2026 "S. Martin"
      programs enroll marseille-2026 12 lea@example.com "Karim"
    """
    from programs.domain.base import get_program
    from programs.domain.enrollment import enroll as enroll_one
    from programs.domain.enrollment import waitlist
    from programs.domain.participant import find_person
    from programs.models import EnrollmentStatus

    with app.write() as db:
        program = get_program(db, slug)
        done = []
        for ref in people:
            person = find_person(db, ref)
            done.append((person, enroll_one(db, program=program, participant=person)))
        queue = [e.id for e in waitlist(db, program)]
        lines = []
        for person, enrollment in done:
            if enrollment.status == EnrollmentStatus.ENROLLED:
                text = _("enrolled: {name} (#{id}) in {slug}")
                lines.append(text.format(name=person.name, id=person.id, slug=slug))
            else:
                text = _("waitlisted (position {position}): {name} (#{id}) in {slug}")
                position = queue.index(enrollment.id) + 1
                lines.append(
                    text.format(position=position, name=person.name, id=person.id, slug=slug)
                )
    for line in lines:  # printed once committed
        click.echo(line)


@click.command()
@click.argument("slug")
@click.argument("person")
@pass_app
def withdraw(app: App, slug: str, person: str) -> None:
    """Take PERSON out of program SLUG; the first person waiting gets the seat.

    \b
    Example:
      programs withdraw marseille-2026 "S. Martin"
    """
    from programs.domain.base import get_program
    from programs.domain.enrollment import withdraw as withdraw_one
    from programs.domain.participant import find_person
    from programs.models import Participant

    with app.write() as db:
        program = get_program(db, slug)
        leaving = find_person(db, person)
        result = withdraw_one(db, program=program, participant=leaving)
        lines = [
            _("withdrawn: {name} (#{id}) from {slug}").format(
                name=leaving.name, id=leaving.id, slug=slug
            )
        ]
        if result.promoted is not None:
            promoted = db.get(Participant, result.promoted.participant_id)
            assert promoted is not None
            lines.append(
                _("enrolled from the waitlist: {name} (#{id})").format(
                    name=promoted.name, id=promoted.id
                )
            )
    for line in lines:
        click.echo(line)


@click.command()
@click.argument("session_id", metavar="SESSION")
@click.argument("people", metavar="PERSON...", nargs=-1, required=True)
@click.option("--absent", is_flag=True, help="Record them as absent instead of present.")
@click.option(
    "--half",
    type=click.Choice(["morning", "afternoon"]),
    help="Only this half-day of a session spanning the day [default: both].",
)
@pass_app
def attend(
    app: App, session_id: str, people: tuple[str, ...], absent: bool, half: str | None
) -> None:
    """Record who was at session SESSION (its id), or with --absent who was not.

    A session starting before 12:00 and ending after 14:00 has a morning and an afternoon
    ([core] half_day_start_before, half_day_end_after): both are marked unless --half says
    one. Attendance is recorded once the session has started. Marking someone again replaces
    their previous mark. All or nobody.

    \b
    Example:
      programs attend 1 "S. Martin" "Karim" lea@example.com
      programs attend 1 "Paul" --absent
      programs attend 1 "Léa" --half morning
    """
    from programs.domain.attendance import mark_attendance
    from programs.domain.participant import find_person
    from programs.domain.session import get_session

    with app.write() as db:
        meeting = get_session(db, session_id)
        names = []
        for ref in people:
            person = find_person(db, ref)
            marked = mark_attendance(
                db, session=meeting, participant=person, present=not absent, half=half
            )
            names.append((person.name, person.id, [a.half for a in marked]))
    texts = {
        (False, "whole"): _("present: {name} (#{id}) at session #{session}"),
        (True, "whole"): _("absent: {name} (#{id}) at session #{session}"),
        (False, "morning"): _("present: {name} (#{id}) at session #{session}, morning"),
        (True, "morning"): _("absent: {name} (#{id}) at session #{session}, morning"),
        (False, "afternoon"): _("present: {name} (#{id}) at session #{session}, afternoon"),
        (True, "afternoon"): _("absent: {name} (#{id}) at session #{session}, afternoon"),
        (False, "both"): _("present: {name} (#{id}) at session #{session}, morning and afternoon"),
        (True, "both"): _("absent: {name} (#{id}) at session #{session}, morning and afternoon"),
    }
    for name, pid, halves in names:
        shown = "both" if len(halves) == 2 else halves[0]
        click.echo(texts[absent, shown].format(name=name, id=pid, session=meeting.id))
