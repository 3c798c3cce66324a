"""Coaches: the default one, and the others of a practice."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs import validate
from programs.errors import InvalidInput, NotFound
from programs.i18n import _, shown
from programs.models import Coach
from programs.settings import settings_of


def _clean(db: DbSession, fields: dict[str, str | None]) -> dict[str, str | None]:
    region = settings_of(db).phone_region
    out: dict[str, str | None] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "name":
            out[key] = validate.name(value)
        elif key == "email":
            out[key] = validate.email(value)
        elif key == "phone":
            out[key] = validate.phone(value, region)
        elif key == "website":
            out[key] = validate.website(value)
        elif key == "organisation":
            out[key] = validate.text(value, "organisation", max_length=200)
        else:
            raise InvalidInput(_("unknown coach field {key!r}").format(key=key))
    return out


def default_coach(db: DbSession) -> Coach | None:
    return db.exec(select(Coach).where(Coach.is_default == True)).first()  # noqa: E712


def set_default_coach(db: DbSession, **fields: str | None) -> Coach:
    """Create or update the default coach (the one commands use unless told otherwise)."""
    values = _clean(db, fields)
    coach = default_coach(db)
    if coach is None:
        if "name" not in values:
            raise InvalidInput(_("the coach needs a name: programs coach set --name NAME"))
        coach = Coach(is_default=True, **values)
        db.add(coach)
    else:
        for key, value in values.items():
            setattr(coach, key, value)
    db.flush()
    return coach


def add_coach(db: DbSession, *, default: bool = False, **fields: str | None) -> Coach:
    """Add another coach of the practice; the first coach ever added becomes the default."""
    values = _clean(db, fields)
    if "name" not in values:
        raise InvalidInput(_("a coach needs a name"))
    current = default_coach(db)
    if default and current is not None:
        current.is_default = False
    coach = Coach(is_default=default or current is None, **values)
    db.add(coach)
    db.flush()
    return coach


def list_coaches(db: DbSession) -> list[Coach]:
    return list(db.exec(select(Coach).order_by(Coach.id)))


def get_coach(db: DbSession, ref: str | int | None) -> Coach | None:
    """A coach by id, email or exact name; None for ``ref=None`` means the default coach."""
    if ref is None:
        return default_coach(db)
    text = str(ref).strip()
    number = validate.explicit_id(text)
    if number is None and text.isdigit():
        number = validate.record_id(text) or 0
    if number is not None:
        coach = db.get(Coach, number) if number else None
    elif len(text) > 320:  # longer than any email or name: nobody, said before SQL
        coach = None
    else:
        coach = db.exec(
            select(Coach).where((sa.func.lower(Coach.email) == text.lower()) | (Coach.name == text))
        ).first()
    if coach is None:
        raise NotFound(_("no coach {ref} (see `programs coach list`)").format(ref=shown(text)))
    return coach


def coach_of(db: DbSession, thing: Any = None) -> Coach | None:
    """Whose a program, a follow-up or a track is: its coach, else the default coach (rows
    made before a practice had several coaches belong to her). None: no coach yet."""
    coach_id = getattr(thing, "coach_id", None)
    if coach_id is not None:
        found = db.get(Coach, coach_id)
        if found is not None:
            return found
    return default_coach(db)
