"""How full programs are. The listing (:func:`program_summaries`) is one prebuilt query on
plain table clauses (:mod:`programs.plain_tables`): ``programs list`` builds no ORM class and
does not import SQLModel, so it starts faster than ``import sqlmodel`` alone (bench/startup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from programs.db import read_rows
from programs.i18n import _
from programs.plain_tables import enrollment, program
from programs.states import SEATED, EnrollmentStatus

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.models import Program


def list_programs(db: DbSession, *, status: str | None = None) -> list[Program]:
    from sqlmodel import select

    from programs.models import Program

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
    from sqlmodel import select

    from programs.models import Enrollment

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


def _summaries_query(status: bool) -> sa.Select[Any]:
    """Every program with its seated and waiting counts, one row each, by slug; with
    ``status``, those in the state bound as ``:status``."""
    e, p = enrollment.c, program.c
    seated = sa.func.sum(sa.case((sa.or_(*(e.status == s.value for s in SEATED)), 1), else_=0))
    waiting = sa.func.sum(sa.case((e.status == EnrollmentStatus.WAITLISTED.value, 1), else_=0))
    counts = (
        sa.select(e.program_id, seated.label("enrolled"), waiting.label("waitlisted"))
        .group_by(e.program_id)
        .subquery()
    )
    query = (
        sa.select(
            p.slug,
            p.title,
            p.status,
            p.timezone,
            p.location,
            p.capacity,
            sa.func.coalesce(counts.c.enrolled, 0),
            sa.func.coalesce(counts.c.waitlisted, 0),
        )
        .outerjoin(counts, counts.c.program_id == p.id)
        .order_by(p.slug)
    )
    return query.where(p.status == sa.bindparam("status")) if status else query


_ALL = _summaries_query(status=False)
_IN_STATE = _summaries_query(status=True)


def program_summaries(db: Any, *, status: str | None = None) -> list[Summary]:
    """Every program with its fill, in one query and without ORM objects, on a unit of work
    or a quick reader (``App.quick_read``: what ``programs list`` uses)."""
    rows = read_rows(db, _IN_STATE, status=status) if status else read_rows(db, _ALL)
    return [
        Summary(slug, title, state, tz, location, Fill(int(enrolled), int(waitlisted), capacity))
        for slug, title, state, tz, location, capacity, enrolled, waitlisted in rows
    ]
