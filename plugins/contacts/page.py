"""The contacts plugin's part of the participant's own page (hooks
``participant_page_sections``, ``participant_page_action``, ``participant_page_download``;
the page itself is the iCal plugin's, which this plugin never imports).

For each program the person holds a seat in and whose contacts are shared:

- inside the sharing window: the coach's card (a ``.vcf`` 3.0 and its QR code), the
  person's own consent to be in the group's contact list (phone and/or email, each choice
  shown with the exact sentence recorded if they agree; withdrawn with one button, at
  once), and, to those who agreed, the group's list (only what each agreed to,
  still-enrolled people only) with its ``.vcf``;
- before or after it: when it opens, or that it ended and when.

A consent given here is recorded with source ``page``, the time, the sentence and the
choice (``consent.give``). The sentence shown is the one recorded: the form carries its
digest and a post whose sentence would differ (the window moved meanwhile) is refused.
Posting the same choice twice records it once.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programs.plugins.contacts.models import Consent, SharingWindow
from sqlmodel import select

from programs import i18n

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import jinja2
    from sqlmodel import Session as DbSession

    from programs.api import App, PageAnswer, PageFile, PageSection, Participant, Program

SOURCE = "page"
_NAME = re.compile(r"contacts\.(consent|withdraw|card|directory)-([0-9]{1,12})(\.vcf)?")
CHOICES = {"both": (True, True), "phone": (True, False), "email": (False, True)}


@lru_cache(maxsize=16)
def _environment(language: str) -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    t = i18n.translator(language)
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True, pgettext=t.pgettext)  # type: ignore[attr-defined]
    return env


def digest(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()[:32]


def seated_shared(db: DbSession, participant: Participant) -> list[tuple[Program, SharingWindow]]:
    """The programs the person holds a seat in that have a sharing window, by start."""
    from programs.api import SEATED, Enrollment, Program, ProgramStatus

    rows = db.exec(
        select(Program, SharingWindow)
        .join(Enrollment, Enrollment.program_id == Program.id)
        .join(SharingWindow, SharingWindow.program_id == Program.id)
        .where(
            Enrollment.participant_id == participant.id,
            Enrollment.status.in_(SEATED),  # type: ignore[attr-defined]
            Program.status != ProgramStatus.CANCELLED,
        )
        .order_by(SharingWindow.starts_at, Program.id)
    ).all()
    return [(p, w) for p, w in rows]


def _program(db: DbSession, participant: Participant, program_id: int) -> Any:
    for program, window in seated_shared(db, participant):
        if program.id == program_id:
            return program, window
    return None


def _active(consent: Consent | None, now: datetime) -> bool:
    return consent is not None and consent.withdrawn_at is None and consent.expires_at > now


def _choices(
    db: DbSession, app: App, program: Program, participant: Participant, now: datetime
) -> list[dict[str, str]]:
    """Each choice the person can make (only what is on record), with its exact sentence."""
    from programs.plugins.contacts import consent as consents

    found = []
    for key, (phone, email) in CHOICES.items():
        if (phone and not participant.phone) or (email and not participant.email):
            continue
        sentence = consents.wording(
            db,
            program=program,
            participant=participant,
            phone=phone,
            email=email,
            now=now,
            settings=app.settings,
        )
        found.append({"key": key, "sentence": sentence, "digest": digest(sentence)})
    return found


def _card_parts(app: App, db: DbSession, program: Program) -> tuple[Any, str] | None:
    """The coach's card and its QR code (inline SVG), or None when there is no card to
    give (no coach, no phone: the coach's commands say so, not the participant's page)."""
    from programs.plugins.contacts import cards, qr

    from programs.api import ProgramsError

    try:
        card = cards.coach_card(cards.card_coach(db, program), region=cards.phone_region(app))
    except ProgramsError:
        return None
    code = qr.make(card)
    svg = code.svg_inline(scale=3, border=4, svgclass="qr", lineclass=None, omitsize=True)
    return card, str(svg)


def sections(
    app: App, db: DbSession, participant: Participant, page: Any, *, now: datetime
) -> list[PageSection]:
    from programs.plugins.contacts import cards, directory
    from programs.plugins.contacts.consent import consent_of
    from programs.plugins.contacts.sharing import day_words, window_days

    from programs.api import PageSection

    language = page.language
    t = i18n.translator(language)
    template = _environment(i18n.supported(language) or i18n.FALLBACK).get_template("page.html")
    out = []
    for program, window in seated_shared(db, participant):
        days = window_days(window, program)
        values: dict[str, Any] = {
            "title": program.title,
            "first": day_words(days.first, language),
            "last": day_words(days.last, language),
            "state": "open",
        }
        if now < window.starts_at:
            values["state"] = "before"
        elif now >= window.ends_at:
            values["state"] = "after"
        else:
            pid = program.id
            parts = _card_parts(app, db, program)
            if parts is not None:
                card, svg = parts
                values["card"] = {
                    "name": card.name,
                    "phone": cards.display_phone(card.phone, cards.phone_region(app))
                    if card.phone
                    else None,
                    "email": card.email,
                    "qr": svg,
                    "href": page.download(f"contacts.card-{pid}.vcf"),
                }
            mine = consent_of(db, program, participant)
            if _active(mine, now):
                assert mine is not None
                values["consent"] = {"phone": mine.share_phone, "email": mine.share_email}
                values["wording"] = mine.wording
                values["withdraw"] = {
                    "action": page.action(f"contacts.withdraw-{pid}"),
                    "check": page.check(f"contacts.withdraw-{pid}"),
                }
                region = cards.phone_region(app)
                values["members"] = [
                    {
                        "name": e.card.name,
                        "phone": cards.display_phone(e.card.phone, region) if e.card.phone else "",
                        "email": e.card.email or "",
                        "me": e.participant_id == participant.id,
                    }
                    for e in directory.entries(db, program, now=now, region=region)
                ]
                values["directory"] = page.download(f"contacts.directory-{pid}.vcf")
            values["choices"] = _choices(db, app, program, participant, now)
            values["give"] = {
                "action": page.action(f"contacts.consent-{pid}"),
                "check": page.check(f"contacts.consent-{pid}"),
            }
        title = t.gettext("Contacts of {title}").format(title=program.title)
        out.append(PageSection(title, template.render(**values), order=50))
    return out


def _lock_person(db: DbSession, participant: Participant) -> None:
    """Two posts of the same person's form at once (a double click) are answered one after
    the other: the second sees the first's consent and records nothing. PostgreSQL locks
    the person's row until the commit; SQLite's write transactions already take turns."""
    from programs.api import Participant as Person

    db.exec(select(Person.id).where(Person.id == participant.id).with_for_update()).all()


def action(
    app: App,
    db: DbSession,
    participant: Participant,
    page: Any,
    name: str,
    fields: Mapping[str, Sequence[str]],
    *,
    now: datetime,
) -> PageAnswer | None:
    from programs.plugins.contacts import consent as consents

    from programs.api import PageAnswer

    found = _NAME.fullmatch(name)
    if found is None or found.group(1) not in ("consent", "withdraw") or found.group(3):
        return None
    t = i18n.translator(page.language)
    _lock_person(db, participant)
    target = _program(db, participant, int(found.group(2)))
    if target is None:
        return PageAnswer(False, t.gettext("You are not in this program any more."))
    program, window = target
    if not window.starts_at <= now < window.ends_at:
        return PageAnswer(
            False, t.gettext("Contact sharing for this program is closed: nothing was changed.")
        )
    mine = consents.consent_of(db, program, participant)
    if found.group(1) == "withdraw":
        if not _active(mine, now):
            return PageAnswer(True, t.gettext("You are not sharing anything with the group."))
        consents.withdraw(
            db, program=program, participant=participant, source=SOURCE, now=now, reason=None
        )
        return PageAnswer(
            True,
            t.gettext("Done: your details are no longer in the group's contact list, from now on."),
        )
    choice = (fields.get("choice") or [""])[0]
    if choice not in CHOICES:
        return PageAnswer(False, t.gettext("Choose what you agree to share: nothing was changed."))
    phone, email = CHOICES[choice]
    sentences = {c["key"]: c for c in _choices(db, app, program, participant, now)}
    shown = sentences.get(choice)
    if shown is None or (fields.get("shown-" + choice) or [""])[0] != shown["digest"]:
        return PageAnswer(
            False,
            t.gettext(
                "The wording changed since your page was shown: nothing was changed. Go back "
                "to your page and read it again."
            ),
        )
    if (
        _active(mine, now)
        and mine is not None
        and (mine.share_phone, mine.share_email) == (phone, email)
        and mine.wording == shown["sentence"]
    ):
        return PageAnswer(True, t.gettext("Your choice was already recorded: nothing changed."))
    consents.give(
        db,
        program=program,
        participant=participant,
        phone=phone,
        email=email,
        shown=shown["sentence"],
        source=SOURCE,
        now=now,
    )
    return PageAnswer(True, t.gettext("Thank you: your choice is recorded."))


def download(
    app: App, db: DbSession, participant: Participant, name: str, *, now: datetime
) -> PageFile | None:
    from programs.plugins.contacts import cards, directory, vcard
    from programs.plugins.contacts.consent import consent_of

    from programs.api import PageFile

    found = _NAME.fullmatch(name)
    if found is None or found.group(1) not in ("card", "directory") or not found.group(3):
        return None
    target = _program(db, participant, int(found.group(2)))
    if target is None:
        return None
    program, window = target
    if not window.starts_at <= now < window.ends_at:
        return None
    slug = program.slug  # letters, digits and hyphens (the core checks it)
    if found.group(1) == "card":
        parts = _card_parts(app, db, program)
        if parts is None:
            return None
        body = vcard.render(parts[0], "3.0")
        return PageFile(f"coach-{slug}.vcf", "text/vcard; charset=utf-8", body.encode("utf-8"))
    if not _active(consent_of(db, program, participant), now):
        return None  # the list is for those who share their own details
    entries = directory.entries(db, program, now=now, region=cards.phone_region(app))
    body = directory.as_vcf(entries, "3.0")
    return PageFile(f"contacts-{slug}.vcf", "text/vcard; charset=utf-8", body.encode("utf-8"))
