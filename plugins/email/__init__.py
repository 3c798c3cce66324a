"""Built-in email plugin: the ``email`` channel (SMTP), its ``[email]`` settings, and
``programs email test``. The reminders and contacts plugins (and any third party) send
through it by name, from ``app.registry``; none of them imports it.

This module is imported by ``programs --help``: it imports nothing heavy at the top.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from programs.hookspecs import hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable

    import click

    from programs.api import App


@hookimpl
def register_channels(register: Callable[[Any], None]) -> None:
    from programs.plugins.email.channel import EmailChannel

    register(EmailChannel())


@hookimpl
def register_commands(cli: click.Group) -> None:
    from programs.plugins.email.commands import email

    cli.add_command(email)


@hookimpl
def startup(app: App) -> None:
    """A bad setting is reported before anything is sent."""
    from programs.plugins.email.settings import check

    check(app)
