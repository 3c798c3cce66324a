"""Whether this plugin's tables are there: its hooks stay quiet on a database where the
plugin's migration was never applied (nothing of ours can be in it), and its commands say
to run ``programs init``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

HEAD = "contacts_0001"
VERSION_TABLE = "alembic_version_contacts"


def installed(db: DbSession) -> bool:
    """True when the database holds this plugin's newest schema."""
    connection = db.connection()
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return False
    rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    return {r[0] for r in rows} == {HEAD}


def require(db: DbSession) -> None:
    from programs.api import PluginError

    if not installed(db):
        raise PluginError(
            "the contacts plugin's tables are missing or outdated: run `programs init`"
        )
