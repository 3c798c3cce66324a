"""``programs init`` and ``programs backup``."""

from __future__ import annotations

from pathlib import Path

import click
from programs.cli.toolkit import pass_app

from programs.i18n import gettext as _


@click.command()
@click.option(
    "--clear-duplicate-emails",
    is_flag=True,
    help="When several people (or coaches) share an email, keep it on the oldest and clear "
    "it on the others, named in the output (what an upgrade refuses otherwise).",
)
@pass_app
def init(app, clear_duplicate_emails: bool) -> None:  # type: ignore[no-untyped-def]
    """Create the database, or upgrade it to this version's schema.

    Applies the core's migrations, then each plugin's. Safe to run again.

    \b
    Example:
      programs init
      programs --db postgresql://localhost/practice init
    """
    done = app.upgrade(clear_duplicate_emails=clear_duplicate_emails)
    app.start()  # the schema check, and the plugins' startup, on the upgraded database
    where = app.url
    if done:
        for line in done:
            if line.startswith("note: "):
                click.echo(line.removeprefix("note: "))
            else:
                click.echo(_("upgraded {what}").format(what=line))
    click.echo(_("database ready: {where}").format(where=_show(where)))


def _show(url: str) -> str:
    from programs.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return str(path)
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


@click.command()
@click.argument("target")
@click.option("--force", is_flag=True, help="Replace TARGET if it exists.")
@pass_app
def backup(app, target: str, force: bool) -> None:  # type: ignore[no-untyped-def]
    """Copy a live SQLite database to TARGET, consistently, even while it is in use.

    The copy is readable by you only; an existing TARGET is kept unless --force.

    \b
    Example:
      programs backup ~/backups/programs-2026-12-01.db
    """
    from programs.db import backup_sqlite

    if not target.strip():
        raise click.UsageError(_("give the backup file's name, e.g. programs-2026-12-01.db"))
    written = backup_sqlite(app.url, Path(target), force=force)
    click.echo(_("backup written to {path}").format(path=written))
