"""Delivering the coach's card to a program's participants through the channels other
plugins register (the email plugin's ``email``, a third party's SMS...), found in the
registry by name: this plugin never imports another.

A message goes to each enrolled participant on the first channel that can reach them,
``email`` first, in their language (their own, else the coach's), the window's days in words.
With no channel registered, nothing is sent and the card stays available as a file
(``programs contacts card``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from programs.plugins.contacts.models import SharingWindow
    from programs.plugins.contacts.sharing import WindowDays
    from sqlmodel import Session as DbSession

    from programs.api import App, Coach, OutgoingMessage, Participant, Program, Settings

VCARD_TYPE = "text/vcard"
FILENAME = "coach.vcf"


@dataclass
class Report:
    """What happened to each participant's message."""

    channels: list[str]
    sent: list[tuple[str, str]] = field(default_factory=list)  # (name, channel)
    unreachable: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, error)


def recipients(db: DbSession, program: Program) -> list[Participant]:
    """The participants seated in the program (waitlisted and withdrawn people get nothing)."""
    from programs.api import seated_participants

    return seated_participants(db, program)


def message(
    *,
    program: Program,
    window: SharingWindow,
    days: WindowDays,
    coach: Coach,
    participant: Participant,
    card_data: bytes,
    phone_shown: str,
    settings: Settings,
) -> OutgoingMessage:
    from programs.plugins.contacts.sharing import day_words

    from programs.api import Attachment, OutgoingMessage, greeting, participant_reader
    from programs.i18n import translator

    language = participant_reader(participant, settings).language
    t = translator(language)
    lines = [t.gettext("Phone: {phone}").format(phone=phone_shown)]
    if coach.email:
        lines.append(t.gettext("Email: {email}").format(email=coach.email))
    body = [
        t.gettext("Hello {name},").format(name=greeting(participant)),
        t.gettext(
            'Between the sessions of "{title}", you can reach {coach} if you need to, from '
            "{first} to {last} inclusive."
        ).format(
            title=program.title,
            coach=coach.name,
            first=day_words(days.first, language),
            last=day_words(days.last, language),
        ),
        "\n".join(lines),
        t.gettext(
            "Their contact card is attached ({file}): open it to add it to your contacts."
        ).format(file=FILENAME),
    ]
    stamp = window.updated_at.strftime("%Y%m%dT%H%M%S")
    return OutgoingMessage(
        key=f"contacts-share-{program.id}-{participant.id}-{window.id}-{stamp}",
        to_name=participant.name,
        to_email=participant.email,
        to_phone=participant.phone,
        subject=t.gettext("How to reach {coach} – {title}").format(
            coach=coach.name, title=program.title
        ),
        text="\n\n".join(body) + "\n",
        language=t.language,
        attachments=(Attachment(FILENAME, VCARD_TYPE, card_data),),
    )


def ordered_channels(app: App) -> list[tuple[str, Any]]:
    """Registered channels: ``email`` first, then the others by name, ``console`` (which
    only prints) last."""
    channels = app.registry.all("channel")
    return sorted(
        channels.items(), key=lambda item: (item[0] != "email", item[0] == "console", item[0])
    )


def deliver(app: App, messages: list[OutgoingMessage]) -> Report:
    """Send each message on the first channel that can reach its person; one failure never
    stops the others."""
    channels = ordered_channels(app)
    report = Report([name for name, _ in channels])
    if not channels:
        return report
    used: dict[str, Any] = {}
    try:
        for outgoing in messages:
            channel = next(((n, c) for n, c in channels if c.can_reach(outgoing)), None)
            if channel is None:
                report.unreachable.append(outgoing.to_name)
                continue
            name, chosen = channel
            used[name] = chosen
            try:
                chosen.send(app, outgoing)
            except Exception as exc:  # a channel's failure is reported per person, not fatal
                report.failed.append((outgoing.to_name, f"{name}: {exc}"))
                continue
            report.sent.append((outgoing.to_name, name))
    finally:
        for chosen in used.values():  # channels that keep a connection for a run (SMTP)
            close = getattr(chosen, "close", None)
            if callable(close):
                with contextlib.suppress(Exception):
                    close()
    return report
