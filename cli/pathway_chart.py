"""The pathway's funnel as an SVG file: a few rectangles and their labels, built by hand.

A charting library (matplotlib: ~40 MB and half a second to import) would draw the same six
bars; hand-written SVG is a few lines, has no dependency, and every number in it is one the
table and the JSON show (the tests read the file back and compare).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, BAR, GAP, LABEL = 640, 26, 10, 220


def _text(x: float, y: float, text: str, *, anchor: str = "start", bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}"{weight}>{escape(text)}</text>'


def funnel_svg(title: str, bars: Sequence[tuple[str, int, float]]) -> bytes:
    """``bars``: (label, count, share of the first) per stage, top to bottom."""
    height = 50 + len(bars) * (BAR + GAP)
    span = WIDTH - LABEL - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="14">',
        f"<title>{escape(title)}</title>",
        _text(10, 24, title, bold=True),
    ]
    for i, (label, count, share) in enumerate(bars):
        y = 40 + i * (BAR + GAP)
        width = max(1.0, span * share) if count else 0.0
        parts.append(_text(LABEL - 10, y + BAR * 0.7, label, anchor="end"))
        parts.append(
            f'<rect class="stage" x="{LABEL}" y="{y}" width="{width:.1f}" height="{BAR}" '
            f'fill="#3b7dd8" data-count="{count}"><title>{escape(label)}: {count}</title></rect>'
        )
        parts.append(_text(LABEL + width + 8, y + BAR * 0.7, f"{count} ({share:.0%})"))
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode()


def comparison_svg(
    title: str, legend: Sequence[str], rows: Sequence[tuple[str, Sequence[float]]]
) -> bytes:
    """``rows``: (program, shares) with one share per ``legend`` entry: grouped bars."""
    colours = ("#3b7dd8", "#e0892b", "#3a9e5c", "#9b59b6")
    group = len(legend) * 14 + GAP
    height = 70 + len(rows) * group
    span = WIDTH - LABEL - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        _text(10, 20, title, bold=True),
    ]
    for j, name in enumerate(legend):
        x = 10 + j * 170
        parts.append(f'<rect x="{x}" y="30" width="12" height="12" fill="{colours[j % 4]}"/>')
        parts.append(_text(x + 16, 41, name))
    for i, (program, shares) in enumerate(rows):
        y = 56 + i * group
        parts.append(_text(LABEL - 10, y + group / 2, program, anchor="end"))
        for j, share in enumerate(shares):
            width = span * share
            parts.append(
                f'<rect class="share" x="{LABEL}" y="{y + j * 14}" width="{width:.1f}" '
                f'height="12" fill="{colours[j % 4]}" data-share="{share:.4f}"/>'
            )
            parts.append(_text(LABEL + width + 6, y + j * 14 + 10, f"{share:.0%}"))
    parts.append("</svg>")
    return ("\n".join(parts) + "\n").encode()
