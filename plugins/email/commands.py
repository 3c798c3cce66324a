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

    app = obj.app
    to = check_email(address)
    if not to:
        raise InvalidInput("give the address to send the test message to")
    settings = load(app.config)
    french = app.settings.coach_language.startswith("fr")
    message = OutgoingMessage(
        key=f"email-test/{uuid.uuid4().hex}",
        to_name=to,
        to_email=to,
        to_phone=None,
        subject="programs : message d'essai" if french else "programs: test message",
        text=(
            "Ce message confirme que programs peut envoyer des e-mails "
            f"(serveur {settings.where}).\n"
            if french
            else f"This message shows that programs can send email (server {settings.where}).\n"
        ),
        language="fr" if french else "en",
        now=utcnow(),
    )
    channel = EmailChannel()
    try:
        sent = channel.send(app, message)
    except ChannelError as exc:
        raise InvalidInput(f"the test message was not sent: {exc}") from None
    finally:
        channel.close()
    click.echo(f"sent a test message to {to} through {settings.where} (Message-ID {sent})")
