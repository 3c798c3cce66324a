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

from programs.errors import PluginError

if TYPE_CHECKING:
    import pluggy

    from programs.app import App

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
TABLE_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class RegistrationError(PluginError):
    """Something registered is invalid or clashes; the message names the plugin(s)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one person. Channels never put two recipients on one message."""

    key: str  # stable, unique per message: channels derive Message-IDs from it
    to_name: str
    to_email: str | None
    to_phone: str | None  # E.164
    subject: str
    text: str
    language: str = "fr"
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)


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
    """A way to deliver a message to a person (email, console, SMS...)."""

    name: str

    def can_reach(self, message: OutgoingMessage) -> bool:
        """True when the message has what this channel needs (an email address, a phone...)."""
        ...

    def send(self, app: App, message: OutgoingMessage) -> str:
        """Deliver the message; return the channel's id for it; raise ChannelError on failure."""
        ...


@dataclass(frozen=True)
class CalendarItem:
    """Something with a time that a calendar feed can show, from a plugin's calendar source."""

    uid: str
    summary: str
    start: datetime  # aware
    end: datetime  # aware
    timezone: str
    revision: int = 0
    location: str | None = None
    description: str | None = None
    cancelled: bool = False
    last_modified: datetime | None = None


@dataclass(frozen=True)
class CalendarScope:
    """Whose feed is being built: ``kind`` is "program", "participant" or "coach"."""

    kind: str
    id: int


@runtime_checkable
class CalendarSource(Protocol):
    """Adds items to calendar feeds (e.g. a CRM's meetings). Must only return what ``scope``
    may see: a participant's feed must never show another person's data."""

    name: str

    def items(self, app: App, scope: CalendarScope) -> Iterable[CalendarItem]: ...


@dataclass(frozen=True)
class Alarm:
    """A calendar alarm: ``before`` the start of an item, with a text to display."""

    before: timedelta
    description: str


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
                f"migrations {self.name!r}: version table {self.version_table!r} must be "
                "lowercase letters, digits and _"
            )
        if self.version_table == "alembic_version":
            raise RegistrationError(
                f"migrations {self.name!r}: alembic_version is the core's version table"
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
                f"plugin {plugin} registered a {kind} with an invalid name {name!r} "
                "(lowercase letters, digits, - and _)"
            )
        if expected is not None and not isinstance(item, expected):
            missing = [a for a in _protocol_members(expected) if not hasattr(item, a)]
            what = f"without {', '.join(sorted(missing))}" if missing else "of the wrong type"
            raise RegistrationError(f"plugin {plugin} registered {kind} {name!r} {what}")
        if name in self._items[kind]:
            other = self._items[kind][name][0]
            raise RegistrationError(f"{kind} {name!r} is registered by both {other} and {plugin}")
        self._items[kind][name] = (plugin, item)

    def get(self, kind: str, name: str) -> Any:
        try:
            return self._items[kind][name][1]
        except KeyError:
            known = ", ".join(sorted(self._items[kind])) or "none"
            raise PluginError(
                f"no {kind.replace('_', ' ')} named {name!r} (known: {known})"
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
    from programs.plugin_manager import iter_calls, one_line

    for hook_name, kind in Registry.HOOKS.items():

        def args_for(plugin: str, kind: str = kind) -> dict[str, Any]:
            return {"register": registry.registrar(kind, plugin)}

        for call in iter_calls(pm, hook_name, args_for):
            if isinstance(call.error, RegistrationError):
                raise call.error
            if call.error is not None:
                raise PluginError(
                    f"plugin {call.plugin} failed on {hook_name}: {one_line(call.error)}"
                ) from call.error
    return registry
