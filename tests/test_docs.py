"""The plugin author's guide (docs/plugins.md) is complete and true.

- Every hookspec has its entry in the hooks reference (when, arguments, returns), naming
  every argument; a hook added without its entry, or an entry left for a removed hook,
  fails here.
- The complete plugin printed in the guide is written to disk from the guide's own code
  blocks, installed as a distribution, and its test file (also from the guide) passes.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest
from seatlog_dist import build_site, subprocess_env

from programs import hookspecs

GUIDE = Path(__file__).parent.parent / "docs" / "plugins.md"
FILE_BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)\n```", re.S)


def hookspec_names() -> list[str]:
    return sorted(
        name
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and hasattr(value, "programs_spec")
    )


def reference() -> dict[str, str]:
    """``{hook name: its section}`` from the "Hooks reference" part of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    part = text.split("## Hooks reference", 1)[1].split("\n## ", 1)[0]
    sections = re.split(r"^### `(\w+)`\n", part, flags=re.M)
    return dict(zip(sections[1::2], sections[2::2], strict=True))


def test_every_hookspec_is_documented() -> None:
    documented = reference()
    names = hookspec_names()
    assert len(names) >= 25
    assert sorted(set(names) - set(documented)) == [], "hooks missing from docs/plugins.md"
    assert sorted(set(documented) - set(names)) == [], "docs/plugins.md documents unknown hooks"


@pytest.mark.parametrize("name", hookspec_names())
def test_hook_entry_says_when_with_what_and_what_it_returns(name: str) -> None:
    section = reference()[name]
    for part in ("**When**:", "**Arguments**:", "**Returns**:"):
        assert part in section, f"{name}: no {part}"
    arguments = section.split("**Arguments**:", 1)[1].split("**Returns**:", 1)[0]
    for arg in inspect.signature(getattr(hookspecs, name)).parameters:
        assert f"`{arg}`" in arguments, f"{name}: argument {arg} is not documented"


def guide_files() -> dict[str, str]:
    return {m["path"]: m["body"] + "\n" for m in FILE_BLOCK.finditer(GUIDE.read_text("utf-8"))}


def test_guide_names_its_entry_point_and_module() -> None:
    files = guide_files()
    assert (
        '[project.entry-points.programs]\nmeetlink = "programs_meetlink"' in files["pyproject.toml"]
    )
    assert "programs_meetlink/__init__.py" in files
    assert "tests/test_meetlink.py" in files


def test_the_guide_plugin_installs_and_its_tests_pass(tmp_path: Path) -> None:
    """Written from the guide alone, installed, tested with the guide's own test file."""
    project = tmp_path / "programs-meetlink"
    for path, body in guide_files().items():
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    site = build_site(tmp_path / "site", project)
    assert (site / "programs_meetlink-0.1.0.dist-info" / "entry_points.txt").exists()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=subprocess_env(site),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "5 passed" in result.stdout
