"""Built-in iCal plugin: calendar feeds for programs, participants and the coach.

Feeds follow RFC 5545/5546/7986 as calendar apps need them (the core's writer,
``programs.api.vevent``; ``render.py`` caches it), are served
over HTTP by ``programs ical serve`` behind private, hashed, revocable tokens, and show a
participant only their own sessions and follow-ups (see ``items.py``).

This module is imported by ``programs --help``: it imports nothing heavy at the top.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from programs.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    import click
    from sqlmodel import Session as DbSession

    from programs.api import App, FollowUp, Participant, Session


@hookimpl
def register_commands(cli: click.Group) -> None:
    from programs.plugins.ical.commands import ical

    cli.add_command(ical)


@hookimpl
def register_migrations(register: Callable[[Any], None]) -> None:
    from programs.api import Migrations

    versions = Path(__file__).parent / "migrations" / "versions"
    register(Migrations(name="ical", versions_dir=versions))


@hookimpl
def startup(app: App) -> None:
    from programs.plugins.ical.settings import read_settings

    read_settings(app)  # a bad [ical] setting is reported when the app opens


@hookimpl
def participant_data(app: App, db: DbSession, participant: Participant) -> dict[str, Any] | None:
    """Whether the person has a feed link, and when it was issued (never the token)."""
    from programs.plugins.ical.tokens import token_row

    from programs.api import CalendarScope, plugin_schema_ready

    if not plugin_schema_ready(db, "ical"):
        return None
    row = token_row(db, CalendarScope("participant", participant.id))  # type: ignore[arg-type]
    if row is None:
        return None
    return {
        "feed_link": {
            "created_at": row.created_at.isoformat(),
            "rotated_at": row.rotated_at.isoformat() if row.rotated_at else None,
            "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
        }
    }


@hookimpl
def participant_links(app: App, db: DbSession, participant: Participant) -> list[Any] | None:
    """The person's page and feed, issued now if they have none; the same links on every
    call until rotated (tokens are derived: ``tokens.link_token``). A token issued before
    tokens were derived cannot be rebuilt: nothing is offered, and a notice says to rotate."""
    from programs.plugins.ical.settings import DEFAULT_BASE_URL, read_settings
    from programs.plugins.ical.tokens import issue, link_token

    from programs.api import CalendarScope, PrivateLink, plugin_schema_ready
    from programs.i18n import _

    if not plugin_schema_ready(db, "ical"):
        return None
    scope = CalendarScope("participant", participant.id)  # type: ignore[arg-type]
    token = issue(db, scope) or link_token(db, scope)
    if token is None:
        app.notice(
            "ical",
            _(
                "{name}'s calendar link is older than links that can be sent again: "
                "`programs ical rotate --participant {ref}` makes one (the old one stops "
                "working)"
            ).format(name=participant.name, ref=f"id:{participant.id}"),
        )
        return None
    base = read_settings(app).base_url or DEFAULT_BASE_URL
    return [
        PrivateLink("page", f"{base}/p/{token}"),
        PrivateLink("feed", f"{base}/feeds/{token}.ics"),
    ]


@hookimpl
def erase_participant_data(app: App, db: DbSession, participant: Participant) -> None:
    from programs.plugins.ical.models import FeedToken
    from sqlmodel import delete

    from programs.api import plugin_schema_ready

    if not plugin_schema_ready(db, "ical"):
        return
    db.exec(  # type: ignore[call-overload]
        delete(FeedToken).where(
            FeedToken.scope_kind == "participant",  # type: ignore[arg-type]
            FeedToken.scope_id == participant.id,  # type: ignore[arg-type]
        )
    )


def _forget(app: App, uid: str | None) -> None:
    from programs.plugins.ical.service import service_for

    service = service_for(app, create=False)
    if service is not None:
        service.forget(uid)


@hookimpl
def on_session_moved(app: App, session: Session) -> None:
    _forget(app, session.uid)


@hookimpl
def on_session_cancelled(app: App, session: Session) -> None:
    _forget(app, session.uid)


@hookimpl
def on_followup_moved(app: App, followup: FollowUp) -> None:
    _forget(app, followup.uid)


@hookimpl
def on_followup_cancelled(app: App, followup: FollowUp) -> None:
    _forget(app, followup.uid)


@hookimpl
def on_participant_erased(app: App) -> None:
    _forget(app, None)  # their name may be in cached coach-feed events: drop everything


@hookimpl
def demo_sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    from programs.plugins.ical.demo import demo_section

    return demo_section(app, workdir)
