"""The reminders part of ``programs demo``: the outbox of the Marseille story.

It plans (the demo database is the demo's own), lists what will go out — when, to whom, by
which channel — and writes one message as the participant would read it, without sending
anything.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from programs.plugins.reminders.listing import describe
from programs.plugins.reminders.models import OUTBOX, PENDING
from programs.plugins.reminders.sync import plan_all

from programs import formats
from programs.api import utcnow
from programs.i18n import _, ngettext

if TYPE_CHECKING:
    from programs.api import App

SHOWN = 12


def sections(app: App, workdir: Path) -> list[tuple[str, str]]:
    now = utcnow()
    plan_all(app, now=now)
    c = OUTBOX.c
    with app.read() as db:
        rows = list(
            db.execute(sa.select(OUTBOX).where(c.status == PENDING).order_by(c.due_at, c.id))
        )
        described = describe(db, app, rows)
    title = _("Reminders")
    if not rows:
        return [(title, _("The outbox is empty: no session or follow-up ahead."))]
    lines = [
        ngettext(
            "The outbox holds {n} reminder to send (at its recipient's local time); "
            "`programs reminders send` sends what is due, from cron:",
            "The outbox holds {n} reminders to send (each at its recipient's local time); "
            "`programs reminders send` sends what is due, from cron:",
            len(rows),
        ).format(n=len(rows)),
        "",
    ]
    for item in described[:SHOWN]:
        due = formats.when_short(item["due"], item["timezone"])
        lines.append(
            f"  {due}  {item['channel']:<7} {item['to']:<22} {item['rule']:<13} {item['about']}"
        )
    if len(rows) > SHOWN:
        lines.append("  " + _("... and {n} more").format(n=len(rows) - SHOWN))
    by_rule = Counter(r.rule for r in rows)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(by_rule.items()))
    lines += ["", _("By rule: {counts}").format(counts=counts)]
    example = _write_example(app, rows, workdir, now)
    if example is not None:
        lines.append(_("The first one, as its recipient will read it: {path}").format(path=example))
    return [(title, "\n".join(lines))]


def _write_example(app: App, rows: list, workdir: Path, now) -> Path | None:  # type: ignore[type-arg,no-untyped-def]
    from programs.plugins.reminders.messages import Composer
    from programs.plugins.reminders.rules import load_rulebook
    from programs.plugins.reminders.sender import instance_id
    from programs.plugins.reminders.settings import load_settings
    from programs.plugins.reminders.targets import OccasionLoader

    from programs.api import OutgoingMessage

    settings = load_settings(app)
    first = next((r for r in rows if r.recipient_kind == "participant"), rows[0])
    with app.read() as db:
        book = load_rulebook(db, app.config, now=None)
        loader = OccasionLoader(
            db, book, default_tz=settings.default_timezone, now=now, horizon=None
        )
        target = loader.by_keys([(first.target_kind, first.target_id)]).get(
            (first.target_kind, first.target_id)
        )
        if target is None:
            return None
        message = Composer(app, db, settings, now=now, instance=instance_id(db)).compose(
            first, target
        )
    if not isinstance(message, OutgoingMessage):
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "reminder-example.txt"
    path.write_text(  # the headers of a message: the same in every language
        f"To: {message.to_name} <{message.to_email}>\nSubject: {message.subject}\n\n{message.text}",
        encoding="utf-8",
    )
    for attachment in message.attachments:
        (workdir / f"reminder-{attachment.filename}").write_bytes(attachment.data)
    return path
