"""Attendance by half-day and "not before it starts", on SQLite and PostgreSQL: a session
spanning the day has a morning and an afternoon (the rule configurable in [core]), attendance
and a follow-up's done or missed are refused ahead of time with when they become possible,
and nothing is written then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.attendance import mark_attendance, marks_of, slots_of
from programs.domain.base import get_program
from programs.domain.enrollment import enroll
from programs.domain.followup import complete_followup, get_followup, miss_followup, plan_followup
from programs.domain.participant import add_participant, find_person
from programs.domain.program import create_program
from programs.domain.session import add_session, get_session
from programs.errors import InvalidInput, RuleViolation
from programs.settings import check
from programs.testing import make_app
from programs.times import localize

DAY = datetime(2026, 12, 3)  # a Thursday in Paris (UTC+1)


def at(hour: int, minute: int = 0) -> datetime:
    return localize(DAY.replace(hour=hour, minute=minute), "Europe/Paris")


def story(app: App) -> None:
    """Session 1 09:00-17:00 (two halves), 2 14:30-17:30 (one), 3 09:00-12:30 (one)."""
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif")
        for start, end in ((at(9), at(17)), (at(14, 30), at(17, 30)), (at(9), at(12, 30))):
            add_session(db, program=program, start=start, end=end)
        person = add_participant(db, name="S. Martin")
        enroll(db, program=program, participant=person)
        plan_followup(db, participant=person, kind="call", start=at(18), program=program)


def rows(app: App) -> list[tuple]:
    with app.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT session_id, half, present FROM attendance ORDER BY session_id, half"
                )
            )
        ]


def test_a_session_spanning_the_day_has_two_halves(app: App) -> None:
    story(app)
    with app.write() as db:
        found = [slots_of(db, get_session(db, n)) for n in (1, 2, 3)]
        assert found == [("morning", "afternoon"), ("whole",), ("whole",)]
        person = find_person(db, "S. Martin")
        after = at(18)
        both = mark_attendance(db, session=get_session(db, 1), participant=person, now=after)
        assert [a.half for a in both] == ["morning", "afternoon"]
        mark_attendance(
            db, session=get_session(db, 1), participant=person, half="afternoon", present=False,
            now=after,
        )  # fmt: skip
        mark_attendance(db, session=get_session(db, 2), participant=person, now=after)
        with pytest.raises(InvalidInput, match="not split into a morning and an afternoon"):
            mark_attendance(
                db, session=get_session(db, 3), participant=person, half="morning", now=after
            )
        with pytest.raises(InvalidInput, match="unknown half-day 'evening'"):
            mark_attendance(
                db, session=get_session(db, 1), participant=person, half="evening", now=after
            )
        assert marks_of(db, [1, 2]) == {
            (1, person.id): {"morning": True, "afternoon": False},
            (2, person.id): {"whole": True},
        }
    assert rows(app) == [(1, "afternoon", False), (1, "morning", True), (2, "whole", True)]


def test_attendance_before_the_start_is_refused_saying_when(app: App) -> None:
    story(app)
    with pytest.raises(RuleViolation) as refused, app.write() as db:
        mark_attendance(
            db,
            session=get_session(db, 1),
            participant=find_person(db, "S. Martin"),
            now=at(8, 59),
        )
    assert str(refused.value) == (
        "session 1 has not started: attendance can be recorded from 2026-12-03 09:00 (Europe/Paris)"
    )
    assert rows(app) == []
    with app.write() as db:  # from its start, it is
        mark_attendance(
            db, session=get_session(db, 1), participant=find_person(db, "S. Martin"), now=at(9)
        )
    assert len(rows(app)) == 2


@pytest.mark.parametrize("action", ["done", "missed"])
def test_a_followup_is_done_or_missed_only_once_started(app: App, action: str) -> None:
    story(app)
    act = complete_followup if action == "done" else miss_followup
    with pytest.raises(RuleViolation) as refused, app.write() as db:
        act(db, get_followup(db, 1), now=at(17, 59))
    assert str(refused.value) == (
        "follow-up 1 has not started: it can be marked done or missed from 2026-12-03 18:00 "
        "(Europe/Paris)"
    )
    with app.read() as db:
        assert get_followup(db, 1).status == "planned"
    with app.write() as db:
        act(db, get_followup(db, 1), now=at(18))
    with app.read() as db:
        assert get_followup(db, 1).status == action


def test_the_half_day_rule_is_configurable(db_url: str) -> None:
    late = make_app(
        db_url, config={"core": {"half_day_start_before": "08:30", "half_day_end_after": "16h"}}
    )
    story(late)
    with late.read() as db:
        assert slots_of(db, get_session(db, 1)) == ("whole",)  # 09:00 is not before 08:30
        assert get_program(db, "marseille-2026").timezone == "Europe/Paris"
    late.close()
    assert check({"half_day_start_before": "9:00"}).half_day_start_before == "09:00"
    for bad in ({"half_day_start_before": "noon"}, {"half_day_end_after": 14}):
        with pytest.raises(InvalidInput, match="must be a time of day such as 12:00"):
            check(bad)
    with pytest.raises(InvalidInput, match="must not be before"):
        check({"half_day_start_before": "15:00", "half_day_end_after": "13:00"})


def test_cli_refuses_attendance_ahead_in_one_line(run, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    day = tomorrow.astimezone(localize(DAY, "Europe/Paris").tzinfo).strftime("%Y-%m-%d")
    assert run("create", "later", "--title", "Later").exit_code == 0
    added = run("session", "add", "later", "--start", f"{day} 09:00", "--end", f"{day} 17:00")
    assert added.exit_code == 0
    assert run("participant", "add", "Léa Roux").exit_code == 0
    assert run("enroll", "later", "Léa Roux").exit_code == 0
    refused = run("attend", "1", "Léa Roux", "--half", "morning")
    assert refused.exit_code != 0
    assert refused.stderr.strip().splitlines() == [
        f"Error: session 1 has not started: attendance can be recorded from {day} 09:00 "
        "(Europe/Paris)"
    ]
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM attendance")).scalar() == 0
    engine.dispose()


def test_cli_refuses_a_followup_done_or_missed_ahead(run, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    later = (datetime.now(UTC) + timedelta(days=2)).astimezone(at(9).tzinfo)
    when = later.strftime("%Y-%m-%d 18:00")
    assert run("participant", "add", "Léa Roux").exit_code == 0
    assert run("followup", "add", "Léa Roux", "--kind", "call", "--at", when).exit_code == 0
    for verb in ("done", "missed"):
        refused = run("followup", verb, "1")
        assert refused.exit_code == 1
        assert refused.stderr.strip().splitlines() == [
            f"Error: follow-up 1 has not started: it can be marked done or missed from {when} "
            "(Europe/Paris)"
        ]
    engine = sa.create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM followup")).scalar() == "planned"
    engine.dispose()
