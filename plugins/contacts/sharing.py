"""Sharing windows: when a program's participants get the coach's card, and the only time a
group directory can be made. Dates are whole days in the program's time zone; a window runs
from the start of its first day to the end of its last. People read them in words ("du 3
décembre 2026 au 21 janvier 2027 inclus": :func:`day_words`), never in ISO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from programs.plugins.contacts.models import Consent, ConsentLog, SharingWindow
from sqlmodel import select

from programs import formats
from programs.i18n import _, current_language

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import Program

DEFAULT_AFTER_LAST = timedelta(weeks=1)


def day_words(day: date, language: str | None = None) -> str:
    """A day as a sentence writes it, without its weekday: ``3 décembre 2026`` (the 1st is
    ``1er décembre``), ``December 3, 2026``; in ``language`` (default: the current one)."""
    from babel.dates import format_date

    locale = formats.locale_of(language or current_language())
    text = format_date(day, "long", locale=locale)
    if locale.startswith("fr") and day.day == 1 and text.startswith("1 "):
        text = "1er " + text[2:]
    return text


def parse_day(text: str, option: str) -> date:
    from programs.api import InvalidInput

    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            _("cannot read {option} {text!r}: expected a date, YYYY-MM-DD").format(
                option=option, text=text
            )
        ) from None


def day_start(day: date, tz_name: str) -> datetime:
    """The first instant of ``day`` in ``tz_name``, as aware UTC."""
    from programs.api import zone

    return datetime.combine(day, time(), tzinfo=zone(tz_name)).astimezone(UTC)


def local_day(moment: datetime, tz_name: str) -> date:
    from programs.api import to_local

    return to_local(moment, tz_name).date()


def default_days(db: DbSession, program: Program) -> tuple[date, date] | None:
    """From the first session's day to a week after the last session's day (None: no
    session that is not cancelled)."""
    from programs.api import SessionStatus, list_sessions

    sessions = [s for s in list_sessions(db, program) if s.status != SessionStatus.CANCELLED]
    if not sessions:
        return None
    first = min(s.start for s in sessions)
    last = max(s.end for s in sessions)
    return local_day(first, program.timezone), (
        local_day(last, program.timezone) + DEFAULT_AFTER_LAST
    )


def window_of(db: DbSession, program: Program) -> SharingWindow | None:
    return db.exec(select(SharingWindow).where(SharingWindow.program_id == program.id)).first()


@dataclass(frozen=True)
class WindowDays:
    first: date
    last: date  # inclusive


def window_days(window: SharingWindow, program: Program) -> WindowDays:
    """The window as the dates a person typed (the last day is inclusive)."""
    return WindowDays(
        local_day(window.starts_at, program.timezone),
        local_day(window.ends_at - timedelta(seconds=1), program.timezone),
    )


def share(
    db: DbSession,
    *,
    program: Program,
    first: str | None = None,
    last: str | None = None,
    now: datetime,
) -> SharingWindow:
    """Open (or change) the program's sharing window. Consents already given keep the end
    date they were given for: a longer window needs them again."""
    from programs.api import InvalidInput, ProgramStatus, RuleViolation

    if program.status == ProgramStatus.CANCELLED:
        raise RuleViolation(
            _("program {slug} is cancelled: nothing to share").format(slug=program.slug)
        )
    first_day = parse_day(first, "--from") if first is not None else None
    last_day = parse_day(last, "--until") if last is not None else None
    if first_day is None or last_day is None:
        default = default_days(db, program)
        if default is None:
            raise RuleViolation(
                _("program {slug} has no sessions: give --from and --until dates").format(
                    slug=program.slug
                )
            )
        first_day = first_day or default[0]
        last_day = last_day or default[1]
    if last_day < first_day:
        raise InvalidInput(
            _("--until {last} is before --from {first}").format(last=last_day, first=first_day)
        )
    try:
        starts_at = day_start(first_day, program.timezone)
        ends_at = day_start(last_day + timedelta(days=1), program.timezone)
    except OverflowError:  # 0001-01-01 or 9999-12-31: no instant before or after it
        raise InvalidInput(
            _("cannot share from {first} to {last}: dates out of range").format(
                first=first_day, last=last_day
            )
        ) from None
    if ends_at <= now:
        raise RuleViolation(
            _("a window ending on {day} is already over: nothing to share").format(
                day=day_words(last_day)
            )
        )
    window = window_of(db, program)
    if window is None:
        window = SharingWindow(program_id=program.id, starts_at=starts_at, ends_at=ends_at)  # type: ignore[arg-type]
        db.add(window)
    else:
        window.starts_at, window.ends_at, window.updated_at = starts_at, ends_at, now
        _end_consents_with(db, program, ends_at, now)
    db.flush()
    return window


def _end_consents_with(db: DbSession, program: Program, ends_at: datetime, now: datetime) -> None:
    """A shorter window shortens the consents given for the longer one (logged): consents
    end with the window. A longer window does not lengthen them."""
    for consent in db.exec(
        select(Consent).where(
            Consent.program_id == program.id,
            Consent.withdrawn_at == None,  # noqa: E711 - SQL IS NULL
            Consent.expires_at > ends_at,  # type: ignore[operator]
        )
    ):
        consent.expires_at = ends_at
        db.add(
            ConsentLog(
                subject=consent.subject,
                program_id=program.id,
                action="shortened",
                share_phone=consent.share_phone,
                share_email=consent.share_email,
                at=now,
                source="cli",
                wording=_("the coach shortened the sharing window to end at {time}").format(
                    time=ends_at.isoformat()
                ),
            )
        )


def unshare(db: DbSession, *, program: Program, now: datetime, source: str = "cli") -> int:
    """Close the window at once; the consents given for it end with it (logged). Returns how
    many consents ended."""
    from programs.api import RuleViolation

    window = window_of(db, program)
    if window is None:
        raise RuleViolation(_("program {slug} is not shared").format(slug=program.slug))
    ended = 0
    for consent in db.exec(select(Consent).where(Consent.program_id == program.id)):
        if consent.withdrawn_at is None and consent.expires_at > now:
            ended += 1
            db.add(
                ConsentLog(
                    subject=consent.subject,
                    program_id=program.id,
                    action="ended",
                    share_phone=consent.share_phone,
                    share_email=consent.share_email,
                    at=now,
                    source=source,
                    wording=_("the coach stopped sharing this program's contacts"),
                )
            )
        db.delete(consent)
    db.delete(window)
    db.flush()
    return ended


def open_window(db: DbSession, program: Program, now: datetime) -> SharingWindow:
    """The window if ``now`` is inside it; otherwise a refusal that says why."""
    from programs.api import ProgramStatus, RuleViolation

    if program.status == ProgramStatus.CANCELLED:
        raise RuleViolation(
            _("program {slug} is cancelled: its contacts are not shared").format(slug=program.slug)
        )
    window = window_of(db, program)
    if window is None:
        raise RuleViolation(
            _(
                "program {slug} is not shared: no contact sharing window "
                "(programs contacts share {slug})"
            ).format(slug=program.slug)
        )
    days = window_days(window, program)
    if now < window.starts_at:
        raise RuleViolation(
            _("the sharing window of {slug} opens on {day}: no directory before then").format(
                slug=program.slug, day=day_words(days.first)
            )
        )
    if now >= window.ends_at:
        raise RuleViolation(
            _(
                "the sharing window of {slug} ended on {day}: shared contacts are no longer "
                "exported"
            ).format(slug=program.slug, day=day_words(days.last))
        )
    return window
