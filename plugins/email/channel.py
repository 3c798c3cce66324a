"""The ``email`` channel: one message per recipient, by SMTP (``smtplib``).

Every plugin that delivers something finds it in ``app.registry`` by name (the reminders,
the contacts plugin sending the coach's card, a third party's messages): it lives in a
plugin of its own so that disabling one of them never takes email from the others.

Each message goes to one person: never a shared To, CC or BCC. The Message-ID is derived
from the message's key, so a message sent again after a crash carries the same id and a
receiver can drop the duplicate. One SMTP connection is kept for a whole run (``close()``
ends it) and opened again when the server dropped it.

Failures are :class:`programs.api.ChannelError`: *permanent* for what retrying cannot fix (a
refused address, a 5xx answer); *configuration* when nothing can be sent until a setting is
fixed (no sender, login refused, STARTTLS missing, a password variable unset, or no email
configured at all and nothing answering on localhost:25), so the caller stops and uses up
no reminder; *temporary* otherwise (a configured server down, a 4xx answer, a timeout).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from email.encoders import encode_base64
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from typing import TYPE_CHECKING, Any

from programs.i18n import _

if TYPE_CHECKING:
    import smtplib

    from programs.plugins.email.settings import EmailSettings

    from programs.api import App, OutgoingMessage


def message_id(key: str, domain: str) -> str:
    """``<32 hex digits.programs@domain>``, the same for the same key, every time."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}.programs@{domain}>"


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """``text/calendar; method=PUBLISH; charset=utf-8`` -> ("text", "calendar", {params})."""
    kind, *params = (part.strip() for part in value.split(";"))
    maintype, _, subtype = kind.partition("/")
    found = {}
    for param in params:
        name, _, val = param.partition("=")
        if name:
            found[name.strip().lower()] = val.strip().strip('"')
    return maintype or "application", subtype or "octet-stream", found


def build_email(message: OutgoingMessage, *, sender: str, domain: str) -> Message:
    """The MIME message: plain text, then each attachment; one recipient.

    Built with the ``compat32`` MIME classes rather than ``EmailMessage``: the same wire
    format, without parsing every header back through the header registry, which took
    most of the time of a large send (``bench/reminders``).
    """
    body = MIMEText(message.text, "plain", "utf-8")
    email: Message = body
    if message.attachments:
        email = MIMEMultipart("mixed")
        email.attach(body)
        for attachment in message.attachments:
            maintype, subtype, params = _content_type(attachment.content_type)
            part = MIMEBase(maintype, subtype, **params)
            part.set_payload(attachment.data)
            encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            email.attach(part)
    name, address = parseaddr(sender)
    email["From"] = formataddr((name, address), charset="utf-8")
    email["To"] = formataddr((message.to_name, message.to_email or ""), charset="utf-8")
    email["Subject"] = _header(message.subject)
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id(message.key, domain)
    email["Content-Language"] = message.language
    for header, value in message.headers.items():
        email[header] = _header(value)
    return email


def _header(value: str) -> str | Header:
    """ASCII as is; anything else as an RFC 2047 encoded word (utf-8)."""
    return value if value.isascii() else Header(value, "utf-8")


