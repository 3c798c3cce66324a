"""``programs track``: individual coaching tracks, their progress, and which have stalled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from programs.cli import words
from programs.cli.toolkit import (
    column,
    echo_fields,
    echo_json,
    echo_title,
    header,
    output_options,
    pass_app,
    render,
    wall_clock,
    when,
    zoned,
)

from programs.i18n import gettext as _
from programs.i18n import ngettext

if TYPE_CHECKING:
    from programs.app import App
    from programs.domain.track import Progress


def track_row(
    app: App, p: Progress, fmt: str = "json", slugs: dict[int, str] | None = None
) -> dict[str, Any]:
    """One track as a listing row: progress "2 of 6", next planned, last activity, stalled.
    Times stay aware datetimes; :func:`zoned` formats them in ``timezone``. In a table
    (``fmt``), the status and the progress are in the coach's words."""
    return {
        "id": p.track.id,
        "participant": p.participant.name,
        "goal": p.track.goal,
        "program": (slugs or {}).get(p.track.program_id) if p.track.program_id else None,  # type: ignore[arg-type]
        "status": words.word("track", p.track.status, fmt),
        "progress": words.progress(p.done, p.track.planned_sessions) if fmt == "table" else str(p),
        "done": p.done,
        "planned_sessions": p.track.planned_sessions,
        "next_planned": p.next_planned,
        "last_activity": p.last_activity,
        "stalled": p.stalled,
        "outcome": p.track.outcome,
        "timezone": p.participant.timezone or app.settings.default_timezone,
    }


TIMES = ["next_planned", "last_activity"]


def program_slugs(db: Any) -> dict[int, str]:
    """``{program id: slug}``, for the tracks' program column."""
    from sqlmodel import select

    from programs.models import Program

    return {pid: slug for pid, slug in db.exec(select(Program.id, Program.slug))}


@click.group()
def track() -> None:
    """Individual coaching tracks (usually 6 to 10 sessions): open, close, list, show.

    Sessions of a track are follow-ups planned with --track ID.

    \b
    Example:
      programs track open "Karim" --goal "find his place as a new team lead" --sessions 6
      programs followup add "Karim" --kind session --at "2026-12-10 14:00" --track 1
      programs track list --stalled
    """


@track.command("open")
@click.argument("person")
@click.option("--goal", required=True, help="What the participant wants from it.")
@click.option("--sessions", type=int, help="Planned sessions [default: [core] track_sessions, 6].")
@click.option(
    "--coach",
    "coach_ref",
    metavar="COACH",
    help="Whose it is, in a practice: a coach's id, email or name [the default coach].",
)
@click.option(
    "--program",
    "slug",
    metavar="SLUG",
    help="The program it came from [default: the person's program, when they are in one].",
)
@pass_app
def open_track(
    app: App,
    person: str,
    goal: str,
    sessions: int | None,
    coach_ref: str | None,
    slug: str | None,
) -> None:
    """Open a track with PERSON, linked to the program it came from.

    \b
    Example:
      programs track open "Karim" --goal "find his place as a new team lead" --sessions 8
      programs track open "Léa" --goal "change jobs" --program marseille-2026
    """
    from programs.domain.base import get_program
    from programs.domain.coach import get_coach
    from programs.domain.participant import find_person
    from programs.domain.track import open_track as open_one
    from programs.domain.track import sole_program

    with app.write() as db:
        found = find_person(db, person)
        coach = get_coach(db, coach_ref) if coach_ref else None
        program = get_program(db, slug) if slug else sole_program(db, found)
        opened = open_one(
            db, participant=found, goal=goal, sessions=sessions, coach=coach, program=program
        )
        planned = opened.planned_sessions
        text = ngettext(
            "opened track #{id} with {name}: {n} session planned",
            "opened track #{id} with {name}: {n} sessions planned",
            planned,
        )
        click.echo(text.format(id=opened.id, name=found.name, n=planned))
        if program is not None:
            click.echo(_("from program {slug}").format(slug=program.slug))


