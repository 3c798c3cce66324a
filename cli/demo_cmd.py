"""``programs demo``: the story of DESIGN.md, built in a database of its own and told.

The demo never touches the coach's database: it refuses the default one and any database
that already holds tables. It reads no config file either (the coach's mail settings must
not send demo messages); plugins see an empty configuration.

The story is told in the coach's language: its words, and the data the coach wrote in it
(the program's description, topics, outcomes, roles), come from the catalog; the people's
names stay.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from programs.i18n import N_
from programs.i18n import gettext as _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.app import App

SLUG = "marseille-2026"
TZ = "Europe/Paris"
S_MARTIN = "S. Martin"
GROUP = [  # name, email, organisation, role (translated when the story is built)
    (S_MARTIN, "s.martin@example.com", "Logiciel SA", N_("pre-sales support")),
    ("Karim Benali", "karim.benali@example.com", "Logiciel SA", N_("team lead")),
    ("Léa Roux", "lea.roux@example.com", "Logiciel SA", N_("customer support")),
    ("Paul Girard", "paul.girard@example.com", "Logiciel SA", N_("developer")),
    ("Nadia Haddad", "nadia.haddad@example.com", "Logiciel SA", N_("trainer")),
    ("Julien Morel", "julien.morel@example.com", "Logiciel SA", N_("sales")),
    ("Inès Fabre", "ines.fabre@example.com", "Logiciel SA", N_("product owner")),
    ("Thomas Blanc", "thomas.blanc@example.com", "Logiciel SA", N_("developer")),
]
ABSENT_ON_DAY_1 = "Thomas Blanc"
AFTERNOON_OFF_DAY_2 = "Julien Morel"  # at the morning of day 2 only: half-days
TRACK_PERSON = "Karim Benali"


def _target(db_option: str | None, folder: Path | None) -> tuple[str, Path]:
    """The demo's database URL and folder; refuses the coach's database and non-empty ones."""
    from programs.config import data_dir
    from programs.db import resolve_url, sqlite_path
    from programs.errors import InvalidInput

    if folder is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = data_dir() / f"demo-{stamp}"
        n = 1
        while folder.exists():
            n += 1
            folder = data_dir() / f"demo-{stamp}-{n}"
    folder = folder.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(_("{folder} is not a folder").format(folder=folder))
    url = resolve_url(db_option or str(folder / "demo.db"))
    coach_url = resolve_url(None)
    path, coach_path = sqlite_path(url), sqlite_path(coach_url)
    if url == coach_url or (path is not None and coach_path is not None and path == coach_path):
        raise InvalidInput(
            _("{database} is your own database; the demo builds its own (leave out --db)").format(
                database=_shown(url)
            )
        )
    if _has_tables(url):
        raise InvalidInput(
            _("{database} is not empty; give a new file or an empty database").format(
                database=_shown(url)
            )
        )
    folder.mkdir(parents=True, exist_ok=True)
    return url, folder


def _shown(url: str) -> str:
    import sqlalchemy as sa

    from programs.db import sqlite_path

    path = sqlite_path(url)
    return str(path) if path else sa.engine.make_url(url).render_as_string(hide_password=True)


def _has_tables(url: str) -> bool:
    import sqlalchemy as sa

    from programs.db import sqlite_path

    path = sqlite_path(url)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return False
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    except sa.exc.SQLAlchemyError as exc:
        from programs.errors import InvalidInput

        raise InvalidInput(
            _("cannot open {database}: {reason}").format(
                database=_shown(url), reason=exc.__class__.__name__
            )
        ) from None
    finally:
        engine.dispose()


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` on ``day``'s local date in Paris, as an aware datetime."""
    from programs.times import localize

    return localize(datetime.combine(day.date(), time(hour, minute)), TZ)


