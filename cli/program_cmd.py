"""Top-level verbs on programs: ``create``, ``list``, ``show``, ``edit``, ``cancel``,
``complete``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from programs.cli import words
from programs.cli.toolkit import (
    Label,
    column,
    echo_fields,
    echo_json,
    echo_title,
    output_options,
    pass_app,
    render,
    span,
    wall_clock,
    when,
)

from programs.i18n import gettext as _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App
    from programs.models import Program


@click.command()
@click.argument("slug")
@click.option("--title", required=True, help="What participants call it.")
@click.option(
    "--tz", "timezone", metavar="ZONE", help="IANA time zone [default: [core] default_timezone]."
)
@click.option("--location", help="Where it takes place.")
@click.option("--capacity", type=int, help="Seats; more people go on a waitlist [no limit].")
@click.option("--description", help="A longer description.")
@click.option(
    "--coach",
    "coach_ref",
    metavar="COACH",
    help="Whose it is, in a practice: a coach's id, email or name [the default coach].",
)
@pass_app
def create(app: App, slug: str, coach_ref: str | None, **fields: Any) -> None:
    """Create a group program named SLUG (lowercase letters, digits and dashes).

    \b
    Example:
      programs create marseille-2026 --title "Accompagnement collectif" \\
          --tz Europe/Paris --location Marseille --capacity 12
    """
    from programs.domain.coach import get_coach
    from programs.domain.program import create_program

    with app.write() as db:
        coach = get_coach(db, coach_ref) if coach_ref else None
        program = create_program(db, slug=slug, coach=coach, **fields)
        click.echo(
            _("created program {slug} ({timezone})").format(
                slug=program.slug, timezone=program.timezone
            )
        )


@click.command("list")
@click.option("--status", type=click.Choice(["open", "cancelled", "completed"]), help="Only these.")
@output_options
@pass_app
def list_programs(app: App, status: str | None, fmt: str) -> None:
    """List programs with how full they are (enrolled/capacity, people waiting).

    \b
    Example:
      programs list
      programs list --status open --json
    """
    from programs.domain.fill import program_summaries

    with app.quick_read() as read:  # no ORM class built: faster than SQLModel's own import
        rows = [
            {
                "slug": p.slug,
                "title": p.title,
                "status": words.word("program", p.status, fmt),
                "timezone": p.timezone,
                "location": p.location,
                "fill": words.fill(p.fill.enrolled, p.fill.capacity, _waiting(p.status, p.fill))
                if fmt == "table"
                else p.fill.machine,
                "enrolled": p.fill.enrolled,
                "waitlisted": p.fill.waitlisted,
                "capacity": p.fill.capacity,
            }
            for p in program_summaries(read, status=status)  # one query, however many programs
        ]
    columns = ["slug", "title", "status", "timezone", "location", "fill"]
    if fmt != "table":
        columns += ["enrolled", "waitlisted", "capacity"]
    render(rows, fmt, title=_("Programs"), columns=columns, empty=_("No program yet."))


def attendance_word(halves: dict[str, bool] | None) -> str | None:
    """A person at a session, in one machine word: ``present`` (at every half-day marked),
    ``absent``, ``morning`` or ``afternoon`` (only then), None when nothing is marked."""
    if not halves:
        return None
    if all(halves.values()):
        return "present"
    if not any(halves.values()):
        return "absent"
    return "morning" if halves.get("morning") else "afternoon"


def program_report(db: DbSession, program: Program) -> dict[str, Any]:
    """Everything ``show`` prints, as one JSON-able object (times ISO with their offset)."""
    from programs.domain.attendance import marks_of
    from programs.domain.enrollment import roster
    from programs.domain.fill import program_fill
    from programs.domain.session import list_sessions
    from programs.models import Coach, EnrollmentStatus, SessionStatus

    tz = program.timezone
    fill = program_fill(db, program)
    sessions = list_sessions(db, program)
    marks = marks_of(db, [s.id for s in sessions])  # type: ignore[misc]
    counted = [s for s in sessions if s.status != SessionStatus.CANCELLED]
    members, waiting = [], []
    for enrollment, person in roster(db, program):
        if enrollment.status == EnrollmentStatus.WAITLISTED:
            waiting.append(
                {
                    "position": len(waiting) + 1,
                    "id": person.id,
                    "name": person.name,
                    "email": person.email,
                    "since": when(enrollment.requested_at, tz, "json"),
                }
            )
            continue
        attendance = {}
        for s in counted:
            mark = marks.get((s.id, person.id))  # type: ignore[arg-type]
            attendance[str(s.id)] = attendance_word(mark)
        members.append(
            {
                "id": person.id,
                "name": person.name,
                "email": person.email,
                "status": enrollment.status,
                "attendance": attendance,
            }
        )
    coach = db.get(Coach, program.coach_id) if program.coach_id else None
    return {
        "slug": program.slug,
        "title": program.title,
        "coach": coach.name if coach else None,
        "status": program.status,
        "timezone": tz,
        "location": program.location,
        "description": program.description,
        "capacity": program.capacity,
        "enrolled": fill.enrolled,
        "waitlisted": fill.waitlisted,
        "fill": fill.machine,
        "sessions": [
            {
                "id": s.id,
                "title": s.title,
                "start": when(s.start, tz, "json"),
                "end": when(s.end, tz, "json"),
                "when": span(s.start, s.end, tz, "json"),
                "location": s.location,
                "status": s.status,
                "revision": s.revision,
            }
            for s in sessions
        ],
        "roster": members,
        "waitlist": waiting,
    }


def echo_report(report: dict[str, Any]) -> None:
    """The report as a person reads it: a header, then tables, in the coach's language."""
    tz = report["timezone"]
    click.echo(click.style(f"{report['title']} ({report['slug']})", bold=True))
    echo_fields(
        [
            (_("coach"), report["coach"]),
            (_("status"), words.word("program", report["status"])),
            (_("timezone"), tz),
            (_("place"), report["location"]),
            (
                _("fill"),
                words.fill(
                    report["enrolled"],
                    report["capacity"],
                    report["waitlisted"] if report["status"] == "open" else 0,
                ),
            ),
            (_("about"), report["description"]),
        ]
    )
    sessions = report["sessions"]
    shown = column("when", tz, "table")
    echo_title(_("Sessions"))
    render(
        [
            {
                **s,
                shown: span(_moment(s["start"]), _moment(s["end"]), tz),
                "status": words.word("session", s["status"]),
            }
            for s in sessions
        ],
        "table",
        columns=["id", "title", shown, "location", "status", "revision"],
        empty=_("No session yet: programs session add SLUG --start ... --end ..."),
    )
    echo_title(_("Roster"))
    counted = [s for s in sessions if s["status"] != "cancelled"]
    labels = {
        str(s["id"]): Label(
            _("#{id} {title}").format(
                id=s["id"], title=s["title"] or _day(wall_clock(s["start"], tz))
            )
        )
        for s in counted
    }
    render(
        [
            {
                "id": m["id"],
                "participant": m["name"],
                "status": words.word("enrollment", m["status"]),
                **{labels[k]: words.word("attendance", v) for k, v in m["attendance"].items()},
            }
            for m in report["roster"]
        ],
        "table",
        columns=["id", "participant", "status", *labels.values()],
        empty=_("Nobody enrolled yet: programs enroll SLUG PERSON..."),
    )
    if report["waitlist"]:
        echo_title(_("Waitlist"))
        render(
            [{**w, "participant": w["name"]} for w in report["waitlist"]],
            "table",
            columns=["position", "id", "participant", "email"],
        )


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _day(shown: str | None) -> str:
    """The day of a table's time (``Thu 3 Dec 2026, 09:00`` -> ``Thu 3 Dec 2026``)."""
    return (shown or "").rsplit(",", 1)[0]


