"""``programs email test ADDRESS``: one message, to check the settings before a cron run."""

from __future__ import annotations

from typing import Any

import click


@click.group()
def email() -> None:
    """Email: the channel reminders, the coach's card and messages are sent through.

    Settings are in the [email] table of the config file (host, port, security,
    username, password_env, sender).

    \b
    Example:
      programs email test claire@example.org
    """


@email.command()
@click.argument("address")
@click.pass_obj
def test(obj: Any, address: str) -> None:
    """Send one test message to ADDRESS, and say in one line what went wrong if it fails.

    \b
    Example:
      programs email test claire@example.org
    """
    import uuid

    from programs.plugins.email.channel import EmailChannel
    from programs.plugins.email.settings import load

    from programs.api import ChannelError, InvalidInput, OutgoingMessage, check_email, utcnow
    from programs.i18n import _, translator

    app = obj.app
    to = check_email(address)
    if not to:
        raise InvalidInput(_("give the address to send the test message to"))
    settings = load(app.config)
    words = translator(app.settings.coach_language)  # the coach reads it, in her language
    message = OutgoingMessage(
        key=f"email-test/{uuid.uuid4().hex}",
        to_name=to,
        to_email=to,
        to_phone=None,
        subject=words.gettext("programs: test message"),
        text=words.gettext(
            "This message shows that programs can send email (server {server})."
        ).format(server=settings.where)
        + "\n",
        language=words.language,
        now=utcnow(),
    )
    channel = EmailChannel()
    try:
        sent = channel.send(app, message)
    except ChannelError as exc:
        raise InvalidInput(_("the test message was not sent: {error}").format(error=exc)) from None
    finally:
        channel.close()
    click.echo(
        _("sent a test message to {address} through {server} (Message-ID {id})").format(
            address=to, server=settings.where, id=sent
        )
    )
