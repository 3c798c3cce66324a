"""Participants' consent to share their own details with their group (GDPR art. 7).

Off by default; given per person and per program, for the phone, the email or both; recorded
with the time, the source and the exact wording the person was shown; withdrawn as easily,
with effect at once; it ends with the sharing window it was given for. Every change is also
written to the consent log, which keeps no personal data and survives erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from programs.plugins.contacts.models import Consent, ConsentLog, SharingWindow
from programs.plugins.contacts.sharing import day_words, window_days, window_of
from sqlmodel import select

from programs.i18n import Translator, _, translator

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import Participant, Program, Settings


def _sentence(t: Translator, phone: bool, email: bool) -> str:
    """The consent, one whole sentence per choice (it is recorded word for word: no piece
    of it is made of another)."""
    if phone and email:
        return t.gettext(
            "I agree that my phone number and my email address are shared with the other "
            'participants of "{title}" ({slug}) who also agreed, in the group\'s contact list, '
            "until {last} inclusive. I can withdraw at any time; the withdrawal takes effect at "
            "once."
        )
    if phone:
        return t.gettext(
            'I agree that my phone number is shared with the other participants of "{title}" '
            "({slug}) who also agreed, in the group's contact list, until {last} inclusive. I "
            "can withdraw at any time; the withdrawal takes effect at once."
        )
    return t.gettext(
        'I agree that my email address is shared with the other participants of "{title}" '
        "({slug}) who also agreed, in the group's contact list, until {last} inclusive. I can "
        "withdraw at any time; the withdrawal takes effect at once."
    )


def _require_choice(phone: bool, email: bool, participant: Participant) -> None:
    from programs.api import InvalidInput

    if not (phone or email):
        raise InvalidInput(
            _("say what {name} agrees to share: --phone, --email or both").format(
                name=participant.name
            )
        )


def check(
    db: DbSession,
    *,
    program: Program,
    participant: Participant,
    phone: bool,
    email: bool,
    now: datetime,
) -> SharingWindow:
    """Everything that must hold before a person is even asked; returns the window."""
    from programs.api import RuleViolation

    _require_choice(phone, email, participant)
    window = window_of(db, program)
    if window is None:
        raise RuleViolation(
            _("program {slug} is not shared yet: programs contacts share {slug}").format(
                slug=program.slug
            )
        )
    if window.ends_at <= now:
        raise RuleViolation(
            _("the sharing window of {slug} is over: no new consent").format(slug=program.slug)
        )
    from programs.api import is_seated

    if not is_seated(db, program, participant):
        raise RuleViolation(
            _("{name} is not enrolled in {slug}").format(name=participant.name, slug=program.slug)
        )
    if phone and not participant.phone:
        raise RuleViolation(_("{name} has no phone number on record").format(name=participant.name))
    if email and not participant.email:
        raise RuleViolation(
            _("{name} has no email address on record").format(name=participant.name)
        )
    return window


def wording(
    db: DbSession,
    *,
    program: Program,
    participant: Participant,
    phone: bool,
    email: bool,
    now: datetime,
    settings: Settings,
) -> str:
    """The sentence shown to the person before they agree, in their language (their own,
    else the coach's: ``settings``), the last day in words; recorded word for word with the
    consent. It names no one, so the log may keep it."""
    from programs.api import participant_reader

    window = check(db, program=program, participant=participant, phone=phone, email=email, now=now)
    language = participant_reader(participant, settings).language
    return _sentence(translator(language), phone, email).format(
        title=program.title,
        slug=program.slug,
        last=day_words(window_days(window, program).last, language),
    )


def _log(
    db: DbSession, consent: Consent, action: str, at: datetime, source: str, text: str | None
) -> None:
    db.add(
        ConsentLog(
            subject=consent.subject,
            program_id=consent.program_id,
            action=action,
            share_phone=consent.share_phone,
            share_email=consent.share_email,
            at=at,
            source=source,
            wording=text,
        )
    )


def consent_of(db: DbSession, program: Program, participant: Participant) -> Consent | None:
    return _consent(db, program.id, participant.id)  # type: ignore[arg-type]


def _consent(db: DbSession, program_id: int, participant_id: int) -> Consent | None:
    return db.exec(
        select(Consent).where(
            Consent.program_id == program_id, Consent.participant_id == participant_id
        )
    ).first()


def _withdraw(
    db: DbSession, consent: Consent, source: str, now: datetime, reason: str | None
) -> None:
    """Withdrawn at ``now``, with its line in the log."""
    consent.withdrawn_at = now
    db.flush()
    _log(db, consent, "withdrawn", now, source, reason)
    db.flush()


def give(
    db: DbSession,
    *,
    program: Program,
    participant: Participant,
    phone: bool,
    email: bool,
    shown: str,
    source: str,
    now: datetime,
) -> Consent:
    """Record that the person agreed to ``shown`` (the wording they saw), until the window
    ends. Giving it again replaces the earlier choice."""
    from programs.api import InvalidInput

    window = check(db, program=program, participant=participant, phone=phone, email=email, now=now)
    if not shown or not shown.strip():
        raise InvalidInput(_("a consent needs the wording the person was shown"))
    consent = consent_of(db, program, participant)
    if consent is None:
        consent = Consent(
            program_id=program.id,  # type: ignore[arg-type]
            participant_id=participant.id,  # type: ignore[arg-type]
            expires_at=window.ends_at,
            source=source,
            wording=shown,
        )
        db.add(consent)
    consent.share_phone, consent.share_email = phone, email
    consent.given_at, consent.expires_at, consent.withdrawn_at = now, window.ends_at, None
    consent.source, consent.wording = source, shown
    db.flush()
    _log(db, consent, "given", now, source, shown)
    db.flush()
    return consent


def withdraw(
    db: DbSession,
    *,
    program: Program,
    participant: Participant,
    source: str,
    now: datetime,
    reason: str | None = None,
) -> Consent:
    """Withdraw the person's consent for the program, at once."""
    from programs.api import NotFound

    consent = consent_of(db, program, participant)
    if consent is None or consent.withdrawn_at is not None:
        raise NotFound(
            _("{name} has no consent to withdraw in {slug}").format(
                name=participant.name, slug=program.slug
            )
        )
    _withdraw(db, consent, source, now, reason)
    return consent


def withdraw_if_any(
    db: DbSession,
    *,
    program_id: int,
    participant_id: int,
    source: str,
    now: datetime,
    reason: str,
) -> bool:
    """Used when someone leaves the program: their consent ends with their seat."""
    consent = _consent(db, program_id, participant_id)
    if consent is None or consent.withdrawn_at is not None:
        return False
    _withdraw(db, consent, source, now, reason)
    return True


@dataclass(frozen=True)
class ConsentRow:
    participant_id: int
    name: str
    phone: bool
    email: bool
    status: str
    given_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    source: str
    wording: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "participant_id": self.participant_id,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "status": self.status,
            "given_at": self.given_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "source": self.source,
            "wording": self.wording,
        }


