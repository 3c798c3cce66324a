"""The listing toolkit: what people typed shows exactly (rich's markup in a name is text),
words are never split at 80 columns, and CSV cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest
from programs.cli import toolkit

TRICKY = ["[/]", "[bold]Léa[/bold]", "[link=http://x]y[/link]"]


def test_rich_table_prints_markup_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    toolkit._rich_table([["name"], *([t] for t in TRICKY)], "People")
    out = capsys.readouterr().out
    for text in TRICKY:
        assert text in out


def test_plain_table_prints_markup_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    toolkit.render([{"name": t} for t in TRICKY], "table")
    out = capsys.readouterr().out
    for text in TRICKY:
        assert text in out


def test_a_terminal_table_at_80_columns_never_splits_a_word(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    words = ["accompagnement", "collectif", "préparation", "réunion", "direction", "équipe"]
    long_word = "anticonstitutionnellementextraordinaire" * 2
    rows = [
        {"id": i, "about": " ".join(words * 3), "note": long_word, "who": "S. Martin"}
        for i in range(3)
    ]
    toolkit._rich_table([list(rows[0]), *([str(v) for v in r.values()] for r in rows)], "Reminders")
    out = capsys.readouterr().out
    assert all(len(line) <= 80 for line in out.splitlines())
    boxes = "".join(chr(c) for c in range(0x2500, 0x2580))
    seen = set(out.translate({ord(c): " " for c in boxes}).split())
    known = {*words, "S.", "Martin", "id", "about", "note", "who", "Reminders", "0", "1", "2"}
    for word in seen:  # every word shown whole, or cut with an ellipsis
        cut = word.endswith("…") and any(k.startswith(word[:-1]) for k in {*known, long_word})
        assert word in known or cut, word
    assert any(w.endswith("…") and long_word.startswith(w[:-1]) for w in seen)  # cut, not folded


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://x","click")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "+33612345678",
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_get_a_quote(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    toolkit.render([{"name": value}], "csv")
    (row,) = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))[1:]
    assert row == ["'" + value]


def test_json_stays_exact(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    toolkit.render([{"name": "=1+1", "phone": "+33612345678", "ok": True, "n": None}], "json")
    assert json.loads(capsys.readouterr().out) == [
        {"name": "=1+1", "phone": "+33612345678", "ok": True, "n": None}
    ]


def test_tables_show_booleans_and_empty_values_as_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    toolkit.render([{"stalled": False, "note": None}, {"stalled": True, "note": "x"}], "table")
    out = capsys.readouterr().out
    assert "False" not in out and "None" not in out and "True" not in out
    assert "no" in out.split() and "yes" in out.split()
