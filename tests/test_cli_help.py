"""Every command and subcommand, the core's and the plugins', has help with an example, and
``--help`` works on each."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner


def walk(
    group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join((*path, name))} is listed but cannot be loaded"
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from walk(
                command, click.Context(command, parent=ctx, info_name=name), (*path, name)
            )


def all_commands() -> list[tuple[tuple[str, ...], click.Command]]:
    from programs.cli.main import build_cli

    cli = build_cli()
    return list(walk(cli, click.Context(cli, info_name="programs")))


@pytest.mark.parametrize("plugins", ["built-in", "none"])
def test_every_command_has_help_with_an_example(monkeypatch, plugins) -> None:
    if plugins == "none":
        monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
    commands = all_commands()
    names = {" ".join(path) for path, _ in commands}
    core = {
        "init",
        "backup",
        "demo",
        "create",
        "list",
        "show",
        "edit",
        "cancel",
        "complete",
        "enroll",
        "withdraw",
        "attend",
        "session add",
        "session move",
        "session cancel",
        "session list",
        "participant add",
        "participant import",
        "participant list",
        "participant show",
        "participant edit",
        "participant export",
        "participant erase",
        "followup add",
        "followup move",
        "followup done",
        "followup cancel",
        "followup missed",
        "followup list",
        "track open",
        "track close",
        "track list",
        "track show",
        "coach set",
        "coach add",
        "coach list",
    }
    assert core <= names, f"missing: {sorted(core - names)}"
    missing = [
        " ".join(path)
        for path, command in commands
        if not (command.help or "").strip() or "Example" not in (command.help or "")
    ]
    assert missing == [], (
        f"commands without help or an Example: {missing}; give each a docstring with an "
        "'Example:' block after a \\b line (see cli/admin_cmd.py)"
    )


def test_help_runs_on_every_command() -> None:
    from programs.cli.main import build_cli

    failures = []
    commands = all_commands()
    for path, _command in commands:
        result = CliRunner().invoke(build_cli(), [*path, "--help"])
        if result.exit_code != 0 or "Example" not in result.stdout:
            failures.append((" ".join(path), result.exit_code, result.stderr[-300:]))
    assert failures == []
    assert len(commands) > 30


def test_root_help_lists_every_command_with_its_summary() -> None:
    from programs.cli.main import build_cli

    result = CliRunner().invoke(build_cli(), ["--help"])
    assert result.exit_code == 0
    for name in ("create", "enroll", "followup", "participant", "session", "track", "demo"):
        assert f"  {name} " in result.stdout
