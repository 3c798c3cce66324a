"""``programs contacts ...``: share the coach's card, record consents, export cards.

Only click is imported here at the top; the database and the plugin's own modules are loaded
when a command runs, so ``programs --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from programs.cli.toolkit import output_options, pass_app, render, zoned

from programs.i18n import _, ngettext, pgettext

OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


def _write(path: Path, data: bytes) -> None:
    """A card, a QR code or a directory: people's details, written 600 and atomically."""
    from programs.api import write_private_file

    write_private_file(path, data)


@click.group()
def contacts() -> None:
    """Share the coach's card, and participants' details with their group (opt-in).

    \b
    Example: the coach's number between the two workshop days in Marseille
      programs contacts share marseille-2026
      programs contacts card -o coach.vcf --version 3 --qr coach.png
      programs contacts consent "S. Martin" --program marseille-2026 --phone --email
      programs contacts directory marseille-2026 -o group.vcf
    """


@contacts.command()
@click.argument("slug")
@click.option("--from", "first", metavar="DATE", help="First day (default: the first session's).")
@click.option(
    "--until",
    "last",
    metavar="DATE",
    help="Last day, inclusive (default: a week after the last session).",
)
@click.option("--no-send", is_flag=True, help="Open the window without sending the card.")
@click.pass_obj
def share(obj: Any, slug: str, first: str | None, last: str | None, no_send: bool) -> None:
    """Share the coach's card with SLUG's enrolled participants for a window of days.

    The card is sent to each enrolled participant through the delivery channels that
    plugins register (email first); with none, it stays available as a file
    (programs contacts card). Running it again changes the window and sends again.

    \b
    Example:
      programs contacts share marseille-2026
      programs contacts share marseille-2026 --from 2026-12-03 --until 2027-01-21
    """
    from programs.plugins.contacts import sharing
    from programs.plugins.contacts.cards import card_coach, coach_card, display_phone, phone_region
    from programs.plugins.contacts.delivery import deliver, message, recipients
    from programs.plugins.contacts.sharing import day_words
    from programs.plugins.contacts.vcard import render

    from programs.api import get_program, require_plugin_schema, utcnow

    app = obj.app
    now = utcnow()
    with app.write() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        coach = card_coach(db, program)
        card = coach_card(coach, region=phone_region(app), now=now)
        window = sharing.share(db, program=program, first=first, last=last, now=now)
        days = sharing.window_days(window, program)
        data = render(card, "3.0").encode("utf-8")
        messages = [
            message(
                program=program,
                window=window,
                days=days,
                coach=coach,
                participant=p,
                card_data=data,
                phone_shown=display_phone(card.phone or "", phone_region(app)),
                settings=app.settings,
            )
            for p in ([] if no_send else recipients(db, program))
        ]
    click.echo(
        _("{slug}: {name}'s card is shared from {first} to {last} inclusive.").format(
            slug=slug, name=coach.name, first=day_words(days.first), last=day_words(days.last)
        )
    )
    file_hint = "programs contacts card -o coach.vcf --version 3"
    if no_send:
        click.echo(
            _("Not sent (--no-send); the card is available as a file: {command}").format(
                command=file_hint
            )
        )
        return
    report = deliver(app, messages)
    if not report.channels:
        click.echo(
            _(
                "No delivery channel is registered; the card is available as a file: {command}"
            ).format(command=file_hint)
        )
        return
    if not messages:
        click.echo(_("Nobody is enrolled in {slug} yet: nothing sent.").format(slug=slug))
    if report.sent:
        counts: dict[str, int] = {}
        for _name, channel in report.sent:
            counts[channel] = counts.get(channel, 0) + 1
        by = ", ".join(
            _("{n} by {channel}").format(n=n, channel=channel)
            for channel, n in sorted(counts.items())
        )
        n = len(report.sent)
        click.echo(
            ngettext("Sent to {n} participant: {by}.", "Sent to {n} participants: {by}.", n).format(
                n=n, by=by
            )
        )
    if report.unreachable:
        click.echo(
            _("No channel can reach: {names} (give them {command})").format(
                names=", ".join(report.unreachable), command=file_hint
            )
        )
    for name, error in report.failed:
        click.echo(
            _("Error: could not send to {name}: {error}").format(name=name, error=error),
            err=True,
        )
    if report.failed:
        raise click.exceptions.Exit(1)


