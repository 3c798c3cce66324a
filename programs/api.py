"""The public API for plugins and scripts: import from here, nothing else of ``programs``.

What is listed in ``__all__`` keeps working across minor versions; anything else may move.
Importing this module loads SQLModel: do it inside your commands and hooks, not at the top
of the module that registers your plugin, so that ``programs --help`` stays fast.
"""

from programs.app import App, PluginFailure
from programs.config import Config
from programs.domain.attendance import mark_attendance
from programs.domain.coach import default_coach, get_coach, list_coaches
from programs.domain.enrollment import enroll, enrollments_of, roster, waitlist, withdraw
from programs.domain.followup import (
    cancel_followup,
    complete_followup,
    get_followup,
    list_followups,
    miss_followup,
    move_followup,
    plan_followup,
)
from programs.domain.participant import find_person, list_participants
from programs.domain.program import get_program, list_programs, program_fill
from programs.domain.session import get_session, list_sessions, program_of
from programs.domain.track import get_track, list_tracks, progress
from programs.errors import (
    Ambiguous,
    InvalidInput,
    NotFound,
    PluginError,
    ProgramsError,
    RuleViolation,
    Vetoed,
)
from programs.hookspecs import hookimpl
from programs.models import (
    Attendance,
    Coach,
    Enrollment,
    EnrollmentStatus,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Participant,
    Program,
    ProgramStatus,
    Session,
    SessionStatus,
    Track,
    TrackStatus,
    UTCDateTime,
    followup_end,
    utcnow,
)
from programs.registry import (
    Alarm,
    Attachment,
    CalendarItem,
    CalendarScope,
    Channel,
    ChannelError,
    ExportFormat,
    Migrations,
    OutgoingMessage,
)
from programs.schema import plugin_schema_ready, require_plugin_schema
from programs.times import format_local, parse_duration, parse_time, to_local, zone

__all__ = [
    "Alarm",
    "Ambiguous",
    "App",
    "Attachment",
    "Attendance",
    "CalendarItem",
    "CalendarScope",
    "Channel",
    "ChannelError",
    "Coach",
    "Config",
    "Enrollment",
    "EnrollmentStatus",
    "ExportFormat",
    "FollowUp",
    "FollowUpKind",
    "FollowUpStatus",
    "InvalidInput",
    "Migrations",
    "NotFound",
    "OutgoingMessage",
    "Participant",
    "PluginError",
    "PluginFailure",
    "Program",
    "ProgramStatus",
    "ProgramsError",
    "RuleViolation",
    "Session",
    "SessionStatus",
    "Track",
    "TrackStatus",
    "UTCDateTime",
    "Vetoed",
    "cancel_followup",
    "complete_followup",
    "default_coach",
    "enroll",
    "enrollments_of",
    "find_person",
    "followup_end",
    "format_local",
    "get_coach",
    "get_followup",
    "get_program",
    "get_session",
    "get_track",
    "hookimpl",
    "list_coaches",
    "list_followups",
    "list_participants",
    "list_programs",
    "list_sessions",
    "list_tracks",
    "mark_attendance",
    "miss_followup",
    "move_followup",
    "parse_duration",
    "parse_time",
    "plan_followup",
    "plugin_schema_ready",
    "program_fill",
    "program_of",
    "progress",
    "require_plugin_schema",
    "roster",
    "to_local",
    "utcnow",
    "waitlist",
    "withdraw",
    "zone",
]
