"""Certificates of completion (*certificats de réalisation*): what a funder asks for.

The French model (Ministry of Labour) says who delivered the training (the organisation,
its address, SIRET and training-body number, the ``[certificates]`` table of the config,
else the coach's organisation), who followed it, the action's title and nature, its dates
and the hours attended. The hours are the pathway's (:mod:`programs.domain.pathway`):
recorded half-days times the sessions' lengths, so the certificate and ``programs
pathway`` never disagree. Written in the participant's language (French or English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session as DbSession

from programs import formats
from programs.domain.coach import coach_of
from programs.domain.pathway import pathway
from programs.errors import InvalidInput, RuleViolation
from programs.i18n import N_, _, using
from programs.models import Participant, Program
from programs.pdf import FAMILY, finished, font_dir, new_document

KEYS = ("organisation", "address", "siret", "training_body_number", "city", "signatory")
NATURES = {
    "training": N_("training action"),
    "skills-assessment": N_("skills assessment"),
    "vae": N_("validation of prior learning (VAE)"),
    "apprenticeship": N_("apprenticeship training action"),
}


@dataclass(frozen=True)
class Issuer:
    organisation: str | None = None
    address: str | None = None
    siret: str | None = None
    training_body_number: str | None = None
    city: str | None = None
    signatory: str | None = None


def issuer_from(values: dict[str, Any], where: str = "[certificates]") -> Issuer:
    """The ``[certificates]`` table, checked: known keys, text values, a SIRET of 14 digits."""
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise InvalidInput(
            _("config {where}: unknown key(s) {unknown} (known: {known})").format(
                where=where, unknown=", ".join(unknown), known=", ".join(KEYS)
            )
        )
    clean: dict[str, str | None] = {}
    for key in KEYS:
        value = values.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidInput(
                _("config {where} {key} must be a text value").format(where=where, key=key)
            )
        clean[key] = value.strip() or None if isinstance(value, str) else None
    if clean["siret"]:
        digits = re.sub(r"\s", "", clean["siret"])
        if not re.fullmatch(r"\d{14}", digits):
            raise InvalidInput(
                _("config {where} siret must be 14 digits (got {value!r})").format(
                    where=where, value=clean["siret"]
                )
            )
        clean["siret"] = digits
    return Issuer(**clean)


@dataclass(frozen=True)
class Certificate:
    issuer: Issuer
    participant: str
    employer: str | None
    program_title: str
    nature: str
    first_day: str | None
    last_day: str | None
    hours: float
    issued_on: str
    language: str


def certificate_of(
    db: DbSession,
    program: Program,
    participant: Participant,
    *,
    issuer: Issuer,
    nature: str = "training",
    language: str | None = None,
) -> Certificate:
    """What the certificate says, worded in ``language`` (else the participant's)."""
    if nature not in NATURES:
        raise InvalidInput(
            _("unknown nature {nature!r}: use {known}").format(
                nature=nature, known=", ".join(NATURES)
            )
        )
    found = pathway(db, program)
    person = next((p for p in found.people if p.participant_id == participant.id), None)
    if person is None:
        raise RuleViolation(
            _("{name} does not have a seat in {slug}").format(
                name=participant.name, slug=program.slug
            )
        )
    held = [d for d in found.days if d.held]
    coach = coach_of(db, program)
    if issuer.organisation is None and coach is not None:
        issuer = Issuer(**{**issuer.__dict__, "organisation": coach.organisation or coach.name})
    if issuer.signatory is None and coach is not None:
        issuer = Issuer(**{**issuer.__dict__, "signatory": coach.name})
    language = language or participant.language or "fr"
    tz = program.timezone
    with using(language) as used:
        from programs import times

        return Certificate(
            issuer=issuer,
            participant=participant.name,
            employer=participant.organisation,
            program_title=program.title,
            nature=_(NATURES[nature]),
            first_day=formats.day_long(held[0].start, tz) if held else None,
            last_day=formats.day_long(held[-1].start, tz) if held else None,
            hours=person.hours,
            issued_on=formats.day_long(times.now(), tz),
            language=used,
        )


def hours_text(hours: float, language: str) -> str:
    """``11.5`` / ``11,5``: hours as the language writes a number."""
    from babel.numbers import format_decimal

    return format_decimal(hours, "#,##0.##", locale=formats.locale_of(language))


def certificate_pdf(cert: Certificate) -> bytes:
    """The certificate as an A4 PDF in its language."""
    folder = font_dir()
    with using(cert.language):
        title = _("Certificate of completion")
        pdf = new_document(f"{title} – {cert.participant}", folder=folder)
        pdf.add_page()
        issuer = cert.issuer
        pdf.set_font(FAMILY, "B", 11)
        pdf.multi_cell(0, 6, issuer.organisation or "—", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 10)
        for line in (
            issuer.address,
            _("SIRET: {siret}").format(siret=issuer.siret) if issuer.siret else None,
            _("Training body number: {number}").format(number=issuer.training_body_number)
            if issuer.training_body_number
            else None,
        ):
            if line:
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(12)
        pdf.set_font(FAMILY, "B", 18)
        pdf.cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.set_font(FAMILY, "", 11)
        dates = (
            _("which took place from {first} to {last}").format(
                first=cert.first_day, last=cert.last_day
            )
            if cert.first_day and cert.first_day != cert.last_day
            else _("which took place on {day}").format(day=cert.first_day)
            if cert.first_day
            else _("which has not taken place yet")
        )
        paragraphs = [
            _(
                "I, the undersigned {signatory}, representing {organisation}, which delivered "
                "the action, certify that:"
            ).format(signatory=issuer.signatory or "—", organisation=issuer.organisation or "—"),
            cert.participant
            + (
                ", " + _("employed by {employer},").format(employer=cert.employer)
                if cert.employer
                else ","
            ),
            _("followed the action: {title}").format(title=cert.program_title),
            _("Nature of the action: {nature}").format(nature=cert.nature),
            dates + ",",
            _("for {hours} hours attended.").format(hours=hours_text(cert.hours, cert.language)),
        ]
        for text in paragraphs:
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        pdf.ln(10)
        place = issuer.city or "—"
        pdf.multi_cell(
            0,
            7,
            _("Done at {place}, on {day}").format(place=place, day=cert.issued_on),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(4)
        pdf.cell(0, 6, _("Signature and stamp"), new_x="LMARGIN", new_y="NEXT")
        pdf.rect(pdf.l_margin, pdf.get_y() + 2, 80, 30)
        return finished(pdf)