@contacts.command()
@click.argument("slug")
@click.pass_obj
def unshare(obj: Any, slug: str) -> None:
    """Stop sharing at once: the window closes and the consents given for it end.

    \b
    Example:
      programs contacts unshare marseille-2026
    """
    from programs.plugins.contacts import sharing

    from programs.api import get_program, require_plugin_schema, utcnow

    with obj.app.write() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        ended = sharing.unshare(db, program=program, now=utcnow())
    click.echo(
        ngettext(
            "{slug}: contacts are no longer shared; {n} consent ended.",
            "{slug}: contacts are no longer shared; {n} consents ended.",
            ended,
        ).format(slug=slug, n=ended)
    )


@contacts.command()
@click.argument("person")
@click.option("--program", "slug", required=True, help="The program (slug).")
@click.option("--phone", is_flag=True, help="The person agrees to share their phone number.")
@click.option("--email", is_flag=True, help="The person agrees to share their email address.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask: the person already agreed.")
@click.pass_obj
def consent(obj: Any, person: str, slug: str, phone: bool, email: bool, yes: bool) -> None:
    """Record that PERSON agrees to share their phone and/or email with SLUG's group.

    Shows the wording the person agrees to, asks for confirmation, and records it word for
    word with the time and the source. It ends with the sharing window.

    \b
    Example:
      programs contacts consent "S. Martin" --program marseille-2026 --phone --email
    """
    from programs.plugins.contacts import consent as consents

    from programs.api import RuleViolation, find_person, get_program, require_plugin_schema, utcnow

    app = obj.app
    with app.read() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        participant = find_person(db, person)
        shown = consents.wording(
            db,
            program=program,
            participant=participant,
            phone=phone,
            email=email,
            now=utcnow(),
            settings=app.settings,
        )
    click.echo(shown)
    if not yes:
        click.confirm(_("Does {name} agree?").format(name=participant.name), abort=True)
    with app.write() as db:
        program = get_program(db, slug)
        participant = find_person(db, str(participant.id))
        now = utcnow()
        again = consents.wording(
            db,
            program=program,
            participant=participant,
            phone=phone,
            email=email,
            now=now,
            settings=app.settings,
        )
        if again != shown:
            raise RuleViolation(_("the sharing window changed meanwhile: run the command again"))
        given = consents.give(
            db,
            program=program,
            participant=participant,
            phone=phone,
            email=email,
            shown=shown,
            source="cli",
            now=now,
        )
    if given.share_phone and given.share_email:
        recorded = _("Recorded: {name} shares their phone and email with {slug}'s group.")
    elif given.share_phone:
        recorded = _("Recorded: {name} shares their phone with {slug}'s group.")
    else:
        recorded = _("Recorded: {name} shares their email with {slug}'s group.")
    click.echo(recorded.format(name=participant.name, slug=slug))


@contacts.command()
@click.argument("person")
@click.option("--program", "slug", required=True, help="The program (slug).")
@click.pass_obj
def withdraw(obj: Any, person: str, slug: str) -> None:
    """Withdraw PERSON's consent for SLUG, with effect at once.

    \b
    Example:
      programs contacts withdraw "S. Martin" --program marseille-2026
    """
    from programs.plugins.contacts import consent as consents

    from programs.api import find_person, get_program, require_plugin_schema, utcnow

    with obj.app.write() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        participant = find_person(db, person)
        consents.withdraw(db, program=program, participant=participant, source="cli", now=utcnow())
    click.echo(
        _("Withdrawn: {name} is out of {slug}'s directory from now on.").format(
            name=participant.name, slug=slug
        )
    )


