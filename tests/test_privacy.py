"""Personal data, on SQLite and PostgreSQL: exporting everything about one person (and
nothing about anyone else), and erasing them from every table."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.attendance import mark_attendance
from programs.domain.base import get_program
from programs.domain.enrollment import enroll, waitlist
from programs.domain.followup import plan_followup
from programs.domain.participant import add_participant, find_person
from programs.domain.privacy import erase_participant, export_participant
from programs.domain.program import create_program
from programs.domain.session import add_session
from programs.domain.track import open_track
from programs.errors import PluginError
from programs.hookspecs import hookimpl

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

DAY1 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)

TARGET = {
    "name": "S. Martin",
    "email": "s.martin@example.com",
    "phone": "+33612345678",
    "notes": "called about a small incident",
}
OTHERS = [
    {
        "name": "A. Durand",
        "email": "a.durand@example.com",
        "phone": "+33698765432",
        "notes": "prefers mornings",
    },
    {
        "name": "B. Roux",
        "email": "b.roux@example.org",
        "phone": "+33611223344",
        "notes": "new manager in January",
    },
]
OTHER_TEXTS = [
    *(v for person in OTHERS for v in person.values()),
    "Durand's own topic",
    "Roux's goal",
    "plugin data of A. Durand",
]


class KeepsNotes:
    """A plugin holding data about people, to prove the export and erasure reach plugins."""

    def __init__(self, fail_on_erase: bool = False) -> None:
        self.data: dict[int, str] = {}
        self.fail_on_erase = fail_on_erase

    @hookimpl
    def participant_data(self, participant: Any) -> dict | None:
        if participant.id not in self.data:
            return None
        return {"note": self.data[participant.id]}

    @hookimpl
    def erase_participant_data(self, participant: Any) -> None:
        if self.fail_on_erase:
            raise RuntimeError("storage unavailable")
        self.data.pop(participant.id, None)


def populate(app: App, plugin: KeepsNotes) -> dict[str, int]:
    """Two programs; S. Martin has a seat in the first (A. Durand waits behind her) and waits
    in the second; everyone has follow-ups, tracks, attendance where they can."""
    with app.write() as db:
        one = create_program(
            db, slug="marseille-2026", title="Accompagnement collectif", capacity=1
        )
        two = create_program(db, slug="lyon-2027", title="Lyon", capacity=1)
        day1 = add_session(db, program=one, start=DAY1, end=DAY1 + timedelta(hours=8))
        lyon = add_session(db, program=two, start=DAY1, end=DAY1 + timedelta(hours=8))
        s = add_participant(db, **TARGET)
        a = add_participant(db, **OTHERS[0])
        b = add_participant(db, **OTHERS[1])
        enroll(db, program=one, participant=s)
        enroll(db, program=one, participant=a)
        enroll(db, program=two, participant=b)
        enroll(db, program=two, participant=s)
        mark_attendance(db, session=day1, participant=s)
        mark_attendance(db, session=lyon, participant=b, present=False)
        track = open_track(db, participant=s, goal="prepare the meeting with management")
        plan_followup(
            db,
            participant=s,
            kind="call",
            start=DAY1 + timedelta(days=2),
            topic="incident",
            program=one,
        )
        plan_followup(
            db, participant=s, kind="session", start=DAY1 + timedelta(days=9), track=track
        )
        plan_followup(
            db,
            participant=a,
            kind="call",
            start=DAY1 + timedelta(days=3),
            topic="Durand's own topic",
        )
        open_track(db, participant=b, goal="Roux's goal")
        plugin.data[s.id] = "plugin data of S. Martin"
        plugin.data[a.id] = "plugin data of A. Durand"
        return {"s": s.id, "a": a.id, "b": b.id}


@pytest.fixture
def notes(app: App) -> KeepsNotes:
    plugin = KeepsNotes()
    app.pm.register(plugin, name="notes")
    return plugin


def test_export_holds_everything_about_the_person(app: App, notes: KeepsNotes) -> None:
    ids = populate(app, notes)
    with app.read() as db:
        data = export_participant(db, find_person(db, "S. Martin"))

    text = json.dumps(data)  # JSON-able as it is
    assert set(data) == {
        "participant",
        "enrollments",
        "attendance",
        "followups",
        "tracks",
        "plugins",
        "on_erasure",  # what an erasure would keep: nothing ([core] retention_years is 0)
    }
    assert data["on_erasure"]["kept"] == [] and data["on_erasure"]["retention_years"] == 0
    assert {k: data["participant"][k] for k in TARGET} == TARGET
    assert data["participant"]["id"] == ids["s"]
    assert sorted((e["program"], e["status"]) for e in data["enrollments"]) == [
        ("lyon-2027", "waitlisted"),
        ("marseille-2026", "enrolled"),
    ]
    assert sorted((a["half"], a["present"], a["session_start"]) for a in data["attendance"]) == [
        ("afternoon", True, DAY1.isoformat()),  # a day's session: two half-days
        ("morning", True, DAY1.isoformat()),
    ]
    assert sorted(f["kind"] for f in data["followups"]) == ["call", "session"]
    assert [t["goal"] for t in data["tracks"]] == ["prepare the meeting with management"]
    assert data["plugins"] == {"notes": {"note": "plugin data of S. Martin"}}
    for section in ("enrollments", "attendance", "followups", "tracks"):
        assert {row["participant_id"] for row in data[section]} == {ids["s"]}
    for other in OTHER_TEXTS:
        assert other not in text


def test_export_of_someone_with_nothing_else(app: App, notes: KeepsNotes) -> None:
    with app.write() as db:
        add_participant(db, name="C. Blanc")
    with app.read() as db:
        data = export_participant(db, find_person(db, "C. Blanc"))
    assert data["participant"]["name"] == "C. Blanc"
    assert [data[k] for k in ("enrollments", "attendance", "followups", "tracks", "plugins")] == [
        [],
        [],
        [],
        [],
        {},
    ]


def rows_pointing_at(app: App, participant_id: int) -> dict[str, int]:
    """For every table and column holding a foreign key to participant.id (found by
    inspecting the database, not from the models), how many rows hold this id."""
    found = {}
    with app.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table in inspector.get_table_names():
            for fk in inspector.get_foreign_keys(table):
                if fk["referred_table"] != "participant":
                    continue
                (column,) = fk["constrained_columns"]
                n = conn.execute(
                    sa.text(f'SELECT count(*) FROM {table} WHERE "{column}" = :id'),
                    {"id": participant_id},
                ).scalar()
                found[f"{table}.{column}"] = n
        found["participant.id"] = conn.execute(
            sa.text("SELECT count(*) FROM participant WHERE id = :id"), {"id": participant_id}
        ).scalar()
    return found


def every_text(app: App) -> str:
    """Every value of every row of every table, as one string."""
    parts = []
    with app.engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            parts += [repr(tuple(row)) for row in conn.execute(sa.text(f"SELECT * FROM {table}"))]
    return "\n".join(parts)


def test_erasing_removes_the_person_everywhere_and_promotes_the_next(
    app: App, notes: KeepsNotes
) -> None:
    ids = populate(app, notes)
    before = rows_pointing_at(app, ids["s"])
    assert set(before) >= {
        "enrollment.participant_id",
        "attendance.participant_id",
        "followup.participant_id",
        "track.participant_id",
        "participant.id",
    }
    assert all(before.values())
    others_before = {k: rows_pointing_at(app, ids[k]) for k in ("a", "b")}

    with app.write() as db:
        erase_participant(db, find_person(db, "S. Martin"))

    assert set(rows_pointing_at(app, ids["s"]).values()) == {0}
    text = every_text(app)
    for value in TARGET.values():
        assert value not in text
    assert "prepare the meeting with management" not in text
    assert ids["s"] not in notes.data
    # Others keep everything they had; A. Durand takes the freed seat.
    assert {k: rows_pointing_at(app, ids[k]) for k in ("a", "b")} == others_before
    with app.read() as db:
        one = get_program(db, "marseille-2026")
        assert waitlist(db, one) == []
        durand = find_person(db, "A. Durand")
        assert export_participant(db, durand)["enrollments"][0]["status"] == "enrolled"
        assert export_participant(db, durand)["plugins"] == {
            "notes": {"note": "plugin data of A. Durand"}
        }


def test_erasing_someone_who_was_waiting_promotes_nobody(app: App, notes: KeepsNotes) -> None:
    ids = populate(app, notes)
    with app.write() as db:
        erase_participant(db, find_person(db, "A. Durand"))
    assert set(rows_pointing_at(app, ids["a"]).values()) == {0}
    with app.read() as db:
        statuses = {
            e["program"]: e["status"]
            for e in export_participant(db, find_person(db, "S. Martin"))["enrollments"]
        }
    assert statuses == {"marseille-2026": "enrolled", "lyon-2027": "waitlisted"}


def test_a_plugin_failing_to_erase_leaves_everything_in_place(app: App) -> None:
    plugin = KeepsNotes(fail_on_erase=True)
    app.pm.register(plugin, name="notes")
    ids = populate(app, plugin)
    before = every_text(app)
    with (
        pytest.raises(PluginError, match="plugin notes failed on erase_participant_data"),
        app.write() as db,
    ):
        erase_participant(db, find_person(db, "S. Martin"))
    assert every_text(app) == before
    assert rows_pointing_at(app, ids["s"])["participant.id"] == 1
