"""The contacts plugin's tables, all prefixed ``contacts_``; its own migration creates them.

- ``contacts_window``: when a program's contact details are shared (one window per program).
- ``contacts_consent``: a participant's current choice for one program: what they agreed to
  share (phone, email), when, where from, the exact wording they were shown, and when it ends.
- ``contacts_consent_log``: every consent given, withdrawn, ended or erased, for proof. It
  holds no personal data: the person is a random ``subject`` key kept only in the consent row,
  so once that row is erased the log can no longer be tied to anyone, and it never held a
  phone number or an address.

Times are stored naive UTC and read back aware, with the core's column type
(``programs.api.UTCDateTime``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Importing programs.api also makes the core tables known before ours refer to them.
from programs.api import UTCDateTime, utcnow


def new_subject() -> str:
    return uuid.uuid4().hex


def _time(nullable: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable)


class SharingWindow(SQLModel, table=True):
    """The coach's card is shared with a program's participants from ``starts_at`` to
    ``ends_at`` (exclusive); group directories exist only inside it."""

    __tablename__ = "contacts_window"

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("program.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    starts_at: datetime = Field(sa_column=_time())
    ends_at: datetime = Field(sa_column=_time())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Consent(SQLModel, table=True):
    """One person's consent for one program; ``withdrawn_at`` set means no longer given."""

    __tablename__ = "contacts_consent"
    __table_args__ = (sa.UniqueConstraint("program_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    subject: str = Field(default_factory=new_subject, max_length=32)
    share_phone: bool = False
    share_email: bool = False
    given_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    expires_at: datetime = Field(sa_column=_time())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    source: str = Field(max_length=40)
    wording: str


class ConsentLog(SQLModel, table=True):
    """What happened to a consent, kept after erasure; no name, no number, no address."""

    __tablename__ = "contacts_consent_log"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=32, index=True)
    program_id: int | None = Field(
        default=None, foreign_key="program.id", index=True, ondelete="SET NULL"
    )
    action: str = Field(max_length=20)  # given, withdrawn, ended, erased
    share_phone: bool = False
    share_email: bool = False
    at: datetime = Field(default_factory=utcnow, sa_column=_time())
    source: str = Field(max_length=40)
    wording: str | None = None