def build_story(db: DbSession, *, now: datetime) -> None:
    """The coach, the program with two days two weeks apart (both behind ``now``), the
    group and its half-days of attendance, then S.'s pathway (the two days, a call, the one
    individual session, the call after it) and a 6-session track from the program for
    someone else (2 done, 1 planned). What the coach wrote is in her language (the current
    one)."""
    from programs.domain.attendance import mark_attendance
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.followup import complete_followup, plan_followup
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session
    from programs.domain.track import open_track
    from programs.times import zone

    set_default_coach(
        db,
        name="Claire Dubois",
        email="claire@example.com",
        phone="06 12 34 56 78",
        website="https://example.com/claire",
    )
    program = create_program(
        db,
        slug=SLUG,
        title="Accompagnement collectif",
        timezone=TZ,
        location="Marseille",
        capacity=12,
        description=_("Two workshop days with a group of salaried people."),
    )
    local_now = now.astimezone(zone(TZ))
    # day 1 six weeks ago, day 2 four weeks ago; S.'s calls and session came after them
    day1, day2 = local_now - timedelta(days=42), local_now - timedelta(days=28)
    first = add_session(
        db, program=program, start=_local(day1, 9), end=_local(day1, 17), title="Jour 1"
    )
    second = add_session(
        db, program=program, start=_local(day2, 9), end=_local(day2, 17), title="Jour 2"
    )
    people = {}
    for name, email, org, role in GROUP:
        person = add_participant(db, name=name, email=email, organisation=org, role=_(role))
        enroll(db, program=program, participant=person)
        people[name] = person
    for name, person in people.items():
        mark_attendance(
            db, session=first, participant=person, present=name != ABSENT_ON_DAY_1, now=now
        )
        mark_attendance(db, session=second, participant=person, now=now)
    julien = people[AFTERNOON_OFF_DAY_2]
    mark_attendance(
        db, session=second, participant=julien, half="afternoon", present=False, now=now
    )

    s = people[S_MARTIN]
    steps = [  # days after day 2, hour, kind, minutes, topic, outcome
        (
            3,
            18,
            "call",
            20,
            _("small incident"),
            _("agreed on one individual session to prepare the meeting with management"),
        ),
        (
            10,
            10,
            "session",
            90,
            _("prepare the meeting with management"),
            _("S. has a plan for the meeting and what to ask for"),
        ),
        (
            17,
            18,
            "call",
            20,
            _("after the meeting with management"),
            _("I got what I expected, I put less pressure on the team"),
        ),
    ]
    for days, hour, kind, minutes, topic, outcome in steps:
        followup = plan_followup(
            db,
            participant=s,
            kind=kind,
            start=_local(day2 + timedelta(days=days), hour),
            duration_minutes=minutes,
            topic=topic,
            program=program,
            location="Marseille" if kind == "session" else _("phone"),
        )
        complete_followup(db, followup, outcome=outcome, now=now)

    karim = people[TRACK_PERSON]
    goal = _("find his place as a new team lead")
    track = open_track(db, participant=karim, goal=goal, sessions=6, program=program)
    track.opened_at = now - timedelta(days=21)  # the story: opened three weeks ago
    for n, days in enumerate((-14, -7, 2), start=1):
        followup = plan_followup(
            db,
            participant=karim,
            kind="session",
            start=_local(local_now + timedelta(days=days), 14),
            duration_minutes=60,
            topic=_("track session {n}").format(n=n),
            track=track,
            program=program,
        )
        if days < 0:
            complete_followup(db, followup, outcome=_("session {n} held").format(n=n), now=now)
    db.flush()


@click.command()
@click.option(
    "--db",
    "db_option",
    metavar="URL",
    help="An empty database for the demo [default: demo.db in the demo's folder].",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="The demo's folder [default: a new demo-<time> folder in your data folder].",
)
@click.pass_context
def demo(ctx: click.Context, db_option: str | None, folder: Path | None) -> None:
    """Build the Marseille story in a database of its own and show it.

    A coach, a two-day group program, S.'s call and individual session, and a coaching
    track, then what each plugin adds. Your own database is never touched.

    \b
    Example:
      programs demo
      programs demo --dir /tmp/programs-demo
      programs --db /tmp/programs-demo/demo.db show marseille-2026
    """
    from programs.cli.context import State
    from programs.cli.toolkit import echo_fields

    from programs.app import App
    from programs.config import Config
    from programs.models import utcnow

    state = ctx.find_object(State)
    root_db = state.db_url if state is not None else None
    url, workdir = _target(db_option or root_db, folder)
    app = App(url, config=Config({}))
    try:
        app.upgrade()
        with app.write() as db:
            build_story(db, now=utcnow())
        _tell(app, workdir)
    finally:
        app.close()
    for failure in app.failures:
        click.echo(_("Error: {message}").format(message=failure), err=True)
    shown = _shown(url)
    click.echo()
    echo_fields(
        [
            (_("Demo folder"), str(workdir)),
            (_("Demo database"), shown),
            (_("Look at it"), f"programs --db {shown} show {SLUG}"),
        ]
    )
    if app.failures:
        ctx.exit(1)


def _tell(app: App, workdir: Path) -> None:
    """Print the story with the same views as the commands, then the plugins' sections."""
    from programs.cli import words
    from programs.cli.pathway_cmd import echo_pathway
    from programs.cli.program_cmd import echo_report, program_report
    from programs.cli.toolkit import echo_title, render, zoned
    from programs.cli.track_cmd import TIMES, track_row
    from sqlmodel import select

    from programs.domain.base import get_program
    from programs.domain.followup import list_followups
    from programs.domain.pathway import pathway
    from programs.domain.track import list_tracks
    from programs.models import Participant

    with app.read() as db:
        report = program_report(db, get_program(db, SLUG))
        names = {p.id: p.name for p in db.exec(select(Participant))}
        followups = [
            {
                "id": f.id,
                "participant": names[f.participant_id],
                "kind": words.word("kind", f.kind),
                "status": words.followup_status(f.kind, f.status),
                "start": f.start,
                "timezone": TZ,
                "topic": f.topic,
                "outcome": f.outcome,
            }
            for f in list_followups(db)
            if f.track_id is None
        ]
        tracks = [track_row(app, p, "table") for p in list_tracks(db)]
        marseille = pathway(db, get_program(db, SLUG))
    echo_report(report)
    echo_title(_("Follow-ups"))
    start = zoned(followups, ["start"], "table")["start"]
    render(
        followups,
        "table",
        columns=["id", "participant", "kind", "status", start, "topic", "outcome"],
    )
    echo_title(_("Tracks"))
    columns = zoned(tracks, TIMES, "table")
    render(
        tracks,
        "table",
        columns=["id", "participant", "goal", "progress", *columns.values(), "stalled"],
    )
    echo_title(_("Pathway (programs pathway {slug})").format(slug=SLUG))
    echo_pathway(marseille)
    for plugin, sections in app.call_each("demo_sections", workdir=workdir):
        for title, text in sections or []:
            echo_title(f"{title} ({plugin})")
            click.echo(text)
