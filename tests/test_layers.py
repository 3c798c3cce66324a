"""The one rule of dependencies (DESIGN.md), checked on the source: cli -> programs and
plugins -> programs, never the other way, and plugins only through the public API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ("programs.api", "programs.hookspecs")
PLUGINS = ("ical", "reminders", "contacts")


def imports(path: Path) -> list[tuple[int, str]]:
    """Modules imported by a file, leaving out ``if TYPE_CHECKING:`` blocks (types only)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_core_knows_no_terminal_no_cli_and_no_plugin() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources("programs")
        for line, name in imports(path)
        if name.split(".")[0] in ("click", "rich")
        or name.startswith(("programs.cli", "programs.plugins"))
    ]
    assert bad == []


def test_the_cli_reaches_plugins_only_through_hooks() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources("cli")
        for line, name in imports(path)
        if name.startswith("programs.plugins")
    ]
    assert bad == []


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_builtin_plugin_uses_only_the_public_api(plugin: str) -> None:
    own = f"programs.plugins.{plugin}"
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources(f"plugins/{plugin}")
        for line, name in imports(path)
        if name.startswith("programs")
        and name != "programs"
        and not name.startswith((own, *PUBLIC))
    ]
    assert bad == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import click\n"
        "import programs.cli.main\nfrom programs.plugins.ical import x\n"
    )
    assert [name for _, name in imports(probe)] == [
        "typing",
        "programs.cli.main",
        "programs.plugins.ical",
    ]
