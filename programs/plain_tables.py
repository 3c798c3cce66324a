"""The core's tables as plain SQLAlchemy Core clauses: names only, no types, no ORM class.

Building the SQLModel classes of :mod:`programs.models` costs more than a short listing's
whole query; a read that only names columns (``programs list``) uses these instead.
:mod:`programs.models` stays the one definition of the schema: a test checks that every
table and column named here is one of its own.
"""

from __future__ import annotations

import sqlalchemy as sa

program = sa.table(
    "program",
    sa.column("id"),
    sa.column("slug"),
    sa.column("title"),
    sa.column("status"),
    sa.column("timezone"),
    sa.column("location"),
    sa.column("capacity"),
)
enrollment = sa.table("enrollment", sa.column("program_id"), sa.column("status"))

TABLES = (program, enrollment)
