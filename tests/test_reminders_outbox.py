"""The outbox kept in step with the database, through the core's events and through
``plan``, on SQLite and PostgreSQL: one row per (rule, occurrence and revision, recipient,
channel); moved, cancelled, withdrawn, booked late, rules added later, missed events."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from test_reminders_support import DST_DAY_9AM, outbox, reminders_app, states, story

from programs.domain.enrollment import enroll, withdraw
from programs.domain.followup import (
    cancel_followup,
    complete_followup,
    move_followup,
    plan_followup,
)
from programs.domain.participant import add_participant
from programs.domain.program import cancel_program
from programs.domain.session import cancel_session, move_session
from programs.models import FollowUp, Participant, Program, Session, utcnow

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


@pytest.fixture
def app(db_url: str):  # type: ignore[no-untyped-def]
    """On SQLite and PostgreSQL."""
    application = reminders_app(db_url)
    yield application
    application.close()


@pytest.fixture
def lite(sqlite_url: str):  # type: ignore[no-untyped-def]
    """On SQLite only: for rules that run the same SQL as tests on both."""
    application = reminders_app(sqlite_url)
    yield application
    application.close()


def _plan(app, now: datetime | None = None):  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.sync import plan_all

    return plan_all(app, now=now)


def test_enrolling_plans_two_reminders_per_session_per_participant(app) -> None:  # type: ignore[no-untyped-def]
    ids = story(app)
    rows = [r for r in outbox(app) if r.target_kind == "session"]
    keys = {(r.rule, r.recipient_id) for r in rows}
    assert keys == {(rule, p) for rule in ("session-2d", "session-2h") for p in ids["people"]}
    assert {r.status for r in rows} == {"pending"}
    # the coach's nudge the day after the last session, at 09:00 Paris (08:00 UTC in CEST)
    (nudge,) = outbox(app, target_kind="program")
    assert (nudge.rule, nudge.recipient_kind, nudge.recipient_id) == (
        "program-nudge",
        "coach",
        ids["coach"],
    )
    assert _aware(nudge.due_at) == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


def _aware(value) -> datetime:  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC)


def test_due_times_follow_the_wall_clock_across_the_dst_change(app) -> None:  # type: ignore[no-untyped-def]
    story(app, sessions=(DST_DAY_9AM,))
    due = {r.rule: _aware(r.due_at) for r in outbox(app, target_kind="session")}
    # 2 days before 09:00 CEST on 28 March is 09:00 CET on 26 March: 08:00 UTC, not 07:00
    assert due["session-2d"] == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)
    # 2 hours before is absolute time: 07:00 CEST = 05:00 UTC
    assert due["session-2h"] == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)


def test_planning_again_changes_nothing_and_the_key_is_unique(app) -> None:  # type: ignore[no-untyped-def]
    story(app)
    before = [tuple(r) for r in outbox(app)]
    result = _plan(app)
    assert (result.planned, result.skipped, result.cancelled, result.updated) == (0, 0, 0, 0)
    assert [tuple(r) for r in outbox(app)] == before
    first = outbox(app)[0]
    with pytest.raises(sa.exc.IntegrityError), app.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO reminders_outbox (rule, target_kind, target_id, revision, "
                "recipient_kind, recipient_id, channel, due_at, status, attempts, planned_at, "
                "updated_at) VALUES (:rule, :tk, :tid, :rev, :rk, :rid, :ch, :due, 'pending', 0, "
                ":due, :due)"
            ),
            {
                "rule": first.rule,
                "tk": first.target_kind,
                "tid": first.target_id,
                "rev": first.revision,
                "rk": first.recipient_kind,
                "rid": first.recipient_id,
                "ch": first.channel,
                "due": first.due_at,
            },
        )


def test_a_moved_session_cancels_the_old_revision_and_plans_the_new(app) -> None:  # type: ignore[no-untyped-def]
    ids = story(app)
    with app.write() as db:
        session = db.get(Session, ids["sessions"][0])
        move_session(db, session, start=DST_DAY_9AM + timedelta(days=7))
    assert not app.failures
    old = outbox(app, target_kind="session", revision=0)
    new = outbox(app, target_kind="session", revision=1)
    assert {(r.status, r.reason) for r in old} == {("cancelled", "session moved")}
    assert len(new) == len(old) == 4
    assert {r.status for r in new} == {"pending"}
    assert min(_aware(r.due_at) for r in new) == datetime(2027, 4, 2, 7, 0, tzinfo=UTC)
    # the nudge follows the last session
    nudges = outbox(app, target_kind="program")
    assert Counter(r.status for r in nudges) == {"cancelled": 1, "pending": 1}


def test_cancel_and_withdrawal_cancel_pending_rows(app) -> None:  # type: ignore[no-untyped-def]
    ids = story(app, sessions=(DST_DAY_9AM, DST_DAY_9AM + timedelta(days=14)))
    martin, lea = ids["people"]
    with app.write() as db:
        withdraw(db, program=db.get(Program, ids["program"]), participant=db.get(Participant, lea))
    lea_rows = outbox(app, recipient_kind="participant", recipient_id=lea)
    assert {(r.status, r.reason) for r in lea_rows} == {("cancelled", "no longer enrolled")}
    assert states(app, recipient_kind="participant", recipient_id=martin) == {"pending": 4}
    with app.write() as db:
        cancel_session(db, db.get(Session, ids["sessions"][0]))
    first = outbox(app, target_kind="session", target_id=ids["sessions"][0], status="pending")
    assert first == []
    assert states(app, target_kind="session", target_id=ids["sessions"][1]) == {
        "pending": 2,
        "cancelled": 2,
    }
    with app.write() as db:
        cancel_program(db, db.get(Program, ids["program"]))
    assert outbox(app, status="pending") == []
    reasons = {r.reason for r in outbox(app)}
    assert {"program cancelled", "session cancelled", "no longer enrolled"} <= reasons
    assert not app.failures


def test_enrolled_again_after_withdrawing_gets_reminders_again(lite) -> None:  # type: ignore[no-untyped-def]
    ids = story(lite)
    lea = ids["people"][1]
    for step in (withdraw, enroll):
        with lite.write() as db:
            step(db, program=db.get(Program, ids["program"]), participant=db.get(Participant, lea))
    assert states(lite, recipient_kind="participant", recipient_id=lea) == {"pending": 2}


def test_the_waitlist_gets_nothing_until_promoted(lite) -> None:  # type: ignore[no-untyped-def]
    ids = story(lite, capacity=1)  # S. Martin takes the seat, Léa Roux waits
    martin, lea = ids["people"]
    assert outbox(lite, recipient_kind="participant", recipient_id=lea) == []
    with lite.write() as db:
        withdraw(
            db, program=db.get(Program, ids["program"]), participant=db.get(Participant, martin)
        )
    assert states(lite, recipient_kind="participant", recipient_id=lea) == {"pending": 2}
    assert states(lite, recipient_kind="participant", recipient_id=martin) == {"cancelled": 2}


def test_a_reminder_already_due_when_booked_is_skipped_with_the_reason(lite) -> None:  # type: ignore[no-untyped-def]
    soon = utcnow() + timedelta(hours=30)  # less than 2 days ahead, more than 2 hours
    story(lite, sessions=(soon,), people=(("S. Martin", "s@example.com", "fr", None),))
    rows = {r.rule: r for r in outbox(lite, target_kind="session")}
    assert rows["session-2d"].status == "skipped"
    assert rows["session-2d"].reason.startswith("booked late")
    assert rows["session-2h"].status == "pending"


def test_a_rule_added_later_only_reminds_future_occurrences(lite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.rulebook_edit import add_rule

    start = utcnow() + timedelta(days=3)
    story(lite, sessions=(start,))
    week_ago = utcnow().replace(tzinfo=None) - timedelta(days=7)
    with lite.engine.begin() as conn:  # booked a week ago; the coach adds rules today
        conn.execute(sa.text("UPDATE program_session SET updated_at = :t"), {"t": week_ago})
        conn.execute(sa.text("UPDATE enrollment SET enrolled_at = :t"), {"t": week_ago})
    message, result = add_rule(
        lite, {"name": "session-5d", "target": "session", "offset": "-5d"}, slug=None
    )
    assert "added" in message
    late = outbox(lite, rule="session-5d")
    assert {(r.status, r.reason) for r in late} == {
        ("skipped", "rule session-5d added after this was due")
    }
    add_rule(lite, {"name": "session-1d", "target": "session", "offset": "-1d"}, slug=None)
    assert states(lite, rule="session-1d") == {"pending": 2}
    assert result.planned == 0 and result.skipped == 2


def test_a_missed_event_is_repaired_by_plan(db_url: str) -> None:
    """A change made while the plugin was disabled (no event reached it) is caught up by
    the next plan: the moved session's stale rows are cancelled, new ones planned."""
    from conftest import make_app

    app = reminders_app(db_url)
    ids = story(app)
    blind = make_app(db_url)  # the core without the plugin: no event reaches it
    with blind.write() as db:
        move_session(db, db.get(Session, ids["sessions"][0]), start=DST_DAY_9AM + timedelta(days=1))
        person = add_participant(db, name="Paul Girard", email="paul@example.com")
        enroll(db, program=db.get(Program, ids["program"]), participant=person)
    blind.close()
    assert states(app, target_kind="session") == {"pending": 4}  # stale
    result = _plan(app)
    assert result.cancelled == 5 and result.planned == 7  # 4 + nudge; 3 people x 2 + nudge
    assert states(app, target_kind="session", revision=1) == {"pending": 6}
    assert _plan(app).planned == 0
    app.close()


