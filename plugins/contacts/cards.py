"""Cards for the people in the database: the coach's (from the core's coach record) and a
participant's (only what they agreed to share)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from programs.plugins.contacts.vcard import Card

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App, Coach, Participant, Program

_NAMESPACE = uuid.UUID("5b0b3c1e-7d1f-4f5e-9a43-6c6f6e746163")


def stable_uid(kind: str, row_id: int | None, created_at: datetime) -> str:
    """The same UID every time a card for the same row is made, so that a phone importing
    it again updates the contact instead of adding a second one."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{row_id}:{created_at.isoformat()}')}"


def phone_region(app: App) -> str:
    """How to read a number written without +country code: ``[core] phone_region``."""
    return app.settings.phone_region


def checked_phone(phone: str, name: str, region: str = "FR", *, coach: bool = False) -> str:
    """E.164, checked again (the core's check) before it goes on a card: the core stores
    valid numbers, but a card with a bogus number is worse than no card."""
    from programs.api import InvalidInput, check_phone
    from programs.i18n import _

    try:
        return check_phone(phone, region) or ""
    except InvalidInput:
        message = (
            _("coach {name}'s phone number {phone!r} is not a valid number")
            if coach
            else _("{name}'s phone number {phone!r} is not a valid number")
        )
        raise InvalidInput(message.format(name=name, phone=phone)) from None


def display_phone(e164: str, region: str) -> str:
    """How people dial a number: ``06 12 34 56 78`` in the coach's region, ``+44 20 7946
    0958`` from elsewhere (``programs.formats.phone``)."""
    from programs import formats

    return formats.phone(e164, region) or ""


def card_coach(db: DbSession, program: Program | None = None, ref: str | None = None) -> Coach:
    """Whose card: the program's coach (``programs.api.coach_of``), else the named one, else
    the default coach; a clear error when there is none yet."""
    from programs.api import NotFound, coach_of, get_coach

    coach = coach_of(db, program) if program is not None else get_coach(db, ref)
    if coach is None:
        from programs.i18n import _

        raise NotFound(
            _('no coach yet: programs coach set --name "Your Name" --phone "06 12 34 56 78"')
        )
    return coach


def coach_card(coach: Coach, *, region: str = "FR", now: datetime | None = None) -> Card:
    """The coach's card; a card without a phone number would miss its point, so it is refused."""
    from programs.api import RuleViolation, utcnow

    if not coach.phone:
        from programs.i18n import _

        raise RuleViolation(
            _("coach {name} has no phone number: programs coach set --phone NUMBER").format(
                name=coach.name
            )
        )
    return Card(
        name=coach.name,
        uid=stable_uid("coach", coach.id, coach.created_at),
        phone=checked_phone(coach.phone, coach.name, region, coach=True),
        email=coach.email,
        organisation=coach.organisation,
        website=coach.website,
        revision=now or utcnow(),
    )


def participant_card(
    participant: Participant, *, phone: bool, email: bool, region: str = "FR"
) -> Card:
    """A participant's card with their name and only the details they agreed to share."""
    number = participant.phone if phone and participant.phone else None
    parts = participant.given_name is not None or participant.family_name is not None
    return Card(
        name=participant.name,
        uid=stable_uid("participant", participant.id, participant.created_at),
        given=participant.given_name if parts else None,
        family=participant.family_name if parts else None,
        phone=checked_phone(number, participant.name, region) if number else None,
        email=participant.email if email else None,
    )
