"""``programs plugins``: what is loaded, where it came from, and which hooks it implements."""

from __future__ import annotations

import json
from dataclasses import asdict

import click


@click.command()
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list installed plugins that were left out (PROGRAMS_DISABLE_PLUGINS or "
    "PROGRAMS_LOAD_PLUGINS), with the reason.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of objects).")
def plugins(show_all: bool, as_json: bool) -> None:
    """List the loaded plugins: name, version, source and hooks.

    The source is "built-in" (shipped with programs: ical, reminders, contacts) or
    "entry point" (installed from another package). With --all, plugins that are installed
    but left out are listed too, with the reason as their status.

    \b
    Example:
      programs plugins
      PROGRAMS_DISABLE_PLUGINS=reminders programs plugins --all --json
    """
    from programs.plugin_manager import get_plugin_manager, plugin_infos

    infos = plugin_infos(get_plugin_manager(), left_out=show_all)
    if as_json:
        rows = [{**asdict(i), "hooks": list(i.hooks)} for i in infos]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from programs.cli.output import render

    columns = ["name", "version", "source", *(["status"] if show_all else []), "hooks"]
    rows = [
        {
            "name": i.name,
            "version": i.version or "",
            "source": i.source,
            "status": "loaded" if i.loaded else i.reason,
            "hooks": ", ".join(i.hooks),
        }
        for i in infos
    ]
    render(rows, "table", columns=columns, empty="No plugins loaded.")
