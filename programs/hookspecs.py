"""The plugin contract: every hook a plugin may implement.

Rules that hold for every hook:

- Hooks are called with keyword arguments, and an implementation declares only the
  parameters it needs (pluggy passes just those), so adding an argument to a hook later never
  breaks an old plugin. Declare them as ordinary parameters: pluggy does not fill keyword-only
  ones (after ``*``).
- Each hook has a calling mode, declared in :data:`CALLING` below; :mod:`programs.hooks` calls
  each plugin's implementation on its own, as that mode says, so that a failure names the
  plugin and, for events, the other plugins still run. Wrapper implementations
  (``wrapper=True``) are refused.
- ``app`` is the running :class:`programs.app.App`: ``app.config`` (the plugin reads its own
  table with ``app.config.section("name")``), ``app.settings`` (the core's, typed),
  ``app.write()`` / ``app.read()`` for database sessions, ``app.registry`` for what plugins
  registered, ``app.call_each`` to ask an ``ask`` hook, ``app.implements(hook)``,
  ``app.report_failure(...)`` and ``app.notice(...)``.
- Events (``on_*``) are called **after** the change is committed, with the changed objects
  (detached, attributes loaded). An exception in one is reported as
  ``plugin NAME failed on EVENT: message``; the change stays committed, the other plugins
  still get the event, and the command exits non-zero.
- Vetoes (``check_*``) are called **inside** the transaction, before commit. Return a message to
  refuse: the command fails with it and nothing is written. Return ``None`` to allow. The
  first refusal wins and the plugins after it are not asked; an exception also refuses.
- Data hooks (``participant_data``, ``erase_participant_data``) run inside the transaction too;
  an exception rolls everything back.
- Registration hooks (``register_*``) are called once per app (``register_commands`` once per
  command line); the ``register`` callback validates what it is given and refuses a name that
  another plugin took, naming both.

Each hook is documented for plugin authors in ``docs/plugins.md`` and has a test
(``tests/test_hooks.py``); a meta-test fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from sqlmodel import Session as DbSession

    from programs.app import App
    from programs.calendar import CalendarItem
    from programs.models import (
        Attendance,
        Enrollment,
        FollowUp,
        Participant,
        Program,
        Session,
        Track,
    )
    from programs.registry import (
        Alarm,
        CalendarScope,
        PageAnswer,
        PageFile,
        PageSection,
        ParticipantPage,
        PrivateLink,
    )

hookspec = pluggy.HookspecMarker("programs")
hookimpl = pluggy.HookimplMarker("programs")


class Mode(Enum):
    """How a hook is called (:mod:`programs.hooks` is the machinery of each)."""

    COMMANDS = "commands"  # once per command line, each plugin adding to the root group
    REGISTER = "register"  # once per app, each plugin given its own register callback
    STARTUP = "startup"  # once per app before its first write; a failure stops the command
    VETO = "veto"  # in the transaction; the first refusal wins; an exception refuses
    DATA = "data"  # in the transaction; answers by plugin; an exception rolls back
    EVENT = "event"  # after the commit; each plugin on its own; failures recorded
    ASK = "ask"  # a plugin asks the others; answers by plugin; failures recorded


CALLING: dict[str, Mode] = {
    "register_commands": Mode.COMMANDS,
    "register_channels": Mode.REGISTER,
    "register_calendar_sources": Mode.REGISTER,
    "register_export_formats": Mode.REGISTER,
    "register_migrations": Mode.REGISTER,
    "startup": Mode.STARTUP,
    "check_enrollment": Mode.VETO,
    "check_followup": Mode.VETO,
    "participant_data": Mode.DATA,
    "erase_participant_data": Mode.DATA,
    "on_program_created": Mode.EVENT,
    "on_program_changed": Mode.EVENT,
    "on_program_cancelled": Mode.EVENT,
    "on_session_added": Mode.EVENT,
    "on_session_moved": Mode.EVENT,
    "on_session_cancelled": Mode.EVENT,
    "on_enrolled": Mode.EVENT,
    "on_waitlisted": Mode.EVENT,
    "on_withdrawn": Mode.EVENT,
    "on_promoted": Mode.EVENT,
    "on_participants_imported": Mode.EVENT,
    "on_attendance_marked": Mode.EVENT,
    "on_followup_planned": Mode.EVENT,
    "on_followup_moved": Mode.EVENT,
    "on_followup_done": Mode.EVENT,
    "on_followup_cancelled": Mode.EVENT,
    "on_followup_missed": Mode.EVENT,
    "on_track_opened": Mode.EVENT,
    "on_track_closed": Mode.EVENT,
    "on_participant_erased": Mode.EVENT,
    "calendar_item_alarms": Mode.ASK,
    "calendar_alarms": Mode.ASK,
    "participant_links": Mode.ASK,
    "participant_page_sections": Mode.ASK,
    "participant_page_action": Mode.ASK,
    "participant_page_download": Mode.ASK,
    "demo_sections": Mode.ASK,
}
"""Every hook's calling mode, in the order the specs below are declared (a test checks both
ways). No spec uses pluggy's ``firstresult``: the core calls plugins one by one."""


