"""`programs participant add / list / show / edit / export / erase` and naming a PERSON."""

from __future__ import annotations

import json

import pytest
from cli_support import as_json, check_refusals, ok, plan, refused, rows, small_story, snapshot

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026


def test_add_normalises_email_and_phone(run, sqlite_url) -> None:
    out = ok(
        run(
            "participant",
            "add",
            "S. Martin",
            "--email",
            "S.Martin@Example.COM",
            "--phone",
            "06 98 76 54 32",
            "--org",
            "Logiciel SA",
            "--role",
            "pre-sales support",
            "--lang",
            "en",
            "--tz",
            "Europe/Brussels",
            "--notes",
            "called twice",
        )
    ).stdout
    assert "added participant #1 S. Martin" in out
    listed = as_json(run("participant", "list", "--json"))
    assert listed == [
        {
            "id": 1,
            "name": "S. Martin",
            "given_name": "S.",
            "family_name": "Martin",
            "email": "S.Martin@example.com",
            "phone": "+33698765432",
            "organisation": "Logiciel SA",
            "role": "pre-sales support",
            "language": "en",
            "timezone": "Europe/Brussels",
        }
    ]
    assert rows(sqlite_url, "SELECT notes FROM participant") == [("called twice",)]


def test_a_person_is_named_by_id_email_or_an_unambiguous_part_of_the_name(run) -> None:
    small_story(run)
    assert as_json(run("participant", "show", "3", "--json"))["name"] == "Karim Benali"
    assert as_json(run("participant", "show", "#3", "--json"))["name"] == "Karim Benali"
    assert as_json(run("participant", "show", "kar", "--json"))["name"] == "Karim Benali"
    email = as_json(run("participant", "show", "S.MARTINEZ@example.com", "--json"))
    assert email["name"] == "S. Martinez"
    # the exact full name wins over a longer name containing it
    assert as_json(run("participant", "show", "s. martin", "--json"))["id"] == 1
    result = run("participant", "show", "Mart")
    refused(result, "matches several participants")
    assert "#1 S. Martin" in result.stderr and "#2 S. Martinez" in result.stderr


def test_list_by_program_and_show_everything_about_a_person(run) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin", "Léa"))
    plan(run, "S. Martin", "call", "2026-12-08 18:30", topic="small incident")
    ok(run("track", "open", "S. Martin", "--goal", "confidence"))
    names = [
        p["name"]
        for p in as_json(run("participant", "list", "--program", "marseille-2026", "--json"))
    ]
    assert names == ["Léa Roux", "S. Martin"]
    report = as_json(run("participant", "show", "S. Martin", "--json"))
    assert report["programs"] == [
        {"slug": "marseille-2026", "title": "Accompagnement collectif", "status": "enrolled"}
    ]
    assert [(f["kind"], f["start"], f["topic"]) for f in report["followups"]] == [
        ("call", "2026-12-08T18:30:00+01:00", "small incident")
    ]
    assert [(t["goal"], t["progress"]) for t in report["tracks"]] == [("confidence", "0 of 6")]
    table = ok(run("participant", "show", "S. Martin")).stdout
    assert "pre-sales support" in table and "small incident" in table


def test_edit_changes_only_what_is_given(run, sqlite_url) -> None:
    small_story(run)
    out = ok(
        run("participant", "edit", "Karim", "--phone", "+1 514 555 0199", "--notes", "x")
    ).stdout
    assert "#3 Karim Benali: phone (none) -> +1 514-555-0199" in out  # no Python spellings
    assert "notes (changed)" in out and "'x'" not in out  # private notes are not echoed
    assert rows(
        sqlite_url, "SELECT name, phone, notes, timezone FROM participant WHERE id = 3"
    ) == [("Karim Benali", "+15145550199", "x", "America/Montreal")]
    assert "nothing changed" in ok(run("participant", "edit", "Karim", "--notes", "x")).stdout


def test_export_to_stdout_and_to_a_file_written_atomically(run, tmp_path) -> None:
    small_story(run)
    ok(run("enroll", "marseille-2026", "S. Martin"))
    ok(run("participant", "edit", "S. Martin", "--notes", "private"))
    data = as_json(run("participant", "export", "S. Martin"))
    assert data["participant"]["notes"] == "private"
    assert [e["program"] for e in data["enrollments"]] == ["marseille-2026"]
    target = tmp_path / "out" / "s-martin.json"
    target.parent.mkdir()
    out = ok(run("participant", "export", "s.martin@example.com", "-o", str(target))).stdout
    assert str(target) in out
    assert json.loads(target.read_text(encoding="utf-8")) == data
    assert [p.name for p in target.parent.iterdir()] == ["s-martin.json"]  # no temp file left


