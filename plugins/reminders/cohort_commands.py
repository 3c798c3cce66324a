"""``programs message`` (a message to a cohort) and ``programs invite`` (each participant's
private link): they only parse and render; ``cohort.py`` queues, the sender sends."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import pass_app, render

from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from programs.api import App


def _people_rows(people: list[Any]) -> list[dict[str, Any]]:
    return [{"id": p.id, "name": p.name, "email": p.email, "language": p.language} for p in people]


def _need_email(app: App) -> None:
    from programs.api import InvalidInput

    if "email" not in app.registry.all("channel"):
        raise InvalidInput(_("no email channel: enable the email plugin first"))


def _send(app: App, only: Any) -> Any:
    """Send the rows just queued, at once (the same sender as ``reminders send``)."""
    from programs.plugins.reminders.sender import send_due

    from programs.api import ProgramsError

    report = send_due(app, only=only)
    for error in report.errors:
        click.echo(_("Error: {error}").format(error=error), err=True)
    if report.failed:
        raise ProgramsError(
            ngettext("{n} message failed", "{n} messages failed", report.failed).format(
                n=report.failed
            )
        )
    return report


@click.command("message")
@click.argument("slug")
@click.option(
    "--to",
    "audience",
    required=True,
    type=click.Choice(["enrolled", "waitlisted", "present", "absent", "all"]),
    help="Who gets it: seated, waiting, present or absent at --session, or all of them.",
)
@click.option(
    "--session", "session_id", type=int, metavar="ID", help="The session (for present/absent)."
)
@click.option("--subject", required=True, help="The subject (the program's name is put before it).")
@click.option("--body", help="The text.")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The text, from a UTF-8 file.",
)
@click.option(
    "--template",
    metavar="NAME",
    help="The text from a template NAME.j2 of the config dir's templates/reminders/.",
)
@click.option("--dry-run", is_flag=True, help="Show who would get it; change nothing.")
@click.option("--at", "at_text", metavar="TIME", help="Send at TIME (by reminders send), not now.")
@click.option("--again", is_flag=True, help="Send it once more to people who already had it.")
@pass_app
def message(
    app: App,
    slug: str,
    audience: str,
    session_id: int | None,
    subject: str,
    body: str | None,
    body_file: Path | None,
    template: str | None,
    dry_run: bool,
    at_text: str | None,
    again: bool,
) -> None:
    """Write to a cohort: each recipient once, in the outbox, even if run twice.

    \b
    Examples:
      programs message marseille-2026 --to enrolled --subject "Room change" --body "Room 4."
      programs message marseille-2026 --to absent --session 2 --subject "We missed you" \\
          --body-file missed.txt --dry-run
    """
    from programs.plugins.reminders.cohort import queue_message
    from programs.plugins.reminders.messages import template_env

    from programs.api import InvalidInput, get_program, parse_time, utcnow

    given = [x for x in (body, body_file, template) if x is not None]
    if len(given) != 1:
        raise InvalidInput(_("give the text with one of --body, --body-file or --template"))
    text = body or ""
    if body_file is not None:
        try:
            text = body_file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("{path} is not UTF-8 text").format(path=body_file)) from None
    if template is not None:
        import jinja2

        env = template_env(app)
        try:
            text = env.loader.get_source(env, f"{template}.j2")[0]  # type: ignore[union-attr]
        except jinja2.TemplateNotFound:
            raise InvalidInput(_("no template {name}.j2").format(name=template)) from None
    at = parse_time(at_text, app.settings.default_timezone) if at_text else None
    _need_email(app)
    with app.write() as db:
        program = get_program(db, slug)
        queued = queue_message(
            app,
            db,
            program,
            audience=audience,
            session_id=session_id,
            subject=subject,
            body=text,
            template=template,
            at=at,
            again=again,
            dry_run=dry_run,
        )
    if dry_run:
        render(
            _people_rows(queued.people),
            "table",
            title=_("Would send {subject!r} to:").format(subject=" ".join(subject.split())),
            empty=_("Nobody would get it."),
        )
        if queued.people:
            preview = _preview(app, slug, queued.people[0], subject, text, template)
            click.echo(_("As {name} would read it:").format(name=queued.people[0].name))
            click.echo(preview)
        if queued.already:
            click.echo(
                ngettext(
                    "{n} person already had it (--again sends it once more).",
                    "{n} people already had it (--again sends it once more).",
                    len(queued.already),
                ).format(n=len(queued.already))
            )
        return
    if not queued.added:
        click.echo(
            _("Nothing new to send: everyone had it already (--again sends it once more).")
            if queued.already
            else _("Nobody to send it to.")
        )
        return
    if at is not None and at > utcnow():
        click.echo(
            ngettext(
                "Queued for {n} person; it goes out with programs reminders send after {at}.",
                "Queued for {n} people; they go out with programs reminders send after {at}.",
                queued.added,
            ).format(n=queued.added, at=at_text)
        )
        return
    report = _send(app, queued.only)
    click.echo(_("message: {report}").format(report=report))


def _preview(
    app: App, slug: str, person: Any, subject: str, text: str, template: str | None
) -> str:
    """The message as ``person`` would read it (nothing written)."""
    from types import SimpleNamespace

    from programs.plugins.reminders.messages import Composer
    from programs.plugins.reminders.sender import instance_id
    from programs.plugins.reminders.settings import load_settings

    from programs.api import get_program, utcnow

    with app.read() as db:
        program = get_program(db, slug)
        row = SimpleNamespace(
            rule="message",
            target_kind="message",
            target_id=0,
            revision=0,
            recipient_kind="participant",
            recipient_id=person.id,
            program_id=program.id,
            session_id=None,
            channel="email",
        )
        composer = Composer(app, db, load_settings(app), now=utcnow(), instance=instance_id(db))
        draft = SimpleNamespace(subject=" ".join(subject.split()), body=text, template=template)
        shown = composer.compose_notice(row, app.registry.all("channel").get("email"), draft=draft)
    if not hasattr(shown, "subject"):
        return str(getattr(shown, "reason", ""))
    return f"{shown.subject}\n\n{shown.text}"  # type: ignore[union-attr]


@click.command("invite")
@click.argument("slug")
@click.argument("people", nargs=-1, metavar="[PERSON]...")
@click.option("--dry-run", is_flag=True, help="Show who would get it; change nothing.")
@click.option("--again", is_flag=True, help="Send the link again to people who had it.")
@pass_app
def invite(app: App, slug: str, people: tuple[str, ...], dry_run: bool, again: bool) -> None:
    """Send each enrolled participant their private link (once per person and link).

    \b
    Examples:
      programs invite marseille-2026 --dry-run
      programs invite marseille-2026 "S. Martin" --again
    """
    from programs.plugins.reminders.cohort import queue_invites, seated_people
    from programs.plugins.reminders.sender import ask_links

    from programs.api import InvalidInput, find_person, get_program

    _need_email(app)
    with app.read() as db:
        program = get_program(db, slug)
        seated = seated_people(db, program)
        chosen = seated
        if people:
            ids = {p.id for p in seated}
            chosen = []
            for ref in people:
                person = find_person(db, ref)
                if person.id not in ids:
                    raise InvalidInput(
                        _("{name} is not enrolled in {slug}").format(name=person.name, slug=slug)
                    )
                chosen.append(person)
    links = ask_links(app, {p.id for p in chosen})  # type: ignore[misc]
    without = [p for p in chosen if not links.get(p.id)]  # type: ignore[arg-type]
    if chosen and len(without) == len(chosen):
        raise InvalidInput(
            _("no plugin offers private links (enable the ical plugin to give each a page)")
        )
    with app.write() as db:
        program = get_program(db, slug)
        queued = queue_invites(app, db, program, chosen, links, again=again, dry_run=dry_run)
    if dry_run:
        render(
            _people_rows(queued.people),
            "table",
            title=_("Would send their private link to:"),
            empty=_("Nobody would get it."),
        )
    if queued.already:
        click.echo(
            ngettext(
                "{n} person already has this link (--again sends it once more).",
                "{n} people already have this link (--again sends it once more).",
                len(queued.already),
            ).format(n=len(queued.already))
        )
    if dry_run:
        return
    if not queued.added:
        click.echo(_("Nothing new to send."))
        return
    report = _send(app, queued.only)
    click.echo(_("invite: {report}").format(report=report))
