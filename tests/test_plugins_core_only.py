"""Removing the built-in plugins leaves the core and the CLI working: the core CLI suite
(tests/test_cli_*.py) runs, in a subprocess, with ical, reminders and contacts disabled.

``PROGRAMS_TEST_DISABLE_PLUGINS`` is honoured by tests/conftest.py, which sets
``PROGRAMS_DISABLE_PLUGINS`` in every test's private environment; the probe below, run in the
same subprocess, proves the switch took effect. To keep this under a minute, the subprocess
skips the suite's slow tests and its PostgreSQL variants (what is proven here is independence
from the plugins, not the database backend, which the suite itself covers).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from seatlog_dist import subprocess_env

from programs.plugin_manager import DEFAULT_PLUGINS, build_plugin_manager, short_name

TESTS = Path(__file__).parent
BUILT_INS = ",".join(short_name(m) for m in DEFAULT_PLUGINS)


def test_probe_built_ins_are_disabled() -> None:
    """Run by the test below, in its subprocess only."""
    if os.environ.get("PROGRAMS_TEST_DISABLE_PLUGINS") != BUILT_INS:
        pytest.skip("only meaningful inside the core-only run")
    assert build_plugin_manager().list_name_plugin() == []
    from click.testing import CliRunner
    from programs.cli.main import build_cli

    listed = CliRunner().invoke(build_cli(), ["--help"]).output
    assert not any(f"\n  {name} " in listed for name in BUILT_INS.split(","))


@pytest.mark.slow
def test_core_cli_suite_passes_with_every_built_in_plugin_disabled() -> None:
    suite = sorted(str(p) for p in TESTS.glob("test_cli_*.py"))
    if not suite:
        pytest.skip("no tests/test_cli_*.py exist yet")
    probe = f"{__file__}::test_probe_built_ins_are_disabled"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-m",
            "not slow",
            "-k",
            "not postgresql",
            probe,
            *suite,
        ],
        cwd=TESTS.parent,
        env=subprocess_env(None, PROGRAMS_TEST_DISABLE_PLUGINS=BUILT_INS),
        capture_output=True,
        text=True,
        timeout=240,
    )
    tail = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, tail
    assert "only meaningful inside the core-only run" not in result.stdout, tail  # ran
    assert " passed" in result.stdout.splitlines()[-1], tail
