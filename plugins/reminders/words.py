"""Why a reminder was not sent, in the coach's language: the reasons the outbox keeps.

They are written on rows (and read back in ``reminders list`` and ``history``) in the
language of the run that decided them, the coach's terminal language (``[core] language``
under cron). The planner decides them per row, up to millions at a time, so each language's
words are looked up once (:func:`reason`), not per row.
"""

from __future__ import annotations

from functools import lru_cache

from programs.i18n import current_language, translator


@lru_cache(maxsize=8)
def _reasons(language: str) -> dict[str, str]:
    t = translator(language)
    return {
        "session moved": t.gettext("session moved"),
        "followup moved": t.gettext("follow-up moved"),
        "program moved": t.gettext("program dates changed"),
        "week moved": t.gettext("changed"),
        "session gone": t.gettext("the session no longer exists"),
        "followup gone": t.gettext("the follow-up no longer exists"),
        "program gone": t.gettext("the program no longer exists"),
        "week gone": t.gettext("the week no longer exists"),
        "rule removed": t.gettext("rule removed"),
        "rule changed": t.gettext("rule changed"),
        "no longer enrolled": t.gettext("no longer enrolled"),
        "coach changed": t.gettext("coach changed"),
        "no longer planned": t.gettext("no longer planned"),
        "program cancelled": t.gettext("program cancelled"),
        "session cancelled": t.gettext("session cancelled"),
        "no session left": t.gettext("no session left"),
        "followup done": t.gettext("follow-up done"),
        "followup cancelled": t.gettext("follow-up cancelled"),
        "followup missed": t.gettext("follow-up missed"),
        "booked late": t.gettext("booked late: due {due} UTC, booked {booked} UTC"),
        "rule added later": t.gettext("rule {name} added after this was due"),
    }


def reason(key: str) -> str:
    """The reason ``key`` in the current language (``key`` itself if unknown)."""
    return _reasons(current_language()).get(key, key)
