"""Shared helpers for the participant page's tests (no tests here): a world with the iCal
and contacts plugins, a sharing window around today, links issued through the
``participant_links`` hook, and a reader of the consent rows and their log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from conftest import make_app
from test_ical_support import make_world


@dataclass
class PageWorld:
    app: Any
    program_id: int
    slug: str
    people: dict[str, int]
    links: dict[str, dict[str, str]]  # name -> kind -> url (as the hook gives them)

    def token(self, name: str) -> str:
        return self.links[name]["page"].rsplit("/", 1)[1]

    def consents(self) -> list[tuple[Any, ...]]:
        from programs.plugins.contacts.models import Consent
        from sqlmodel import select

        with self.app.read() as db:
            return [
                (c.participant_id, c.share_phone, c.share_email, c.source, c.withdrawn_at is None)
                for c in db.exec(select(Consent).order_by(Consent.id))
            ]

    def log(self) -> list[tuple[str, str, bool, bool, str | None]]:
        from programs.plugins.contacts.models import ConsentLog
        from sqlmodel import select

        with self.app.read() as db:
            return [
                (e.action, e.source, e.share_phone, e.share_email, e.wording)
                for e in db.exec(select(ConsentLog).order_by(ConsentLog.id))  # type: ignore[arg-type]
            ]


def page_world(
    url: str, *, base_url: str, window: str = "open", languages: dict[str, str] | None = None
) -> PageWorld:
    """``window``: "open" (yesterday to a month ahead), "before" (opens in ten days),
    "after" (ended yesterday: made open, then moved back in time), or "none"."""
    from programs.plugins.contacts.sharing import share

    from programs.api import Participant, Program, utcnow

    app = make_app(url, plugins=["ical", "contacts"], config={"ical": {"base_url": base_url}})
    world = make_world(app)
    today = utcnow().date()
    with app.write() as db:
        for name, language in (languages or {}).items():
            db.get(Participant, world.people[name]).language = language
        program = db.get(Program, world.program_id)
        if window in ("open", "after"):
            share(
                db,
                program=program,
                first=str(today - timedelta(days=1)),
                last=str(today + timedelta(days=30)),
                now=utcnow(),
            )
        elif window == "before":
            share(
                db,
                program=program,
                first=str(today + timedelta(days=10)),
                last=str(today + timedelta(days=40)),
                now=utcnow(),
            )
    links: dict[str, dict[str, str]] = {}
    with app.write() as db:
        for name, pid in world.people.items():
            person = db.get(Participant, pid)
            answers = app.call_each("participant_links", db=db, participant=person)
            links[name] = {link.kind: link.url for _p, got in answers for link in got or ()}
    return PageWorld(app, world.program_id, world.slug, world.people, links)


def end_window(world: PageWorld) -> None:
    """Move the program's window into the past (it ended yesterday), as time would."""
    from programs.plugins.contacts.models import SharingWindow
    from sqlmodel import select

    from programs.api import utcnow

    with world.app.write() as db:
        window = db.exec(
            select(SharingWindow).where(SharingWindow.program_id == world.program_id)
        ).one()
        window.starts_at = utcnow() - timedelta(days=20)
        window.ends_at = utcnow() - timedelta(days=1)


def form_of(html: str, form_id: str) -> tuple[str, dict[str, str]]:
    """A form's action and its hidden fields, read from the page as a browser would."""
    found = re.search(
        rf'<form method="post" action="([^"]+)" id="{form_id}">(.*?)</form>', html, re.S
    )
    assert found, form_id
    fields = dict(
        re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', found.group(2))
    )
    return found.group(1), fields
