"""``programs pathway``: what a program's group days led to, and programs side by side.

The numbers come from :mod:`programs.domain.pathway`; this module only lays them out: a
table per person, the funnel with a short bar per stage, who is stuck where, in a terminal;
the same numbers as JSON, CSV or an SVG chart (``--chart``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from programs.cli import words
from programs.cli.toolkit import (
    echo_fields,
    echo_json,
    echo_title,
    output_options,
    pass_app,
    render,
)

from programs.i18n import N_, ngettext, pgettext
from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.domain.pathway import Pathway, PersonPathway, TrackStep

STAGE_WORDS = {
    "enrolled": N_("enrolled"),
    "attended_every_day": N_("attended every day"),
    "call": N_("had a call"),
    "one_to_one": N_("had a one-to-one session"),
    "track_opened": N_("opened a track"),
    "completed": N_("completed a track"),
}
COLUMNS = (
    N_("hours"),
    N_("calls"),
    N_("one to ones"),
    N_("track"),
    N_("stage"),
    N_("since"),
    N_("days"),
    N_("programs"),
    N_("to a follow up"),
    N_("to a track"),
    N_("to a completed track"),
    N_("attended every day"),
    N_("median days to first follow up"),
)
BAR_WIDTH = 24


def _stage(stage: str) -> str:
    return _(STAGE_WORDS[stage])


def _iso(moment: Any, tz: str) -> str | None:
    from programs.times import to_local

    return None if moment is None else to_local(moment, tz).isoformat()


def _track_state(step: TrackStep) -> str:
    return "completed" if step.completed else step.status


def report(found: Pathway) -> dict[str, Any]:
    """The pathway as JSON holds it (times ISO 8601 in the program's zone)."""
    from programs.domain.pathway import STAGES

    tz = found.program.timezone
    return {
        "program": found.program.slug,
        "title": found.program.title,
        "timezone": tz,
        "days": [
            {
                "day": d.number,
                "session": d.session_id,
                "start": _iso(d.start, tz),
                "end": _iso(d.end, tz),
                "half_days": d.slots,
                "held": d.held,
            }
            for d in found.days
        ],
        "participants": [
            {
                "id": p.participant_id,
                "name": p.name,
                "days": [
                    {
                        "day": m.day,
                        "date": _iso(d.start, tz),
                        "half_days_present": m.present,
                        "hours": m.hours,
                    }
                    for d, m in zip(found.days, p.days, strict=True)
                ],
                "hours": p.hours,
                "calls": [_iso(t, tz) for t in p.calls],
                "one_to_ones": [_iso(t, tz) for t in p.one_to_ones],
                "tracks": [
                    {
                        "id": t.id,
                        "goal": t.goal,
                        "progress": f"{t.done} of {t.planned}",
                        "done": t.done,
                        "planned": t.planned,
                        "status": _track_state(t),
                        "opened_at": _iso(t.opened_at, tz),
                        "closed_at": _iso(t.closed_at, tz),
                    }
                    for t in p.tracks
                ],
                "stage": p.stage,
                "since": _iso(p.since, tz),
            }
            for p in found.people
        ],
        "funnel": [
            {"stage": stage, "count": count, "share": round(found.share(stage), 4)}
            for stage, count in found.funnel
        ],
        "stuck": [
            {
                "stage": s.stage,
                "participant": s.name,
                "id": s.participant_id,
                "since": _iso(s.since, tz),
                "days": s.days,
            }
            for s in found.stuck
        ],
        "median_days_to_first_followup": found.median_days_to_followup,
        "stages": list(STAGES),
    }


def _day_cell(present: int, slots: int, held: bool, fmt: str) -> Any:
    if fmt != "table":
        return present if held else None
    if not held:
        return ""
    if present == slots:
        return "✓"
    if present == 0:
        return "✗"
    return "½"


def person_row(found: Pathway, p: PersonPathway, fmt: str) -> dict[str, Any]:
    """One participant as a listing row: the days, hours, follow-ups, track and stage."""
    from programs.formats import day_short

    tz = found.program.timezone
    row: dict[str, Any] = {"id": p.participant_id, "participant": p.name}
    for day, mark in zip(found.days, p.days, strict=True):
        row[f"day_{day.number}"] = _day_cell(mark.present, mark.slots, day.held, fmt)
    track = p.tracks[-1] if p.tracks else None
    if fmt == "table":
        # counts and short marks: ten columns fit 80 (the dates are in --json and --csv)
        row["hours"] = f"{p.hours:g}"
        row["calls"] = str(len(p.calls)) if p.calls else ""
        row["one_to_ones"] = str(len(p.one_to_ones)) if p.one_to_ones else ""
        row["track"] = words.progress(track.done, track.planned) if track else ""
        row["stage"] = _stage(p.stage)
        row["since"] = day_short(p.since, tz)
        return row
    row.update(
        {
            "hours": p.hours,
            "calls": len(p.calls),
            "first_call": _iso(p.calls[0], tz) if p.calls else None,
            "one_to_ones": len(p.one_to_ones),
            "first_one_to_one": _iso(p.one_to_ones[0], tz) if p.one_to_ones else None,
            "track_goal": track.goal if track else None,
            "track_progress": f"{track.done} of {track.planned}" if track else None,
            "track_status": _track_state(track) if track else None,
            "stage": p.stage,
            "since": _iso(p.since, tz),
        }
    )
    return row


def percent(share: float) -> str:
    """``67%`` / ``67 %``: a share as the coach's language writes it."""
    from babel.numbers import format_percent

    from programs.formats import locale_of
    from programs.i18n import current_language

    return format_percent(share, locale=locale_of(current_language()))


def _bar(share: float) -> str:
    filled = round(share * BAR_WIDTH)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _one(found: Pathway, fmt: str) -> None:

    if fmt == "json":
        echo_json(report(found))
        return
    rows = [person_row(found, p, fmt) for p in found.people]
    if fmt == "csv":
        columns = ["id", "participant", *(f"day_{d.number}" for d in found.days)]
        columns += [k for k in (rows[0] if rows else {}) if k not in columns]
        render(rows, fmt, columns=columns)
        return
    title = _("Pathway of {slug}: {title}").format(
        slug=found.program.slug, title=found.program.title
    )
    render(rows, fmt, title=title, headers=_day_headers(found), empty=_("Nobody is enrolled."))
    _legend(found)
    echo_pathway(found, people=False)


def _day_headers(found: Pathway) -> dict[str, str]:
    return {f"day_{d.number}": pgettext("column", "day {n}").format(n=d.number) for d in found.days}


def _legend(found: Pathway) -> None:
    """What the short marks and the day columns stand for, under the table."""
    from programs.formats import day_short

    if not found.people or not found.days:
        return
    tz = found.program.timezone
    days = [
        _("{day}: {date}").format(
            day=pgettext("column", "day {n}").format(n=d.number), date=day_short(d.start, tz)
        )
        for d in found.days
    ]
    click.echo(" · ".join(days))
    click.echo(_("✓ present all day, ½ half a day, ✗ absent"))


def echo_pathway(found: Pathway, *, people: bool = True) -> None:
    """The pathway as a coach reads it in a terminal (the demo shows it too)."""
    from programs.formats import day_short

    tz = found.program.timezone
    if people:
        rows = [person_row(found, p, "table") for p in found.people]
        render(rows, "table", headers=_day_headers(found), empty=_("Nobody is enrolled."))
        _legend(found)
    echo_title(_("Funnel"))
    width = max(len(_stage(s)) for s, _n in found.funnel)
    for stage, count in found.funnel:
        share = found.share(stage)
        click.echo(f"{_stage(stage).ljust(width)}  {count:>5}  {_bar(share)} {percent(share):>5}")
    if found.stuck:
        echo_title(_("Where people stopped"))
        render(
            [
                {
                    "stage": _stage(s.stage),
                    "participant": s.name,
                    "since": day_short(s.since, tz),
                    "days": s.days,
                }
                for s in found.stuck
            ],
            "table",
        )
    click.echo()
    echo_fields(
        [
            (
                _("median time from the last group day to the first follow-up"),
                median_text(found.median_days_to_followup),
            )
        ]
    )


def median_text(median: float | None) -> str:
    """``3.5 days`` / ``3,5 jours``, ``none yet`` without any follow-up after the days."""
    if median is None:
        return _("none yet")
    from babel.numbers import format_decimal

    from programs.formats import locale_of
    from programs.i18n import current_language

    shown = format_decimal(median, "#,##0.#", locale=locale_of(current_language()))
    return ngettext("{n} day", "{n} days", 1 if median <= 1 else 2).format(n=shown)


def comparison_row(found: Pathway, fmt: str) -> dict[str, Any]:
    """One program side by side with the others: who went on, as a share of the enrolled."""
    followed = found.followed_up
    enrolled = found.count("enrolled")
    shares = {
        "to_a_follow_up": followed / enrolled if enrolled else 0.0,
        "to_a_track": found.share("track_opened"),
        "to_a_completed_track": found.share("completed"),
        "attended_every_day": found.share("attended_every_day"),
    }
    row: dict[str, Any] = {"program": found.program.slug, "enrolled": enrolled}
    for key, share in shares.items():
        row[key] = percent(share) if fmt == "table" else round(share, 4)
    row["followed_up"] = followed
    for stage in ("attended_every_day", "track_opened", "completed"):
        row[f"{stage}_count"] = found.count(stage)
    median = found.median_days_to_followup
    row["median_days_to_first_follow_up"] = median_text(median) if fmt == "table" else median
    return row


def _chart(target: Path, found: list[Pathway], single: bool) -> None:
    from programs.cli.pathway_chart import comparison_svg, funnel_svg

    from programs.api import write_private_file

    if single:
        one = found[0]
        svg = funnel_svg(
            _("Pathway of {slug}: {title}").format(slug=one.program.slug, title=one.program.title),
            [(_stage(s), n, one.share(s)) for s, n in one.funnel],
        )
    else:
        legend = [_("to a follow-up"), _("to a track"), _("to a completed track")]
        rows = []
        for p in found:
            row = comparison_row(p, "json")
            shares = (row["to_a_follow_up"], row["to_a_track"], row["to_a_completed_track"])
            rows.append((p.program.slug, shares))
        svg = comparison_svg(_("Programs side by side"), legend, rows)
    write_private_file(target, svg)


@click.command()
@click.argument("slug", required=False)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.svg",
    help="Also draw the funnel (or the programs side by side) in an SVG file.",
)
@output_options
@pass_app
def pathway(app: Any, slug: str | None, chart: Path | None, fmt: str) -> None:
    """What program SLUG's group days led to, person by person, and its funnel.

    For each participant: the days attended, hours, follow-up calls and one-to-one sessions
    done, the track opened from the program and its progress ("2 of 6"), and how far they
    went. Then the cohort's funnel (enrolled, attended every day, a call, a one-to-one
    session, a track opened, a track completed), who stopped at each stage and for how long,
    and the median time from the last group day to the first follow-up.

    Without SLUG: every program side by side (the share who went on to a follow-up, a track,
    a completed track).

    \b
    Example:
      programs pathway marseille-2026
      programs pathway marseille-2026 --json
      programs pathway --chart programs.svg
    """
    from programs.domain.base import get_program
    from programs.domain.pathway import pathways

    with app.read() as db:
        found = pathways(db, [get_program(db, slug)]) if slug else pathways(db, people=False)
    if chart is not None:
        _chart(chart, found, single=slug is not None)
    if slug:
        _one(found[0], fmt)
        return
    rows = [comparison_row(p, fmt) for p in found]
    columns = None
    if fmt == "table":
        columns = [
            "program",
            "enrolled",
            "attended_every_day",
            "to_a_follow_up",
            "to_a_track",
            "to_a_completed_track",
            "median_days_to_first_follow_up",
        ]
    render(rows, fmt, title=_("Programs side by side"), columns=columns, empty=_("No program."))