def test_followups_remind_participant_and_coach_and_follow_changes(app) -> None:  # type: ignore[no-untyped-def]
    ids = story(app)
    martin = ids["people"][0]
    when = datetime(2027, 4, 8, 16, 30, tzinfo=UTC)
    with app.write() as db:
        followup = plan_followup(
            db,
            participant=db.get(Participant, martin),
            kind="call",
            start=when,
            topic="small incident",
        )
    rows = outbox(app, target_kind="followup")
    assert {(r.recipient_kind, r.status) for r in rows} == {
        ("participant", "pending"),
        ("coach", "pending"),
    }
    assert {_aware(r.due_at) for r in rows} == {when - timedelta(hours=1)}
    with app.write() as db:
        move_followup(db, db.get(FollowUp, followup.id), start=when + timedelta(days=1))
    assert states(app, target_kind="followup") == {"cancelled": 2, "pending": 2}
    with app.write() as db:
        complete_followup(db, db.get(FollowUp, followup.id), outcome="done early")
    assert states(app, target_kind="followup") == {"cancelled": 4}
    with app.write() as db:
        other = plan_followup(
            db,
            participant=db.get(Participant, martin),
            kind="session",
            start=when + timedelta(days=9),
        )
    with app.write() as db:
        cancel_followup(db, db.get(FollowUp, other.id))
    rows = outbox(app, target_kind="followup", target_id=other.id)
    assert {(r.status, r.reason) for r in rows} == {("cancelled", "follow-up cancelled")}
    assert not app.failures


