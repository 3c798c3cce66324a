"""Reminder rules: who gets what, when, by which channel, with which template.

Rules come in layers, each overriding the one below by name:

1. the defaults: the config file's ``[[reminders.rules]]`` when it has any, else the
   built-in ones (participants 2 days and 2 hours before each session; participant and
   coach 1 hour before each follow-up; the coach the day after a program's last session;
   a weekly digest of stalled tracks to the coach);
2. rules the coach added for all programs (``programs reminders rules add NAME ...``);
3. rules added for one program (``... --program SLUG``).

A layer can also turn a rule of a lower layer off (``rules remove``). Each rule knows since
when it exists in its current form (``since``): reminders due before that are never sent, so
adding a rule never mails everyone for what is already past.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.models import RULES, SEEN
from programs.plugins.reminders.timing import parse_clock

from programs.api import InvalidInput, Span, parse_offset
from programs.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import Config

# target -> what its start and end are
TARGETS: dict[str, str] = {
    "session": "each session of the program (start, end)",
    "followup": "each planned follow-up (start, end)",
    "program": "the program (start of its first session, end of its last)",
    "week": "every week (Monday 00:00 in the default time zone)",
}
AUDIENCES = ("participants", "coach", "everyone")
ANCHORS = ("start", "end")
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
LAYERS = ("built-in", "config", "all programs", "program")


@dataclass(frozen=True)
class Rule:
    name: str
    target: str
    audience: str
    offset: Span
    channel: str = "email"
    template: str = "session"
    anchor: str = "start"
    at: time | None = None
    layer: str = "built-in"
    program_id: int | None = None
    since: datetime | None = field(default=None, compare=False)

    @property
    def to_participants(self) -> bool:
        return self.audience in ("participants", "everyone")

    @property
    def to_coach(self) -> bool:
        return self.audience in ("coach", "everyone")

    @property
    def when(self) -> str:
        """``-2d from start``, ``+1d from end at 09:00`` (machine form: JSON, CSV); a notice
        goes ``on event`` (enrolled, moved...) or ``on command`` (message, invite)."""
        if self.target == "notice":
            return "on command" if self.name in ("message", "invite") else "on event"
        text = f"{self.offset.signed()} from {self.anchor}"
        return text + (f" at {self.at:%H:%M}" if self.at else "")

    def described(self) -> str:
        """:attr:`when` as people read it, in the current language."""
        if self.target == "notice":
            return _("on command") if self.when == "on command" else _("when it happens")
        if self.anchor == "start":
            text = _("{offset} from start at {time}") if self.at else _("{offset} from start")
        else:
            text = _("{offset} from end at {time}") if self.at else _("{offset} from end")
        return text.format(offset=self.offset.signed(), time=f"{self.at:%H:%M}" if self.at else "")

    def signature(self) -> str:
        at = f"{self.at:%H:%M}" if self.at else ""
        return "|".join(
            (
                self.target,
                self.audience,
                self.offset.signed(),
                self.anchor,
                at,
                self.channel,
                self.template,
            )
        )


BUILT_IN: tuple[Rule, ...] = (
    Rule("session-2d", "session", "participants", Span(days=-2), template="session"),
    Rule("session-2h", "session", "participants", Span(seconds=-7200), template="session"),
    Rule("followup-1h", "followup", "everyone", Span(seconds=-3600), template="followup"),
    Rule(
        "program-nudge",
        "program",
        "coach",
        Span(days=1),
        template="nudge",
        anchor="end",
        at=time(9, 0),
    ),
    Rule("stalled-digest", "week", "coach", Span(), template="digest", at=time(9, 0)),
)


def make_rule(
    values: Mapping[str, Any],
    *,
    where: str,
    layer: str,
    program_id: int | None = None,
    since: datetime | None = None,
) -> Rule:
    """A rule from a mapping (a config table, a database row, command options), checked."""
    known = {"name", "target", "audience", "offset", "from", "anchor", "at", "channel", "template"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidInput(
            _("{where}: unknown key(s) {keys} (known: {known})").format(
                where=where, keys=", ".join(unknown), known=", ".join(sorted(known - {"anchor"}))
            )
        )
    name = str(values.get("name") or "")
    if not NAME_RE.match(name):
        raise InvalidInput(
            _(
                "{where}: rule name {name!r} must be lowercase letters, digits, - or _ (up to 40)"
            ).format(where=where, name=name)
        )

    def refuse(message: str, **fields: Any) -> InvalidInput:
        return InvalidInput(message.format(where=where, name=name, **fields))

    target = str(values.get("target") or "")
    if target not in TARGETS:
        raise refuse(
            _("{where}: rule {name}: target must be one of {known}"), known=", ".join(TARGETS)
        )
    audience = str(values.get("audience") or ("coach" if target == "week" else "participants"))
    if audience not in AUDIENCES:
        raise refuse(
            _("{where}: rule {name}: audience must be one of {known}"), known=", ".join(AUDIENCES)
        )
    if target == "week" and audience != "coach":
        raise refuse(_("{where}: rule {name}: the weekly digest goes to the coach only"))
    if target == "week" and program_id is not None:
        raise refuse(_("{where}: rule {name}: weekly rules are for all programs, not one"))
    anchor = str(values.get("from") or values.get("anchor") or "start")
    if anchor not in ANCHORS:
        raise refuse(_("{where}: rule {name}: from must be start or end"))
    if "offset" not in values:
        raise refuse(_("{where}: rule {name}: give an offset, e.g. -2d or -2h"))
    offset = parse_offset(str(values["offset"]))
    at = parse_clock(str(values["at"])) if values.get("at") else None
    channel = str(values.get("channel") or "email")
    if not NAME_RE.match(channel):
        raise refuse(_("{where}: rule {name}: bad channel name {channel!r}"), channel=channel)
    template = str(values.get("template") or _default_template(target))
    if not re.match(r"^[a-z][a-z0-9_-]{0,59}$", template):
        raise refuse(_("{where}: rule {name}: bad template name {template!r}"), template=template)
    return Rule(
        name, target, audience, offset, channel, template, anchor, at, layer, program_id, since
    )


def _default_template(target: str) -> str:
    return {"session": "session", "followup": "followup", "program": "nudge", "week": "digest"}[
        target
    ]


def default_rules(config: Config) -> list[Rule]:
    """The config file's ``[[reminders.rules]]``, or the built-in rules when it has none;
    then the notices (``notices.NOTICES``: confirmation, waitlist...), which are always there
    unless turned off."""
    from programs.plugins.reminders.notices import NOTICES

    configured = config.section("reminders").get("rules")
    if configured is None:
        return [*BUILT_IN, *NOTICES]
    if not isinstance(configured, list) or not all(isinstance(r, dict) for r in configured):
        raise InvalidInput(
            _("config [reminders] rules must be a list of tables ([[reminders.rules]])")
        )
    rules = [
        make_rule(r, where=_("config [[reminders.rules]] #{n}").format(n=i), layer="config")
        for i, r in enumerate(configured, start=1)
    ]
    names = [r.name for r in rules]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidInput(
            _("config [[reminders.rules]]: rule name(s) given twice: {names}").format(
                names=", ".join(twice)
            )
        )
    given = set(names)
    return rules + [r for r in NOTICES if r.name not in given]


@dataclass
class RuleBook:
    """The rules in force: the defaults (after the all-programs layer) and each program's."""

    defaults: dict[str, Rule]
    own: dict[int, dict[str, Rule | None]]  # program id -> name -> rule (None: turned off)

    def for_program(self, program_id: int | None) -> list[Rule]:
        rules = dict(self.defaults)
        own = self.own.get(program_id, {}) if program_id is not None else {}
        for name, rule in own.items():
            if rule is None:
                rules.pop(name, None)
            else:
                rules[name] = rule
        return [r for r in rules.values() if r.target != "week" or program_id is None]

    def for_target(self, target: str, program_id: int | None) -> list[Rule]:
        return [r for r in self.for_program(program_id) if r.target == target]

    def weekly(self) -> list[Rule]:
        return [r for r in self.defaults.values() if r.target == "week"]

    def max_positive_days(self) -> float:
        """The largest offset after a target (days), to know how far back to look."""
        rules = list(self.defaults.values())
        rules += [r for own in self.own.values() for r in own.values() if r is not None]
        return max([r.offset.total.total_seconds() / 86400 for r in rules] + [0]) + (
            1 if any(r.at for r in rules) else 0
        )


