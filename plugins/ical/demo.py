"""The iCal part of ``programs demo``: one participant's link, and their feed on disk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from programs.api import App

SNIPPET_LINES = 16


def demo_section(app: App, workdir: Path) -> list[tuple[str, str]]:
    from programs.plugins.ical.service import build_feed
    from programs.plugins.ical.settings import DEFAULT_BASE_URL, read_settings
    from programs.plugins.ical.tokens import issue, rotate
    from sqlmodel import select

    from programs.api import CalendarScope, Enrollment, Participant, seated_condition
    from programs.i18n import _, ngettext

    with app.read() as db:
        row = db.exec(
            select(Participant.id, Participant.name)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(seated_condition())
            .order_by(Enrollment.id)
        ).first()
    if row is None:
        return []
    scope = CalendarScope("participant", row[0])
    with app.write() as db:
        token = issue(db, scope) or rotate(db, scope)
    base = read_settings(app).base_url or DEFAULT_BASE_URL
    feed = build_feed(app, scope)
    path = workdir / "participant-feed.ics"
    path.write_bytes(feed.body)
    lines = feed.body.decode().split("\r\n")
    start = next((i for i, line in enumerate(lines) if line == "BEGIN:VEVENT"), 0)
    snippet = "\n".join("  " + line for line in lines[start : start + SNIPPET_LINES])
    count = feed.body.count(b"BEGIN:VEVENT")
    page = f"{base}/p/{token}"
    lines = [
        _("{name}'s private link (one per person; `programs ical link --participant ...`):").format(
            name=row[1]
        ),
        f"  {page}",
        _("Calendar apps subscribe to {url}, served by `programs ical serve`.").format(
            url=f"{base}/feeds/{token}.ics"
        ),
        ngettext(
            "Their feed, {n} event, is in {file}; it starts:",
            "Their feed, {n} events, is in {file}; it starts:",
            count,
        ).format(n=count, file=path.name),
        snippet,
    ]
    return [(_("Calendar feed"), "\n".join(lines))]