def test_a_csv_import_plans_every_imported_participant(lite) -> None:  # type: ignore[no-untyped-def]
    from programs.domain.csv_import import import_participants

    ids = story(lite, people=())
    rows = [(i + 2, {"name": f"Person {i}", "email": f"p{i}@example.com"}) for i in range(30)]
    with lite.write() as db:
        import_participants(db, rows, program=db.get(Program, ids["program"]))
    assert not lite.failures
    assert states(lite, target_kind="session") == {"pending": 60}


def test_erasing_a_participant_deletes_their_rows_in_the_same_transaction(app) -> None:  # type: ignore[no-untyped-def]
    from programs.domain.privacy import erase_participant, export_participant

    ids = story(app)
    martin = ids["people"][0]
    with app.write() as db:
        plan_followup(
            db,
            participant=db.get(Participant, martin),
            kind="call",
            start=datetime(2027, 4, 8, 16, 30, tzinfo=UTC),
        )
    with app.read() as db:
        exported = export_participant(db, db.get(Participant, martin))
    assert (
        len(exported["plugins"]["reminders"]["reminders"]) == 3
    )  # 2 sessions + 1 follow-up reminder
    assert outbox(app, target_kind="followup", recipient_kind="coach")
    with app.write() as db:
        erase_participant(db, db.get(Participant, martin))
    assert outbox(app, recipient_kind="participant", recipient_id=martin) == []
    assert outbox(app, target_kind="followup") == []  # the coach's reminder about the call too
    assert len(outbox(app, recipient_kind="participant")) == 2  # Léa's stay


