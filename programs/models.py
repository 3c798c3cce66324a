"""The tables of the core. Alembic owns the schema (``programs/migrations``); these classes
describe it for queries. Every time is stored as naive UTC and read back as aware UTC
(:class:`UTCDateTime`), so SQLite and PostgreSQL behave the same.

Status values are plain strings checked by the domain code, not database enums: adding a
status later is then a code change, not a migration on every database.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from programs.states import (  # noqa: F401 - the states are read from here too
    SEATED,
    EnrollmentStatus,
    FollowUpKind,
    FollowUpStatus,
    Half,
    ProgramStatus,
    SessionStatus,
    TrackStatus,
)


def utcnow() -> datetime:
    """Now, aware, in UTC, to the second (feeds and messages show no microseconds)."""
    return datetime.now(UTC).replace(microsecond=0)


def new_uid(kind: str) -> str:
    """A calendar UID, made once when a row is created and never regenerated."""
    return f"{kind}-{uuid.uuid4()}@programs"


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC on every backend."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must be aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def _time(nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(UTCDateTime(), nullable=nullable, index=index)


def queue_time() -> datetime:
    """Now, aware UTC, to the microsecond: when someone asks for a seat (orders the waitlist;
    :func:`programs.domain.enrollment.enroll` makes it strictly increase per program)."""
    return datetime.now(UTC)


class StatusText(TypeDecorator[str]):
    """A status or kind as plain text: an enum member is written as its value on every driver
    (some database drivers would write an ``Enum`` member's *name*)."""

    impl = sa.String(20)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else str(value)


def _status() -> sa.Column:
    return sa.Column(StatusText(), nullable=False)


NEVER_REUSE = {"sqlite_autoincrement": True}
"""Ids are never given twice (migration 0004): an erased person's id never reaches anyone."""


class Coach(SQLModel, table=True):
    """The person running programs: ORGANIZER of feeds, sender of reminders, the shared card.
    Emails are unique whatever their case (migration 0004)."""

    __table_args__ = (
        sa.Index("uq_coach_email_ci", sa.func.lower(sa.literal_column("email")), unique=True),
        NEVER_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str
    email: str | None = None
    phone: str | None = Field(default=None, description="E.164")
    organisation: str | None = None
    website: str | None = None
    is_default: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Program(SQLModel, table=True):
    """A group program (e.g. two workshop days in Marseille)."""

    __table_args__ = (NEVER_REUSE,)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_column=sa.Column(sa.String(100), unique=True, nullable=False))
    title: str
    description: str | None = None
    timezone: str = "Europe/Paris"
    location: str | None = None
    capacity: int | None = Field(default=None, description="None: no limit")
    status: str = Field(default=ProgramStatus.OPEN.value, sa_column=_status())
    coach_id: int | None = Field(default=None, foreign_key="coach.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Session(SQLModel, table=True):
    """One meeting of a program. Keeps its UID when moved; ``revision`` grows with time/place."""

    __tablename__ = "program_session"
    __table_args__ = (NEVER_REUSE,)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    title: str | None = None
    start: datetime = Field(sa_column=_time(index=True))
    end: datetime = Field(sa_column=_time())
    location: str | None = None
    status: str = Field(default=SessionStatus.SCHEDULED.value, sa_column=_status())
    uid: str = Field(default_factory=lambda: new_uid("session"), unique=True)
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Participant(SQLModel, table=True):
    """A person. ``notes`` are the coach's private notes: never in a feed, a card or a message.

    ``name`` is the full name, what people are found by and shown as; ``given_name`` and
    ``family_name`` are its two parts (greetings, cards, sorting), kept in step by the domain.

    Emails are unique whatever their case (``A@x.org`` and ``a@x.org`` reach the same person):
    a unique index on ``lower(email)`` (migration 0002) guards what the domain checks.
    """

    __table_args__ = (
        sa.Index("uq_participant_email_ci", sa.func.lower(sa.literal_column("email")), unique=True),
        NEVER_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)  # the full name, derived from the two below (programs.names)
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = Field(default=None, sa_column=sa.Column(sa.String, unique=True))
    phone: str | None = Field(default=None, description="E.164")
    organisation: str | None = None
    role: str | None = None
    language: str = "fr"
    timezone: str | None = None
    notes: str | None = None
    retained_until: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    """Set on the pseudonymous record an erasure leaves when ``[core] retention_years`` is
    set (:mod:`programs.domain.retention`): no name, email, phone or notes, only what proves
    attendance, until this time; ``programs purge`` deletes it then."""
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Enrollment(SQLModel, table=True):
    """A participant in a program. ``requested_at`` then ``id`` order the waitlist; the index
    ``ix_enrollment_queue`` serves the seat count and the waitlist query (migration 0002)."""

    __table_args__ = (
        sa.UniqueConstraint("program_id", "participant_id"),
        sa.Index("ix_enrollment_queue", "program_id", "status", "requested_at"),
        NEVER_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    status: str = Field(default=EnrollmentStatus.ENROLLED.value, sa_column=_status())
    requested_at: datetime = Field(default_factory=queue_time, sa_column=_time())
    enrolled_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class Attendance(SQLModel, table=True):
    """Whether a participant was at a session, per half-day (``half``, :class:`Half`)."""

    __table_args__ = (
        sa.UniqueConstraint("session_id", "participant_id", "half", name="uq_attendance_slot"),
        NEVER_REUSE,
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="program_session.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    half: str = Field(default=Half.WHOLE.value, sa_column=sa.Column(sa.String(10), nullable=False))
    present: bool = True
    marked_at: datetime = Field(default_factory=utcnow, sa_column=_time())


class Track(SQLModel, table=True):
    """An individual coaching engagement: a goal, a planned number of sessions, an outcome."""

    __table_args__ = (NEVER_REUSE,)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    coach_id: int | None = Field(default=None, foreign_key="coach.id", index=True)
    program_id: int | None = Field(
        default=None, foreign_key="program.id", index=True, ondelete="SET NULL"
    )
    goal: str
    planned_sessions: int = 6
    status: str = Field(default=TrackStatus.OPEN.value, sa_column=_status())
    outcome: str | None = None
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    closed_at: datetime | None = Field(default=None, sa_column=_time(nullable=True))


class FollowUp(SQLModel, table=True):
    """An individual contact: a phone call or a one-to-one session."""

    __tablename__ = "followup"
    __table_args__ = (NEVER_REUSE,)

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    coach_id: int | None = Field(default=None, foreign_key="coach.id", index=True)
    kind: str = Field(default=FollowUpKind.CALL.value, sa_column=_status())
    status: str = Field(default=FollowUpStatus.PLANNED.value, sa_column=_status())
    start: datetime = Field(sa_column=_time(index=True))
    duration_minutes: int = 45
    topic: str | None = None
    outcome: str | None = None
    location: str | None = None
    program_id: int | None = Field(
        default=None, foreign_key="program.id", index=True, ondelete="SET NULL"
    )
    track_id: int | None = Field(
        default=None, foreign_key="track.id", index=True, ondelete="SET NULL"
    )
    uid: str = Field(default_factory=lambda: new_uid("followup"), unique=True)
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=_time())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_time())


def greeting(participant: Participant) -> str:
    """What a message says after "Bonjour": the given name, else the full name."""
    from programs.names import greeting_name

    return greeting_name(participant.given_name, participant.name)


CORE_TABLES = (Coach, Program, Session, Participant, Enrollment, Attendance, Track, FollowUp)


def followup_end(followup: FollowUp) -> datetime:
    """When a follow-up ends: its start plus its duration."""
    from datetime import timedelta

    return followup.start + timedelta(minutes=followup.duration_minutes)


calendar_revision = sa.Table(
    "calendar_revision",
    SQLModel.metadata,
    sa.Column("kind", sa.String(length=20), primary_key=True),
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("revision", sa.BigInteger(), nullable=False),
)
"""Change markers of calendars (:mod:`programs.revisions`): a plain table, no ORM class."""
