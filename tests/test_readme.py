"""The README opens with the two commands a newcomer runs; CI must run the second verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_opens_with_the_demo_and_the_test_command() -> None:
    commands = readme_commands()
    assert len(commands) >= 2
    demo, tests = commands[0], commands[1]
    assert demo.startswith("python3 -m venv .venv") and demo.endswith("programs demo")
    assert "pytest" in tests and "ruff check" in tests
    head = (ROOT / "README.md").read_text().split("---", 1)[0]
    assert demo in head and tests in head


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    tests = readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()
