"""The one way the tool lays out a PDF page (sign-in sheets, certificates): fpdf2 on A4 with
DejaVu Sans.

fpdf2 is pure Python, maintained, and small (no C library, unlike WeasyPrint's Pango or
reportlab's optional accelerators); it is imported only by the commands that write a PDF.
Its built-in fonts only know Latin-1: "cœur", a Polish name or the French narrow no-break
space would be lost, so the text is set in DejaVu Sans (Debian's ``fonts-dejavu-core``,
found where distributions put it, or ``PROGRAMS_FONT_DIR``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from programs.errors import InvalidInput
from programs.i18n import _

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu (fonts-dejavu-core)
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)
FAMILY = "DejaVu"


def font_dir() -> Path:
    """Where DejaVuSans.ttf and DejaVuSans-Bold.ttf are; one line saying what to install."""
    extra = os.environ.get("PROGRAMS_FONT_DIR")
    for folder in ([extra] if extra else []) + list(FONT_DIRS):
        path = Path(folder)
        if (path / "DejaVuSans.ttf").is_file() and (path / "DejaVuSans-Bold.ttf").is_file():
            return path
    raise InvalidInput(
        _(
            "cannot write a PDF: the DejaVu Sans font is missing (install fonts-dejavu-core, "
            "or set PROGRAMS_FONT_DIR to a folder holding DejaVuSans.ttf)"
        )
    )


def new_document(title: str, *, folder: Path, landscape: bool = False) -> FPDF:
    """An A4 document with DejaVu Sans (from ``folder``, :func:`font_dir`: asked before the
    document's language is set, so a missing font is said in the coach's), margins of 15 mm,
    its title set."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font(FAMILY, "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FAMILY, size=10)
    pdf.set_title(title)
    pdf.set_creator("programs")
    return pdf


def finished(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
