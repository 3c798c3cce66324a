"""Alarms for calendar feeds, matching the reminder rules (best effort).

Many calendar apps ignore alarms in subscribed feeds (Google, Outlook) or offer to strip
them (Apple): the outbox stays the real channel. Only rules counted back from an item's
start translate into an alarm; rules at a fixed time of day ("the day after at 09:00") do
not, and are left out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from programs.plugins.reminders.rules import load_rulebook
from programs.plugins.reminders.settings import load_settings

from programs.api import Alarm, FollowUp, Participant, Session

if TYPE_CHECKING:
    from programs.api import App, CalendarScope

WORDS = {"fr": "Rappel : {}", "en": "Reminder: {}"}  # French puts a space before ":"


def alarms_for(app: App, item: Any, scope: CalendarScope) -> list[Alarm]:
    if isinstance(item, Session):
        target, program_id, title = "session", item.program_id, item.title
    elif isinstance(item, FollowUp):
        target, program_id, title = "followup", item.program_id, item.topic
    else:
        return []
    settings = load_settings(app.config)
    language = settings.coach_language
    with app.read() as db:
        rules = load_rulebook(
            db, app.config, now=None, program_ids=[program_id] if program_id else []
        ).for_target(target, program_id)
        if scope.kind == "participant":
            person = db.get(Participant, scope.id)
            if person is not None and person.language in WORDS:
                language = person.language
    for_coach = scope.kind == "coach"
    alarms = []
    seen: set[timedelta] = set()
    for rule in rules:
        if rule.anchor != "start" or rule.at is not None:
            continue
        if not (rule.to_coach if for_coach else rule.to_participants):
            continue
        before = -rule.offset.total
        if before <= timedelta(0) or before in seen:
            continue
        seen.add(before)
        text = WORDS[language].format(title or "").rstrip(" :")
        alarms.append(Alarm(before=before, description=text))
    return sorted(alarms, key=lambda a: a.before, reverse=True)
