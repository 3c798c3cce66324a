"""The reminders plugin's tables, all prefixed ``reminders_``; its own migration creates them.

- ``reminders_outbox``: one row per reminder to send: (rule, target occurrence with its
  revision, recipient, channel) is UNIQUE, so planning twice never makes two rows, and a
  moved target (new revision) gets new rows while the old ones are cancelled.
- ``reminders_rule``: rules the coach added or turned off, for one program or for all;
  they sit on top of the defaults from the config file (or the built-in ones).
- ``reminders_rule_seen``: when each default rule (in its current form) was first seen,
  so that a rule added later never sends what was due before it existed.
- ``reminders_message``: the text of each message the coach sent a cohort.
- ``reminders_planned_marker``: the core's calendar change markers as last planned at.
- ``reminders_meta``: this database's random instance id; Message-IDs are derived from it
  and the outbox key, so two databases never produce the same Message-ID; and the
  planning watermark (``planned``: the calendars' change counters and the rules' form the
  outbox was last planned at), so an idle ``send`` plans nothing.

Times are stored naive UTC and read back aware, with the core's column type
(``programs.api.UTCDateTime``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Importing programs.api also makes the core tables known before ours refer to them.
from programs.api import UTCDateTime, utcnow

# Outbox states. "pending" rows wait for their due time; "sending" rows were claimed by a
# sender; the others are final.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"
SKIPPED = "skipped"
STATES = (PENDING, SENDING, SENT, FAILED, CANCELLED, SKIPPED)


def _time(nullable: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable)


def _follows(table: str) -> sa.Column:
    column = {"program_session": "session_id"}.get(table, f"{table}_id")
    return sa.Column(
        sa.Integer,
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE", name=f"fk_reminders_outbox_{column}"),
        nullable=True,
        index=True,
    )


class Outbox(SQLModel, table=True):
    """One reminder: what (rule, target, revision), to whom, by which channel, when."""

    __tablename__ = "reminders_outbox"
    __table_args__ = (
        sa.UniqueConstraint(
            "rule",
            "target_kind",
            "target_id",
            "revision",
            "recipient_kind",
            "recipient_id",
            "channel",
            name="uq_reminders_outbox_key",
        ),
        sa.Index("ix_reminders_outbox_due", "status", "due_at", "id"),
        sa.Index("ix_reminders_outbox_target", "target_kind", "target_id"),
        sa.Index("ix_reminders_outbox_recipient", "recipient_kind", "recipient_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=40)
    program_id: int | None = None
    # session, followup, program, week; notice (an event's message: confirmation, waitlist,
    # moved...), message (the coach's to a cohort), never planned, only queued
    target_kind: str = Field(max_length=12)
    target_id: int
    revision: int = 0
    recipient_kind: str = Field(max_length=12)  # participant, coach
    recipient_id: int
    # What the row is about, by foreign key: it goes with its person, follow-up or session
    # whatever plugins are enabled when they are erased (migration reminders_0002).
    participant_id: int | None = Field(default=None, sa_column=_follows("participant"))
    followup_id: int | None = Field(default=None, sa_column=_follows("followup"))
    session_id: int | None = Field(default=None, sa_column=_follows("program_session"))
    channel: str = Field(max_length=40)
    due_at: datetime = Field(sa_column=_time())
    # The start of what a reminder before it is about: it is never sent at or after that
    # moment (None: a message due after its item began, such as the program's end nudge).
    starts_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    status: str = Field(default=PENDING, max_length=12)
    reason: str | None = None
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    claimed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    claim_token: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    message_id: str | None = None
    last_error: str | None = None
    planned_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class RuleRow(SQLModel, table=True):
    """A rule added (or a default turned off, ``enabled=False``) by the coach.

    ``program_id`` None: for every program; else for that program only. A row overrides a
    rule of the same name from the layer below (defaults, then all programs, then one).
    """

    __tablename__ = "reminders_rule"
    __table_args__ = (sa.UniqueConstraint("program_id", "name", name="uq_reminders_rule_name"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(
        default=None, foreign_key="program.id", index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=40)
    enabled: bool = True
    target: str = Field(max_length=12)
    audience: str = Field(max_length=20)
    anchor: str = Field(default="start", max_length=8)
    offset: str = Field(max_length=20)
    at: str | None = Field(default=None, max_length=5)
    channel: str = Field(max_length=40)
    template: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class RuleSeen(SQLModel, table=True):
    """When a default rule, in the form ``signature``, was first planned with."""

    __tablename__ = "reminders_rule_seen"

    name: str = Field(primary_key=True, max_length=40)
    signature: str = Field(max_length=300)
    since: datetime = Field(sa_column=_time())


class Meta(SQLModel, table=True):
    """Small facts about this database (``instance_id``)."""

    __tablename__ = "reminders_meta"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class PlannedMarker(SQLModel, table=True):
    """The calendars' change markers (``calendar_revision``) as the outbox was last planned
    at: a marker that moved since names what to plan again, so an idle ``send`` plans
    nothing (``incremental.py``)."""

    __tablename__ = "reminders_planned_marker"

    kind: str = Field(primary_key=True, max_length=20)
    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    revision: int = Field(sa_type=sa.BigInteger)


class CohortMessage(SQLModel, table=True):
    """A message the coach wrote to a cohort (``programs message``). Its text is kept here
    once, its rows in the outbox name it (``target_kind`` "message"). ``digest``: a hash of
    program, audience, session, subject and body, UNIQUE with ``again``: the same command
    run twice finds the same message, so nobody gets it twice; ``--again`` makes the next."""

    __tablename__ = "reminders_message"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "digest", "again", name="uq_reminders_message_digest"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    audience: str = Field(max_length=20)
    session_id: int | None = None
    subject: str
    body: str  # the text, or a template's source (``template``: its name) rendered per person
    template: str | None = Field(default=None, max_length=60)
    digest: str = Field(max_length=64)
    again: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


OUTBOX = Outbox.__table__  # type: ignore[attr-defined]
RULES = RuleRow.__table__  # type: ignore[attr-defined]
SEEN = RuleSeen.__table__  # type: ignore[attr-defined]
META = Meta.__table__  # type: ignore[attr-defined]
PLANNED = PlannedMarker.__table__  # type: ignore[attr-defined]
MESSAGES = CohortMessage.__table__  # type: ignore[attr-defined]