def test_calendar_alarms_match_the_participant_rules(lite) -> None:  # type: ignore[no-untyped-def]
    from programs.calendar import CalendarScope, scope_items

    ids = story(lite)
    with lite.read() as db:
        uid = db.get(Session, ids["sessions"][0]).uid
        lea = CalendarScope("participant", ids["people"][1])
        _reader, items = scope_items(db, lea)
        answers = dict(lite.call_each("calendar_item_alarms", db=db, items=items, scope=lea))
        alarms = answers["reminders"][uid]
        assert [a.before for a in alarms] == [timedelta(days=2), timedelta(hours=2)]
        # Léa reads English; the alarm names the session as her feed does
        assert alarms[0].description == "Reminder: Accompagnement collectif — Jour 1"
        coach = CalendarScope("coach", ids["coach"])
        _reader, items = scope_items(db, coach)
        answers = dict(lite.call_each("calendar_item_alarms", db=db, items=items, scope=coach))
    assert answers["reminders"] == {}  # no session rule is for the coach


def test_the_demo_shows_the_outbox_and_writes_one_message(lite, tmp_path) -> None:  # type: ignore[no-untyped-def]
    start = utcnow() + timedelta(days=7)
    story(lite, sessions=(start, start + timedelta(days=28)))
    ((plugin, sections),) = lite.call_each("demo_sections", workdir=tmp_path)
    ((title, text),) = sections
    assert (plugin, title) == ("reminders", "Reminders")
    assert "The outbox holds 9 reminders to send" in text  # 2 x 2 x 2 + the nudge
    assert "S. Martin" in text and "session-2d" in text and "program-nudge 1" in text
    example = (tmp_path / "reminder-example.txt").read_text(encoding="utf-8")
    assert example.startswith(
        "To: S. Martin <s.martin@example.com>\n"
        "Subject: Rappel\u202f: Accompagnement collectif — Jour 1"
    )
    assert (tmp_path / "reminder-session.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_a_program_moved_to_another_time_zone_moves_its_day_reminders(lite) -> None:  # type: ignore[no-untyped-def]
    from programs.domain.program import edit_program

    ids = story(lite)
    with lite.write() as db:
        edit_program(db, db.get(Program, ids["program"]), timezone="America/Montreal")
    assert not lite.failures
    due = {r.rule: _aware(r.due_at) for r in outbox(lite, target_kind="session")}
    # the session stays at 07:00 UTC (03:00 in Montreal); 2 days before at 03:00 Montreal
    assert due["session-2d"] == datetime(2027, 3, 26, 7, 0, tzinfo=UTC)
    assert due["session-2h"] == datetime(2027, 3, 28, 5, 0, tzinfo=UTC)
    assert states(lite, target_kind="session") == {"pending": 4}


def test_a_rule_changed_to_an_earlier_time_already_past_skips_instead_of_sending_late(lite) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.reminders.rulebook_edit import add_rule

    start = utcnow() + timedelta(hours=2, minutes=30)  # its 2-hour reminder: in 30 minutes
    story(lite, sessions=(start,))
    week_ago = utcnow().replace(tzinfo=None) - timedelta(days=7)
    with lite.engine.begin() as conn:  # booked a week ago
        conn.execute(sa.text("UPDATE program_session SET updated_at = :t"), {"t": week_ago})
        conn.execute(sa.text("UPDATE enrollment SET enrolled_at = :t"), {"t": week_ago})
    assert states(lite, rule="session-2h") == {"pending": 2}
    # the coach now wants it 3 hours before: that time passed 30 minutes ago
    _message, result = add_rule(
        lite, {"name": "session-2h", "target": "session", "offset": "-3h"}, slug=None
    )
    rows = outbox(lite, rule="session-2h")
    assert {(r.status, r.reason) for r in rows} == {
        ("skipped", "rule session-2h added after this was due")
    }
    assert result.skipped == 2 and result.updated == 0