@track.command("close")
@click.argument("track_id", metavar="ID")
@click.option("--outcome", required=True, help="How it ended.")
@pass_app
def close(app: App, track_id: str, outcome: str) -> None:
    """Close a track with its outcome.

    \b
    Example:
      programs track close 1 --outcome "leads his weekly meeting with confidence"
    """
    from programs.domain.track import close_track, get_track, progress

    with app.write() as db:
        closed = close_track(db, get_track(db, track_id), outcome=outcome)
        done = progress(db, closed).done
        text = ngettext(
            "closed track #{id} after {done} of {planned} session",
            "closed track #{id} after {done} of {planned} sessions",
            closed.planned_sessions,
        )
        click.echo(text.format(id=closed.id, done=done, planned=closed.planned_sessions))


@track.command("list")
@click.argument("person", required=False)
@click.option(
    "--stalled", is_flag=True, help="Only open tracks with nothing planned or done lately."
)
@output_options
@pass_app
def list_tracks(app: App, person: str | None, stalled: bool, fmt: str) -> None:
    """List tracks with their progress ("2 of 6"), next session and whether they stalled.

    A track is stalled when it is open, nothing is planned ahead, and nothing was done for
    [core] stalled_weeks weeks (default 3).

    \b
    Example:
      programs track list
      programs track list --stalled
      programs track list "Karim" --json
    """
    from programs.domain.participant import find_person
    from programs.domain.track import list_tracks as tracks

    with app.read() as db:
        found = find_person(db, person) if person else None
        found_tracks = tracks(db, participant=found, stalled_only=stalled)
        slugs = program_slugs(db)
        rows = [track_row(app, p, fmt, slugs) for p in found_tracks]
    names = zoned(rows, TIMES, fmt)
    columns = [
        "id",
        "participant",
        "goal",
        "program",
        "status",
        "progress",
        *names.values(),
        "stalled",
    ]
    render(
        rows,
        fmt,
        title=_("Tracks"),
        columns=columns if fmt == "table" else None,
        empty=_("No stalled track.") if stalled else _("No track."),
    )


@track.command("show")
@click.argument("track_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def show(app: App, track_id: str, as_json: bool) -> None:
    """Show a track: goal, progress, and its sessions (in the participant's time zone).

    \b
    Example:
      programs track show 1
      programs track show 1 --json
    """
    from programs.domain.followup import list_followups
    from programs.domain.track import get_track, progress

    times = [*TIMES, "opened_at", "closed_at"]
    with app.read() as db:
        found = get_track(db, track_id)
        report = track_row(app, progress(db, found), slugs=program_slugs(db))
        report["opened_at"], report["closed_at"] = found.opened_at, found.closed_at
        zoned([report], times, "json")
        tz = report["timezone"]
        report["sessions"] = [
            {
                "id": f.id,
                "kind": f.kind,
                "status": f.status,
                "start": when(f.start, tz, "json"),
                "minutes": f.duration_minutes,
                "topic": f.topic,
                "outcome": f.outcome,
            }
            for f in list_followups(db, track=found)
        ]
    if as_json:
        echo_json(report)
        return
    title = _("Track #{id} with {participant}").format(
        id=report["id"], participant=report["participant"]
    )
    click.echo(click.style(title, bold=True))
    shown = {
        "status": words.word("track", report["status"]),
        "progress": words.progress(report["done"], report["planned_sessions"]),
        **{key: wall_clock(report[key], tz) for key in times},
    }
    echo_fields(
        (header(key), shown.get(key, report[key]))
        for key in (
            "goal",
            "program",
            "status",
            "progress",
            *times,
            "stalled",
            "outcome",
            "timezone",
        )
    )
    echo_title(_("Sessions"))
    start = column("start", tz, "table")
    render(
        [
            {
                **f,
                "kind": words.word("kind", f["kind"]),
                "status": words.followup_status(f["kind"], f["status"]),
                start: wall_clock(f["start"], tz),
            }
            for f in report["sessions"]
        ],
        "table",
        columns=["id", "kind", "status", start, "minutes", "topic", "outcome"],
        empty=_("No session yet: programs followup add PERSON ... --track ID"),
    )
