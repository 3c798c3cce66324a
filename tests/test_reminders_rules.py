"""Rules: offsets and due times (DST both ways), the layers (built-in, config, all programs,
one program), and the settings checked at start-up with one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from cli_support import ok, snapshot
from programs.plugins.reminders.rules import BUILT_IN, default_rules, make_rule
from programs.plugins.reminders.timing import due_time, parse_clock, week_start
from test_reminders_support import outbox, reminders_app, story, write_config

from programs.durations import Span as Offset
from programs.durations import parse_duration, parse_offset
from programs.errors import InvalidInput

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "offset", "shown"),
    [
        ("-2d", Offset(days=-2), "-2d"),
        ("-2h", Offset(seconds=-7200), "-2h"),
        ("+1d", Offset(days=1), "+1d"),
        ("-1d12h", Offset(days=-1, seconds=-43200), "-1d12h"),
        ("-90m", Offset(seconds=-5400), "-1h30m"),
        ("-1w", Offset(days=-7), "-1w"),
        ("0", Offset(), "0"),
    ],
)
def test_offsets_are_read_and_shown_back(text: str, offset: Offset, shown: str) -> None:
    assert parse_offset(text) == offset
    assert parse_offset(text).signed() == shown
    assert parse_offset(shown) == offset


@pytest.mark.parametrize("text", ["two days", "-2x", "", "-", "2d-1h", "-400d"])
def test_bad_offsets_are_clear_errors(text: str) -> None:
    with pytest.raises(InvalidInput, match="offset"):
        parse_offset(text)


def test_durations_and_clock_times() -> None:
    assert parse_duration("5m") == timedelta(minutes=5)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_clock("09:00") == time(9, 0)
    for bad in ("0m", "soon", "-5m"):
        with pytest.raises(InvalidInput, match="duration"):
            parse_duration(bad)
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_clock("25:00")


def test_whole_days_keep_the_wall_clock_and_hours_are_absolute_across_dst() -> None:
    spring = datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST, the day clocks go forward
    assert due_time(spring, Offset(days=-2), None, PARIS) == datetime(2027, 3, 26, 8, 0, tzinfo=UTC)
    assert due_time(spring, Offset(seconds=-7200), None, PARIS) == datetime(
        2027, 3, 28, 5, 0, tzinfo=UTC
    )
    autumn = datetime(2027, 10, 31, 8, 0, tzinfo=UTC)  # 09:00 CET, the day clocks go back
    assert due_time(autumn, Offset(days=-2), None, PARIS) == datetime(
        2027, 10, 29, 7, 0, tzinfo=UTC
    )
    # the day after at 09:00 local, whatever the offset that day
    assert due_time(spring - timedelta(days=1), Offset(days=1), time(9, 0), PARIS) == spring


def test_weeks_start_on_monday_midnight_local() -> None:
    monday = week_start(datetime(2027, 3, 31, 12, 0, tzinfo=UTC), PARIS)
    assert monday == datetime(2027, 3, 29, 0, 0, tzinfo=PARIS)
    assert monday.astimezone(UTC) == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)


def test_the_built_in_rules_are_the_issue_s_defaults() -> None:
    from programs.plugins.reminders.notices import NOTICES

    from programs.config import Config

    assert default_rules(Config({})) == [*BUILT_IN, *NOTICES]
    assert {r.target for r in NOTICES} == {"notice"}  # queued by events, never planned
    shown = {r.name: (r.target, r.audience, r.when) for r in BUILT_IN}
    assert shown == {
        "session-2d": ("session", "participants", "-2d from start"),
        "session-2h": ("session", "participants", "-2h from start"),
        "followup-1h": ("followup", "everyone", "-1h from start"),
        "program-nudge": ("program", "coach", "+1d from end at 09:00"),
        "stalled-digest": ("week", "coach", "0 from start at 09:00"),
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": "x", "target": "meeting", "offset": "-1d"}, "target must be one of"),
        ({"name": "X Y", "target": "session", "offset": "-1d"}, "must be lowercase"),
        ({"name": "x", "target": "session"}, "give an offset"),
        ({"name": "x", "target": "session", "offset": "-1d", "audience": "all"}, "audience"),
        ({"name": "x", "target": "week", "offset": "0", "audience": "participants"}, "coach only"),
        ({"name": "x", "target": "session", "offset": "-1d", "colour": "red"}, "unknown key"),
        ({"name": "x", "target": "session", "offset": "-1d", "from": "middle"}, "start or end"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(values: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InvalidInput, match=message):
        make_rule(values, where="config", layer="config")


# --- the layers, through the command line ---------------------------------------------------


def _json(run, *args: str):  # type: ignore[no-untyped-def]
    import json

    return json.loads(ok(run(*args)).stdout)


def test_config_rules_replace_the_built_in_ones(run, private_env) -> None:  # type: ignore[no-untyped-def]
    rules = [{"name": "eve", "target": "session", "offset": "-1d", "at": "18:00"}]
    write_config(private_env / "config.toml", {"reminders": {"rules": rules}})
    listed = _json(run, "reminders", "rules", "--json")
    assert [(r["name"], r["when"], r["from"]) for r in listed if r["target"] != "notice"] == [
        ("eve", "-1d from start at 18:00", "config")
    ]
    assert "confirmation" in {r["name"] for r in listed}  # the notices stay


def test_program_rules_override_add_and_remove_with_the_outbox_in_step(
    run, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    app = reminders_app(sqlite_url)
    story(app)
    slug = "marseille-2026"
    out = ok(
        run(
            "reminders",
            "rules",
            "add",
            "session-1d",
            "--program",
            slug,
            "--target",
            "session",
            "--offset",
            "-1d",
            "--at",
            "18:00",
        )
    )
    assert "rule session-1d added for program marseille-2026" in out.stdout
    assert "outbox: 2 planned" in out.stdout
    for_program = {r["name"]: r for r in _json(run, "reminders", "rules", slug, "--json")}
    assert for_program["session-1d"]["from"] == "program marseille-2026"
    assert "session-1d" not in {r["name"] for r in _json(run, "reminders", "rules", "--json")}
    due = {r.rule: r.due_at for r in outbox(app, rule="session-1d")}
    assert str(due["session-1d"]).startswith("2027-03-27 17:00")  # 18:00 CET the day before

    out = ok(run("reminders", "rules", "remove", "session-2h", "--program", slug))
    assert "2 cancelled" in out.stdout
    assert {(r.status, r.reason) for r in outbox(app, rule="session-2h")} == {
        ("cancelled", "rule removed")
    }
    assert "session-2h" not in {r["name"] for r in _json(run, "reminders", "rules", slug, "--json")}
    out = ok(run("reminders", "rules", "reset", "session-2h", "--program", slug))
    assert "2 updated" in out.stdout  # wanted again, and still ahead: pending again
    assert {r.status for r in outbox(app, rule="session-2h")} == {"pending"}
    app.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x", "--target", "session", "--offset", "soon"], "cannot read offset"),
        (
            ["add", "x", "--target", "session", "--offset", "-1d", "--channel", "sms"],
            "no channel named 'sms'",
        ),
        (
            ["add", "x", "--target", "session", "--offset", "-1d", "--template", "nope"],
            "no template 'nope'",
        ),
        (["add", "session-2d", "--target", "session", "--offset", "-1d"], None),
        (
            ["add", "x", "--target", "week", "--offset", "0", "--program", "marseille-2026"],
            "weekly rules are for all programs",
        ),
        (
            ["add", "x", "--target", "session", "--offset", "-1d", "--program", "nowhere"],
            "no program 'nowhere'",
        ),
        (["add", "x", "--target", "session", "--offset", "-1d", "--at", "9h"], "HH:MM"),
        (["remove", "nothing-like-it"], "no rule nothing-like-it"),
        (["reset", "session-2h"], "nothing was added or removed"),
    ],
)
def test_rule_mistakes_are_one_line_errors_and_write_nothing(
    run, sqlite_url: str, args: list[str], message: str | None
) -> None:  # type: ignore[no-untyped-def]
    app = reminders_app(sqlite_url)
    story(app)
    app.close()
    ok(run("reminders", "rules", "add", "session-2d", "--target", "session", "--offset", "-3d"))
    before = snapshot(sqlite_url)
    result = run("reminders", "rules", *args)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert message is None or message in result.stderr
    if message is None:
        assert "already exists" in result.stderr
    assert snapshot(sqlite_url) == before


def test_a_missing_option_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("reminders", "rules", "add", "x", "--offset", "-1d")
    assert result.exit_code == 2
    assert "--target" in result.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"reminders": {"catch_up": "soon"}}, "catch_up"),
        ({"reminders": {"max_attempts": 0}}, "max_attempts"),
        ({"reminders": {"coach_language": "de"}}, "coach_language"),
        ({"reminders": {"email": {"security": "tls"}}}, "security must be one of"),
        ({"reminders": {"email": {"port": "twenty-five"}}}, "port"),
        ({"reminders": {"email": {"hots": "x"}}}, "unknown setting(s) hots"),
        ({"reminders": {"email": {"password": "a", "password_env": "B"}}}, "not both"),
        ({"reminders": {"email": {"sender": "claire"}}}, "sender must be an email"),
        ({"email": {"security": "tls"}}, "[email] security must be one of"),
        ({"email": {"hots": "x"}}, "[email]: unknown setting(s) hots"),
        ({"reminders": {"catchup": "2h"}}, "unknown setting(s) catchup"),
        (
            {"reminders": {"rules": [{"name": "x", "target": "meeting", "offset": "0"}]}},
            "target must be one of",
        ),
    ],
)
def test_bad_settings_stop_commands_with_a_one_line_error(
    run, private_env, config: dict, message: str
) -> None:  # type: ignore[no-untyped-def,type-arg]
    write_config(private_env / "config.toml", config)
    result = run("reminders", "list")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
