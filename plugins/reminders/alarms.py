"""Alarms for calendar feeds (and the ``.ics`` of a reminder), matching the reminder rules.

Best effort: many calendar apps ignore alarms in subscribed feeds (Google, Outlook) or offer
to strip them (Apple); the outbox stays the real channel. Only rules counted back from an
item's start translate into an alarm; rules at a fixed time of day ("the day after at
09:00") do not, and are left out.

Asked once per feed with all its items, on the feed's own database session: the rulebook is
read once (two queries), whatever the number of items, and no second connection is opened.
An alarm speaks the language of the titles around it: the feed reader's (the core's
``reader_for``: a participant's own language, else the coach's), or the message's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from programs.plugins.reminders.rules import RuleBook, load_rulebook

from programs.api import Alarm
from programs.i18n import translator

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, CalendarItem, CalendarScope

TARGETS = ("session", "followup")


@lru_cache(maxsize=16)
def _reminder(language: str) -> str:
    """ "Reminder: {title}" in ``language``, looked up once (a feed has thousands of items)."""
    return translator(language).gettext("Reminder: {title}")


def language_of(app: App, db: DbSession, scope: CalendarScope) -> str:
    """The feed reader's language, the one its titles are worded in (the core's rule)."""
    from programs.api import reader_for

    return reader_for(db, scope, app.settings).language


def rulebook(app: App, db: DbSession, items: Iterable[CalendarItem]) -> RuleBook:
    programs = sorted({i.program_id for i in items if i.program_id is not None})
    return load_rulebook(db, app.config, now=None, program_ids=programs)


def item_alarms(
    book: RuleBook, item: CalendarItem, *, for_coach: bool, language: str
) -> list[Alarm]:
    """The alarms of one item: one per rule counted back from its start, for this reader."""
    if item.kind not in TARGETS or item.cancelled:
        return []
    alarms: list[Alarm] = []
    seen: set[timedelta] = set()
    words = _reminder(language)
    for rule in book.for_target(item.kind, item.program_id):
        if rule.anchor != "start" or rule.at is not None:
            continue
        if not (rule.to_coach if for_coach else rule.to_participants):
            continue
        before = -rule.offset.total
        if before <= timedelta(0) or before in seen:
            continue
        seen.add(before)
        alarms.append(Alarm(before=before, description=words.format(title=item.summary)))
    return sorted(alarms, key=lambda a: a.before, reverse=True)


def alarms_for(
    app: App, db: DbSession, items: Sequence[CalendarItem], scope: CalendarScope
) -> dict[str, list[Alarm]]:
    """``{uid: alarms}`` for the items of one feed."""
    mine = [i for i in items if i.kind in TARGETS]
    if not mine:
        return {}
    book = rulebook(app, db, mine)
    language = language_of(app, db, scope)
    for_coach = scope.kind == "coach"
    found = {}
    for item in mine:
        alarms = item_alarms(book, item, for_coach=for_coach, language=language)
        if alarms:
            found[item.uid] = alarms
    return found
