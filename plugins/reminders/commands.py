"""``programs reminders``: rules, plan, list, send, run, history.

Commands get the App with the CLI toolkit's ``pass_app``; everything heavy is imported
inside them. Listings use the toolkit's ``output_options`` and ``render``: a table for
people (plain text in a pipe), ``--json`` and ``--csv`` for scripts.
"""

from __future__ import annotations

import sys
import time as clock
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import output_options, pass_app, render, zoned

from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from programs.api import App


def _now(app: App, text: str | None) -> datetime:
    """``--now``: a time in the default zone (or with its offset); absent means now."""
    from programs.api import InvalidInput, parse_time, utcnow

    if text is None:
        return utcnow()
    if not text.strip():
        raise InvalidInput(_("--now needs a time, e.g. 2027-06-08T07:05:00Z"))
    return parse_time(text, app.settings.default_timezone)


COLUMNS = ["id", "due", "status", "to", "channel", "rule", "about", "note"]


def _show(
    rows: list[dict[str, Any]], fmt: str, *, times: list[str], columns: list[str], **kwargs: Any
) -> None:
    """Outbox rows, each time in its row's zone (in the header when they share one); in a
    table, states as words of the coach's language."""
    from programs.plugins.reminders.listing import status_words

    if fmt == "table":
        words = status_words()
        for row in rows:
            row["status"] = words.get(row["status"], row["status"])
    names = zoned(rows, times, fmt)
    shown = [names.get(c, c) for c in columns] if fmt == "table" else None
    render(rows, fmt, columns=shown, **kwargs)


now_option = click.option(
    "--now",
    metavar="TIME",
    help="Act as if it were TIME (ISO 8601, e.g. 2027-06-08T07:05:00Z) instead of now.",
)


@click.group()
def reminders() -> None:
    """Reminders by email (or any channel a plugin adds), sent once and on time.

    \b
    Out of the box: participants get an email 2 days and 2 hours before each session;
    participant and coach 1 hour before each follow-up; the coach a nudge the day after a
    program's last session, and a weekly digest of stalled tracks.

    \b
    Example:
      programs reminders rules marseille-2026
      programs reminders list
      programs reminders send --dry-run
      programs reminders send          # from cron, every 5 minutes
    """


# --- rules -----------------------------------------------------------------------------


class RulesGroup(click.Group):
    """``rules`` and ``rules SLUG`` list; ``rules add`` / ``remove`` / ``reset`` change."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)


@reminders.group(
    cls=RulesGroup, invoke_without_command=True, context_settings={"ignore_unknown_options": True}
)
@click.pass_context
def rules(ctx: click.Context) -> None:
    """The reminder rules in force: for all programs, or for one (SLUG).

    \b
    Example:
      programs reminders rules
      programs reminders rules marseille-2026
      programs reminders rules add session-1d --program marseille-2026 \\
          --target session --offset -1d --at 18:00
      programs reminders rules remove session-2h --program marseille-2026
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(show, slug=None)  # its own defaults: a table


def _layer(rule: Any, slugs: dict[int, str], fmt: str) -> str:
    """Where a rule comes from: machine words in JSON and CSV, a phrase in a table."""
    slug = slugs.get(rule.program_id, "?")
    if fmt != "table":
        return f"program {slug}" if rule.layer == "program" else rule.layer
    words = {
        "built-in": _("built-in"),
        "config": _("config file"),
        "all programs": _("all programs"),
    }
    if rule.layer == "program":
        return _("program {slug}").format(slug=slug)
    return words.get(rule.layer, rule.layer)


def _rule_rows(rules: list[Any], slugs: dict[int, str], fmt: str) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "target": r.target,
            "audience": r.audience,
            "when": r.described() if fmt == "table" else r.when,
            "channel": r.channel,
            "template": r.template,
            "from": _layer(r, slugs, fmt),
        }
        for r in rules
    ]


@rules.command("show")
@click.argument("slug", required=False)
@output_options
@pass_app
def show(app: App, slug: str | None, fmt: str) -> None:
    """List the rules in force (for program SLUG if given).

    \b
    Example:
      programs reminders rules show marseille-2026 --json
    """
    from programs.plugins.reminders.rules import load_rulebook

    from programs.api import get_program

    with app.read() as db:
        program = get_program(db, slug) if slug else None
        pid = program.id if program else None
        book = load_rulebook(db, app.config, now=None, program_ids=[pid] if pid else [])
        listed = book.for_program(pid) if pid else list(book.defaults.values())
        slugs = {pid: slug} if pid and slug else {}
        rows = _rule_rows(listed, slugs, fmt)
    render(
        rows,
        fmt,
        empty=_("No rules: nothing will be sent."),
        title=_("Reminder rules for {slug}").format(slug=slug)
        if slug
        else _("Reminder rules (all programs)"),
    )


