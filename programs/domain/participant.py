"""Participants: add, edit, find by id / email / part of a name."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import validate
from programs.errors import Ambiguous, InvalidInput, NotFound, RuleViolation
from programs.i18n import _, shown
from programs.models import Enrollment, Participant, Program, utcnow
from programs.settings import settings_of

clean_fields = validate.participant_fields  # kept under its old name for callers


def _check_email_free(db: DbSession, email: str | None, *, except_id: int | None = None) -> None:
    if not email:
        return
    other = db.exec(
        select(Participant).where(sa.func.lower(Participant.email) == email.lower())
    ).first()
    if other is not None and other.id != except_id:
        raise RuleViolation(
            _("{email} is already the email of participant #{id} ({name})").format(
                email=email, id=other.id, name=other.name
            )
        )


def add_participant(db: DbSession, **fields: Any) -> Participant:
    values = clean_fields(fields, region=settings_of(db).phone_region)
    if "name" not in values:
        raise InvalidInput(_("a participant needs a name"))
    _check_email_free(db, values.get("email"))
    participant = Participant(**values)
    db.add(participant)
    db.flush()
    return participant


def edit_participant(db: DbSession, participant: Participant, **fields: Any) -> dict[str, Any]:
    """Change fields; returns ``{field: old value}`` for what changed.

    Names: a new full ``name`` is split again; a ``given_name`` or a ``family_name`` fixes
    one part of the split (the other stays) and the full name follows."""
    given, family = fields.get("given_name"), fields.get("family_name")
    if (given is None) != (family is None):
        fields = {
            **fields,
            "given_name": participant.given_name or "" if given is None else given,
            "family_name": participant.family_name or "" if family is None else family,
        }
    values = clean_fields(fields, region=settings_of(db).phone_region)
    if "email" in values:
        _check_email_free(db, values["email"], except_id=participant.id)
    old = {k: getattr(participant, k) for k, v in values.items() if getattr(participant, k) != v}
    for key in old:
        setattr(participant, key, values[key])
    if old:
        participant.updated_at = utcnow()
        db.flush()
    return old


MAX_REFERENCE = 200
"""Longer than any name or email: a reference this long matches nobody, said before SQL."""


def find_person(db: DbSession, ref: str) -> Participant:
    """A participant by id, email, or an unambiguous part of the name (case-insensitive).

    ``#12`` and ``id:12`` are always the id; bare digits are the id too, unless someone is
    named exactly that (then they ask for ``#12``). An exact name is found whatever it
    contains (digits, an ``@``). A name that matches several people is an error listing
    them; an exact full-name match wins over partial ones ("S. Martin" beside "S. Martinez").
    """
    text = (ref or "").strip()
    if not text:
        raise InvalidInput(_("name a participant: an id, an email or part of a name"))
    if len(text) > MAX_REFERENCE:
        raise NotFound(_("no participant matches {text}").format(text=shown(text)))
    number = validate.explicit_id(text)
    if number is not None:
        return _by_id(db, number, text)
    if text.isdigit():
        named = _exact_names(db, text)
        found = db.get(Participant, validate.record_id(text) or 0)
        if found is not None and named and named != [found]:
            raise Ambiguous(
                _(
                    "{text} is participant #{id} and also the name of {others}: "
                    "write #{id} or {others}"
                ).format(
                    text=shown(text),
                    id=found.id,
                    others=", ".join(f"#{p.id}" for p in named),
                ),
                candidates=[f"#{found.id}", *(f"#{p.id}" for p in named)],
            )
        if found is not None:
            return found
        if len(named) == 1:
            return named[0]
        if not named:
            raise NotFound(_("no participant #{id}").format(id=text))
    if "@" in text:
        found = db.exec(
            select(Participant).where(sa.func.lower(Participant.email) == text.lower())
        ).first()
        if found is not None:
            return found
        named = _exact_names(db, text)
        if len(named) == 1:
            return named[0]
        raise NotFound(_("no participant with email {email}").format(email=shown(text, 80)))
    fold = _fold
    matches = _name_matches(db, text) if text.isascii() else _scan_names(db, text, fold)
    if not matches:  # accents left out when typing: "Lea" for "Léa", "Emilie" for "Émilie"
        fold = _bare
        matches = _scan_names(db, text, fold)
    if not matches:
        raise NotFound(
            _("no participant matches {text!r} (see `programs participant list`)").format(text=text)
        )
    if len(matches) == 1:
        return matches[0]
    exact = [p for p in matches if fold(p.name) == fold(text)]
    if len(exact) == 1:
        return exact[0]
    listed = [f"#{p.id} {p.name}" + (f" <{p.email}>" if p.email else "") for p in matches[:20]]
    message = (
        _("{text!r} matches several participants: {found} and more — use an id or email")
        if len(matches) > 20
        else _("{text!r} matches several participants: {found} — use an id or email")
    )
    raise Ambiguous(message.format(text=text, found="; ".join(listed)), candidates=listed)


def _by_id(db: DbSession, number: int, text: str) -> Participant:
    found = db.get(Participant, number) if number else None
    if found is None:
        raise NotFound(_("no participant #{id}").format(id=text.lower().lstrip("#id:").strip()))
    return found


def _exact_names(db: DbSession, text: str) -> list[Participant]:
    """People named exactly ``text`` (case aside): up to 5, oldest first."""
    folded = _fold(text)
    query = select(Participant).where(sa.func.lower(Participant.name) == text.lower())
    candidates = list(db.exec(query.order_by(Participant.id).limit(5)))
    if not text.isascii():  # lower() of the database may not fold accents: compare here
        candidates = [p for p in _scan_names(db, text, _fold) if _fold(p.name) == folded]
    return [p for p in candidates if _fold(p.name) == folded]


def _name_matches(db: DbSession, text: str) -> list[Participant]:
    """Up to 21 people whose name contains ``text`` (ASCII: the database folds its case)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(
        db.exec(
            select(Participant)
            .where(sa.func.lower(Participant.name).like(f"%{escaped}%", escape="\\"))
            .order_by(Participant.id)
            .limit(21)
        )
    )


def _fold(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold()


def _bare(value: str) -> str:
    """Case and accents folded away: "Émilie" -> "emilie"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _scan_names(db: DbSession, text: str, fold: Callable[[str], str]) -> list[Participant]:
    """The same for a name with accents: SQLite's lower() folds ASCII letters only (and
    PostgreSQL's depends on its locale), so the names are compared here, streamed."""
    needle = fold(text)
    ids: list[int] = []
    rows = db.exec(select(Participant.id, Participant.name).order_by(Participant.id))
    for pid, name in rows:
        if needle in fold(name):
            ids.append(pid)
            if len(ids) == 21:
                break
    if not ids:
        return []
    query = select(Participant).where(Participant.id.in_(ids)).order_by(Participant.id)  # type: ignore[union-attr]
    return list(db.exec(query))


def list_participants(db: DbSession, *, program: Program | None = None) -> list[Participant]:
    query = select(Participant).order_by(Participant.name, Participant.id)
    if program is not None:
        query = query.join(Enrollment, Enrollment.participant_id == Participant.id).where(
            Enrollment.program_id == program.id
        )
    return list(db.exec(query))
