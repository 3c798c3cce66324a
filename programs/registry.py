"""Named things plugins register, and the registry that collects and validates them.

Plugins hand these to ``register(...)`` callbacks in the registration hooks
(:mod:`programs.hookspecs`). The core checks each one (a name, the right methods) and refuses a
second thing of the same kind under a name already taken, naming both plugins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from programs.calendar import CalendarItem, CalendarScope
from programs.errors import PluginError, one_line
from programs.hooks import iter_calls
from programs.hookspecs import Mode
from programs.i18n import N_, _

if TYPE_CHECKING:
    import pluggy

    from programs.app import App

KIND_WORDS = {
    "channel": N_("channel"),
    "calendar_source": N_("calendar source"),
    "export_format": N_("export format"),
    "migrations": N_("migrations"),
}
"""How each kind of registered thing is named in a sentence ("no export format named...")."""
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TABLE_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class RegistrationError(PluginError):
    """Something registered is invalid or clashes; the message names the plugin(s)."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: ``filename`` ("session.ics"), ``content_type`` (its MIME
    type, with parameters: "text/calendar; method=PUBLISH; charset=utf-8"), ``data``."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one person: channels never put two recipients on one message.

    Fields (docs/plugins.md describes each for channel authors):

    - ``key``: stable and unique per message (the reminders outbox key): a message sent
      again after a crash has the same key, so a channel derives its message id from it
      and a receiver can drop the duplicate;
    - ``to_name``, ``to_email`` (or None), ``to_phone`` (E.164, ``+33612345678``, or None);
    - ``subject``: one line; ``text``: the body, plain text, in ``language``;
    - ``attachments``: :class:`Attachment` files (an ``.ics``, a ``.vcf``); empty for a
      channel that declares it takes none;
    - ``headers``: extra headers an email channel adds (``Auto-Submitted``...);
    - ``recipient_kind`` ("participant" or "coach") and ``recipient_id``: whom it is for, so
      a channel's own log can follow the person into ``participant export`` and ``erase``;
    - ``now``: the moment the run acts at (``--now``), aware UTC; None outside a run.
    """

    key: str
    to_name: str
    to_email: str | None
    to_phone: str | None
    subject: str
    text: str
    language: str = "fr"
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    recipient_kind: str | None = None
    recipient_id: int | None = None
    now: datetime | None = None


class ChannelError(Exception):
    """A channel could not deliver.

    - ``permanent``: this message can never go (an address refused): not retried.
    - ``configuration``: the channel can send nothing until its settings are fixed (no
      sender, login refused): the sender hands the message back untouched, stops, and says
      so; no reminder is used up by a setting that is wrong.
    - neither: a passing failure (server down): retried later, a bounded number of times.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, configuration: bool = False
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.configuration = configuration


@runtime_checkable
class Channel(Protocol):
    """A way to deliver a message to a person (email, console, SMS...).

    Besides these, a channel may have (read with :func:`channel_traits`):

    - ``takes_attachments = False``: messages for it come without attachments, written
      from the short variants of the templates (no "the attached invitation...");
    - ``max_length = 160``: the text is at most this long (short templates, then cut);
    - ``close()``: called at the end of a run (a kept connection).
    """

    name: str

    def can_reach(self, message: OutgoingMessage) -> bool:
        """True when the message has what this channel needs (an email address, a phone...).
        When False, the message is not sent by this channel and the reminder is skipped
        with the reason ("... has no phone number (channel sms)"), never retried."""
        ...

    def send(self, app: App, message: OutgoingMessage) -> str:
        """Deliver the message; return the channel's id for it; raise ChannelError on failure.
        It runs outside any transaction: it may read or write with ``app.read()`` /
        ``app.write()`` (its own log of what it sent)."""
        ...


@dataclass(frozen=True)
class ChannelTraits:
    takes_attachments: bool = True
    max_length: int | None = None

    @property
    def short(self) -> bool:
        """Whether messages for it use the short templates."""
        return not self.takes_attachments or self.max_length is not None


