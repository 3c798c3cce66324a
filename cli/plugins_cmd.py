"""``programs plugins``: what is loaded, where it came from, and which hooks it implements."""

from __future__ import annotations

from dataclasses import asdict

import click
from programs.cli import words
from programs.cli.toolkit import output_options, render

from programs.i18n import gettext as _


@click.command()
@click.option(
    "--all",
    "show_all",
    is_flag=True,
    help="Also list installed plugins that were left out (PROGRAMS_DISABLE_PLUGINS or "
    "PROGRAMS_LOAD_PLUGINS), with the reason.",
)
@output_options
def plugins(show_all: bool, fmt: str) -> None:
    """List the loaded plugins: name, version, source and hooks.

    The source is "built-in" (shipped with programs: email, ical, reminders, contacts) or
    "entry point" (installed from another package). With --all, plugins that are installed
    but left out are listed too, with the reason as their status.

    \b
    Example:
      programs plugins
      PROGRAMS_DISABLE_PLUGINS=reminders programs plugins --all --json
    """
    from programs.plugin_manager import get_plugin_manager, plugin_infos

    infos = plugin_infos(get_plugin_manager(), left_out=show_all)
    if fmt == "json":
        render([{**asdict(i), "hooks": list(i.hooks)} for i in infos], fmt)
        return
    columns = ["name", "version", "source", *(["status"] if show_all else []), "hooks"]
    rows = [
        {
            "name": i.name,
            "version": i.version or "",
            "source": words.word("plugin", i.source, fmt),
            "status": words.word("plugin", "loaded", fmt) if i.loaded else i.reason,
            "hooks": ", ".join(i.hooks) if fmt == "table" else " ".join(i.hooks),
        }
        for i in infos
    ]
    render(rows, fmt, columns=columns, empty=_("No plugins loaded."))
