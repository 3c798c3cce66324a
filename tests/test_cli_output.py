"""Tables show what people typed exactly: rich's markup ("[bold]", "[/]") in a name is text."""

from __future__ import annotations

import pytest
from programs.cli import output

TRICKY = ["[/]", "[bold]Léa[/bold]", "[link=http://x]y[/link]"]


def test_rich_table_prints_markup_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    output._rich_table([["name"], *([t] for t in TRICKY)], "People")
    out = capsys.readouterr().out
    for text in TRICKY:
        assert text in out


def test_plain_table_prints_markup_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    output.render([{"name": t} for t in TRICKY], "table")
    out = capsys.readouterr().out
    for text in TRICKY:
        assert text in out


def test_reminders_tables_print_markup_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    from programs.plugins.reminders.commands import _print

    _print([{"recipient": t} for t in TRICKY], False, empty="none")
    out = capsys.readouterr().out
    for text in TRICKY:
        assert text in out
