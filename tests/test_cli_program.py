"""`programs create / list / show / edit / cancel / complete`."""

from __future__ import annotations

import csv
import io

import pytest
from cli_support import as_json, check_refusals, ok, rows, small_story

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


def test_create_then_show_json_has_local_times_and_fill(run) -> None:
    small_story(run, capacity=2)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    report = as_json(run("show", "marseille-2026", "--json"))
    assert report["title"] == "Accompagnement collectif"
    assert report["status"] == "open"
    assert report["timezone"] == "Europe/Paris"
    assert report["location"] == "Marseille"
    assert report["fill"] == "2/2 (+1 waiting)"
    assert [s["start"] for s in report["sessions"]] == [
        "2026-12-03T09:00:00+01:00",
        "2027-01-14T09:00:00+01:00",
    ]
    assert report["sessions"][0]["end"] == "2026-12-03T17:00:00+01:00"
    assert [m["name"] for m in report["roster"]] == ["S. Martin", "Karim Benali"]
    assert report["waitlist"] == [
        {
            "position": 1,
            "id": 4,
            "name": "Léa Roux",
            "email": None,
            "since": report["waitlist"][0]["since"],
        }
    ]


def test_show_table_has_attendance_per_session_and_waitlist(run) -> None:
    small_story(run, capacity=2)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    ok(run("attend", "1", "S. Martin"))
    ok(run("attend", "1", "Karim", "--absent"))
    report = as_json(run("show", "marseille-2026", "--json"))
    by_name = {m["name"]: m["attendance"] for m in report["roster"]}
    assert by_name == {
        "S. Martin": {"1": "present", "2": None},
        "Karim Benali": {"1": "absent", "2": None},
    }
    out = ok(run("show", "marseille-2026")).stdout
    assert "fill:" in out and "2/2 (+1 waiting)" in out
    assert "Thu 3 Dec 2026, 09:00–17:00" in out
    assert "Europe/Paris" in out
    roster = out[out.index("Roster") : out.index("Waitlist")]
    martin = next(line for line in roster.splitlines() if "S. Martin" in line)
    karim = next(line for line in roster.splitlines() if "Karim" in line)
    assert "present" in martin and "absent" not in martin
    assert "absent" in karim
    waitlist = out[out.index("Waitlist") :]
    lea = next(line for line in waitlist.splitlines() if "Léa Roux" in line)
    assert lea.strip("│ ").split()[0] == "1"  # first in line


def test_list_json_and_csv_give_the_fill_of_each_program(run) -> None:
    small_story(run, capacity=2)
    ok(run("create", "lyon-2027", "--title", "Lyon", "--tz", "Europe/Paris"))
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    listed = as_json(run("list", "--json"))
    assert [
        (p["slug"], p["fill"], p["enrolled"], p["waitlisted"], p["capacity"]) for p in listed
    ] == [
        ("lyon-2027", "0/unlimited", 0, 0, None),
        ("marseille-2026", "2/2 (+1 waiting)", 2, 1, 2),
    ]
    table = list(csv.DictReader(io.StringIO(ok(run("list", "--csv")).stdout)))
    assert [r["slug"] for r in table] == ["lyon-2027", "marseille-2026"]
    assert table[0]["capacity"] == "" and table[1]["capacity"] == "2"
    assert as_json(run("list", "--status", "cancelled", "--json")) == []
    assert "marseille-2026" in ok(run("list")).stdout


def test_edit_changes_fields_and_raising_capacity_promotes_the_waitlist(run, sqlite_url) -> None:
    small_story(run, capacity=2)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    out = ok(run("edit", "marseille-2026", "--capacity", "3", "--location", "Aix")).stdout
    assert "capacity 2 -> 3" in out
    assert "fill 3/3" in out
    assert rows(sqlite_url, "SELECT status FROM enrollment WHERE participant_id = 4") == [
        ("enrolled",)
    ]
    assert rows(sqlite_url, "SELECT location, capacity FROM program") == [("Aix", 3)]
    assert "nothing changed" in ok(run("edit", "marseille-2026", "--location", "Aix")).stdout


