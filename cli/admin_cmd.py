"""``programs init`` and ``programs backup``."""

from __future__ import annotations

from pathlib import Path

import click
from programs.cli.toolkit import pass_app

from programs.i18n import gettext as _


@click.command()
@pass_app
def init(app) -> None:  # type: ignore[no-untyped-def]
    """Create the database, or upgrade it to this version's schema.

    Applies the core's migrations, then each plugin's. Safe to run again.

    \b
    Example:
      programs init
      programs --db postgresql://localhost/practice init
    """
    done = app.upgrade()
    app.start()  # the schema check, and the plugins' startup, on the upgraded database
    where = app.url
    if done:
        for line in done:
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
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def backup(app, target: Path) -> None:  # type: ignore[no-untyped-def]
    """Copy a live SQLite database to TARGET, consistently, even while it is in use.

    \b
    Example:
      programs backup ~/backups/programs-2026-12-01.db
    """
    from programs.db import backup_sqlite

    written = backup_sqlite(app.url, target)
    click.echo(_("backup written to {path}").format(path=written))
