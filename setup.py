"""The build's one extra step: gettext catalogs compiled from their sources.

Everything else is in pyproject.toml. ``programs/locale/<language>/LC_MESSAGES/*.po`` are
the sources, kept in git; the ``.mo`` files read at run time are built from them here: for a
wheel into the build folder, for an editable install (``pip install -e .``) next to their
``.po`` in the source tree (git ignores them).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
CATALOGS = ROOT / "programs" / "locale"


def compile_catalog(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    mo.parent.mkdir(parents=True, exist_ok=True)
    with mo.open("wb") as f:
        write_mo(f, catalog, use_fuzzy=False)


class BuildWithCatalogs(build_py):
    """``build_py``, then every ``.po`` compiled to its ``.mo``."""

    def run(self) -> None:
        super().run()
        for po in sorted(CATALOGS.glob("*/LC_MESSAGES/*.po")):
            relative = po.relative_to(ROOT).with_suffix(".mo")
            # an editable install reads them in place; a wheel takes them from build_lib
            base = ROOT if self.editable_mode else Path(self.build_lib)
            compile_catalog(po, base / relative)


setup(cmdclass={"build_py": BuildWithCatalogs})
