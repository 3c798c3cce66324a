"""The group directory: the participants who agreed to share, with only what each agreed
to, made only inside the sharing window.

Every rule is checked when the directory is made, from the current rows: a person who
withdrew their consent, left the program or was erased is simply not found, whatever any
event hook did or failed to do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from programs.plugins.contacts.cards import participant_card
from programs.plugins.contacts.models import Consent
from programs.plugins.contacts.sharing import open_window
from programs.plugins.contacts.vcard import Card, render_many
from sqlmodel import select

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import Program


@dataclass(frozen=True)
class Entry:
    participant_id: int
    card: Card


def entries(db: DbSession, program: Program, *, now: datetime, region: str = "FR") -> list[Entry]:
    """Who is in the directory now; refuses (RuleViolation) outside the window."""
    from programs.api import Enrollment, Participant, seated_condition

    open_window(db, program, now)
    rows = db.exec(
        select(Consent, Participant)
        .join(Participant, Participant.id == Consent.participant_id)
        .join(
            Enrollment,
            (Enrollment.participant_id == Consent.participant_id)
            & (Enrollment.program_id == Consent.program_id),
        )
        .where(
            Consent.program_id == program.id,
            Consent.withdrawn_at.is_(None),  # type: ignore[union-attr]
            Consent.expires_at > now,
            seated_condition(),
        )
        .order_by(Participant.name, Participant.id)
    ).all()
    out = []
    for consent, participant in rows:
        card = participant_card(
            participant, phone=consent.share_phone, email=consent.share_email, region=region
        )
        if card.phone or card.email:
            out.append(Entry(participant.id, card))  # type: ignore[arg-type]
    return out


def as_vcf(found: list[Entry], version: str = "3.0") -> str:
    return render_many((e.card for e in found), version)


def as_text(found: list[Entry], fmt: str) -> str:
    """The directory as CSV (safe to open in a spreadsheet: the toolkit's cells) or JSON."""
    import json

    from programs.cli.toolkit import write_csv

    rows = [(e.card.name, e.card.phone, e.card.email) for e in found]
    if fmt == "json":
        return (
            json.dumps(
                [dict(zip(("name", "phone", "email"), r, strict=True)) for r in rows],
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    out = io.StringIO()
    write_csv(out, ("name", "phone", "email"), rows)
    return out.getvalue()