@click.command()
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def show(app: App, slug: str, as_json: bool) -> None:
    """Show a program: fill, sessions, roster with attendance, and the waitlist.

    Times are in the program's time zone.

    \b
    Example:
      programs show marseille-2026
      programs show marseille-2026 --json
    """
    from programs.domain.base import get_program

    with app.read() as db:
        report = program_report(db, get_program(db, slug))
    if as_json:
        echo_json(report)
    else:
        echo_report(report)


@click.command()
@click.argument("slug")
@click.option("--title", help="New title.")
@click.option(
    "--tz", "timezone", metavar="ZONE", help="New time zone (sessions keep their instant)."
)
@click.option("--location", help="New place.")
@click.option(
    "--capacity", type=int, help="New number of seats; raising it promotes people waiting."
)
@click.option("--description", help="New description.")
@pass_app
def edit(app: App, slug: str, **changes: Any) -> None:
    """Change a program's title, time zone, place, capacity or description.

    \b
    Example:
      programs edit marseille-2026 --capacity 14 --location "Marseille, La Joliette"
    """
    from programs.domain.base import get_program
    from programs.domain.fill import program_fill
    from programs.domain.program import edit_program

    if all(v is None for v in changes.values()):
        raise click.UsageError(
            _("give at least one of --title, --tz, --location, --capacity, --description")
        )
    with app.write() as db:
        program = get_program(db, slug)
        old = edit_program(db, program, **changes)
        program = get_program(db, slug)
        lines = [_changed(slug, key, value, getattr(program, key)) for key, value in old.items()]
        if not old:
            lines.append(_("{slug}: nothing changed").format(slug=slug))
        if "capacity" in old:
            fill = program_fill(db, program)
            lines.append(
                _("{slug}: fill {fill}").format(
                    slug=slug, fill=words.fill(fill.enrolled, fill.capacity, fill.waitlisted)
                )
            )
    for line in lines:  # printed once committed
        click.echo(line)


