"""Every command group once, in order, with the built-in plugins and with none loaded:
removing the plugins must leave the CLI working."""

from __future__ import annotations

import json

import pytest
from cli_support import as_json, ok, plan, refused, rows

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


@pytest.mark.parametrize("plugins", ["built-in", "none"])
def test_the_whole_story_through_the_cli(run, sqlite_url, tmp_path, monkeypatch, plugins) -> None:
    if plugins == "none":
        from programs.plugin_manager import reset_plugin_manager

        monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
        reset_plugin_manager()
    ok(run("coach", "set", "--name", "Claire Dubois", "--phone", "06 12 34 56 78"))
    ok(run("create", "marseille-2026", "--title", "Accompagnement collectif", "--capacity", "2"))
    ok(run("session", "add", "marseille-2026", "--start", "2026-12-03 09:00", "--end", "17:00"))
    ok(run("session", "add", "marseille-2026", "--start", "2027-01-14 09:00", "--end", "17:00"))
    ok(run("session", "move", "2", "--start", "2027-01-21 09:00"))
    people = tmp_path / "people.csv"
    people.write_text("name,email\nS. Martin,s.martin@example.com\nKarim Benali,\nLéa Roux,\n")
    ok(run("participant", "import", str(people)))
    ok(run("participant", "edit", "S. Martin", "--role", "pre-sales support"))
    assert (
        "waitlisted (position 1)"
        in ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa")).stdout
    )
    ok(run("attend", "1", "S. Martin", "Karim"))
    assert "Léa Roux" in ok(run("withdraw", "marseille-2026", "Karim")).stdout
    plan(
        run,
        "S. Martin",
        "call",
        "2026-12-08 18:30",
        program="marseille-2026",
        topic="small incident",
    )
    ok(run("followup", "done", "1", "--outcome", "one session"))
    ok(run("followup", "add", "S. Martin", "--kind", "session", "--at", "2026-12-15 10:00"))
    ok(run("followup", "move", "2", "--duration", "1h30"))
    ok(run("followup", "done", "2", "--outcome", "I got what I expected"))
    ok(run("track", "open", "Karim", "--goal", "lead"))
    plan(run, "Karim", "session", "2026-12-20 10:00", track="1")
    ok(run("followup", "missed", "3"))
    plan(run, "Karim", "session", "2026-12-27 10:00", track="1")
    ok(run("followup", "cancel", "4"))
    ok(run("track", "close", "1", "--outcome", "stopped"))
    ok(run("session", "cancel", "2"))

    report = as_json(run("show", "marseille-2026", "--json"))
    assert report["fill"] == "2/2"
    assert [(m["name"], m["status"]) for m in report["roster"]] == [
        ("S. Martin", "enrolled"),
        ("Léa Roux", "enrolled"),
        ("Karim Benali", "withdrawn"),
    ]
    assert [s["status"] for s in report["sessions"]] == ["scheduled", "cancelled"]
    exported = json.loads(ok(run("participant", "export", "S. Martin")).stdout)
    assert [f["outcome"] for f in exported["followups"]] == [
        "one session",
        "I got what I expected",
    ]
    assert [(t["status"], t["progress"]) for t in as_json(run("track", "list", "--json"))] == [
        ("closed", "0 of 6")
    ]
    plugin_tables = rows(
        sqlite_url, "SELECT name FROM sqlite_master WHERE name LIKE 'alembic_version_%'"
    )
    if plugins == "none" and plugin_tables:  # theirs are in the database: --force needed
        refused(run("participant", "erase", "Karim", "--yes"), "installed but disabled")
        ok(run("participant", "erase", "Karim", "--yes", "--force"))
    else:
        ok(run("participant", "erase", "Karim", "--yes"))
    assert rows(sqlite_url, "SELECT name FROM participant ORDER BY id") == [
        ("S. Martin",),
        ("Léa Roux",),
    ]
    assert rows(sqlite_url, "SELECT count(*) FROM followup") == [(2,)]
    for listing in (
        ("list",),
        ("coach", "list"),
        ("participant", "list"),
        ("session", "list", "marseille-2026"),
        ("followup", "list"),
        ("track", "list"),
    ):
        ok(run(*listing))
        ok(run(*listing, "--csv"))
