"""The ``console`` channel: prints each message on stdout, for trying rules out and for cron
logs. (Email is the email plugin's channel: reminders find both in ``app.registry``.)"""

from __future__ import annotations

import hashlib
import sys
from email.utils import formataddr
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from programs.api import App, OutgoingMessage


class ConsoleChannel:
    """Prints each message on stdout: for trying rules out, and for cron logs."""

    name = "console"

    def can_reach(self, message: OutgoingMessage) -> bool:
        return True

    def send(self, app: App, message: OutgoingMessage) -> str:
        digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
        to = (
            formataddr((message.to_name, message.to_email))
            if message.to_email
            else (message.to_name)
        )
        from programs.i18n import _

        files = ", ".join(a.filename for a in message.attachments)
        lines = [
            "--- " + _("to {name} [{digest}]").format(name=to, digest=digest),
            _("Subject: {subject}").format(subject=message.subject),
        ]
        if files:
            lines.append(_("Attached: {files}").format(files=files))
        lines += ["", message.text.rstrip("\n"), "---"]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        return f"console:{digest}"