def test_erase_asks_naming_the_person_and_no_erases_nothing(run, sqlite_url) -> None:
    small_story(run, capacity=1)
    ok(run("enroll", "marseille-2026", "S. Martin", "Léa"))
    ok(run("attend", "1", "S. Martin"))
    before = snapshot(sqlite_url)
    result = run("participant", "erase", "S. Martin", input="n\n")
    assert result.exit_code == 1
    assert "Erase S. Martin (#1)" in result.stdout
    assert "Aborted" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(sqlite_url) == before
    result = ok(run("participant", "erase", "S. Martin", input="y\n"))
    assert "erased S. Martin (#1)" in result.stdout
    assert rows(sqlite_url, "SELECT count(*) FROM participant WHERE id = 1") == [(0,)]
    assert rows(sqlite_url, "SELECT count(*) FROM attendance") == [(0,)]
    # her seat went to the first person waiting
    assert rows(sqlite_url, "SELECT participant_id, status FROM enrollment") == [(4, "enrolled")]
    ok(run("participant", "erase", "Léa", "--yes"))
    assert rows(sqlite_url, "SELECT count(*) FROM participant") == [(2,)]


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    check_refusals(
        run,
        sqlite_url,
        [
            (("participant", "add", "X", "--email", "not-an-email"), "invalid email"),
            (("participant", "add", "X", "--phone", "0612"), "invalid phone number"),
            (("participant", "add", "X", "--lang", "français"), "invalid language"),
            (("participant", "add", "X", "--tz", "Somewhere/Else"), "unknown time zone"),
            (("participant", "add", " "), "must not be empty"),
            (("participant", "add", "X", "--email", "s.martin@example.com"), "already the email"),
            (("participant", "add"), "NAME", 2),
            (("participant", "list", "--program", "nowhere"), "no program"),
            (("participant", "list", "--csv", "--json"), "together", 2),
            (("participant", "show", "99"), "no participant #99"),
            (("participant", "show", "nobody@example.com"), "no participant with email"),
            (("participant", "show", "Zorro"), "no participant matches"),
            (("participant", "show", "Martin"), "matches several"),
            (("participant", "edit", "Karim"), "at least one", 2),
            (("participant", "edit", "Karim", "--phone", "12"), "invalid phone"),
            (("participant", "edit", "Karim", "--email", "s.martin@example.com"), "already"),
            (("participant", "edit", "Mart", "--role", "x"), "matches several"),
            (("participant", "export", "Zorro"), "no participant"),
            (("participant", "export", "Karim", "--format", "xml"), "no export format named 'xml'"),
            (
                ("participant", "export", "Karim", "-o", str(tmp_path / "no" / "x.json")),
                "does not exist",
            ),
            (("participant", "erase", "Zorro", "--yes"), "no participant"),
            (("participant", "erase", "Mart", "--yes"), "matches several"),
        ],
    )


# --- names: one full name, or its two parts ----------------------------------------------


def test_add_takes_a_full_name_or_its_two_parts(run, sqlite_url) -> None:
    assert (
        "added participant #1 Jean de La Fontaine"
        in ok(run("participant", "add", "Jean de La Fontaine")).stdout
    )
    out = ok(run("participant", "add", "--given", "Anne", "--family", "Dubois Martin")).stdout
    assert "added participant #2 Anne Dubois Martin" in out
    assert rows(sqlite_url, "SELECT name, given_name, family_name FROM participant") == [
        ("Jean de La Fontaine", "Jean", "de La Fontaine"),
        ("Anne Dubois Martin", "Anne", "Dubois Martin"),
    ]


def test_add_without_a_name_is_a_usage_error(run, sqlite_url) -> None:
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("participant", "add"),
                "give the participant's NAME, or both --given and --family",
                2,
            ),
            (("participant", "add", "--given", "Anne"), "both --given and --family", 2),
            (("participant", "add", "--family", "Dubois"), "both --given and --family", 2),
            (("participant", "add", "Anne Dubois", "--given", "Anne"), "not both", 2),
            (("participant", "add", "--given", " ", "--family", " "), "needs a name"),
            (("participant", "add", "--given", "A\nB", "--family", "C"), "one line"),
        ],
    )


def test_edit_fixes_the_split_or_splits_a_new_name(run, sqlite_url) -> None:
    ok(run("participant", "add", "Anne Dubois Martin", "--email", "anne@example.com"))
    assert rows(sqlite_url, "SELECT given_name, family_name FROM participant") == [
        ("Anne Dubois", "Martin")  # the rule's guess: the last word
    ]
    out = ok(run("participant", "edit", "anne@example.com", "--given", "Anne")).stdout
    assert "given name Anne Dubois -> Anne" in out
    assert "name Anne Dubois Martin -> Anne Martin" in out  # the full name follows
    ok(run("participant", "edit", "anne@example.com", "--family", "Dubois Martin"))
    assert rows(sqlite_url, "SELECT name, given_name, family_name FROM participant") == [
        ("Anne Dubois Martin", "Anne", "Dubois Martin")
    ]
    ok(run("participant", "edit", "anne@example.com", "--name", "Marie van der Berg"))
    assert rows(sqlite_url, "SELECT name, given_name, family_name FROM participant") == [
        ("Marie van der Berg", "Marie", "van der Berg")
    ]
    refused(
        run("participant", "edit", "anne@example.com", "--name", "X Y", "--given", "X"),
        "not both",
        code=2,
    )
    refused(
        run("participant", "edit", "anne@example.com", "--given", "", "--family", ""),
        "needs a name",
    )
    assert rows(sqlite_url, "SELECT name FROM participant") == [("Marie van der Berg",)]


def test_show_list_and_export_give_both_parts(run) -> None:
    ok(run("participant", "add", "--given", "Jean", "--family", "de La Fontaine"))
    shown = ok(run("participant", "show", "Jean")).stdout
    assert "given name:  Jean" in shown and "family name: de La Fontaine" in shown
    report = as_json(run("participant", "show", "Jean", "--json"))
    assert (report["given_name"], report["family_name"]) == ("Jean", "de La Fontaine")
    [listed] = as_json(run("participant", "list", "--json"))
    assert (listed["given_name"], listed["family_name"]) == ("Jean", "de La Fontaine")
    header, row = ok(run("participant", "list", "--csv")).stdout.splitlines()
    assert header.startswith("id,name,given_name,family_name,")
    assert row.startswith("1,Jean de La Fontaine,Jean,de La Fontaine,")
    exported = as_json(run("participant", "export", "Jean"))["participant"]
    assert (exported["given_name"], exported["family_name"]) == ("Jean", "de La Fontaine")