@contacts.command()
@click.option("-o", "--output", type=OUTPUT, help="Write the card to this .vcf file.")
@click.option(
    "--version",
    "version",
    type=click.Choice(["3", "4"]),
    default="4",
    show_default=True,
    help="vCard version; many Android phones read only 3.",
)
@click.option("--qr", type=OUTPUT, help="Also draw a QR code of the card (.png or .svg).")
@click.option("--coach", "coach_ref", metavar="COACH", help="Another coach than the default.")
@click.pass_obj
def card(
    obj: Any, output: Path | None, version: str, qr: Path | None, coach_ref: str | None
) -> None:
    """The coach's contact card (vCard), and a QR code to project in the workshop room.

    The QR code holds a short vCard 3.0 that phones scan straight into their contacts.
    Without -o or --qr the card is printed.

    \b
    Example:
      programs contacts card -o coach.vcf --version 3 --qr coach.png
    """
    import io

    from programs.plugins.contacts import qr as qrcode
    from programs.plugins.contacts.cards import card_coach, coach_card, phone_region
    from programs.plugins.contacts.vcard import render

    from programs.api import utcnow

    kind = qrcode.check_target(qr) if qr is not None else None
    from programs.api import output_path

    for target in (output, qr):  # both checked before either file is written
        if target is not None:
            output_path(target)
    with obj.app.read() as db:
        made = coach_card(card_coach(db, ref=coach_ref), region=phone_region(obj.app), now=utcnow())
    text = render(made, f"{version}.0")
    image = None
    if qr is not None:
        buffer = io.BytesIO()
        qrcode.make(made).save(buffer, kind=kind, scale=qrcode.SCALE, border=qrcode.BORDER)
        image = buffer.getvalue()
    if output is not None:
        _write(output, text.encode("utf-8"))
        click.echo(
            _("vCard {version} of {name} written to {path}").format(
                version=f"{version}.0", name=made.name, path=output
            )
        )
    if qr is not None and image is not None:
        _write(qr, image)
        click.echo(_("QR code (vCard 3.0) written to {path}").format(path=qr))
    if output is None and qr is None:
        click.echo(text, nl=False)


@contacts.command()
@click.argument("slug")
@click.option("-o", "--output", type=OUTPUT, help="Write to this file instead of printing.")
@click.option(
    "--version",
    "version",
    type=click.Choice(["3", "4"]),
    default="3",
    show_default=True,
    help="vCard version.",
)
@output_options
@click.pass_obj
def directory(obj: Any, slug: str, output: Path | None, fmt: str, version: str) -> None:
    """SLUG's group directory: the participants who agreed, with what each agreed to share.

    vCards by default (one file a phone imports); --csv or --json for a list (name, phone,
    email). Only inside the sharing window; outside it the command says why and refuses.

    \b
    Example:
      programs contacts directory marseille-2026 -o group.vcf
      programs contacts directory marseille-2026 --csv
    """
    from programs.plugins.contacts import directory as group
    from programs.plugins.contacts.cards import phone_region

    from programs.api import get_program, require_plugin_schema, utcnow

    with obj.app.read() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        found = group.entries(db, program, now=utcnow(), region=phone_region(obj.app))
    if not found:
        click.echo(
            _("No participant of {slug} shares their details: nothing to export.").format(
                slug=slug
            ),
            err=True,
        )
        return
    vcards = fmt == "table"
    text = group.as_vcf(found, f"{version}.0") if vcards else group.as_text(found, fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    _write(output, text.encode("utf-8"))
    click.echo(
        ngettext(
            "{n} contact of {slug} written to {path}",
            "{n} contacts of {slug} written to {path}",
            len(found),
        ).format(n=len(found), slug=slug, path=output)
    )


@contacts.command(name="consents")
@click.argument("slug")
@output_options
@pass_app
def list_consents(app: Any, slug: str, fmt: str) -> None:
    """List SLUG's consents: who shares what, since when, until when, and their status.

    \b
    Example:
      programs contacts consents marseille-2026
      programs contacts consents marseille-2026 --json
    """
    from programs.plugins.contacts import consent as consents

    from programs.api import get_program, require_plugin_schema, utcnow

    with app.read() as db:
        require_plugin_schema(db, "contacts")
        program = get_program(db, slug)
        rows = consents.list_consents(db, program, now=utcnow())
    if fmt != "table":
        render([r.as_dict() for r in rows], fmt)
        return
    what = {
        (True, True): _("phone, email"),
        (True, False): _("phone"),
        (False, True): _("email"),
        (False, False): "",
    }
    states = {
        "active": pgettext("consent", "active"),
        "withdrawn": pgettext("consent", "withdrawn"),
        "expired": pgettext("consent", "expired"),
        "left": pgettext("consent", "left"),
    }
    shown = [
        {
            "participant": f"#{r.participant_id} {r.name}",
            "shares": what[(r.phone, r.email)],
            "status": states.get(r.status, r.status),
            "given": r.given_at,
            "ends": r.expires_at,
            "source": r.source,
            "timezone": program.timezone,
        }
        for r in rows
    ]
    names = zoned(shown, ["given", "ends"], fmt)
    render(
        shown,
        fmt,
        title=_("Consents for {slug}").format(slug=slug),
        columns=["participant", "shares", "status", names["given"], names["ends"], "source"],
        empty=_("No consent recorded for {slug}.").format(slug=slug),
    )