# --- registration -------------------------------------------------------------------------


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands or whole groups to ``programs`` with ``cli.add_command(...)``.

    Called once when the CLI is built, for any command that is not the core's and for
    ``--help``. A command gets the app with ``@click.pass_obj`` then ``obj.app``. Adding a
    core command's name, or one another plugin added, is an error naming the plugins. Keep
    the module that implements this light (import heavy things inside the commands):
    ``programs --help`` loads it.
    """


@hookspec
def register_channels(register: Callable[[Any], None]) -> None:
    """Register delivery channels (:class:`programs.registry.Channel`): ``register(channel)``.

    Called once per app. The reminders plugin registers ``email`` and ``console``; a third
    party adds ``sms``. Names must be unique across plugins.
    """


@hookspec
def register_calendar_sources(register: Callable[[Any], None]) -> None:
    """Register :class:`programs.registry.CalendarSource` objects that add items to feeds."""


@hookspec
def register_export_formats(register: Callable[[Any], None]) -> None:
    """Register :class:`programs.registry.ExportFormat` objects for ``participant export``."""


@hookspec
def register_migrations(register: Callable[[Any], None]) -> None:
    """Register the plugin's Alembic migrations: ``register(Migrations(name, versions_dir))``.

    ``programs init`` applies the core's migrations, then each plugin's, each with its own
    version table. A plugin's tables may reference core tables, never the other way round.
    """


# --- start-up -----------------------------------------------------------------------------


@hookspec
def startup(app: App) -> None:
    """Called once per app, before its first write or hook call, after the schema checks and
    the config file was read (read-only core commands call no hook and start no plugin).

    Read and validate your settings here (``app.config.section("myplugin")``); raise
    :class:`programs.errors.PluginError` with a clear message for a bad setting: the command
    stops with ``plugin NAME failed on startup: message`` before anything is written.

    Not a pluggy ``historic`` hook: the manager is shared by every app of the process, and
    startup belongs to one app. Plugins are all registered before an app starts.
    """


# --- vetoes (inside the transaction) ------------------------------------------------------


@hookspec
def check_enrollment(
    app: App, db: DbSession, program: Program, participant: Participant
) -> str | None:
    """Before a participant is enrolled or waitlisted: return a message to refuse, else None."""


@hookspec
def check_followup(app: App, db: DbSession, followup: FollowUp) -> str | None:
    """Before a follow-up is planned or moved: return a message to refuse, else None.

    ``followup`` carries the new values; ``followup.id`` is None when it is being planned.
    """


# --- personal data (inside the transaction) -----------------------------------------------


@hookspec
def participant_data(app: App, db: DbSession, participant: Participant) -> dict[str, Any] | None:
    """What the plugin holds about this person, for ``participant export`` (JSON-able dict).

    Return None when it holds nothing. The export puts it under the plugin's name.
    """


@hookspec
def erase_participant_data(app: App, db: DbSession, participant: Participant) -> None:
    """Delete what the plugin holds about this person, in the same transaction as the core's
    erasure: if anything fails, nothing is erased."""


# --- events (after commit) ----------------------------------------------------------------


@hookspec
def on_program_created(app: App, program: Program) -> None:
    """A program was created."""


@hookspec
def on_program_changed(app: App, program: Program, changes: dict[str, Any]) -> None:
    """A program's fields changed; ``changes`` maps each field to its old value."""


@hookspec
def on_program_cancelled(app: App, program: Program) -> None:
    """A program was cancelled (its sessions are cancelled too, each with its own event)."""


@hookspec
def on_session_added(app: App, session: Session, program: Program) -> None:
    """A session was added to a program."""


@hookspec
def on_session_moved(
    app: App, session: Session, program: Program, previous: dict[str, Any]
) -> None:
    """A session's time or place changed; ``previous`` holds the old start, end and location.

    ``session.revision`` has grown: anything planned from the old revision is stale.
    """


@hookspec
def on_session_cancelled(app: App, session: Session, program: Program) -> None:
    """A session was cancelled (it stays, with status "cancelled" and a new revision)."""


