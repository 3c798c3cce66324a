"""Whether this plugin's table is there: its hooks stay quiet on a database where its
migration was never applied (no token can be in it), and its commands say to run
``programs init``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

HEAD = "ical_0001"
VERSION_TABLE = "alembic_version_ical"


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
        raise PluginError("the ical plugin's table is missing or outdated: run `programs init`")