@rules.command("add")
@click.argument("name")
@click.option("--program", "slug", metavar="SLUG", help="Only for this program.")
@click.option(
    "--target",
    required=True,
    type=click.Choice(["session", "followup", "program", "week"]),
    help="What the reminder is about.",
)
@click.option(
    "--offset",
    required=True,
    help="Before (-) or after (+) the start or end: -2d, -2h, -1d12h, +1d.",
)
@click.option(
    "--from",
    "anchor",
    type=click.Choice(["start", "end"]),
    default="start",
    show_default=True,
    help="Count the offset from the start or the end.",
)
@click.option("--at", "at", metavar="HH:MM", help="Then send at this local time of day.")
@click.option(
    "--audience",
    type=click.Choice(["participants", "coach", "everyone"]),
    help="Who gets it [default: participants; coach for week].",
)
@click.option("--channel", default="email", show_default=True, help="A registered channel.")
@click.option("--template", help="Template name [default: session, followup, nudge, digest].")
@pass_app
def add(
    app: App,
    name: str,
    slug: str | None,
    target: str,
    offset: str,
    anchor: str,
    at: str | None,
    audience: str | None,
    channel: str,
    template: str | None,
) -> None:
    """Add a rule NAME, for all programs or for one; a default of that name is overridden.

    Only future occurrences get reminders: adding a rule never mails anyone for what was
    already due.

    \b
    Example:
      programs reminders rules add eve --program marseille-2026 \\
          --target session --offset -1d --at 18:00
    """
    from programs.plugins.reminders.rulebook_edit import add_rule

    values = {
        "name": name,
        "target": target,
        "offset": offset,
        "from": anchor,
        "at": at,
        "audience": audience,
        "channel": channel,
        "template": template,
    }
    message, result = add_rule(app, {k: v for k, v in values.items() if v}, slug=slug)
    click.echo(message)
    click.echo(_("outbox: {result}").format(result=result))


@rules.command("remove")
@click.argument("name")
@click.option("--program", "slug", metavar="SLUG", help="Only for this program.")
@pass_app
def remove(app: App, name: str, slug: str | None) -> None:
    """Stop rule NAME (for all programs, or for one); its pending reminders are cancelled.

    \b
    Example:
      programs reminders rules remove session-2h --program marseille-2026
    """
    from programs.plugins.reminders.rulebook_edit import remove_rule

    message, result = remove_rule(app, name, slug=slug)
    click.echo(message)
    click.echo(_("outbox: {result}").format(result=result))


@rules.command("reset")
@click.argument("name")
@click.option("--program", "slug", metavar="SLUG", help="Only for this program.")
@pass_app
def reset(app: App, name: str, slug: str | None) -> None:
    """Drop what was added or removed for NAME at this level: the rule below applies again.

    \b
    Example:
      programs reminders rules reset session-2h --program marseille-2026
    """
    from programs.plugins.reminders.rulebook_edit import reset_rule

    message, result = reset_rule(app, name, slug=slug)
    click.echo(message)
    click.echo(_("outbox: {result}").format(result=result))


# --- plan, list, history -----------------------------------------------------------------


@reminders.command()
@click.option(
    "--full",
    is_flag=True,
    help="Compare every row, not only what changed since the last plan (in short steps).",
)
@now_option
@pass_app
def plan(app: App, full: bool, now: str | None) -> None:
    """Bring the outbox in step with the database (also done by send). Safe to repeat.

    \b
    Examples:
      programs reminders plan
      programs reminders plan --full
    """
    from programs.plugins.reminders.sync import plan_all, plan_changes

    result = (plan_all if full else plan_changes)(app, now=_now(app, now))
    click.echo(_("outbox: {result}").format(result=result))


@reminders.command("list")
@click.option("--due", is_flag=True, help="Only what is due now (what send would send).")
@click.option("--all", "everything", is_flag=True, help="Every row, sent and cancelled too.")
@click.option("--program", "slug", metavar="SLUG", help="Only this program's.")
@output_options
@now_option
@pass_app
def list_(
    app: App, due: bool, everything: bool, slug: str | None, fmt: str, now: str | None
) -> None:
    """What will go out: when, to whom, by which channel, about what.

    \b
    Example:
      programs reminders list --program marseille-2026
      programs reminders list --due --json
    """
    from programs.plugins.reminders.listing import outbox_rows

    rows = outbox_rows(app, due=due, everything=everything, slug=slug, now=_now(app, now))
    _show(
        rows,
        fmt,
        times=["due"],
        columns=COLUMNS,
        empty=_("Nothing in the outbox.") if not due else _("Nothing is due."),
        title=_("Reminders") if not due else _("Reminders due"),
    )


