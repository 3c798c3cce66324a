"""`programs coach set / add / list`."""

from __future__ import annotations

from cli_support import as_json, check_refusals, ok


def test_set_creates_then_updates_the_default_coach(run) -> None:
    out = ok(
        run(
            "coach",
            "set",
            "--name",
            "Claire Dubois",
            "--phone",
            "06 12 34 56 78",
            "--email",
            "Claire@Example.com",
        )
    ).stdout
    assert "saved coach #1 Claire Dubois (default): Claire@example.com, 06 12 34 56 78" in out
    ok(run("coach", "set", "--website", "https://example.com/claire", "--org", "Cabinet CD"))
    assert as_json(run("coach", "list", "--json")) == [
        {
            "id": 1,
            "name": "Claire Dubois",
            "email": "Claire@example.com",
            "phone": "+33612345678",
            "organisation": "Cabinet CD",
            "website": "https://example.com/claire",
            "default": True,
        }
    ]


def test_add_keeps_one_default(run) -> None:
    ok(run("coach", "add", "--name", "Claire Dubois"))  # the first one is the default
    ok(run("coach", "add", "--name", "Marc Leroy"))
    coaches = as_json(run("coach", "list", "--json"))
    assert [(c["name"], c["default"]) for c in coaches] == [
        ("Claire Dubois", True),
        ("Marc Leroy", False),
    ]
    ok(run("coach", "add", "--name", "Anne Petit", "--default"))
    coaches = as_json(run("coach", "list", "--json"))
    assert [c["name"] for c in coaches if c["default"]] == ["Anne Petit"]
    assert "Marc Leroy" in ok(run("coach", "list")).stdout


def test_bad_input_is_one_line_and_writes_nothing(run, sqlite_url) -> None:
    assert "No coach yet" in ok(run("coach", "list")).stdout
    check_refusals(
        run,
        sqlite_url,
        [
            (("coach", "set", "--phone", "06 12 34 56 78"), "needs a name"),
            (("coach", "set"), "at least one", 2),
        ],
    )
    ok(run("coach", "set", "--name", "Claire"))
    check_refusals(
        run,
        sqlite_url,
        [
            (("coach", "set", "--email", "claire@"), "invalid email"),
            (("coach", "set", "--phone", "0612"), "invalid phone number"),
            (("coach", "set", "--website", "example.com"), "invalid website"),
            (("coach", "set", "--name", ""), "must not be empty"),
            (("coach", "add", "--email", "marc@example.com"), "needs --name", 2),
            (("coach", "add", "--name", "Marc", "--phone", "123"), "invalid phone"),
            (("coach", "list", "--json", "--csv"), "together", 2),
        ],
    )
