"""Individual coaching tracks, on SQLite and PostgreSQL: planned sessions (default and minimum
from the config), progress counted from done follow-ups, and stalled tracks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from conftest import make_app

from programs.app import App
from programs.domain.followup import (
    cancel_followup,
    complete_followup,
    get_followup,
    miss_followup,
    plan_followup,
)
from programs.domain.participant import add_participant, find_person
from programs.domain.track import close_track, get_track, list_tracks, open_track, progress
from programs.errors import InvalidInput, RuleViolation

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


@pytest.fixture
def configured(db_url: str) -> Iterator[Callable[..., App]]:
    """``configured(core={...})``: an App on ``db_url`` with that ``[core]`` table."""
    apps: list[App] = []

    def build(**core: object) -> App:
        apps.append(make_app(db_url, config={"core": core}))
        return apps[-1]

    yield build
    for built in apps:
        built.close()


def new_track(app: App, sessions: int | None = None) -> int:
    with app.write() as db:
        person = add_participant(db, name="S. Martin")
        return open_track(db, participant=person, goal="prepare the meeting", sessions=sessions).id


def test_a_track_plans_six_sessions_and_at_least_four(app: App) -> None:
    track_id = new_track(app)
    with app.read() as db:
        assert get_track(db, track_id).planned_sessions == 6
    with app.write() as db:
        person = find_person(db, "S. Martin")
        assert open_track(db, participant=person, goal="g", sessions=4).planned_sessions == 4
        assert open_track(db, participant=person, goal="g", sessions=10).planned_sessions == 10
    with pytest.raises(RuleViolation, match="at least 4 sessions"), app.write() as db:
        open_track(db, participant=find_person(db, "S. Martin"), goal="g", sessions=3)
    with app.read() as db:
        assert len(list_tracks(db)) == 3


def test_default_and_minimum_come_from_the_config(configured) -> None:  # type: ignore[no-untyped-def]
    app = configured(track_sessions=8, track_min_sessions=5)
    track_id = new_track(app)
    with app.read() as db:
        assert get_track(db, track_id).planned_sessions == 8
    with pytest.raises(RuleViolation, match="at least 5 sessions"), app.write() as db:
        open_track(db, participant=find_person(db, "S. Martin"), goal="g", sessions=4)


@pytest.mark.parametrize(
    ("core", "message"),
    [
        ({"track_sessions": "six"}, r"\[core\] track_sessions must be a whole number"),
        ({"track_min_sessions": 0}, r"\[core\] track_min_sessions must be a whole number"),
        ({"track_sessions": 3}, r"track_sessions \(3\) is below track_min_sessions \(4\)"),
        ({"stalled_weeks": -1}, r"\[core\] stalled_weeks must be a number above 0"),
    ],
)
def test_bad_settings_are_clear_errors(configured, core: dict, message: str) -> None:  # type: ignore[no-untyped-def]
    """Checked when the app starts: the first read or write stops, nothing is written."""
    import sqlalchemy as sa

    app = configured(**core)
    with pytest.raises(InvalidInput, match=message), app.write() as db:
        open_track(db, participant=add_participant(db, name="S. Martin"), goal="g")
    with pytest.raises(InvalidInput, match=message), app.read():
        pass
    with app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM participant")).scalar() == 0


def test_progress_counts_done_follow_ups(app: App) -> None:
    track_id = new_track(app)
    with app.write() as db:
        track = get_track(db, track_id)
        person = find_person(db, "S. Martin")
        start = track.opened_at + timedelta(days=1)
        followups = [
            plan_followup(
                db,
                participant=person,
                kind="session",
                start=start + timedelta(days=7 * i),
                track=track,
            )
            for i in range(5)
        ]
        complete_followup(db, followups[0])
        miss_followup(db, followups[1])
        complete_followup(db, followups[1])  # it happened after all
        cancel_followup(db, followups[2])
        miss_followup(db, followups[3])
    with app.read() as db:
        result = progress(db, get_track(db, track_id), now=start)
    assert (result.done, str(result)) == (2, "2 of 6")
    assert result.next_planned == followups[4].start


def test_a_follow_up_of_someone_else_or_a_closed_track_is_refused(app: App) -> None:
    track_id = new_track(app)
    with app.write() as db:
        other = add_participant(db, name="A. Durand")
    with pytest.raises(RuleViolation, match="belongs to someone else"), app.write() as db:
        track = get_track(db, track_id)
        plan_followup(db, participant=other, kind="call", start=track.opened_at, track=track)
    with app.write() as db:
        close_track(db, get_track(db, track_id), outcome="one session was enough")
    with pytest.raises(RuleViolation, match="is closed"), app.write() as db:
        track = get_track(db, track_id)
        plan_followup(
            db,
            participant=find_person(db, "S. Martin"),
            kind="call",
            start=track.opened_at,
            track=track,
        )
    with pytest.raises(RuleViolation, match="already closed"), app.write() as db:
        close_track(db, get_track(db, track_id), outcome="again")


def stalled(app: App, track_id: int, after: timedelta, weeks: float | None = None) -> bool:
    with app.read() as db:
        track = get_track(db, track_id)
        return progress(db, track, now=track.opened_at + after, stalled_weeks=weeks).stalled


def test_a_track_with_nothing_planned_or_done_for_three_weeks_is_stalled(app: App) -> None:
    track_id = new_track(app)
    assert not stalled(app, track_id, timedelta(weeks=2))
    assert stalled(app, track_id, timedelta(weeks=3, hours=1))
    assert not stalled(app, track_id, timedelta(weeks=3, hours=1), weeks=4)
    with app.read() as db:
        track = get_track(db, track_id)
        late = track.opened_at + timedelta(weeks=5)
        assert [p.track.id for p in list_tracks(db, stalled_only=True, now=late)] == [track_id]
        assert list_tracks(db, stalled_only=True, now=track.opened_at) == []


def test_a_follow_up_planned_ahead_or_done_recently_keeps_it_going(app: App) -> None:
    track_id = new_track(app)
    with app.write() as db:
        track = get_track(db, track_id)
        person = find_person(db, "S. Martin")
        ahead = plan_followup(
            db,
            participant=person,
            kind="call",
            start=track.opened_at + timedelta(weeks=6),
            track=track,
        )
    assert not stalled(app, track_id, timedelta(weeks=5))  # something is planned ahead
    assert stalled(app, track_id, timedelta(weeks=7))  # ...but its date passed, not done
    with app.write() as db:
        complete_followup(db, get_followup(db, ahead.id))
    assert not stalled(app, track_id, timedelta(weeks=7))  # done 1 week before
    assert stalled(app, track_id, timedelta(weeks=9, hours=1))


def test_the_stalled_weeks_come_from_the_config(configured) -> None:  # type: ignore[no-untyped-def]
    app = configured(stalled_weeks=1)
    track_id = new_track(app)
    assert stalled(app, track_id, timedelta(days=8))


def test_a_closed_track_is_never_stalled(app: App) -> None:
    track_id = new_track(app)
    with app.write() as db:
        close_track(db, get_track(db, track_id), outcome="one session was enough")
    assert not stalled(app, track_id, timedelta(weeks=52))


def test_a_track_links_to_a_program_the_person_is_in(app: App) -> None:
    from programs.domain.enrollment import enroll
    from programs.domain.program import create_program
    from programs.domain.track import sole_program

    with app.write() as db:
        person = add_participant(db, name="Karim")
        assert sole_program(db, person) is None
        marseille = create_program(db, slug="marseille-2026", title="Collectif")
        lyon = create_program(db, slug="lyon-2027", title="Lyon")
        with pytest.raises(RuleViolation, match="Karim is not in program marseille-2026"):
            open_track(db, participant=person, goal="lead", program=marseille)
        enroll(db, program=marseille, participant=person)
        assert sole_program(db, person) == marseille
        track = open_track(db, participant=person, goal="lead", program=marseille)
        enroll(db, program=lyon, participant=person)
        assert sole_program(db, person) is None  # two programs: the coach says which
        track_id, program_id = track.id, marseille.id
    with app.read() as db:
        assert get_track(db, track_id).program_id == program_id