class EmailChannel:
    """SMTP with ``smtplib``, configured in ``[email]``."""

    name = "email"
    takes_attachments = True

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None
        self._key: tuple[Any, ...] | None = None
        self._coach_sender: str | None = None  # looked up once per run

    def can_reach(self, message: OutgoingMessage) -> bool:
        return bool(message.to_email)

    def sender(self, app: App, settings: EmailSettings) -> str:
        from programs.api import ChannelError

        if not settings.sender and self._coach_sender is None:
            self._coach_sender = _coach_sender(app) or ""
        sender = settings.sender or self._coach_sender
        if not sender:
            raise ChannelError(
                _(
                    "no sender: set sender in the [{table}] table of the config file "
                    "(or give the coach an email: programs coach set --email ...)"
                ).format(table=settings.table),
                configuration=True,
            )
        return sender

    def send(self, app: App, message: OutgoingMessage) -> str:
        import smtplib

        from programs.plugins.email.settings import load

        from programs.api import ChannelError

        settings = load(app.config)
        sender = self.sender(app, settings)
        if not message.to_email:
            raise ChannelError(
                _("{name} has no email address").format(name=message.to_name), permanent=True
            )
        envelope_from = parseaddr(sender)[1]
        domain = envelope_from.rpartition("@")[2] or "localhost"
        email = build_email(message, sender=sender, domain=domain)
        for attempt in (1, 2):
            smtp = self.connect(settings)
            try:
                refused = smtp.send_message(
                    email, from_addr=envelope_from, to_addrs=[message.to_email]
                )
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if attempt == 2:
                    raise ChannelError(
                        _("SMTP server closed the connection: {error}").format(error=exc)
                    ) from exc
                continue  # a kept connection the server timed out: open a new one, once
            except smtplib.SMTPRecipientsRefused as exc:
                raise ChannelError(
                    _("address refused: {reply}").format(reply=_reply(exc.recipients)),
                    permanent=_permanent(exc.recipients),
                ) from exc
            except smtplib.SMTPSenderRefused as exc:
                self._drop()
                raise ChannelError(
                    _("sender {sender} refused by {server}: {code} {reply}").format(
                        sender=envelope_from,
                        server=settings.where,
                        code=exc.smtp_code,
                        reply=_text(exc.smtp_error),
                    ),
                    configuration=500 <= exc.smtp_code < 600,
                ) from exc
            except smtplib.SMTPResponseException as exc:
                self._drop()
                raise ChannelError(
                    f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}",
                    permanent=500 <= exc.smtp_code < 600,
                ) from exc
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise ChannelError(_("SMTP error: {error}").format(error=exc)) from exc
            if refused:
                raise ChannelError(
                    _("address refused: {reply}").format(reply=_reply(refused)),
                    permanent=_permanent(refused),
                )
            return str(email["Message-ID"])
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """End the kept connection (senders call this at the end of a run)."""
        if self._smtp is not None:
            with contextlib.suppress(Exception):  # the server may already be gone
                self._smtp.quit()
        self._drop()
        self._coach_sender = None

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(Exception):  # closing a dead socket
                self._smtp.close()
        self._smtp = None
        self._key = None

    def connect(self, settings: EmailSettings) -> smtplib.SMTP:
        """The kept connection, or a new one: connected, secured and logged in."""
        import smtplib
        import ssl

        from programs.api import ChannelError

        if self._smtp is not None and self._key == settings.connection_key:
            return self._smtp
        self._drop()
        where = settings.where
        smtp: smtplib.SMTP | None = None
        try:
            if settings.security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=settings.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise ChannelError(
                        _(
                            'SMTP server {server} does not offer STARTTLS (set security = "none" '
                            'or "ssl" in [{table}])'
                        ).format(server=where, table=settings.table),
                        configuration=True,
                    )
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, _password(settings))
        except ChannelError:
            _close(smtp)  # a connection opened, then refused by us
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            raise ChannelError(
                _("SMTP login refused by {server}: {code} {reply}").format(
                    server=where, code=exc.smtp_code, reply=_text(exc.smtp_error)
                ),
                configuration=True,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            _close(smtp)
            answered = isinstance(exc, smtplib.SMTPException)
            if not settings.configured and not answered:
                raise ChannelError(
                    _(
                        "email is not configured: nothing answers on {server} ({error}); add an "
                        "[email] table to the config file (host, port, security, username, "
                        "sender)"
                    ).format(server=where, error=_reason(exc)),
                    configuration=True,
                ) from exc
            raise ChannelError(
                _("cannot reach SMTP server {server}: {error}").format(
                    server=where, error=_reason(exc)
                )
            ) from exc
        self._smtp, self._key = smtp, settings.connection_key
        return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(Exception):
            smtp.close()


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _password(settings: EmailSettings) -> str:
    from programs.api import ChannelError

    if settings.password_env:
        value = os.environ.get(settings.password_env)
        if value is None:
            raise ChannelError(
                _("environment variable {name} (the SMTP password) is not set").format(
                    name=settings.password_env
                ),
                configuration=True,
            )
        return value
    return settings.password or ""


def _coach_sender(app: App) -> str | None:
    from programs.api import default_coach

    with app.read() as db:
        coach = default_coach(db)
        if coach is None or not coach.email:
            return None
        return str(Address(display_name=coach.name, addr_spec=coach.email))


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _reply(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr}: {code} {_text(text)}" for addr, (code, text) in refused.items())


def _permanent(refused: dict[str, tuple[int, bytes]]) -> bool:
    return all(500 <= code < 600 for code, _text_ in refused.values())
