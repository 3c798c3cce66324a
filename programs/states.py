"""The states a program, a session, an enrollment, a follow-up and a track can be in, and
who is *seated*: plain enums without the ORM, so that a listing can filter on them without
building the table classes (:mod:`programs.listing`). :mod:`programs.models` re-exports them.
"""

from __future__ import annotations

from enum import StrEnum


class ProgramStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class EnrollmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


SEATED: tuple[EnrollmentStatus, ...] = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED)
"""Who is *seated* in a program: enrolled, or completed it. The one definition: seats are
counted, feeds and reminders sent, directories made, attendance taken for these only
(never for someone waitlisted or withdrawn)."""


class FollowUpKind(StrEnum):
    CALL = "call"
    SESSION = "session"


class FollowUpStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"


class TrackStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Half(StrEnum):
    """An attendance slot: a session spanning the day has a morning and an afternoon
    (:func:`programs.domain.attendance.slots_of`); any other session has one, ``whole``."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    WHOLE = "whole"
