"""Outbox rows as people read them: when (local time), to whom, about what, by which channel.

Names are looked up in bulk (one query per kind), so listing thousands of rows stays quick.
The words (``about``, ``to``, ``note``) are in the coach's terminal language; a session's
time is written once per session, as tables write times (``programs.formats.when_short``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import (
    CANCELLED,
    FAILED,
    OUTBOX,
    PENDING,
    SENDING,
    SENT,
    SKIPPED,
)
from programs.plugins.reminders.settings import load_settings
from programs.plugins.reminders.targets import chunks

from programs import formats
from programs.api import (
    Coach,
    FollowUp,
    Participant,
    Program,
    Session,
    find_person,
    get_program,
)
from programs.i18n import _, current_language, pgettext

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App


def _names(db: DbSession, model: Any, ids: Iterable[int], *columns: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for batch in chunks(sorted(set(ids))):
        for row in db.execute(sa.select(model.id, *columns).where(model.id.in_(batch))):
            out[row[0]] = row[1:] if len(row) > 2 else row[1]
    return out


def describe(db: DbSession, app: App, rows: list[Any]) -> list[dict[str, Any]]:
    """Rows for the toolkit's ``render``: ``due`` stays an aware time, with the ``timezone``
    it is shown in (the recipient's: a participant's own zone, else the default one)."""
    default_tz = app.settings.default_timezone
    ids: dict[str, set[int]] = {}
    for r in rows:
        ids.setdefault(r.target_kind, set()).add(r.target_id)
        ids.setdefault(r.recipient_kind, set()).add(r.recipient_id)
    people = _names(
        db, Participant, ids.get("participant", ()), Participant.name, Participant.timezone
    )
    coaches = _names(db, Coach, ids.get("coach", ()), Coach.name)
    sessions = _names(
        db, Session, ids.get("session", ()), Session.program_id, Session.title, Session.start
    )
    followups = _names(
        db, FollowUp, ids.get("followup", ()), FollowUp.kind, FollowUp.participant_id
    )
    program_ids = set(ids.get("program", ())) | {s[0] for s in sessions.values()}
    program_ids |= {r.program_id for r in rows if r.target_kind in ("notice", "message")}
    programs = _names(db, Program, program_ids, Program.slug, Program.timezone)
    people.update(
        _names(
            db,
            Participant,
            {f[1] for f in followups.values()} - set(people),
            Participant.name,
            Participant.timezone,
        )
    )
    words = _words()
    abouts: dict[tuple[str, int], str] = {}
    out = []
    for r in rows:
        key = (r.target_kind, r.target_id)
        if key not in abouts:
            abouts[key] = _about(r, words, sessions, followups, programs, people, default_tz)
        about = abouts[key]
        if r.recipient_kind == "participant":
            name, tz = people.get(r.recipient_id, ("?", None))
            to, zone_name = name, tz or default_tz
        else:
            coach = coaches.get(r.recipient_id, "?")
            to, zone_name = words["coach"].format(name=coach), default_tz
        note = r.reason or r.last_error
        if note is None and r.not_before:
            note = words["retry"].format(time=formats.when_short(r.not_before, zone_name))
        out.append(
            {
                "id": r.id,
                "due": r.due_at,
                "timezone": zone_name,
                "status": r.status,
                "to": to,
                "channel": r.channel,
                "rule": r.rule,
                "about": about,
                "note": note,
            }
        )
    return out


def _words() -> dict[str, str]:
    """The words of a listing, looked up once for all its rows."""
    return {
        "coach": _("{name} (coach)"),
        "retry": _("retry after {time}"),
        "session": _("{slug} session #{id} {title} ({time} {zone})"),
        "untitled": _("{slug} session #{id} ({time} {zone})"),
        "call": _("call #{id} with {name}"),
        "one-to-one": _("one-to-one session #{id} with {name}"),
        "program": _("{slug} (after its last session)"),
        "week": _("week of {day}"),
        "gone": _("{kind} #{id} (gone)"),
        "notice": _("{slug}: {rule} (a notice)"),
        "message": _("{slug}: the coach's message #{id}"),
    }


def _about(
    r: Any,
    words: dict[str, str],
    sessions: dict[int, Any],
    followups: dict[int, Any],
    programs: dict[int, Any],
    people: dict[int, Any],
    default_tz: str,
) -> str:
    """What a row reminds of, in a few words."""
    if r.target_kind == "session" and r.target_id in sessions:
        program_id, title, start = sessions[r.target_id]
        slug, program_tz = programs.get(program_id, ("?", default_tz))
        values = {
            "slug": slug,
            "id": r.target_id,
            "title": title,
            "time": formats.when_short(start, program_tz),
            "zone": program_tz,
        }
        return words["session" if title else "untitled"].format(**values)
    if r.target_kind == "followup" and r.target_id in followups:
        kind, participant_id = followups[r.target_id]
        name = people.get(participant_id, ("?",))[0]
        return words["call" if kind == "call" else "one-to-one"].format(id=r.target_id, name=name)
    if r.target_kind == "program":
        return words["program"].format(slug=programs.get(r.target_id, ("?",))[0])
    if r.target_kind in ("notice", "message"):
        slug = programs.get(r.program_id, ("?",))[0]
        return words[r.target_kind].format(slug=slug, rule=r.rule, id=r.target_id)
    if r.target_kind == "week":
        return words["week"].format(day=_week_day(r.target_id))
    return words["gone"].format(kind=r.target_kind, id=r.target_id)


def _week_day(target_id: int) -> str:
    """A week's Monday (``20270607``) as tables write a day: ``lun. 7 juin 2027``."""
    from datetime import date

    from babel.dates import format_date

    text = str(target_id)
    try:
        day = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return text
    return format_date(
        day, formats.SHORT.split(",")[0], locale=formats.locale_of(current_language())
    )