def channel_traits(channel: Any) -> ChannelTraits:
    length = getattr(channel, "max_length", None)
    return ChannelTraits(
        takes_attachments=bool(getattr(channel, "takes_attachments", True)),
        max_length=int(length) if isinstance(length, int) and length > 0 else None,
    )


@runtime_checkable
class CalendarSource(Protocol):
    """Adds items to calendar feeds (e.g. a CRM's meetings). Must only return what ``scope``
    may see: a participant's feed must never show another person's data."""

    name: str

    def items(self, app: App, scope: CalendarScope) -> Iterable[CalendarItem]:
        """The items of ``scope``'s feed (:class:`programs.calendar.CalendarItem`, with a
        ``kind`` of the source's own): aware times, a real zone, UIDs unique in the feed."""
        ...


@dataclass(frozen=True)
class Alarm:
    """A calendar alarm: ``before`` the start of an item, with a text to display."""

    before: timedelta
    description: str


@dataclass(frozen=True)
class PrivateLink:
    """A private address of one participant's, offered by a plugin for messages to carry.

    ``kind`` says what it opens: ``"page"`` (a page for the person, in their browser) or
    ``"feed"`` (a calendar subscription). Whoever holds the URL reads what it shows: it goes
    only to that participant.
    """

    kind: str
    url: str


@dataclass(frozen=True)
class ParticipantPage:
    """The participant's own page being answered, as a plugin sees it (hooks
    ``participant_page_sections``, ``participant_page_action``, ``participant_page_download``).

    ``language`` is the person's (write every word in it); ``path`` is the page's own
    address, relative (``/p/<token>``): links and forms stay on the server, never absolute.
    ``action(name)`` is where a form named ``name`` posts, ``download(name)`` where a file
    is fetched, ``check(name)`` the form's CSRF token to put in a hidden ``check`` field (the
    server refuses a post without the right one before any plugin is asked). Names are the
    plugin's own, prefixed with its name (``contacts.consent-3``): ``[a-z0-9._-]``, 60 at most.
    """

    language: str
    path: str
    checks: Callable[[str], str] = field(repr=False, compare=False)

    def action(self, name: str) -> str:
        return f"{self.path}/do/{name}"

    def download(self, name: str) -> str:
        return f"{self.path}/get/{name}"

    def check(self, name: str) -> str:
        return self.checks(name)


@dataclass(frozen=True)
class PageSection:
    """A part of the participant's page: a heading and its HTML, which the plugin escaped
    (Jinja's autoescape, ``html.escape``). No script, no style attribute, nothing external:
    the page's Content-Security-Policy would block it. ``order`` sorts sections (lower first)."""

    title: str
    html: str
    order: int = 100


@dataclass(frozen=True)
class PageAnswer:
    """What a posted form did: ``ok`` or not, and one sentence in the person's language,
    shown on the answer page with a link back to theirs."""

    ok: bool
    message: str


@dataclass(frozen=True)
class PageFile:
    """A file downloaded from the participant's page (a card, a directory)."""

    filename: str
    media_type: str
    body: bytes


@runtime_checkable
class ExportFormat(Protocol):
    """A format for ``programs participant export --format NAME``."""

    name: str
    suffix: str  # ".json"

    def write(self, data: dict[str, Any], stream: IO[str]) -> None: ...


@dataclass(frozen=True)
class Migrations:
    """A plugin's Alembic migrations: their folder and the version table they keep.

    Each plugin has its own version table, so that disabling or removing a plugin never
    leaves the core's Alembic history pointing at revisions it cannot find.
    """

    name: str
    versions_dir: Path
    version_table: str = ""

    def __post_init__(self) -> None:
        if not self.version_table:
            table = f"alembic_version_{self.name.replace('-', '_')}"
            object.__setattr__(self, "version_table", table)
        if not TABLE_RE.match(self.version_table):
            raise RegistrationError(
                _(
                    "migrations {name!r}: version table {table!r} must be "
                    "lowercase letters, digits and _"
                ).format(name=self.name, table=self.version_table)
            )
        if self.version_table == "alembic_version":
            raise RegistrationError(
                _("migrations {name!r}: alembic_version is the core's version table").format(
                    name=self.name
                )
            )


