"""Built-in contacts plugin: the coach's card shared with a program's participants for a
window of days (delivered through other plugins' channels), participants' opt-in sharing
with their group, and the exports: vCard 3.0/4.0, a QR code, the group directory.

This module is imported by ``programs --help``: it imports only the hook marker; everything
else is loaded inside the hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programs.hookspecs import hookimpl

if TYPE_CHECKING:
    import click
    from sqlmodel import Session as DbSession

    from programs.api import App, Enrollment, Participant, Program

VERSIONS_DIR = Path(__file__).parent / "migrations" / "versions"


@hookimpl
def register_commands(cli: click.Group) -> None:
    from programs.plugins.contacts.commands import contacts

    cli.add_command(contacts)


@hookimpl
def register_migrations(register: Callable[[Any], None]) -> None:
    from programs.api import Migrations

    register(Migrations(name="contacts", versions_dir=VERSIONS_DIR))


@hookimpl
def startup(app: App) -> None:
    """The plugin has no settings yet: a ``[contacts]`` key is a mistake, said now."""
    from programs.api import PluginError
    from programs.i18n import _

    keys = sorted(app.config.section("contacts"))
    if keys:
        raise PluginError(
            _(
                "config [contacts]: unknown key {key} (the contacts plugin takes no settings)"
            ).format(key=keys[0])
        )


@hookimpl
def participant_data(app: App, db: DbSession, participant: Participant) -> dict[str, Any] | None:
    from programs.plugins.contacts import consent

    from programs.api import plugin_schema_ready

    return consent.export(db, participant) if plugin_schema_ready(db, "contacts") else None


@hookimpl
def erase_participant_data(app: App, db: DbSession, participant: Participant) -> None:
    """The person's consents go; the log keeps an anonymous ``erased`` line for each."""
    from programs.plugins.contacts import consent

    from programs.api import plugin_schema_ready, utcnow

    if plugin_schema_ready(db, "contacts"):
        consent.erase(db, participant, now=utcnow())


@hookimpl
def on_withdrawn(
    app: App, enrollment: Enrollment, program: Program, participant: Participant
) -> None:
    """Leaving a program ends the consent given for it (directories also check seats)."""
    from programs.plugins.contacts import consent

    from programs.api import plugin_schema_ready, utcnow
    from programs.i18n import _

    with app.write() as db:
        if plugin_schema_ready(db, "contacts"):
            consent.withdraw_if_any(
                db,
                program_id=program.id,  # type: ignore[arg-type]
                participant_id=participant.id,  # type: ignore[arg-type]
                source="program withdrawal",
                now=utcnow(),
                reason=_("left the program"),
            )


@hookimpl
def participant_page_sections(
    app: App, db: DbSession, participant: Participant, page: Any
) -> list[Any] | None:
    """The coach's card, the person's consent and the group's list on their own page."""
    from programs.plugins.contacts import page as on_page

    from programs.api import plugin_schema_ready, utcnow

    if not plugin_schema_ready(db, "contacts"):
        return None
    return on_page.sections(app, db, participant, page, now=utcnow())


@hookimpl
def participant_page_action(
    app: App, db: DbSession, participant: Participant, page: Any, name: str, fields: Any
) -> Any:
    from programs.plugins.contacts import page as on_page

    from programs.api import plugin_schema_ready, utcnow

    if not name.startswith("contacts.") or not plugin_schema_ready(db, "contacts"):
        return None
    return on_page.action(app, db, participant, page, name, fields, now=utcnow())


@hookimpl
def participant_page_download(
    app: App, db: DbSession, participant: Participant, page: Any, name: str
) -> Any:
    from programs.plugins.contacts import page as on_page

    from programs.api import plugin_schema_ready, utcnow

    if not name.startswith("contacts.") or not plugin_schema_ready(db, "contacts"):
        return None
    return on_page.download(app, db, participant, name, now=utcnow())


@hookimpl
def demo_sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    from programs.plugins.contacts.demo import sections

    return sections(app, workdir)
