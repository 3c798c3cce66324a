"""The contacts part of ``programs demo``: in the demo's own database and folder, share the
coach's card for the Marseille program, record a couple of consents, and write the card,
its QR code and the group directory."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from programs.api import App


def sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    from programs.api import ProgramsError
    from programs.i18n import _

    title = _("Contact sharing")
    try:
        return [(title, _run(app, workdir))]
    except ProgramsError as exc:
        return [(title, _("Not shown: {error}").format(error=exc))]


def _run(app: App, workdir: Path) -> str:
    from programs.plugins.contacts import consent, qr, sharing
    from programs.plugins.contacts.cards import card_coach, coach_card, display_phone, phone_region
    from programs.plugins.contacts.delivery import recipients
    from programs.plugins.contacts.directory import as_vcf, entries
    from programs.plugins.contacts.sharing import day_words
    from programs.plugins.contacts.vcard import render

    from programs.api import list_programs, require_plugin_schema, utcnow
    from programs.i18n import _, ngettext

    region = phone_region(app)
    now = utcnow()
    with app.write() as db:
        require_plugin_schema(db, "contacts")
        found_programs = list_programs(db)
        program = next(
            (p for p in found_programs if p.slug.startswith("marseille")),
            found_programs[0] if found_programs else None,
        )
        if program is None:
            return _("No program in the demo database.")
        card = coach_card(card_coach(db, program), region=region, now=now)
        tz = program.timezone
        default = sharing.default_days(db, program)
        today = sharing.local_day(now, tz)
        # the window's default end (a week after the last day), unless that has passed
        last = (
            default[1]
            if default and default[1] >= today
            else sharing.local_day(now + timedelta(days=14), tz)
        )
        window = sharing.share(  # from today, so that the directory can be shown now
            db,
            program=program,
            first=sharing.local_day(now, tz).isoformat(),
            last=last.isoformat(),
            now=now,
        )
        days = sharing.window_days(window, program)
        seated = recipients(db, program)
        agreed: list[str] = []
        # The first person shares all they have; the second only their email (or phone).
        for person in seated:
            if len(agreed) == 2:
                break
            phone, email = bool(person.phone), bool(person.email)
            if agreed and phone and email:
                phone = False
            if not (phone or email):
                continue
            shown = consent.wording(
                db,
                program=program,
                participant=person,
                phone=phone,
                email=email,
                now=now,
                settings=app.settings,
            )
            consent.give(
                db,
                program=program,
                participant=person,
                phone=phone,
                email=email,
                shown=shown,
                source="demo",
                now=now,
            )
            agreed.append(person.name)
        listed = entries(db, program, now=now, region=region)
        others = [p.name for p in seated if p.name not in agreed]

    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "coach.vcf").write_bytes(render(card, "3.0").encode("utf-8"))
    qr.save(card, workdir / "coach.png")
    qr.save(card, workdir / "coach.svg")
    (workdir / "group.vcf").write_bytes(as_vcf(listed).encode("utf-8"))

    width = max((len(e.card.name) for e in listed), default=0)
    rows = [
        f"  {e.card.name:<{width}}  "
        f"{display_phone(e.card.phone, region) if e.card.phone else '-':<18}  "
        f"{e.card.email or '-'}"
        for e in listed
    ] or ["  " + _("(nobody agreed)")]
    contacts = ngettext("{n} contact", "{n} contacts", len(listed)).format(n=len(listed))
    return "\n".join(
        [
            _(
                "{name}'s number is shared with {slug} from {first} to {last} inclusive: {phone}."
            ).format(
                name=card.name,
                slug=program.slug,
                first=day_words(days.first),
                last=day_words(days.last),
                phone=display_phone(card.phone or "", region),
            ),
            _("Files in {folder}:").format(folder=workdir),
            "  coach.vcf             " + _("the coach's card (vCard 3.0, read by every phone)"),
            "  coach.png, coach.svg  " + _("its QR code, to project in the workshop room"),
            "  group.vcf             "
            + _("the group directory ({contacts})").format(contacts=contacts),
            _("Group directory (only those who agreed, only what each agreed to share):"),
            *rows,
            (
                _("Not in it (never agreed): {names}").format(names=", ".join(others))
                if others
                else _("Not in it (never agreed): nobody")
            ),
        ]
    )
