"""The public API for plugins and scripts: import from here, nothing else of ``programs``
(besides ``programs.hookspecs.hookimpl``, the CLI toolkit ``programs.cli.toolkit`` for
commands, and ``programs.testing`` for tests).

What is listed in ``__all__`` keeps working across minor versions; anything else may move
(``tests/test_api_pinned.py`` pins the list: removing a name fails, adding one is a conscious
edit). Importing this module loads SQLModel: do it inside your commands and hooks, not at the
top of the module that registers your plugin, so that ``programs --help`` stays fast.

The shared concepts, each defined once and read here rather than re-derived:

- who is seated in a program: :data:`SEATED`, :func:`is_seated`, :func:`seated_participants`,
  :func:`seated_condition` (SQL), :func:`seated_program_ids` (a subquery);
- what a session or a follow-up is on a calendar (title, time, zone, place):
  :class:`CalendarItem` from :func:`scope_items`, :func:`session_item`, :func:`followup_item`;
  its VEVENT and ``.ics`` (the one writer): :func:`vevent`, :func:`event_file`,
  :func:`events_file`, and for feeds :func:`assemble_calendar` / :func:`plain_calendar`;
- whose a thing is: :func:`coach_of`; the core's settings: ``app.settings``
  (:class:`Settings`);
- people's names: :func:`split_name` (a full name into its given and family names, the
  particles kept with the family name: "Jean de La Fontaine" -> "Jean", "de La Fontaine");
- a server's hot path: ``app.quick_read()`` runs prebuilt statements on a plain cursor,
  and :func:`read_rows` runs one on a session, a connection or that reader;
- whether a calendar changed: :func:`markers_of` (its change markers, one query) and
  :func:`calendars_changed` (for a write the unit of work does not see: a plugin's own
  table that calendars read, a bulk statement); whether anything changed since a plugin
  last looked: :func:`change_total` (one aggregate), :func:`markers_changed` (against the
  plugin's own copy, filled from :func:`all_markers`);
- files for the coach (exports, cards, PDFs): :func:`output_path` checks a name,
  :func:`write_private_file` writes one (600, atomically);
- lengths of time people type: :func:`parse_span`, :func:`parse_duration`,
  :func:`parse_offset`, :func:`parse_minutes` (one grammar: ``90m``, ``1h30``, ``-1d12h``).
"""

from programs.app import App
from programs.calendar import (
    CalendarItem,
    CalendarScope,
    Reader,
    coach_reader,
    followup_item,
    participant_reader,
    participant_zone,
    reader_for,
    scope_items,
    session_item,
    upcoming,
)
from programs.config import Config
from programs.db import read_rows
from programs.domain.attendance import mark_attendance
from programs.domain.base import (
    get_enrollment,
    get_program,
    is_seated,
    program_of,
    seated_condition,
    seated_participants,
    seated_program_ids,
)
from programs.domain.coach import coach_of, default_coach, get_coach, list_coaches
from programs.domain.enrollment import enroll, enrollments_of, roster, waitlist, withdraw
from programs.domain.fill import list_programs, program_fill
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
from programs.domain.session import get_session, list_sessions
from programs.domain.track import get_track, list_tracks, progress
from programs.durations import (
    Span,
    format_duration,
    parse_duration,
    parse_minutes,
    parse_offset,
    parse_span,
)
from programs.errors import (
    Ambiguous,
    InvalidInput,
    NotFound,
    PluginError,
    ProgramsError,
    RuleViolation,
    Vetoed,
)
from programs.files import output_path, write_private_file
from programs.hooks import PluginFailure
from programs.hookspecs import hookimpl
from programs.ics import assemble as assemble_calendar
from programs.ics import event_file, events_file, plain_calendar, vevent
from programs.models import (
    SEATED,
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
    greeting,
    utcnow,
)
from programs.names import split_name
from programs.registry import (
    Alarm,
    Attachment,
    Channel,
    ChannelError,
    ChannelTraits,
    ExportFormat,
    Migrations,
    OutgoingMessage,
    PageAnswer,
    PageFile,
    PageSection,
    ParticipantPage,
    PrivateLink,
    channel_traits,
)
from programs.revisions import (
    all_markers,
    calendars_changed,
    change_total,
    markers_changed,
    markers_of,
)
from programs.schema import follow_core_rows, plugin_schema_ready, require_plugin_schema
from programs.settings import Settings
from programs.times import format_local, parse_time, to_local, zone
from programs.validate import email as check_email
from programs.validate import phone as check_phone

__all__ = [
    "SEATED",
    "Alarm",
    "Ambiguous",
    "App",
    "Attachment",
    "Attendance",
    "CalendarItem",
    "CalendarScope",
    "Channel",
    "ChannelError",
    "ChannelTraits",
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
    "PageAnswer",
    "PageFile",
    "PageSection",
    "Participant",
    "ParticipantPage",
    "PluginError",
    "PluginFailure",
    "PrivateLink",
    "Program",
    "ProgramStatus",
    "ProgramsError",
    "Reader",
    "RuleViolation",
    "Session",
    "SessionStatus",
    "Settings",
    "Span",
    "Track",
    "TrackStatus",
    "UTCDateTime",
    "Vetoed",
    "all_markers",
    "assemble_calendar",
    "calendars_changed",
    "cancel_followup",
    "change_total",
    "channel_traits",
    "check_email",
    "check_phone",
    "coach_of",
    "coach_reader",
    "complete_followup",
    "default_coach",
    "enroll",
    "enrollments_of",
    "event_file",
    "events_file",
    "find_person",
    "follow_core_rows",
    "followup_end",
    "followup_item",
    "format_duration",
    "format_local",
    "get_coach",
    "get_enrollment",
    "get_followup",
    "get_program",
    "get_session",
    "get_track",
    "greeting",
    "hookimpl",
    "is_seated",
    "list_coaches",
    "list_followups",
    "list_participants",
    "list_programs",
    "list_sessions",
    "list_tracks",
    "mark_attendance",
    "markers_changed",
    "markers_of",
    "miss_followup",
    "move_followup",
    "output_path",
    "parse_duration",
    "parse_minutes",
    "parse_offset",
    "parse_span",
    "parse_time",
    "participant_reader",
    "participant_zone",
    "plain_calendar",
    "plan_followup",
    "plugin_schema_ready",
    "program_fill",
    "program_of",
    "progress",
    "read_rows",
    "reader_for",
    "require_plugin_schema",
    "roster",
    "scope_items",
    "seated_condition",
    "seated_participants",
    "seated_program_ids",
    "session_item",
    "split_name",
    "to_local",
    "upcoming",
    "utcnow",
    "vevent",
    "waitlist",
    "withdraw",
    "write_private_file",
    "zone",
]
