"""``programs seatlog ...``: the plugin's own command group."""

from __future__ import annotations

import json
from typing import Any

import click


@click.group()
def seatlog() -> None:
    """The log of seats taken and left (programs-seatlog plugin)."""


@seatlog.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def show(obj: Any, as_json: bool) -> None:
    """Show every seat taken, waited for, left or given from the waitlist."""
    from programs_seatlog.models import all_entries

    with obj.app.read() as db:
        rows = [
            {"event": e.event, "program": e.program_slug, "participant": e.participant_name}
            for e in all_entries(db)
        ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['program']}\t{row['event']}\t{row['participant']}")
    if not rows:
        click.echo("No seats logged yet.")