def _changed(slug: str, key: str, before: Any, after: Any) -> str:
    """``marseille-2026: capacity 12 -> 14``; nothing is ``(none)``, never ``None``."""
    names = {
        "title": _("title"),
        "timezone": _("timezone"),
        "location": _("location"),
        "capacity": _("capacity"),
        "description": _("description"),
    }
    return _("{slug}: {field} {before} -> {after}").format(
        slug=slug, field=names.get(key, key), before=_value(before, key), after=_value(after, key)
    )


def _waiting(status: str, fill: Any) -> int:
    """People waiting, as a listing shows them: a closed program's waitlist is closed too."""
    return fill.waitlisted if status == "open" else 0


def _value(value: Any, key: str) -> str:
    if key == "capacity" and value is None:
        return _("no limit")
    return _("(none)") if value is None or value == "" else str(value)


@click.command()
@click.argument("slug")
@pass_app
def cancel(app: App, slug: str) -> None:
    """Cancel a program and all its sessions (they stay listed, marked cancelled).

    \b
    Example:
      programs cancel marseille-2026
    """
    from programs.domain.base import get_program
    from programs.domain.program import cancel_program

    with app.write() as db:
        cancel_program(db, get_program(db, slug))
    click.echo(_("cancelled program {slug} and its sessions").format(slug=slug))


@click.command()
@click.argument("slug")
@pass_app
def complete(app: App, slug: str) -> None:
    """Mark a program completed: participants with a seat completed it; the waitlist closes.

    \b
    Example:
      programs complete marseille-2026
    """
    from programs.domain.base import get_program
    from programs.domain.program import complete_program

    with app.write() as db:
        complete_program(db, get_program(db, slug))
    click.echo(_("completed program {slug}").format(slug=slug))


@click.command()
@click.argument("slug")
@pass_app
def reopen(app: App, slug: str) -> None:
    """Open a cancelled or completed program again (a closed program takes no other change).

    A completed program's participants are enrolled again; a cancelled program's sessions
    stay cancelled (add new ones).

    \b
    Example:
      programs reopen marseille-2026
    """
    from programs.domain.base import get_program
    from programs.domain.program import reopen_program
    from programs.models import ProgramStatus

    with app.write() as db:
        program = get_program(db, slug)
        was = program.status
        reopen_program(db, program)
    if was == ProgramStatus.CANCELLED:
        click.echo(
            _("reopened program {slug}; its cancelled sessions stay cancelled").format(slug=slug)
        )
    else:
        click.echo(
            _("reopened program {slug}; its participants are enrolled again").format(slug=slug)
        )
