"""The iCal plugin's tables: one private feed token per program, participant or coach, and
the key its tokens are derived from.

Only the token's SHA-256 is stored. Since ical_0003 a token is derived from the key in
``ical_key`` (``tokens.derive``), so that a message sent again can carry the same link:
whoever has a copy of the whole database (key included) can rebuild working links, so the
database and its backups are private files (600), like everything holding personal data.

A token references its owner by foreign key: erasing a person removes it, whatever plugins
are enabled. There is one row per scope: rotating replaces the hash,
revoking stamps
``revoked_at`` (the row stays, so ``link`` can say when it was revoked), and issuing again
after a revocation reuses the row with a new hash.

Times are stored naive UTC and read back aware, with the core's column type
(``programs.api.UTCDateTime``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from programs.api import UTCDateTime, utcnow

SCOPE_KINDS = ("program", "participant", "coach")


def _time(nullable: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable)


def _owner(table: str) -> sa.Column:
    return sa.Column(
        sa.Integer,
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE", name=f"fk_ical_token_{table}_id"),
        nullable=True,
        index=True,
    )


class FeedToken(SQLModel, table=True):
    """The secret of one feed URL, stored as its SHA-256 (hex)."""

    __tablename__ = "ical_token"
    __table_args__ = (sa.UniqueConstraint("scope_kind", "scope_id"),)

    id: int | None = Field(default=None, primary_key=True)
    scope_kind: str = Field(max_length=20)
    scope_id: int
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    # The owner by foreign key, so the token goes with it even while this plugin is
    # disabled (migration ical_0002): exactly one of these is set, the scope's.
    program_id: int | None = Field(default=None, sa_column=_owner("program"))
    participant_id: int | None = Field(default=None, sa_column=_owner("participant"))
    coach_id: int | None = Field(default=None, sa_column=_owner("coach"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    rotated_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    # Counted up by each rotation; the token is HMAC(key, "<id>:<salt>:<generation>"), the
    # salt random per row (an id given again after a deletion never brings an old link
    # back). NULL: a random token issued before ical_0003, which cannot be rebuilt.
    generation: int | None = None
    salt: str | None = Field(default=None, max_length=32)


class LinkKey(SQLModel, table=True):
    """The secret tokens and form checks are derived from (32 random bytes, hex); one row,
    made the first time a link is issued or a page served."""

    __tablename__ = "ical_key"

    id: int | None = Field(default=None, primary_key=True)
    secret: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
