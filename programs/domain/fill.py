"""How full programs are, for listings: one query for all programs, no ORM objects, and
nothing imported but the tables (``programs list`` on a thousand programs stays a fraction
of SQLModel's own import time, bench/startup)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session as DbSession
from sqlmodel import select

from programs.i18n import _
from programs.models import SEATED, Enrollment, EnrollmentStatus, Program


def list_programs(db: DbSession, *, status: str | None = None) -> list[Program]:
    query = select(Program).order_by(Program.slug)
    if status:
        query = query.where(Program.status == status)
    return list(db.exec(query))


@dataclass(frozen=True)
class Fill:
    enrolled: int
    waitlisted: int
    capacity: int | None

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.enrolled, 0)

    @property
    def machine(self) -> str:
        """The fill as JSON and CSV give it, the same in every language: ``2/12 (+1 waiting)``,
        ``0/unlimited``."""
        cap = "unlimited" if self.capacity is None else str(self.capacity)
        waiting = f" (+{self.waitlisted} waiting)" if self.waitlisted else ""
        return f"{self.enrolled}/{cap}{waiting}"

    def __str__(self) -> str:
        cap = _("unlimited") if self.capacity is None else str(self.capacity)
        if self.waitlisted:
            return _("{enrolled}/{capacity} (+{waiting} waiting)").format(
                enrolled=self.enrolled, capacity=cap, waiting=self.waitlisted
            )
        return f"{self.enrolled}/{cap}"


def program_fill(db: DbSession, program: Program) -> Fill:
    rows = db.exec(
        select(Enrollment.status, sa.func.count())
        .where(Enrollment.program_id == program.id)
        .group_by(Enrollment.status)
    ).all()
    counts = dict(rows)
    return Fill(
        enrolled=sum(counts.get(status, 0) for status in SEATED),
        waitlisted=counts.get(EnrollmentStatus.WAITLISTED, 0),
        capacity=program.capacity,
    )


@dataclass(frozen=True)
class Summary:
    """A program as ``programs list`` shows it: a few columns and its fill."""

    slug: str
    title: str
    status: str
    timezone: str
    location: str | None
    fill: Fill


def program_summaries(db: DbSession, *, status: str | None = None) -> list[Summary]:
    """Every program with its fill, in one query and without ORM objects: ``programs list``
    on a thousand programs stays a fraction of SQLModel's own import time (bench/startup)."""
    seated = sa.func.sum(sa.case((Enrollment.status.in_(SEATED), 1), else_=0))  # type: ignore[attr-defined]
    waiting = sa.func.sum(sa.case((Enrollment.status == EnrollmentStatus.WAITLISTED, 1), else_=0))
    counts = (
        select(
            Enrollment.program_id,
            seated.label("enrolled"),
            waiting.label("waitlisted"),
        )
        .group_by(Enrollment.program_id)
        .subquery()
    )
    query = (
        sa.select(
            Program.slug,
            Program.title,
            Program.status,
            Program.timezone,
            Program.location,
            Program.capacity,
            sa.func.coalesce(counts.c.enrolled, 0),
            sa.func.coalesce(counts.c.waitlisted, 0),
        )
        .outerjoin(counts, counts.c.program_id == Program.id)
        .order_by(Program.slug)
    )
    if status:
        query = query.where(Program.status == status)
    return [
        Summary(slug, title, state, tz, location, Fill(int(enrolled), int(waitlisted), capacity))
        for slug, title, state, tz, location, capacity, enrolled, waitlisted in db.execute(query)
    ]