def status_of(consent: Consent, *, seated_now: bool, now: datetime) -> str:
    """active, withdrawn, expired (its window is over) or left (no longer in the program)."""
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.expires_at <= now:
        return "expired"
    if not seated_now:
        return "left"
    return "active"


def list_consents(db: DbSession, program: Program, *, now: datetime) -> list[ConsentRow]:
    from programs.api import SEATED, Enrollment, Participant

    rows = db.exec(
        select(Consent, Participant, Enrollment.status)
        .join(Participant, Participant.id == Consent.participant_id)
        .join(
            Enrollment,
            (Enrollment.participant_id == Consent.participant_id)
            & (Enrollment.program_id == Consent.program_id),
            isouter=True,
        )
        .where(Consent.program_id == program.id)
        .order_by(Participant.name, Participant.id)
    ).all()
    return [
        ConsentRow(
            participant_id=p.id,  # type: ignore[arg-type]
            name=p.name,
            phone=c.share_phone,
            email=c.share_email,
            status=status_of(c, seated_now=status in SEATED, now=now),
            given_at=c.given_at,
            expires_at=c.expires_at,
            withdrawn_at=c.withdrawn_at,
            source=c.source,
            wording=c.wording,
        )
        for c, p, status in rows
    ]


def erase(db: DbSession, participant: Participant, *, now: datetime) -> int:
    """Delete the person's consents; the log keeps an ``erased`` line per consent, tied to a
    random key that nothing points to any more."""
    consents = db.exec(select(Consent).where(Consent.participant_id == participant.id)).all()
    for consent in consents:
        _log(db, consent, "erased", now, "erasure", None)
        db.delete(consent)
    db.flush()
    return len(consents)


def export(db: DbSession, participant: Participant) -> dict[str, Any] | None:
    """The person's consents and their history, for ``participant export``."""
    from programs.api import Program

    rows = db.exec(
        select(Consent, Program)
        .join(Program, Program.id == Consent.program_id)
        .where(Consent.participant_id == participant.id)
    ).all()
    if not rows:
        return None
    out = []
    for consent, program in rows:
        history = db.exec(
            select(ConsentLog)
            .where(ConsentLog.subject == consent.subject)
            .order_by(ConsentLog.at, ConsentLog.id)  # type: ignore[arg-type]
        ).all()
        out.append(
            {
                "program": program.slug,
                "phone": consent.share_phone,
                "email": consent.share_email,
                "given_at": consent.given_at.isoformat(),
                "expires_at": consent.expires_at.isoformat(),
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
                "source": consent.source,
                "wording": consent.wording,
                "history": [
                    {"action": h.action, "at": h.at.isoformat(), "source": h.source}
                    for h in history
                ],
            }
        )
    return {"consents": out}