@reminders.command()
@click.argument("person", required=False)
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=200,
    show_default=True,
    help="At most this many rows.",
)
@output_options
@pass_app
def history(app: App, person: str | None, limit: int, fmt: str) -> None:
    """What was sent, skipped, cancelled or failed (for PERSON if given), newest first.

    \b
    Example:
      programs reminders history "S. Martin"
    """
    from programs.plugins.reminders.listing import history_rows

    rows = history_rows(app, person=person, limit=limit)
    _show(
        rows,
        fmt,
        times=["when", "due"],
        columns=["id", "when", "status", "to", "channel", "rule", "about", "note"],
        empty=_("No reminder history."),
        title=_("Reminder history"),
    )


# --- send and run ------------------------------------------------------------------------


def _progress_bar() -> tuple[Any, Any]:
    """A rich progress bar on a terminal; nothing in a pipe or a cron log."""
    if not sys.stdout.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task(_("sending reminders"), total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total or None)

    return bar, update


def _send_once(app: App, now: datetime, dry_run: bool) -> Any:
    from programs.plugins.reminders.sender import send_due

    bar, update = (None, None) if dry_run else _progress_bar()
    if bar is None:
        return send_due(app, now=now, dry_run=dry_run)
    with bar:
        return send_due(app, now=now, progress=update)


@reminders.command()
@click.option("--dry-run", is_flag=True, help="Show what would be sent; change nothing.")
@now_option
@pass_app
def send(app: App, dry_run: bool, now: str | None) -> None:
    """Send what is due, then stop (for cron). Exits 0 when nothing is due.

    Failures are kept and retried by later runs; the exit code is 1 when one happened.

    \b
    Example:
      programs reminders send --dry-run
      */5 * * * * programs reminders send     (a crontab line)
    """
    from programs.plugins.reminders.listing import describe_rows

    from programs.api import ProgramsError

    report = _send_once(app, _now(app, now), dry_run)
    if dry_run:
        rows = describe_rows(app, report.due)
        if not rows:
            click.echo(_("Nothing is due."))
        else:
            click.echo(
                ngettext(
                    "Would send {n} reminder (nothing was changed):",
                    "Would send {n} reminders (nothing was changed):",
                    len(rows),
                ).format(n=len(rows))
            )
            _show(rows, "table", times=["due"], columns=COLUMNS)
        return
    if report.handled == 0:
        click.echo(_("Nothing is due."))
        return
    click.echo(_("reminders: {report}").format(report=report))
    for error in report.errors:
        click.echo(_("Error: {error}").format(error=error), err=True)
    if report.errors:
        n = len(report.errors)
        raise ProgramsError(
            ngettext(
                "{n} reminder not sent (see above)", "{n} reminders not sent (see above)", n
            ).format(n=n)
        )


def _one_line(exc: Exception) -> str:
    """An unexpected error as one line: the driver's message, without SQLAlchemy's SQL."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return _("unexpected {kind}: {message}").format(kind=type(cause).__name__, message=first)


@reminders.command()
@click.option(
    "--every",
    "every",
    default="5m",
    show_default=True,
    help="How long to wait between two runs: 30s, 5m, 1h.",
)
@click.option(
    "--iterations",
    type=click.IntRange(1, 1_000_000_000),
    help="Stop after this many runs (default: run until stopped).",
)
@pass_app
def run(app: App, every: str, iterations: int | None) -> None:
    """Send what is due, again and again, in the foreground (for a small server).

    Stop it with Ctrl-C. A failing run is reported and the loop goes on.

    \b
    Example:
      programs reminders run --every 5m
    """
    from programs.plugins.reminders.sender import send_due

    from programs.api import ProgramsError, parse_duration, utcnow

    pause = parse_duration(every).total_seconds()
    done = 0
    try:
        while True:
            try:
                report = send_due(app, now=utcnow())
            except ProgramsError as exc:
                click.echo(_("Error: {error}").format(error=exc), err=True)
            except Exception as exc:  # a lost database connection must not end the loop
                click.echo(
                    _("Error: {error} (the next run tries again)").format(error=_one_line(exc)),
                    err=True,
                )
            else:
                if report.handled:
                    stamp = f"{utcnow():%Y-%m-%d %H:%M:%S}Z"
                    click.echo(_("{time} reminders: {report}").format(time=stamp, report=report))
                for error in report.errors:
                    click.echo(_("Error: {error}").format(error=error), err=True)
            done += 1
            if iterations is not None and done >= iterations:
                break
            clock.sleep(pause)
    except KeyboardInterrupt:
        click.echo(_("stopped"))
