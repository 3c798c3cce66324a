"""Adding, removing and resetting rules from the command line, checked before writing.

Each change replans the outbox in the same transaction: a removed rule's pending reminders
are cancelled at once, a new rule's are planned for future occurrences only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from programs.plugins.reminders.messages import template_exists
from programs.plugins.reminders.models import RULES
from programs.plugins.reminders.planner import PlanResult, plan
from programs.plugins.reminders.rules import load_rulebook, make_rule
from programs.plugins.reminders.targets import PlanScope

from programs.api import (
    InvalidInput,
    NotFound,
    RuleViolation,
    calendars_changed,
    get_program,
    utcnow,
)
from programs.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import App


def _row(db: DbSession, name: str, program_id: int | None) -> Any:
    c = RULES.c
    owner = c.program_id.is_(None) if program_id is None else c.program_id == program_id
    return db.execute(sa.select(RULES).where(owner, c.name == name)).first()


def _below(db: DbSession, app: App, name: str, program_id: int | None) -> bool:
    """Whether NAME is in force from a layer below this one."""
    book = load_rulebook(db, app.config, now=None, program_ids=[])
    if program_id is None:
        from programs.plugins.reminders.rules import default_rules

        return any(r.name == name for r in default_rules(app.config))
    return name in book.defaults


def add_rule(app: App, values: dict[str, Any], *, slug: str | None) -> tuple[str, PlanResult]:
    now = utcnow()
    with app.write() as db:
        calendars_changed(db)  # the rules are the feeds' alarms
        program_id = get_program(db, slug).id if slug else None
        rule = make_rule(
            values,
            where=_("rule"),
            layer="program" if slug else "all programs",
            program_id=program_id,
        )
        channels = app.registry.all("channel")
        if rule.channel not in channels:
            raise InvalidInput(
                _("no channel named {name!r} (known: {known})").format(
                    name=rule.channel, known=", ".join(sorted(channels))
                )
            )
        if not template_exists(app, rule.template):
            raise InvalidInput(
                _(
                    "no template {name!r}: write {name}.j2 (or one per language, {name}.fr.j2) "
                    "in <config dir>/templates/reminders/"
                ).format(name=rule.template)
            )
        existing = _row(db, rule.name, program_id)
        if existing is not None and existing.enabled:
            raise RuleViolation(
                (
                    _("rule {name} already exists for program {slug}: remove it first")
                    if slug
                    else _("rule {name} already exists for all programs: remove it first")
                ).format(name=rule.name, slug=slug)
            )
        if existing is not None:
            db.execute(sa.delete(RULES).where(RULES.c.id == existing.id))
        overrides = _below(db, app, rule.name, program_id)
        db.execute(
            sa.insert(RULES).values(
                program_id=program_id,
                name=rule.name,
                enabled=True,
                target=rule.target,
                audience=rule.audience,
                anchor=rule.anchor,
                offset=rule.offset.signed(),
                at=f"{rule.at:%H:%M}" if rule.at else None,
                channel=rule.channel,
                template=rule.template,
                created_at=now,
            )
        )
        result = plan(db, app, now=now, scope=PlanScope(everything=True))
    if slug:
        done = (
            _(
                "rule {name} added for program {slug}: {when} (it replaces the rule of that "
                "name below)"
            )
            if overrides
            else _("rule {name} added for program {slug}: {when}")
        )
    else:
        done = (
            _(
                "rule {name} added for all programs: {when} (it replaces the rule of that name "
                "below)"
            )
            if overrides
            else _("rule {name} added for all programs: {when}")
        )
    return done.format(name=rule.name, slug=slug, when=rule.described()), result


def remove_rule(app: App, name: str, *, slug: str | None) -> tuple[str, PlanResult]:
    now = utcnow()
    with app.write() as db:
        calendars_changed(db)  # the rules are the feeds' alarms
        program_id = get_program(db, slug).id if slug else None
        existing = _row(db, name, program_id)
        below = _below(db, app, name, program_id)
        if existing is not None and not existing.enabled:
            raise RuleViolation(
                (
                    _("rule {name} is already off for program {slug}")
                    if slug
                    else _("rule {name} is already off for all programs")
                ).format(name=name, slug=slug)
            )
        if existing is None and not below:
            raise NotFound(
                (
                    _("no rule {name} for program {slug} (see `programs reminders rules`)")
                    if slug
                    else _("no rule {name} for all programs (see `programs reminders rules`)")
                ).format(name=name, slug=slug)
            )
        if existing is not None:
            db.execute(sa.delete(RULES).where(RULES.c.id == existing.id))
        if below:  # keep the rule below from coming back: turn it off at this level
            db.execute(
                sa.insert(RULES).values(
                    program_id=program_id,
                    name=name,
                    enabled=False,
                    target="session",
                    audience="participants",
                    anchor="start",
                    offset="0",
                    at=None,
                    channel="email",
                    template="session",
                    created_at=now,
                )
            )
        result = plan(db, app, now=now, scope=PlanScope(everything=True))
    done = (
        _("rule {name} removed for program {slug}")
        if slug
        else _("rule {name} removed for all programs")
    )
    return done.format(name=name, slug=slug), result


def reset_rule(app: App, name: str, *, slug: str | None) -> tuple[str, PlanResult]:
    now = utcnow()
    with app.write() as db:
        calendars_changed(db)  # the rules are the feeds' alarms
        program_id = get_program(db, slug).id if slug else None
        existing = _row(db, name, program_id)
        if existing is None:
            raise NotFound(
                (
                    _("nothing was added or removed for rule {name} at program {slug}")
                    if slug
                    else _("nothing was added or removed for rule {name} at all programs")
                ).format(name=name, slug=slug)
            )
        db.execute(sa.delete(RULES).where(RULES.c.id == existing.id))
        result = plan(db, app, now=now, scope=PlanScope(everything=True))
    done = (
        _("rule {name} reset for program {slug}")
        if slug
        else _("rule {name} reset for all programs")
    )
    return done.format(name=name, slug=slug), result
