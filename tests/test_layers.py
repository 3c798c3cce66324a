"""The one rule of dependencies (DESIGN.md), checked on the source: cli -> programs and
plugins -> programs, never the other way; plugins only through the public modules; and no
import cycle among the core's modules, function-local imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = (
    "programs.api",
    "programs.hookspecs",
    "programs.cli.toolkit",
    "programs.i18n",
    "programs.formats",
)
"""What a plugin may import of programs: the API, the hook marker, the CLI toolkit, and the
light modules of words (catalogs) and formats (dates, phones) it may need at import time."""
PLUGINS = ("email", "ical", "reminders", "contacts")
HARNESS = ROOT / "programs" / "testing.py"
"""``programs.testing`` builds the CLI for plugin authors' tests: it stands above the core and
the CLI, and nothing of the core imports it."""


def imports(path: Path) -> list[tuple[int, str]]:
    """Modules imported by a file, leaving out ``if TYPE_CHECKING:`` blocks (types only).
    Imports inside functions count: they are imports all the same."""
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
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT / "programs").with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["programs", *parts])


def core_graph() -> dict[str, set[str]]:
    """``{core module: core modules it imports}``; ``from programs import hooks`` counts as
    importing ``programs.hooks``, a name imported from a module as that module."""
    modules = {module_name(p): p for p in sources("programs") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for _line, imported in imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "programs":
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_core_knows_no_terminal_no_cli_and_no_plugin() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources("programs")
        if path != HARNESS
        for line, name in imports(path)
        if name.split(".")[0] in ("click", "rich")
        or name.startswith(("programs.cli", "programs.plugins", "programs.testing"))
    ]
    assert bad == []


def test_the_core_has_no_import_cycle() -> None:
    graph = core_graph()
    assert len(graph) > 20 and graph["programs.app"]  # the graph was really read
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_hook_machinery_depends_on_nothing_above_it() -> None:
    """The words of its messages come from the catalogs, which depend on nothing."""
    foundations = {"programs.errors", "programs.hookspecs", "programs.i18n"}
    assert core_graph()["programs.hooks"] <= foundations
    assert core_graph()["programs.hookspecs"] == set()
    assert core_graph()["programs.i18n"] == set()
    assert core_graph()["programs.errors"] <= {"programs.i18n"}


def test_the_cli_reaches_plugins_only_through_hooks() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sources("cli")
        for line, name in imports(path)
        if name.startswith("programs.plugins")
    ]
    assert bad == []


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_builtin_plugin_uses_only_the_public_modules(plugin: str) -> None:
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


def test_the_third_party_plugins_use_only_the_public_modules() -> None:
    """The test fixture plugin and the guide's example: written from the guide alone."""
    fixture = sorted((ROOT / "tests" / "plugin_fixture").rglob("*.py"))
    guide = (ROOT / "docs" / "plugins.md").read_text()
    blocks = [block.split("```", 1)[0] for block in guide.split("```python\n")[1:]]
    named = [
        name
        for path in fixture
        for _line, name in imports(path)
        if name.startswith("programs") and not name.startswith("programs_")
    ]
    for block in blocks:
        probe = ROOT / "tests" / ".guide_probe.py"
        try:
            probe.write_text(block)
            named += [n for _l, n in imports(probe) if n.startswith("programs")]
        finally:
            probe.unlink(missing_ok=True)
    public = (*PUBLIC, "programs.testing")
    bad = sorted(
        {n for n in named if not n.startswith(public) and not n.startswith("programs_")}
        - {"programs"}
    )
    assert bad == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import click\n"
        "import programs.cli.main\nfrom programs.plugins.ical import x\n"
        "def f():\n    from programs import hooks\n"
    )
    assert [name for _, name in imports(probe)] == [
        "typing",
        "typing.TYPE_CHECKING",
        "programs.cli.main",
        "programs.plugins.ical",
        "programs.plugins.ical.x",
        "programs",
        "programs.hooks",
    ]