def status_words() -> dict[str, str]:
    """An outbox state as a table shows it (JSON and CSV keep the state itself)."""
    return {
        PENDING: pgettext("reminder", "pending"),
        SENDING: pgettext("reminder", "sending"),
        SENT: pgettext("reminder", "sent"),
        SKIPPED: pgettext("reminder", "skipped"),
        CANCELLED: pgettext("reminder", "cancelled"),
        FAILED: pgettext("reminder", "failed"),
    }


def describe_rows(app: App, rows: list[Any]) -> list[dict[str, Any]]:
    with app.read() as db:
        return describe(db, app, rows)


def outbox_rows(
    app: App, *, due: bool, everything: bool, slug: str | None, now: datetime
) -> list[dict[str, Any]]:
    from programs.plugins.reminders.sender import due_rows

    settings = load_settings(app)
    c = OUTBOX.c
    with app.read() as db:
        if due:
            rows = due_rows(db, now, settings)
        else:
            query = sa.select(OUTBOX).order_by(c.due_at, c.id)
            if not everything:
                query = query.where(c.status.in_([PENDING, SENDING]))
            rows = list(db.execute(query))
        if slug:
            program = get_program(db, slug)
            rows = [r for r in rows if r.program_id == program.id]
        return describe(db, app, rows)


def history_rows(app: App, *, person: str | None, limit: int) -> list[dict[str, Any]]:
    c = OUTBOX.c
    with app.read() as db:
        query = sa.select(OUTBOX).where(c.status.notin_([PENDING, SENDING]))
        if person:
            participant = find_person(db, person)
            query = query.where(c.recipient_kind == "participant", c.recipient_id == participant.id)
        rows = list(db.execute(query.order_by(c.updated_at.desc(), c.id.desc()).limit(limit)))
        described = describe(db, app, rows)
    for item, row in zip(described, rows, strict=True):
        item["when"] = row.sent_at or row.updated_at
        item["message_id"] = row.message_id
    return described
