"""`programs enroll / withdraw / attend`: several people, one transaction."""

from __future__ import annotations

import pytest
from cli_support import as_json, check_refusals, ok, refused, rows, small_story, snapshot

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


def test_enroll_several_prints_seats_and_waitlist_positions(run, sqlite_url) -> None:
    small_story(run, capacity=1)
    out = ok(run("enroll", "marseille-2026", "S. Martin", "kar", "Léa")).stdout.splitlines()
    assert out == [
        "enrolled: S. Martin (#1) in marseille-2026",
        "waitlisted (position 1): Karim Benali (#3) in marseille-2026",
        "waitlisted (position 2): Léa Roux (#4) in marseille-2026",
    ]
    out = ok(run("enroll", "marseille-2026", "s.martinez@example.com")).stdout
    assert out.strip() == "waitlisted (position 3): S. Martinez (#2) in marseille-2026"
    assert rows(sqlite_url, "SELECT participant_id, status FROM enrollment ORDER BY id") == [
        (1, "enrolled"),
        (3, "waitlisted"),
        (4, "waitlisted"),
        (2, "waitlisted"),
    ]


def test_one_bad_person_means_nobody_is_enrolled(run, sqlite_url) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "Léa"))
    before = snapshot(sqlite_url)
    refused(run("enroll", "marseille-2026", "S. Martin", "Zorro"), "no participant matches")
    refused(run("enroll", "marseille-2026", "S. Martin", "Léa"), "already enrolled")
    refused(run("enroll", "marseille-2026", "Karim", "Karim"), "already enrolled")
    refused(run("enroll", "marseille-2026", "Karim", "Mart"), "matches several")
    assert snapshot(sqlite_url) == before


class Refuser:
    """A plugin that vetoes Karim's enrollments."""

    from programs.hookspecs import hookimpl

    @hookimpl
    def check_enrollment(self, program, participant):  # type: ignore[no-untyped-def]
        return "Karim is on leave" if participant.name.startswith("Karim") else None


def test_a_plugin_veto_stops_the_whole_command(run, sqlite_url) -> None:
    from programs.plugin_manager import get_plugin_manager

    small_story(run)
    get_plugin_manager().register(Refuser(), name="refuser")
    before = snapshot(sqlite_url)
    refused(
        run("enroll", "marseille-2026", "S. Martin", "Karim"),
        "refused by plugin refuser: Karim is on leave",
    )
    assert snapshot(sqlite_url) == before
    ok(run("enroll", "marseille-2026", "S. Martin"))


def test_withdraw_gives_the_seat_to_the_first_person_waiting(run, sqlite_url) -> None:
    small_story(run, capacity=1)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    out = ok(run("withdraw", "marseille-2026", "S. Martin")).stdout.splitlines()
    assert out == [
        "withdrawn: S. Martin (#1) from marseille-2026",
        "enrolled from the waitlist: Karim Benali (#3)",
    ]
    report = as_json(run("show", "marseille-2026", "--json"))
    assert [m["name"] for m in report["roster"] if m["status"] == "enrolled"] == ["Karim Benali"]
    assert [(w["position"], w["name"]) for w in report["waitlist"]] == [(1, "Léa Roux")]


def test_attend_marks_several_and_a_second_mark_replaces_the_first(run, sqlite_url) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim", "Léa"))
    out = ok(run("attend", "1", "S. Martin", "Karim")).stdout.splitlines()
    assert out == [  # session 1 spans the day: both halves
        "present: S. Martin (#1) at session #1, morning and afternoon",
        "present: Karim Benali (#3) at session #1, morning and afternoon",
    ]
    ok(run("attend", "1", "Karim", "Léa", "--absent"))
    ok(run("attend", "1", "Léa", "--half", "afternoon"))
    assert rows(
        sqlite_url,
        "SELECT session_id, participant_id, half, present FROM attendance ORDER BY 2, 3 DESC",
    ) == [
        (1, 1, "morning", 1),
        (1, 1, "afternoon", 1),
        (1, 3, "morning", 0),
        (1, 3, "afternoon", 0),
        (1, 4, "morning", 0),
        (1, 4, "afternoon", 1),
    ]


@pytest.mark.parametrize("plugins", ["built-in", "none"])
def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url, monkeypatch, plugins) -> None:
    if plugins == "none":
        from programs.plugin_manager import reset_plugin_manager

        monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
        reset_plugin_manager()
    small_story(run, capacity=1)
    ok(run("enroll", "marseille-2026", "S. Martin", "Karim"))
    ok(run("session", "cancel", "2"))
    ok(run("create", "gone", "--title", "Gone"))
    ok(run("cancel", "gone"))
    check_refusals(
        run,
        sqlite_url,
        [
            (("enroll", "nowhere", "Léa"), "no program 'nowhere'"),
            (("enroll", "marseille-2026", "Zorro"), "no participant matches"),
            (("enroll", "marseille-2026", "99"), "no participant #99"),
            (("enroll", "marseille-2026", "Mart"), "matches several"),
            (("enroll", "marseille-2026", "S. Martin"), "already enrolled"),
            (("enroll", "marseille-2026", "Karim"), "already waitlisted"),
            (("enroll", "gone", "Léa"), "gone is cancelled"),
            (("enroll", "marseille-2026"), "PERSON", 2),
            (("withdraw", "marseille-2026", "Léa"), "not enrolled"),
            (("withdraw", "nowhere", "Léa"), "no program"),
            (("withdraw", "marseille-2026", "Zorro"), "no participant"),
            (("attend", "99", "S. Martin"), "no session '99'"),
            (("attend", "1", "Zorro"), "no participant"),
            (("attend", "1", "S. Martin", "Karim"), "does not have a seat"),
            (("attend", "1", "Léa"), "does not have a seat"),
            (("attend", "2", "S. Martin"), "cancelled"),
            (("attend", "1"), "PERSON", 2),
        ],
    )
