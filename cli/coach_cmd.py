"""``programs coach``: who runs the programs (the organiser of feeds, the card shared)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from programs.cli.toolkit import output_options, pass_app, render

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


def _describe(coach: Coach) -> str:
    parts = [p for p in (coach.email, coach.phone, coach.organisation) if p]
    default = " (default)" if coach.is_default else ""
    return f"coach #{coach.id} {coach.name}{default}" + (f": {', '.join(parts)}" if parts else "")


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
        raise click.UsageError("give at least one of --name, --email, --phone, --org, --website")
    with app.write() as db:
        saved = set_default_coach(db, **fields)
        click.echo(f"saved {_describe(saved)}")


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
        raise click.UsageError("a coach needs --name")
    with app.write() as db:
        added = add(db, default=make_default, **fields)
        click.echo(f"added {_describe(added)}")


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

    with app.read() as db:
        rows = [
            {
                "id": c.id,
                "name": c.name,
                "email": c.email,
                "phone": c.phone,
                "organisation": c.organisation,
                "website": c.website,
                "default": c.is_default,
            }
            for c in coaches(db)
        ]
    render(rows, fmt, title="Coaches", empty="No coach yet: programs coach set --name NAME")
