"""Installing the third-party plugin fixture (tests/plugin_fixture) as a real distribution.

:func:`build_site` lays out a folder the way ``pip install`` would: the package, and a
``programs_seatlog-VERSION.dist-info`` with ``METADATA`` and ``entry_points.txt`` generated
from the fixture's own ``pyproject.toml``. Put the folder on ``sys.path`` (in-process) or
``PYTHONPATH`` (a subprocess of the real ``programs`` script) and ``importlib.metadata``
finds the entry points like those of any installed package. No pip, no network: fast.
"""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

FIXTURE = Path(__file__).parent / "plugin_fixture"
PACKAGE = "programs_seatlog"


def project() -> dict:  # type: ignore[type-arg]
    with (FIXTURE / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def entry_points_txt() -> str:
    lines = ["[programs]"]
    lines += [f"{name} = {value}" for name, value in project()["entry-points"]["programs"].items()]
    return "\n".join(lines) + "\n"


def build_site(target: Path) -> Path:
    """Install the fixture distribution into ``target`` (a folder for sys.path)."""
    meta = project()
    shutil.copytree(
        FIXTURE / PACKAGE, target / PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    dist_info = target / f"{PACKAGE}-{meta['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\n"
        f"Name: {meta['name']}\n"
        f"Version: {meta['version']}\n"
        f"Summary: {meta['description']}\n"
        + "".join(f"Requires-Dist: {d}\n" for d in meta["dependencies"]),
        encoding="utf-8",
    )
    (dist_info / "entry_points.txt").write_text(entry_points_txt(), encoding="utf-8")
    (dist_info / "top_level.txt").write_text(f"{PACKAGE}\n", encoding="utf-8")
    (dist_info / "INSTALLER").write_text("programs-tests\n", encoding="utf-8")
    return target


def subprocess_env(site: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a person's shell for a subprocess: not flagged as under pytest (so
    installed plugins load as they would for a user), with ``site`` on ``PYTHONPATH``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.pop("PYTHONPATH", None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    env.update(extra)
    return env


def programs_script() -> str:
    """The real console script installed in this environment."""
    script = Path(sys.executable).parent / "programs"
    assert script.exists(), f"no programs script next to {sys.executable}"
    return str(script)
