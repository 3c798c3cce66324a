"""``programs coach``: who runs the programs (the organiser of feeds, the card shared)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import output_options, pass_app, render

from programs.formats import phone
from programs.i18n import gettext as _

if TYPE_CHECKING:
    from programs.app import App
    from programs.models import Coach


def coach_fields(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``set`` and ``add`` share."""
    for decorator in reversed(
        (
            click.option("--name", help="Full name, as participants know it."),
            click.option("--email", help="Email address (organiser of calendar feeds)."),
            click.option("--phone", help="Phone number; +country code for numbers abroad."),
            click.option("--org", "organisation", help="Organisation or practice."),
            click.option("--website", help="Web address (http:// or https://)."),
        )
    ):
        f = decorator(f)
    return f


def _describe(app: App, coach: Coach, *, added: bool) -> str:
    """``saved coach #1 Claire Dubois (default): claire@example.com, 06 12 34 56 78``."""
    region = app.settings.phone_region
    parts = [p for p in (coach.email, phone(coach.phone, region), coach.organisation) if p]
    fields = {"id": coach.id, "name": coach.name, "details": ", ".join(parts)}
    if added:
        texts = {
            (True, True): _("added coach #{id} {name} (default): {details}"),
            (True, False): _("added coach #{id} {name} (default)"),
            (False, True): _("added coach #{id} {name}: {details}"),
            (False, False): _("added coach #{id} {name}"),
        }
    else:
        texts = {
            (True, True): _("saved coach #{id} {name} (default): {details}"),
            (True, False): _("saved coach #{id} {name} (default)"),
            (False, True): _("saved coach #{id} {name}: {details}"),
            (False, False): _("saved coach #{id} {name}"),
        }
    return texts[bool(coach.is_default), bool(parts)].format(**fields)


@click.group()
def coach() -> None:
    """The coach (or the coaches of a small practice).

    \b
    Example:
      programs coach set --name "Claire Dubois" --phone "06 12 34 56 78"
      programs coach add --name "Marc Leroy" --email marc@example.com
      programs coach list
    """


@coach.command("set")
@coach_fields
@pass_app
def set_coach(app: App, **fields: str | None) -> None:
    """Create or update the default coach (used unless a command says otherwise).

    \b
    Example:
      programs coach set --name "Claire Dubois" --email claire@example.com
      programs coach set --phone "+33 6 12 34 56 78"
    """
    from programs.domain.coach import set_default_coach

    if all(v is None for v in fields.values()):
        raise click.UsageError(_("give at least one of --name, --email, --phone, --org, --website"))
    with app.write() as db:
        saved = set_default_coach(db, **fields)
        click.echo(_describe(app, saved, added=False))


@coach.command("add")
@coach_fields
@click.option("--default", "make_default", is_flag=True, help="Make this the default coach.")
@pass_app
def add_coach(app: App, make_default: bool, **fields: str | None) -> None:
    """Add another coach of the practice (the first one added becomes the default).

    \b
    Example:
      programs coach add --name "Marc Leroy" --email marc@example.com --default
    """
    from programs.domain.coach import add_coach as add

    if fields.get("name") is None:
        raise click.UsageError(_("a coach needs --name"))
    with app.write() as db:
        added = add(db, default=make_default, **fields)
        click.echo(_describe(app, added, added=True))


@coach.command("list")
@output_options
@pass_app
def list_coaches(app: App, fmt: str) -> None:
    """List the coaches; the default one is marked.

    \b
    Example:
      programs coach list
      programs coach list --json
    """
    from programs.domain.coach import list_coaches as coaches

    region = app.settings.phone_region
    with app.read() as db:
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "phone": phone(c.phone, region) if fmt == "table" else c.phone,
                "organisation": c.organisation,
                "website": c.website,
                "default": c.is_default,
            }
            for c in coaches(db)
        ]
    render(rows, fmt, title=_("Coaches"), empty=_("No coach yet: programs coach set --name NAME"))
