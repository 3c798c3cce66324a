"""`programs session add / move / cancel / list`: times in the program's zone, DST refused."""

from __future__ import annotations

import csv
import io

from cli_support import as_json, check_refusals, ok, rows, small_story


def test_times_are_read_and_shown_in_the_program_zone(run, sqlite_url) -> None:
    ok(run("create", "nyc", "--title", "New York", "--tz", "America/New_York"))
    out = ok(run("session", "add", "nyc", "--start", "2026-12-03 09:00", "--end", "17:30")).stdout
    assert "Thu 3 Dec 2026, 09:00–17:30 America/New_York" in out
    stored = rows(sqlite_url, 'SELECT start, "end" FROM program_session')
    assert [(str(a)[:16], str(b)[:16]) for a, b in stored] == [
        ("2026-12-03 14:00", "2026-12-03 22:30")
    ]
    listed = as_json(run("session", "list", "nyc", "--json"))
    assert listed[0]["start"] == "2026-12-03T09:00:00-05:00"
    assert listed[0]["end"] == "2026-12-03T17:30:00-05:00"
    table = ok(run("session", "list", "nyc")).stdout
    assert "America/New_York" in table  # the zone is named in the header


def test_end_may_be_a_full_date_time_and_an_offset_settles_a_repeated_hour(run) -> None:
    ok(run("create", "p", "--title", "P"))
    ok(run("session", "add", "p", "--start", "2026-12-03 20:00", "--end", "2026-12-04 02:00"))
    ok(run("session", "add", "p", "--start", "2026-10-25 02:30+01:00", "--end", "04:00"))
    listed = as_json(run("session", "list", "p", "--json"))
    assert [(s["start"], s["end"]) for s in listed] == [
        ("2026-10-25T02:30:00+01:00", "2026-10-25T04:00:00+01:00"),
        ("2026-12-03T20:00:00+01:00", "2026-12-04T02:00:00+01:00"),
    ]


def test_move_keeps_identity_and_length_and_bumps_the_revision(run, sqlite_url) -> None:
    small_story(run)
    uid_before = rows(sqlite_url, "SELECT uid FROM program_session WHERE id = 2")
    out = ok(run("session", "move", "2", "--start", "2027-01-21 10:00")).stdout
    assert "revision 1" in out
    moved = as_json(run("session", "list", "marseille-2026", "--json"))[1]
    assert (moved["id"], moved["status"], moved["revision"]) == (2, "moved", 1)
    assert (moved["start"], moved["end"]) == (
        "2027-01-21T10:00:00+01:00",
        "2027-01-21T18:00:00+01:00",
    )
    assert rows(sqlite_url, "SELECT uid FROM program_session WHERE id = 2") == uid_before
    ok(run("session", "move", "2", "--end", "12:00", "--location", "Aix"))
    moved = as_json(run("session", "list", "marseille-2026", "--json"))[1]
    assert (moved["end"], moved["location"], moved["revision"]) == (
        "2027-01-21T12:00:00+01:00",
        "Aix",
        2,
    )
    assert "nothing changed" in ok(run("session", "move", "2", "--location", "Aix")).stdout


def test_cancel_keeps_the_session_listed_as_cancelled(run) -> None:
    small_story(run)
    assert "cancelled session #1 Jour 1" in ok(run("session", "cancel", "1")).stdout
    listed = list(
        csv.DictReader(io.StringIO(ok(run("session", "list", "marseille-2026", "--csv")).stdout))
    )
    assert [(r["id"], r["status"], r["revision"]) for r in listed] == [
        ("1", "cancelled", "1"),
        ("2", "scheduled", "0"),
    ]


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url) -> None:
    small_story(run)
    ok(run("session", "cancel", "2"))
    ok(run("create", "gone", "--title", "Gone"))
    ok(run("cancel", "gone"))
    add = ("session", "add", "marseille-2026")
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("session", "add", "nowhere", "--start", "2026-12-03 09:00", "--end", "17:00"),
                "no program",
            ),
            ((*add, "--start", "tomorrow 9am", "--end", "17:00"), "cannot read time"),
            ((*add, "--start", "2026-12-03", "--end", "17:00"), "time of day"),
            ((*add, "--start", "2027-03-28 02:30", "--end", "17:00"), "does not exist"),
            ((*add, "--start", "2026-10-25 02:30", "--end", "04:00"), "happens twice"),
            ((*add, "--start", "2026-12-03 09:00", "--end", "08:00"), "end after it starts"),
            ((*add, "--start", "2026-12-03 09:00", "--end", "25:00"), "expected HH:MM"),
            ((*add, "--start", "2026-12-03 09:00", "--end", "2026-12-06 09:00"), "2 days"),
            ((*add, "--start", "2026-12-03 09:00"), "--end", 2),
            (
                ("session", "add", "gone", "--start", "2026-12-03 09:00", "--end", "17:00"),
                "cancelled",
            ),
            (("session", "move", "99", "--start", "2026-12-03 09:00"), "no session '99'"),
            (("session", "move", "abc", "--start", "2026-12-03 09:00"), "no session"),
            (("session", "move", "1"), "at least one", 2),
            (("session", "move", "1", "--start", "soon"), "cannot read time"),
            (("session", "move", "1", "--start", "2027-03-28 02:15"), "does not exist"),
            (("session", "move", "1", "--end", "08:00"), "end after it starts"),
            (("session", "move", "2", "--start", "2027-01-15 09:00"), "cancelled"),
            (("session", "cancel", "2"), "already cancelled"),
            (("session", "cancel", "42"), "no session"),
            (("session", "list", "nowhere"), "no program"),
            (("session", "list", "marseille-2026", "--json", "--csv"), "together", 2),
        ],
    )
