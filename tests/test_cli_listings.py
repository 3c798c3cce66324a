"""Every listing, the core's and every plugin's, takes ``--json`` and ``--csv`` and prints plain
text in a pipe; every detail command takes ``--json``.

The commands are found by walking the real command tree (plugins included), not listed by
hand: a new listing without the toolkit's options fails here. Each runs on a database that
holds the whole story (program, sessions, people, follow-ups, a track, reminders planned,
consents given), so every listing has rows to print.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_support import ok, small_story
from test_cli_help import all_commands

LISTING_NAMES = {"list", "history", "consents", "directory", "plugins", "show"}
"""Commands that list rows (``show`` only as ``reminders rules show``)."""
DETAILS = {("show",), ("participant", "show"), ("track", "show")}
BOXES = {chr(c) for c in range(0x2500, 0x2580)}
ARGUMENTS = {"slug": "marseille-2026", "person": "S. Martin", "track_id": "1"}


def loaded() -> set[str]:
    """The plugins this run loads (the suite also runs with every built-in disabled)."""
    from programs.plugin_manager import build_plugin_manager, plugin_infos

    return {i.name for i in plugin_infos(build_plugin_manager())}


def options(command) -> set[str]:  # type: ignore[no-untyped-def]
    return {opt for param in command.params for opt in getattr(param, "opts", [])}


def listings() -> list[tuple[tuple[str, ...], object]]:
    found = []
    for path, command in all_commands():
        if path in DETAILS or path[-1] not in LISTING_NAMES:
            continue
        if path == ("reminders", "rules") or (
            path[-1] == "show" and path[:2] != ("reminders", "rules")
        ):
            continue
        found.append((path, command))
    return found


def args_for(path: tuple[str, ...], command) -> list[str]:  # type: ignore[no-untyped-def]
    """The command with its required arguments filled from the story."""
    out = list(path)
    for param in command.params:
        if param.param_type_name == "argument" and param.required:
            out.append(ARGUMENTS[param.name])
    return out


@pytest.fixture
def story(run):  # type: ignore[no-untyped-def]
    small_story(run)
    for name in ("S. Martin", "Karim Benali"):
        ok(run("enroll", "marseille-2026", name))
    ok(run("participant", "edit", "S. Martin", "--phone", "06 98 76 54 32"))
    ok(run("followup", "add", "S. Martin", "--kind", "call", "--at", "2027-02-01 18:00"))
    ok(run("track", "open", "Karim Benali", "--goal", "lead the team", "--sessions", "6"))
    plugins = loaded()
    if "reminders" in plugins:
        ok(run("reminders", "plan"))
    if "contacts" in plugins:
        ok(run("contacts", "share", "marseille-2026", "--no-send", "--from", "2026-11-01"))
        ok(
            run(
                "contacts",
                "consent",
                "S. Martin",
                "--program",
                "marseille-2026",
                "--yes",
                "--phone",
            )
        )
    return run


def test_the_walk_finds_the_listings_of_the_core_and_of_every_plugin() -> None:
    paths = {" ".join(path) for path, _ in listings()}
    core = {"list", "session list", "participant list", "followup list", "track list"}
    assert core | {"coach list", "plugins"} <= paths
    if "reminders" in loaded():
        assert {"reminders list", "reminders history", "reminders rules show"} <= paths
    if "contacts" in loaded():
        assert {"contacts consents", "contacts directory"} <= paths


@pytest.mark.parametrize(
    ("path", "command"), listings(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_listing_prints_json_csv_and_plain_text(story, path, command) -> None:  # type: ignore[no-untyped-def]
    assert {"--json", "--csv"} <= options(command), f"{' '.join(path)} lacks --json/--csv"
    plugins = loaded()
    if path[0] in ("reminders", "contacts", "ical", "email") and path[0] not in plugins:
        pytest.skip(f"the {path[0]} plugin is disabled in this run")
    if path == ("plugins",) and not plugins:
        pytest.skip("no plugin is loaded in this run: nothing to list")
    args = args_for(path, command)

    rows = json.loads(ok(story(*args, "--json")).stdout)
    assert isinstance(rows, list) and rows, f"{' '.join(args)} --json printed no rows"
    assert all(isinstance(r, dict) for r in rows)

    text = ok(story(*args, "--csv")).stdout
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert len(table) == len(rows) + 1 and table[0], f"{' '.join(args)} --csv"
    assert len({len(r) for r in table}) == 1  # a header and rows of the same width

    plain = ok(story(*args)).stdout  # not a terminal here: plain text
    assert plain.strip()
    assert not BOXES & set(plain), f"{' '.join(args)} drew box characters in a pipe"


@pytest.mark.parametrize("path", sorted(DETAILS))
def test_every_detail_command_takes_json(story, path) -> None:  # type: ignore[no-untyped-def]
    command = dict(all_commands())[path]
    assert "--json" in options(command)
    data = json.loads(ok(story(*args_for(path, command), "--json")).stdout)
    assert isinstance(data, dict) and data
    assert not BOXES & set(ok(story(*args_for(path, command))).stdout)


def test_directory_prints_vcards_by_default(story) -> None:  # type: ignore[no-untyped-def]
    if "contacts" not in loaded():
        pytest.skip("the contacts plugin is disabled in this run")
    out = ok(story("contacts", "directory", "marseille-2026")).stdout
    assert out.startswith("BEGIN:VCARD") and "S. Martin" in out