class Registry:
    """What plugins registered, by kind and name, with the plugin that registered each."""

    HOOKS: ClassVar[dict[str, str]] = {
        "register_channels": "channel",
        "register_calendar_sources": "calendar_source",
        "register_export_formats": "export_format",
        "register_migrations": "migrations",
    }
    """Each registration hook and the kind of thing its ``register`` callback takes."""

    KINDS: ClassVar[dict[str, type | None]] = {
        "channel": Channel,
        "calendar_source": CalendarSource,
        "export_format": ExportFormat,
        "migrations": Migrations,
    }

    def __init__(self) -> None:
        self._items: dict[str, dict[str, tuple[str, Any]]] = {kind: {} for kind in self.KINDS}

    def add(self, kind: str, item: Any, plugin: str) -> None:
        expected = self.KINDS[kind]
        name = getattr(item, "name", None)
        if not isinstance(name, str) or not NAME_RE.match(name):
            raise RegistrationError(
                _(
                    "plugin {plugin} registered a {kind} with an invalid name {name!r} "
                    "(lowercase letters, digits, - and _)"
                ).format(plugin=plugin, kind=kind, name=name)
            )
        if expected is not None and not isinstance(item, expected):
            missing = [a for a in _protocol_members(expected) if not hasattr(item, a)]
            message = (
                _("plugin {plugin} registered {kind} {name!r} without {missing}")
                if missing
                else _("plugin {plugin} registered {kind} {name!r} of the wrong type")
            )
            raise RegistrationError(
                message.format(
                    plugin=plugin, kind=kind, name=name, missing=", ".join(sorted(missing))
                )
            )
        if name in self._items[kind]:
            other = self._items[kind][name][0]
            raise RegistrationError(
                _("{kind} {name!r} is registered by both {first} and {second}").format(
                    kind=kind, name=name, first=other, second=plugin
                )
            )
        self._items[kind][name] = (plugin, item)

    def get(self, kind: str, name: str) -> Any:
        try:
            return self._items[kind][name][1]
        except KeyError:
            known = ", ".join(sorted(self._items[kind])) or _("none")
            raise PluginError(
                _("no {kind} named {name!r} (known: {known})").format(
                    kind=_(KIND_WORDS.get(kind, kind)), name=name, known=known
                )
            ) from None

    def all(self, kind: str) -> dict[str, Any]:
        return {name: item for name, (_plugin, item) in self._items[kind].items()}

    def owner(self, kind: str, name: str) -> str:
        return self._items[kind][name][0]

    def registrar(self, kind: str, plugin: str) -> Callable[[Any], None]:
        def register(item: Any) -> None:
            self.add(kind, item, plugin)

        return register


def _protocol_members(protocol: type) -> set[str]:
    """The attributes and methods a Protocol asks for (for a clear error message)."""
    methods = {n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")}
    return set(getattr(protocol, "__annotations__", {})) | methods


def collect(pm: pluggy.PluginManager, registry: Registry) -> Registry:
    """Call every registration hook, giving each plugin a ``register`` callback that records
    it as the owner; a plugin that raises is named in a :class:`PluginError`."""
    for hook_name, kind in Registry.HOOKS.items():

        def args_for(plugin: str, kind: str = kind) -> dict[str, Any]:
            return {"register": registry.registrar(kind, plugin)}

        for call in iter_calls(pm, hook_name, Mode.REGISTER, args_for):
            if isinstance(call.error, RegistrationError):
                raise call.error
            if call.error is not None:
                raise PluginError(
                    _("plugin {plugin} failed on {hook}: {message}").format(
                        plugin=call.plugin, hook=hook_name, message=one_line(call.error)
                    )
                ) from call.error
    return registry
