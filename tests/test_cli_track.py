"""`programs track open / close / list / show`: progress "2 of 6" and stalled tracks."""

from __future__ import annotations

from cli_support import as_json, check_refusals, db_path, ok, plan, small_story


def age_track(sqlite_url: str, track_id: int, when: str) -> None:
    """Pretend the track was opened at ``when`` (UTC): time passing, without waiting."""
    import sqlite3

    con = sqlite3.connect(db_path(sqlite_url))
    with con:
        con.execute("UPDATE track SET opened_at = ? WHERE id = ?", (f"{when}.000000", track_id))
    con.close()


def test_progress_next_planned_and_last_activity(run) -> None:
    small_story(run)
    out = ok(run("track", "open", "Karim", "--goal", "find his place as a team lead")).stdout
    assert "opened track #1 with Karim Benali: 6 sessions planned" in out
    for at in ("2026-01-05 10:00", "2026-01-12 10:00", "2099-01-19 10:00"):
        ok(run("followup", "add", "Karim", "--kind", "session", "--at", at, "--track", "1"))
    ok(run("followup", "done", "1"))
    ok(run("followup", "done", "2", "--outcome", "good"))
    listed = as_json(run("track", "list", "--json"))
    assert len(listed) == 1
    track = listed[0]
    assert (track["progress"], track["done"], track["planned_sessions"]) == ("2 of 6", 2, 6)
    assert track["next_planned"] == "2099-01-19T10:00:00-05:00"
    assert track["timezone"] == "America/Montreal"
    assert track["stalled"] is False
    shown = as_json(run("track", "show", "1", "--json"))
    assert [(s["id"], s["status"]) for s in shown["sessions"]] == [
        (1, "done"),
        (2, "done"),
        (3, "planned"),
    ]
    table = ok(run("track", "show", "1")).stdout
    assert "2 of 6" in table and "find his place" in table
    assert "2 of 6" in ok(run("track", "list")).stdout


def test_stalled_tracks_use_the_configured_weeks(run, sqlite_url, private_env) -> None:
    small_story(run)
    ok(run("track", "open", "Karim", "--goal", "a", "--sessions", "8"))
    ok(run("track", "open", "Léa", "--goal", "b"))
    ok(run("track", "open", "S. Martin", "--goal", "c"))
    age_track(sqlite_url, 1, "2020-01-01 00:00:00")  # silent for years: stalled
    age_track(sqlite_url, 3, "2020-01-01 00:00:00")  # but something is planned: not stalled
    plan(run, "S. Martin", "call", "2099-01-01 10:00", track="3")
    stalled = as_json(run("track", "list", "--stalled", "--json"))
    assert [(t["id"], t["progress"]) for t in stalled] == [(1, "0 of 8")]
    assert "No stalled track." in ok(run("track", "list", "Léa", "--stalled")).stdout
    # a stalled_weeks longer than the silence: nothing is stalled
    (private_env / "config.toml").write_text("[core]\nstalled_weeks = 1000\n")
    assert as_json(run("track", "list", "--stalled", "--json")) == []


def test_close_records_the_outcome(run) -> None:
    small_story(run)
    ok(run("track", "open", "Karim", "--goal", "lead", "--sessions", "4"))
    out = ok(run("track", "close", "1", "--outcome", "leads his weekly meeting")).stdout
    assert "closed track #1 after 0 of 4 sessions" in out
    shown = as_json(run("track", "show", "1", "--json"))
    assert (shown["status"], shown["outcome"]) == ("closed", "leads his weekly meeting")
    assert shown["closed_at"] is not None


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url) -> None:
    small_story(run)
    ok(run("track", "open", "Karim", "--goal", "lead"))
    ok(run("track", "open", "Léa", "--goal", "other"))
    ok(run("track", "close", "2", "--outcome", "done"))
    check_refusals(
        run,
        sqlite_url,
        [
            (("track", "open", "Zorro", "--goal", "g"), "no participant"),
            (("track", "open", "Mart", "--goal", "g"), "matches several"),
            (("track", "open", "Karim", "--goal", "g", "--sessions", "2"), "at least 4"),
            (("track", "open", "Karim", "--goal", "g", "--sessions", "51"), "at most 50"),
            (("track", "open", "Karim", "--goal", " "), "must not be empty"),
            (("track", "open", "Karim"), "--goal", 2),
            (("track", "open", "Karim", "--goal", "g", "--sessions", "six"), "six", 2),
            (("track", "close", "9", "--outcome", "x"), "no track '9'"),
            (("track", "close", "2", "--outcome", "again"), "already closed"),
            (("track", "close", "1", "--outcome", ""), "must not be empty"),
            (("track", "close", "1"), "--outcome", 2),
            (("track", "list", "Zorro"), "no participant"),
            (("track", "list", "--json", "--csv"), "together", 2),
            (("track", "show", "abc"), "no track"),
        ],
    )


def test_a_track_links_to_the_program_it_came_from(run, sqlite_url) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "Karim", "Léa"))
    out = ok(run("track", "open", "Karim", "--goal", "lead the team")).stdout
    assert "from program marseille-2026" in out  # his only program: the default
    ok(run("create", "lyon-2027", "--title", "Lyon"))
    ok(run("enroll", "lyon-2027", "Léa"))
    out = ok(run("track", "open", "Léa", "--goal", "change jobs")).stdout  # two: none chosen
    assert "from program" not in out
    ok(run("track", "open", "Léa", "--goal", "again", "--program", "lyon-2027"))
    listed = as_json(run("track", "list", "--json"))
    assert [(t["participant"], t["program"]) for t in listed] == [
        ("Karim Benali", "marseille-2026"),
        ("Léa Roux", None),
        ("Léa Roux", "lyon-2027"),
    ]
    assert as_json(run("track", "show", "3", "--json"))["program"] == "lyon-2027"
    assert "marseille-2026" in ok(run("track", "list")).stdout
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("track", "open", "S. Martin", "--goal", "x", "--program", "lyon-2027"),
                "S. Martin is not in program lyon-2027",
            ),
            (("track", "open", "Karim", "--goal", "x", "--program", "nowhere"), "no program"),
        ],
    )