@hookspec
def on_enrolled(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    """A participant took a seat in a program (``enrollment.status`` is "enrolled")."""


@hookspec
def on_waitlisted(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    """A participant was put on a full program's waitlist."""


@hookspec
def on_withdrawn(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    """A participant left a program (from a seat or from the waitlist)."""


@hookspec
def on_promoted(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    """The first person waiting got the seat someone left (``on_enrolled`` is not also called)."""


@hookspec
def on_participants_imported(app: App, program: Program | None, participant_ids: list[int]) -> None:
    """A CSV import added these participants (and enrolled them in ``program`` if given);
    with ``--update``, the known people it enrolled in ``program`` are in the list too.

    Sent once per import instead of one ``on_enrolled`` per row: imports can hold
    thousands of rows. Read the enrollments from the database if you need them.
    """


@hookspec
def on_attendance_marked(
    app: App, attendance: Attendance, session: Session, participant: Participant
) -> None:
    """Presence or absence was recorded for one participant at one session's half-day
    (``attendance.half``: ``morning``, ``afternoon``, or ``whole`` for a session not split in
    two): once per half-day marked."""


@hookspec
def on_followup_planned(app: App, followup: FollowUp, participant: Participant) -> None:
    """A follow-up (call or one-to-one session) was planned."""


@hookspec
def on_followup_moved(
    app: App, followup: FollowUp, participant: Participant, previous: dict[str, Any]
) -> None:
    """A planned follow-up's time, length or place changed; ``previous`` holds the old values."""


@hookspec
def on_followup_done(app: App, followup: FollowUp, participant: Participant) -> None:
    """A follow-up took place; ``followup.outcome`` may say how it went."""


@hookspec
def on_followup_cancelled(app: App, followup: FollowUp, participant: Participant) -> None:
    """A planned follow-up was cancelled."""


@hookspec
def on_followup_missed(app: App, followup: FollowUp, participant: Participant) -> None:
    """A planned follow-up did not happen (the participant did not show up or answer)."""


@hookspec
def on_track_opened(app: App, track: Track, participant: Participant) -> None:
    """An individual coaching track was opened."""


@hookspec
def on_track_closed(app: App, track: Track, participant: Participant) -> None:
    """A track was closed with its outcome."""


@hookspec
def on_participant_erased(app: App, participant_id: int, name: str) -> None:
    """A participant was erased everywhere (after ``erase_participant_data`` ran).

    Forget anything about them kept outside the database (caches, files, remote systems).
    """


# --- calendar and demo --------------------------------------------------------------------


@hookspec
def calendar_item_alarms(
    app: App, db: DbSession, items: Sequence[CalendarItem], scope: CalendarScope
) -> Mapping[str, Sequence[Alarm]] | None:
    """Alarms for the items of one feed: ``{item uid: [Alarm, ...]}`` (an item you have
    nothing for is simply left out); every plugin's answer is used.

    Asked once per feed, with all its items (:class:`programs.calendar.CalendarItem`:
    ``kind``, ``id``, ``program_id`` say what each is), by the plugin that builds feeds, not
    by the core. ``db`` is the feed's own read session: read with it, open no other (a busy
    feed server has one connection per request). Best effort: many calendar apps ignore
    alarms in subscribed feeds. The reminders plugin answers with alarms matching its rules.
    """


@hookspec
def calendar_alarms(app: App, item: Session | FollowUp, scope: CalendarScope) -> list[Alarm]:
    """Deprecated (removed in 0.3): use ``calendar_item_alarms``, asked once per feed.

    Alarms for one item (a core ``Session`` or ``FollowUp`` row) in the feed of ``scope``;
    still asked once per item for plugins that implement it, with a notice saying so.
    """


@hookspec
def participant_links(
    app: App, db: DbSession, participant: Participant
) -> Sequence[PrivateLink] | None:
    """The participant's private links you offer (:class:`programs.registry.PrivateLink`:
    ``kind`` "page" or "feed", and the URL), for a message to carry: the enrollment
    confirmation, an invitation. Every plugin's answer is used; the asker picks by kind.

    Asked inside a write unit of work (``db``): you may create the link if the person has
    none. Give the same link on every call until the coach rotates or revokes it, so that a
    message sent again carries a link that works. The iCal plugin answers with the person's
    page and feed.
    """


@hookspec
def participant_page_sections(
    app: App, db: DbSession, participant: Participant, page: ParticipantPage
) -> Sequence[PageSection] | None:
    """Your parts of the participant's own page (the iCal plugin's server shows it at the
    person's private link): :class:`programs.registry.PageSection` (a title, HTML you
    escaped). ``db`` is a read session; ``page`` gives the person's language, where your
    forms post (``page.action(name)``), their CSRF token (``page.check(name)``, in a hidden
    ``check`` field) and where your files are fetched (``page.download(name)``). It is how
    the contacts plugin shows the coach's card, the consent form and the group directory
    without the iCal plugin knowing it (plugins never import each other)."""


@hookspec
def participant_page_action(
    app: App,
    db: DbSession,
    participant: Participant,
    page: ParticipantPage,
    name: str,
    fields: Mapping[str, Sequence[str]],
) -> PageAnswer | None:
    """A form of yours was posted from the participant's page: ``name`` is the form's (the
    one you gave ``page.action``), ``fields`` what was posted (each name's values). Answer
    None for a name that is not yours. The server checked the CSRF token before asking;
    ``db`` is a write session committed after every plugin answered (raise to write
    nothing). Posting twice must not do it twice."""


@hookspec
def participant_page_download(
    app: App, db: DbSession, participant: Participant, page: ParticipantPage, name: str
) -> PageFile | None:
    """A file of yours asked for from the participant's page (``page.download(name)``): a
    :class:`programs.registry.PageFile`, or None when ``name`` is not yours or not
    available to this person now (they get the page's 404)."""


@hookspec
def demo_sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    """Add to ``programs demo``: return ``[(title, text), ...]`` shown after the core's story.

    ``workdir`` is the demo's own folder: write files there (a card, a QR code) and name them
    in the text. The database behind ``app`` is the demo's, never the coach's.
    """
