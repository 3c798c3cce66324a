"""`programs followup add / move / done / cancel / missed / list`, in the participant's zone."""

from __future__ import annotations

import csv
import io

import pytest
from cli_support import as_json, check_refusals, ok, plan, rows, small_story

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


def test_times_are_read_in_the_participants_zone_else_the_default(
    run, sqlite_url, monkeypatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: table cells are not folded
    small_story(run)
    plan(run, "S. Martin", "call", "2026-12-08 18:30", duration="20m", topic="small incident")
    out = plan(run, "Karim", "session", "2026-12-08 09:00", duration="1h30").stdout
    assert "Tue 8 Dec 2026, 09:00 America/Montreal, 90 min (planned)" in out
    stored = rows(sqlite_url, "SELECT participant_id, start, duration_minutes FROM followup")
    assert [(p, str(s)[:16], d) for p, s, d in stored] == [
        (1, "2026-12-08 17:30", 20),
        (3, "2026-12-08 14:00", 90),
    ]
    listed = as_json(run("followup", "list", "--json"))
    assert [(f["participant"], f["start"], f["timezone"]) for f in listed] == [
        ("Karim Benali", "2026-12-08T09:00:00-05:00", "America/Montreal"),
        ("S. Martin", "2026-12-08T18:30:00+01:00", "Europe/Paris"),
    ]
    table = ok(run("followup", "list")).stdout
    # mixed zones: each value names its zone
    assert "Tue 8 Dec 2026, 09:00 America/Montreal" in table
    assert "Tue 8 Dec 2026, 18:30 Europe/Paris" in table
    one = ok(run("followup", "list", "S. Martin")).stdout
    # one zone: it is named in the header, once
    assert "start (Europe/Paris)" in one and "18:30 Europe/Paris" not in one


def test_config_default_timezone_applies_to_people_without_one(run, private_env) -> None:
    (private_env / "config.toml").write_text('[core]\ndefault_timezone = "Asia/Tokyo"\n')
    small_story(run)
    ok(run("followup", "add", "Léa", "--kind", "call", "--at", "2026-12-08 10:00"))
    listed = as_json(run("followup", "list", "Léa", "--json"))
    assert (listed[0]["start"], listed[0]["timezone"]) == (
        "2026-12-08T10:00:00+09:00",
        "Asia/Tokyo",
    )


def test_the_life_of_a_followup(run, sqlite_url) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin"))
    plan(
        run,
        "S. Martin",
        "call",
        "2026-12-08 18:30",
        program="marseille-2026",
        topic="small incident",
    )
    out = ok(run("followup", "move", "1", "--at", "2026-12-09 18:00", "--duration", "30m")).stdout
    assert out.startswith("moved call #1 with S. Martin")
    assert "Wed 9 Dec 2026, 18:00 Europe/Paris, 30 min" in out
    assert rows(sqlite_url, "SELECT revision, duration_minutes FROM followup") == [(1, 30)]
    assert "nothing changed" in ok(run("followup", "move", "1", "--duration", "30m")).stdout
    ok(run("followup", "done", "1", "--outcome", "agreed on one individual session"))
    ok(run("followup", "add", "S. Martin", "--kind", "session", "--at", "2099-01-10 10:00"))
    ok(run("followup", "add", "S. Martin", "--kind", "session", "--at", "2099-01-17 10:00"))
    ok(run("followup", "cancel", "2"))
    ok(run("followup", "add", "S. Martin", "--kind", "call", "--at", "2020-01-17 10:00"))
    ok(run("followup", "missed", "4"))
    listed = list(csv.DictReader(io.StringIO(ok(run("followup", "list", "--csv")).stdout)))
    assert [(r["id"], r["status"], r["program"]) for r in listed] == [
        ("4", "missed", ""),
        ("1", "done", "marseille-2026"),
        ("2", "cancelled", ""),
        ("3", "planned", ""),
    ]
    assert listed[1]["outcome"] == "agreed on one individual session"
    upcoming = as_json(run("followup", "list", "S. Martin", "--upcoming", "--json"))
    assert [f["id"] for f in upcoming] == [3]


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url) -> None:
    small_story(run)
    ok(run("track", "open", "Karim", "--goal", "lead"))
    ok(run("followup", "add", "S. Martin", "--kind", "call", "--at", "2026-12-08 18:30"))
    ok(run("followup", "add", "S. Martin", "--kind", "call", "--at", "2026-12-09 18:30"))
    ok(run("followup", "done", "2"))
    add = ("followup", "add", "S. Martin", "--kind", "call")
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("followup", "add", "S. Martin", "--kind", "visit", "--at", "2026-12-08 18:30"),
                "visit",
                2,
            ),
            (("followup", "add", "S. Martin", "--kind", "call"), "--at", 2),
            ((*add, "--at", "next week"), "cannot read time"),
            ((*add, "--at", "2027-03-28 02:30"), "does not exist in Europe/Paris"),
            (
                ("followup", "add", "Karim", "--kind", "call", "--at", "2027-03-14 02:30"),
                "does not exist in America/Montreal",
            ),
            ((*add, "--at", "2026-12-08 18:30", "--duration", "forever"), "cannot read duration"),
            ((*add, "--at", "2026-12-08 18:30", "--duration", "0m"), "between 1 minute"),
            ((*add, "--at", "2026-12-08 18:30", "--duration", "25h"), "between 1 minute"),
            (
                ("followup", "add", "Zorro", "--kind", "call", "--at", "2026-12-08 18:30"),
                "no participant",
            ),
            (
                ("followup", "add", "Mart", "--kind", "call", "--at", "2026-12-08 18:30"),
                "matches several",
            ),
            ((*add, "--at", "2026-12-08 18:30", "--program", "marseille-2026"), "not in program"),
            ((*add, "--at", "2026-12-08 18:30", "--program", "nowhere"), "no program"),
            ((*add, "--at", "2026-12-08 18:30", "--track", "9"), "no track"),
            ((*add, "--at", "2026-12-08 18:30", "--track", "1"), "belongs to someone else"),
            (("followup", "move", "99", "--at", "2026-12-08 18:30"), "no follow-up '99'"),
            (("followup", "move", "1"), "at least one", 2),
            (("followup", "move", "1", "--at", "2027-03-28 02:30"), "does not exist"),
            (("followup", "move", "1", "--duration", "1x"), "cannot read duration"),
            (("followup", "move", "2", "--at", "2026-12-10 18:30"), "is done"),
            (("followup", "done", "2"), "cannot mark it done"),
            (("followup", "done", "x"), "no follow-up"),
            (("followup", "cancel", "2"), "is done"),
            (("followup", "cancel", "7"), "no follow-up"),
            (("followup", "missed", "2"), "is done"),
            (("followup", "list", "Zorro"), "no participant"),
            (("followup", "list", "--json", "--csv"), "together", 2),
        ],
    )