def row_rule(row: Any) -> Rule:
    layer = "program" if row.program_id is not None else "all programs"
    return make_rule(
        {
            "name": row.name,
            "target": row.target,
            "audience": row.audience,
            "offset": row.offset,
            "from": row.anchor,
            "at": row.at,
            "channel": row.channel,
            "template": row.template,
        },
        where=_("rule #{id}").format(id=row.id),
        layer=layer,
        program_id=row.program_id,
        since=row.created_at,
    )


def load_rulebook(
    db: DbSession, config: Config, *, now: datetime | None, program_ids: Iterable[int] | None = None
) -> RuleBook:
    """The rules in force. With ``now``, default rules seen for the first time (or changed)
    are recorded as existing from ``now``; without it nothing is written (read-only)."""
    defaults = {r.name: r for r in default_rules(config)}
    seen = {row.name: row for row in db.execute(sa.select(SEEN))}
    for name, rule in list(defaults.items()):
        known = seen.get(name)
        if known is not None and known.signature == rule.signature():
            defaults[name] = replace(rule, since=known.since)
        elif now is not None:
            _record_seen(db, rule, now, update=known is not None)
            defaults[name] = replace(rule, since=now)
    query = sa.select(RULES)
    if program_ids is not None:
        ids = list(program_ids)
        query = query.where(sa.or_(RULES.c.program_id.is_(None), RULES.c.program_id.in_(ids)))
    own: dict[int, dict[str, Rule | None]] = {}
    for row in db.execute(query.order_by(RULES.c.id)):
        rule = row_rule(row) if row.enabled else None
        if row.program_id is None:
            if rule is None:
                defaults.pop(row.name, None)
            else:
                defaults[row.name] = rule
        else:
            own.setdefault(row.program_id, {})[row.name] = rule
    return RuleBook(defaults, own)


def _record_seen(db: DbSession, rule: Rule, now: datetime, *, update: bool) -> None:
    values = {"signature": rule.signature(), "since": now}
    if update:
        db.execute(sa.update(SEEN).where(SEEN.c.name == rule.name).values(**values))
        return
    insert = _insert_ignore(db, SEEN)
    db.execute(insert.values(name=rule.name, **values))


def _insert_ignore(db: DbSession, table: sa.Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()
