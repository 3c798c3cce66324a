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


def project(source: Path = FIXTURE) -> dict:  # type: ignore[type-arg]
    with (source / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def entry_points_txt(source: Path = FIXTURE) -> str:
    groups = project(source)["entry-points"]
    lines = []
    for group, entries in groups.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    return "\n".join(lines) + "\n"


def build_site(target: Path, source: Path = FIXTURE) -> Path:
    """Install the distribution whose ``pyproject.toml`` is in ``source`` (by default the
    fixture) into ``target``, a folder to put on sys.path: its packages (the folders with an
    ``__init__.py``) and a dist-info generated from its metadata."""
    meta = project(source)
    packages = sorted(d.name for d in source.iterdir() if (d / "__init__.py").is_file())
    for package in packages:
        shutil.copytree(
            source / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    normalized = meta["name"].replace("-", "_")
    dist_info = target / f"{normalized}-{meta['version']}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\n"
        f"Name: {meta['name']}\n"
        f"Version: {meta['version']}\n"
        f"Summary: {meta.get('description', '')}\n"
        + "".join(f"Requires-Dist: {d}\n" for d in meta.get("dependencies", [])),
        encoding="utf-8",
    )
    (dist_info / "entry_points.txt").write_text(entry_points_txt(source), encoding="utf-8")
    (dist_info / "top_level.txt").write_text("".join(f"{p}\n" for p in packages), "utf-8")
    (dist_info / "INSTALLER").write_text("programs-tests\n", encoding="utf-8")
    return target


def subprocess_env(site: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a person's shell for a subprocess: not in test mode (so installed
    plugins load as they would for a user), with ``site`` on ``PYTHONPATH``."""
    test_only = ("PYTEST_CURRENT_TEST", "PROGRAMS_TEST_MODE")
    env = {k: v for k, v in os.environ.items() if k not in test_only}
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
