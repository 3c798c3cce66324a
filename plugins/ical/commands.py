"""``programs ical``: export feeds, hand out links, rotate and revoke them, serve them.

Only click is imported at the top: ``programs --help`` loads this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from programs.plugins.ical.scopes import FeedChoice

    from programs.api import App

F = TypeVar("F", bound=Callable[..., Any])


def feed_selector(f: F) -> F:
    """``[SLUG] | --participant PERSON | --coach``: which feed the command is about."""
    f = click.option(
        "--coach",
        is_flag=False,
        flag_value="",
        default=None,
        metavar="[COACH]",
        help="The coach's feed (everything they run); in a practice, name the coach by id, "
        "email or name [the default coach].",
    )(f)
    f = click.option(
        "--participant",
        metavar="PERSON",
        help="A participant's feed (id, email or unambiguous name).",
    )(f)
    return click.argument("slug", required=False)(f)  # type: ignore[return-value]


def _target(app: App, slug: str | None, participant: str | None, coach: str | None) -> FeedChoice:
    from programs.plugins.ical.scopes import resolve_target

    if sum([bool(slug), participant is not None, coach is not None]) != 1:
        raise click.UsageError(_("name one feed: a program SLUG, --participant PERSON, or --coach"))
    with app.read() as db:
        return resolve_target(db, slug=slug, participant=participant, coach=coach)


def _base_url(app: App, option: str | None) -> str:
    from programs.plugins.ical.settings import DEFAULT_BASE_URL, check_base_url, read_settings

    if option is not None:
        return check_base_url(option)
    return read_settings(app).base_url or DEFAULT_BASE_URL


def _warn_without_organizer(app: App) -> None:
    """Published feeds name their organizer by email; say so when the coach has none."""
    from programs.api import default_coach

    with app.read() as db:
        coach = default_coach(db)
    if coach is not None and not coach.email:
        click.echo(
            _(
                "Note: the coach has no email, so events carry no ORGANIZER; "
                "`programs coach set --email ...` adds it."
            ),
            err=True,
        )


def _print_link(base_url: str, token: str, target: FeedChoice) -> None:
    click.echo(f"{base_url}/feeds/{token}.ics")
    click.echo(
        _("This is {feed}. For people, share the page with subscribe buttons: {page}").format(
            feed=target.feed, page=f"{base_url}/p/{token}"
        )
        + "\n"
        + _(
            "This link is shown only once (only its hash is stored); anyone who has it can "
            "read the feed."
        ),
        err=True,
    )


base_url_option = click.option(
    "--base-url",
    metavar="URL",
    help="Start of the links, e.g. https://feeds.example.org "
    "[default: [ical] base_url in the config, else http://127.0.0.1:8080].",
)


@click.group()
def ical() -> None:
    """Calendar feeds: files, private subscription links, and a server for calendar apps.

    \b
    Example:
      programs ical export marseille-2026 -o marseille.ics
      programs ical link --participant "S. Martin"
      programs ical serve --port 8080
    """


@ical.command()
@feed_selector
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Where to write the .ics file ('-' for standard output).",
)
@click.pass_obj
def export(
    obj: Any, slug: str | None, participant: str | None, coach: str | None, output: str
) -> None:
    """Write a feed as an .ics file: a program's, a participant's, or the coach's.

    \b
    Example:
      programs ical export marseille-2026 -o marseille.ics
      programs ical export --participant "S. Martin" -o -
      programs ical export --coach -o claire.ics
      programs ical export --coach marc@example.org -o marc.ics   # another coach
    """
    from programs.plugins.ical.service import build_feed

    from programs.api import output_path, write_private_file

    app = obj.app
    target = _target(app, slug, participant, coach)
    if output != "-":
        output_path(output)  # a bad name is said before the feed is built
    feed = build_feed(app, target.scope)
    _warn_without_organizer(app)
    if output == "-":
        click.echo(feed.body, nl=False)  # bytes go to the binary stream, untouched
        return
    path = write_private_file(output, feed.body)  # 600, atomically
    count = feed.events
    click.echo(
        ngettext(
            "Wrote {path} ({n} event, {label}).", "Wrote {path} ({n} events, {label}).", count
        ).format(path=path, n=count, label=target.label),
        err=True,
    )


@ical.command()
@feed_selector
@base_url_option
@click.pass_obj
def link(
    obj: Any, slug: str | None, participant: str | None, coach: str | None, base_url: str | None
) -> None:
    """Print a feed's subscription URL, issuing its private token if it has none.

    Asked again, it prints the same URL (rebuilt from its derived token: the database
    keeps only its hash). A link issued by a version before derived tokens cannot be
    rebuilt: rotate it (the old one then stops working).

    \b
    Example:
      programs ical link --participant "S. Martin" --base-url https://feeds.example.org
      programs ical link marseille-2026
    """
    from programs.plugins.ical.tokens import issue, link_token, token_row

    from programs import formats
    from programs.api import RuleViolation, require_plugin_schema

    app = obj.app
    base = _base_url(app, base_url)
    target = _target(app, slug, participant, coach)
    with app.write() as db:
        require_plugin_schema(db, "ical")
        token = issue(db, target.scope) or link_token(db, target.scope)
        if token is None:  # an active random token, from before tokens were derived
            row = token_row(db, target.scope)
            assert row is not None
            issued = formats.when_short(row.rotated_at or row.created_at, "UTC") + " UTC"
            raise RuleViolation(
                _(
                    "{feed} already has a link (issued {time}); it is stored hashed and cannot "
                    "be shown again: `programs ical rotate {selector}` makes a new one and "
                    "stops the old one"
                ).format(feed=target.feed, time=issued, selector=target.selector)
            )
    _print_link(base, token, target)
    _warn_without_organizer(app)


@ical.command()
@feed_selector
@base_url_option
@click.pass_obj
def rotate(
    obj: Any, slug: str | None, participant: str | None, coach: str | None, base_url: str | None
) -> None:
    """Replace a feed's link with a new one; the old link stops working at once.

    \b
    Example:
      programs ical rotate --participant "S. Martin"
    """
    from programs.plugins.ical.tokens import rotate as rotate_token

    from programs.api import require_plugin_schema

    app = obj.app
    base = _base_url(app, base_url)
    target = _target(app, slug, participant, coach)
    with app.write() as db:
        require_plugin_schema(db, "ical")
        token = rotate_token(db, target.scope)
    _print_link(base, token, target)


@ical.command()
@feed_selector
@click.pass_obj
def revoke(obj: Any, slug: str | None, participant: str | None, coach: str | None) -> None:
    """Stop a feed's link from working, at once. `ical link` can issue a new one later.

    \b
    Example:
      programs ical revoke --participant "S. Martin"
    """
    from programs.plugins.ical.tokens import revoke as revoke_token

    from programs.api import NotFound, require_plugin_schema

    app = obj.app
    target = _target(app, slug, participant, coach)
    with app.write() as db:
        require_plugin_schema(db, "ical")
        if revoke_token(db, target.scope) is None:
            raise NotFound(_("{feed} has no active link").format(feed=target.feed))
    click.echo(_("Revoked the link of {feed}; it no longer works.").format(feed=target.feed))


@ical.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@base_url_option
@click.option(
    "--proxy",
    metavar="ADDRESSES",
    default="127.0.0.1,::1",
    show_default=True,
    help="The reverse proxy's addresses (comma-separated, CIDR allowed): only from them is "
    "X-Forwarded-For believed, for the log.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes answering requests: one per core (docs/serving.md says how many for "
    "how many subscribers).",
)
@click.pass_obj
def serve(obj: Any, host: str, port: int, base_url: str | None, proxy: str, workers: int) -> None:
    """Serve feeds to calendar apps (/feeds/TOKEN.ics) and each person's page (/p/TOKEN).

    Put it behind a reverse proxy with HTTPS for calendar apps outside your network
    (docs/serving.md: Caddy and nginx, and keeping links out of the proxy's log).

    \b
    Example:
      programs ical serve --host 127.0.0.1 --port 8080 --base-url https://feeds.example.org
    """

    import uvicorn
    from programs.plugins.ical.server import (
        listen_socket,
        serve_in_this_process,
        trusted,
        uvicorn_config,
        worker_settings,
    )
    from programs.plugins.ical.settings import check_base_url, read_settings

    from programs.api import require_plugin_schema

    app = obj.app
    with app.read() as db:  # an uninitialised database is an error now, not per request
        require_plugin_schema(db, "ical")
    if base_url is not None:
        base = check_base_url(base_url)
    else:
        base = read_settings(app).base_url or f"http://{host}:{port}"
    proxies = trusted(proxy)
    sock = listen_socket(host, port)
    click.echo(
        _("Serving calendar feeds on {url} (links: {base}); Ctrl-C stops.").format(
            url=f"http://{host}:{port}", base=base
        )
    )
    if workers == 1:
        serve_in_this_process(app, base, proxies, sock)
        return
    # Several processes on one socket (uvicorn's supervisor): each builds its own app on
    # the same database, with its own pool, from what this one resolved.
    from uvicorn.supervisors import Multiprocess

    worker_settings(app.url, base)
    config = uvicorn_config(
        "programs.plugins.ical.server:worker_app", factory=True, workers=workers,
        forwarded_allow_ips=proxies,
    )  # fmt: skip
    import inspect

    older = "target" in inspect.signature(Multiprocess).parameters  # uvicorn before 0.35
    extra = {"target": uvicorn.Server(config).run} if older else {}
    Multiprocess(config, sockets=[sock], **extra).run()