def test_cancel_cancels_the_sessions_and_complete_closes_the_waitlist(run, sqlite_url) -> None:
    small_story(run, capacity=1)
    ok(run("create", "lyon-2027", "--title", "Lyon", "--capacity", "1"))
    ok(run("enroll", "lyon-2027", "S. Martin", "Karim"))
    ok(run("cancel", "marseille-2026"))
    assert rows(sqlite_url, "SELECT DISTINCT status FROM program_session") == [("cancelled",)]
    assert as_json(run("show", "marseille-2026", "--json"))["status"] == "cancelled"
    ok(run("complete", "lyon-2027"))
    assert rows(sqlite_url, "SELECT participant_id, status FROM enrollment ORDER BY 1") == [
        (1, "completed"),
        (3, "withdrawn"),
    ]


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url) -> None:
    small_story(run, capacity=2)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim"))
    ok(run("create", "old-2025", "--title", "Old"))
    ok(run("cancel", "old-2025"))
    check_refusals(
        run,
        sqlite_url,
        [
            (("create", "marseille-2026", "--title", "Again"), "already exists"),
            (("create", "Bad Slug", "--title", "T"), "invalid slug"),
            (("create", "p1", "--title", "T", "--capacity", "0"), "capacity must be at least 1"),
            (("create", "p1", "--title", "T", "--capacity", "-3"), "capacity"),
            (("create", "p1", "--title", "T", "--tz", "Mars/Olympus"), "unknown time zone"),
            (("create", "p1", "--title", "  "), "must not be empty"),
            (("create", "p1"), "--title", 2),
            (("create", "p1", "--title", "T", "--capacity", "many"), "many", 2),
            (("show", "nowhere"), "no program 'nowhere'"),
            (("list", "--json", "--csv"), "cannot be used together", 2),
            (("list", "--status", "sleeping"), "sleeping", 2),
            (("edit", "nowhere", "--title", "T"), "no program"),
            (("edit", "marseille-2026"), "at least one", 2),
            (("edit", "marseille-2026", "--capacity", "0"), "at least 1"),
            (("edit", "marseille-2026", "--capacity", "1"), "cannot go below"),
            (("edit", "marseille-2026", "--tz", "Paris"), "unknown time zone"),
            (("cancel", "nowhere"), "no program"),
            (("cancel", "old-2025"), "already cancelled"),
            (("complete", "old-2025"), "cancelled"),
            (("complete", "nowhere"), "no program"),
        ],
    )


def test_list_reads_every_fill_in_a_constant_number_of_queries(run) -> None:
    import sqlalchemy as sa

    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def queries_for_list() -> int:
        statements.clear()
        sa.event.listen(sa.Engine, "before_cursor_execute", count)
        try:
            ok(run("list", "--json"))
        finally:
            sa.event.remove(sa.Engine, "before_cursor_execute", count)
        return len(statements)

    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin"))
    few = queries_for_list()
    assert few > 0
    for i in range(30):
        ok(run("create", f"p-{i}", "--title", f"P {i}", "--capacity", "5"))
    ok(run("enroll", "p-3", "Karim", "Léa"))
    assert queries_for_list() == few
    listed = {p["slug"]: p["fill"] for p in as_json(run("list", "--json"))}
    assert len(listed) == 31
    assert (listed["p-3"], listed["p-4"]) == ("2/5", "0/5")


def test_listings_are_plain_aligned_text_when_piped(run) -> None:
    """Not a terminal (CliRunner, a pipe): no box drawing, one line per row, aligned columns."""
    small_story(run, capacity=2)
    ok(run("create", "lyon-2027", "--title", "Lyon", "--tz", "Europe/Paris"))
    out = ok(run("list")).stdout
    lines = out.splitlines()
    assert not any(ch in out for ch in "│┃━─┏")
    header = next(i for i, line in enumerate(lines) if line.startswith("slug"))
    assert set(lines[header + 1].replace(" ", "")) == {"-"}
    rows = lines[header + 2 :]
    assert [r.split()[0] for r in rows] == ["lyon-2027", "marseille-2026"]
    starts = {r.index(r.split()[1]) for r in rows}
    assert len(starts) == 1  # the title column starts at the same place on every row
