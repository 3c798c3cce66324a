"""The pathway report, on SQLite and PostgreSQL: per person (days, half-days, hours,
follow-ups, tracks), the cohort's funnel, who stopped where and for how long, the median
time to the first follow-up, and programs side by side; the table, the JSON, the CSV and the
chart give the same numbers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from programs.app import App
from programs.domain.attendance import mark_attendance
from programs.domain.base import get_program
from programs.domain.enrollment import enroll
from programs.domain.followup import complete_followup, plan_followup
from programs.domain.participant import add_participant
from programs.domain.pathway import STAGES, pathway, pathways
from programs.domain.program import create_program
from programs.domain.session import add_session
from programs.domain.track import close_track, open_track
from programs.times import localize

pytestmark = pytest.mark.usefixtures("story_is_over")

NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    year = 2026 if month == 12 else 2027
    return localize(datetime(year, month, day, hour, minute), "Europe/Paris")


def story(app: App) -> None:
    """Two days (3 and 17 Dec, 09:00-17:00). S.: both days, a call, a session, a call.
    Karim: both days, a track of 6 from the program, 2 done. Léa: the morning of day 1 and
    day 2. Paul: day 1, absent on day 2, a track of 4 completed. Inès: enrolled, no mark.
    Nadia: waitlisted (not counted). Lyon: a second program, one person, nothing else."""
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif", capacity=5)
        day1 = add_session(db, program=program, start=paris(12, 3, 9), end=paris(12, 3, 17))
        day2 = add_session(db, program=program, start=paris(12, 17, 9), end=paris(12, 17, 17))
        people = {}
        for name in ("S. Martin", "Karim", "Léa", "Paul", "Inès", "Nadia"):
            people[name] = add_participant(db, name=name)
            enroll(db, program=program, participant=people[name])
        s, karim, lea, paul = (people[n] for n in ("S. Martin", "Karim", "Léa", "Paul"))
        for person in (s, karim, paul):
            mark_attendance(db, session=day1, participant=person)
        mark_attendance(db, session=day1, participant=lea, half="morning")
        mark_attendance(db, session=day1, participant=lea, half="afternoon", present=False)
        for person in (s, karim, lea):
            mark_attendance(db, session=day2, participant=person)
        mark_attendance(db, session=day2, participant=paul, present=False)
        for kind, when in (("call", paris(12, 20, 18)), ("session", paris(12, 27, 10))):
            done = plan_followup(db, participant=s, kind=kind, start=when, program=program)
            complete_followup(db, done)
        call = plan_followup(db, participant=s, kind="call", start=paris(1, 3, 18), program=program)
        complete_followup(db, call)
        plan_followup(db, participant=s, kind="call", start=paris(3, 1, 18), program=program)
        track = open_track(db, participant=karim, goal="lead the team", program=program)
        track.opened_at = paris(1, 1, 9)
        for day in (5, 12, 19):
            one = plan_followup(
                db, participant=karim, kind="session", start=paris(1, day, 10), track=track
            )
            if day < 19:
                complete_followup(db, one)
            else:
                one.status = "cancelled"
        short = open_track(db, participant=paul, goal="change jobs", sessions=4, program=program)
        short.opened_at = paris(12, 18, 9)
        for month, day in ((12, 19), (12, 26), (1, 2), (1, 9)):
            one = plan_followup(
                db, participant=paul, kind="session", start=paris(month, day, 10), track=short
            )
            complete_followup(db, one)
        close_track(db, short, outcome="found one")
        short.closed_at = paris(1, 10, 9)
        lyon = create_program(db, slug="lyon-2027", title="Lyon")
        enroll(db, program=lyon, participant=add_participant(db, name="Zoé"))


def test_the_funnel_and_each_persons_pathway(app: App) -> None:
    story(app)
    with app.read() as db:
        found = pathway(db, get_program(db, "marseille-2026"), now=NOW)
    assert [d.slots for d in found.days] == [2, 2] and all(d.held for d in found.days)
    assert found.funnel == [
        ("enrolled", 5),
        ("attended_every_day", 3),
        ("call", 1),
        ("one_to_one", 3),
        ("track_opened", 2),
        ("completed", 1),
    ]
    people = {p.name: p for p in found.people}
    assert "Nadia" not in people  # waitlisted: no seat
    assert {n: p.hours for n, p in people.items()} == {
        "S. Martin": 16,
        "Karim": 16,
        "Léa": 12,  # half of day 1 (8 h): 4 h
        "Paul": 8,
        "Inès": 0,
    }
    assert [(m.day, m.present) for m in people["Léa"].days] == [(1, 1), (2, 2)]
    s = people["S. Martin"]
    assert s.calls == [paris(12, 20, 18), paris(1, 3, 18)]  # the planned one is not counted
    assert s.one_to_ones == [paris(12, 27, 10)]
    assert (s.stage, s.since) == ("one_to_one", paris(12, 27, 10))
    karim = people["Karim"].tracks[0]
    assert (karim.done, karim.planned, karim.status, karim.completed) == (2, 6, "open", False)
    assert people["Paul"].tracks[0].completed and people["Paul"].stage == "completed"
    stuck = [(x.stage, x.name, x.days) for x in found.stuck]
    assert stuck[1:] == [
        ("attended_every_day", "Léa", 45),  # since day 2 ended (17 Dec) to 1 Feb
        ("one_to_one", "S. Martin", 36),
        ("track_opened", "Karim", 20),  # since his last session (12 Jan)
    ]
    assert stuck[0][:2] == ("enrolled", "Inès")
    # after the last day (17 Dec, 17:00): Paul 1.7 days, S. 3.0, Karim 18.7 -> 3.0
    assert found.median_days_to_followup == 3.0
    assert found.share("completed") == 0.2


def test_programs_side_by_side_use_the_same_numbers(app: App) -> None:
    story(app)
    with app.read() as db:
        every = pathways(db, now=NOW)
        one = pathway(db, get_program(db, "marseille-2026"), now=NOW)
    assert [p.program.slug for p in every] == ["lyon-2027", "marseille-2026"]
    assert every[1].funnel == one.funnel and every[1].stuck == one.stuck
    assert every[0].funnel == [("enrolled", 1)] + [(s, 0) for s in STAGES[1:]]
    assert every[0].median_days_to_followup is None


def cli_story(run) -> None:  # type: ignore[no-untyped-def]
    """The same kind of story through the CLI (times in the past of the real clock)."""
    steps = [
        ("create", "marseille-2026", "--title", "Collectif"),
        ("session", "add", "marseille-2026", "--start", "2026-03-03 09:00", "--end", "17:00"),
        ("session", "add", "marseille-2026", "--start", "2026-03-17 09:00", "--end", "17:00"),
        ("participant", "add", "S. Martin"),
        ("participant", "add", "Karim"),
        ("participant", "add", "Léa"),
        ("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"),
        ("attend", "1", "S. Martin", "Karim"),
        ("attend", "1", "Léa", "--half", "morning"),
        ("attend", "2", "S. Martin", "Karim", "Léa"),
        ("followup", "add", "S. Martin", "--kind", "call", "--at", "2026-03-20 18:00",
         "--duration", "20m", "--program", "marseille-2026"),
        ("followup", "done", "1"),
        ("track", "open", "Karim", "--goal", "lead the team"),
        ("followup", "add", "Karim", "--kind", "session", "--at", "2026-04-02 10:00",
         "--track", "1"),
        ("followup", "done", "2"),
        ("create", "lyon-2027", "--title", "Lyon"),
    ]  # fmt: skip
    for step in steps:
        result = run(*step)
        assert result.exit_code == 0, (step, result.output)


def test_table_json_csv_and_chart_agree(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli_story(run)
    data = json.loads(run("pathway", "marseille-2026", "--json").stdout)
    counts = {f["stage"]: f["count"] for f in data["funnel"]}
    assert counts == {
        "enrolled": 3,
        "attended_every_day": 3,
        "call": 1,
        "one_to_one": 1,
        "track_opened": 1,
        "completed": 0,
    }
    people = {p["name"]: p for p in data["participants"]}
    assert people["Léa"]["hours"] == 12 and people["Léa"]["days"][0]["half_days_present"] == 1
    assert people["Karim"]["tracks"][0]["progress"] == "1 of 6"
    # from 17 Mar 17:00: S.'s call 20 Mar 18:00 (3.04 days), Karim's session 2 Apr 10:00 (CEST,
    # 15.67 days)
    assert data["median_days_to_first_followup"] == 9.4

    chart = tmp_path / "funnel.svg"
    table = run("pathway", "marseille-2026", "--chart", str(chart))
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    funnel = {line.split("  ")[0].strip(): line.split()[-3:] for line in lines if "█" in line}
    assert funnel["attended every day"][0] == "3" and funnel["had a call"][0] == "1"
    assert "median time from the last group day to the first follow-up: 9.4 days" in table.stdout
    bars = ET.parse(chart).getroot().iter("{http://www.w3.org/2000/svg}rect")
    assert [int(r.get("data-count")) for r in bars] == [f["count"] for f in data["funnel"]]
    assert oct(chart.stat().st_mode & 0o777) == "0o600"

    rows = list(csv.DictReader(io.StringIO(run("pathway", "marseille-2026", "--csv").stdout)))
    assert [(r["participant"], r["day_1"], r["hours"]) for r in rows] == [
        ("Karim", "2", "16.0"),
        ("Léa", "1", "12.0"),
        ("S. Martin", "2", "16.0"),
    ]

    side = json.loads(run("pathway", "--json").stdout)
    assert [(r["program"], r["enrolled"], r["to_a_follow_up"]) for r in side] == [
        ("lyon-2027", 0, 0.0),
        ("marseille-2026", 3, round(2 / 3, 4)),
    ]
    assert "67%" in run("pathway").stdout
    side_chart = tmp_path / "programs.svg"
    assert run("pathway", "--chart", str(side_chart)).exit_code == 0
    shares = [
        float(r.get("data-share"))
        for r in ET.parse(side_chart).getroot().iter("{http://www.w3.org/2000/svg}rect")
        if r.get("data-share") is not None
    ]
    assert shares == [0.0, 0.0, 0.0, round(2 / 3, 4), round(1 / 3, 4), 0.0]


def test_bad_input_is_one_line(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cli_story(run)
    result = run("pathway", "nowhere")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "no program 'nowhere'" in result.stderr
    result = run("pathway", "marseille-2026", "--chart", str(tmp_path / "none" / "x.svg"))
    assert result.exit_code == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "none").exists()
