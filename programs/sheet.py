"""Sign-in sheets (*feuilles d'émargement*): one A4 page per session, signed per half-day.

What funders check: the program, the session, its date and place, the trainer; one row per
participant seated in the program with a box to sign for each half-day, and a row for the
trainer. Printed before the session, the boxes are empty; printed after, each box says what
was recorded (present or absent), so the sheet and the database tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session as DbSession

from programs import formats, times
from programs.domain.attendance import marks_of, slots_of
from programs.domain.base import program_of, seated_participants
from programs.domain.coach import coach_of
from programs.errors import RuleViolation
from programs.i18n import _, pgettext, using
from programs.models import Half, Session, SessionStatus
from programs.pdf import FAMILY, finished, font_dir, new_document

ROW_HEIGHT = 13.0


@dataclass(frozen=True)
class SheetRow:
    name: str
    marks: dict[str, bool | None]  # half -> present, None when nothing is recorded


@dataclass(frozen=True)
class Sheet:
    program_title: str
    program_slug: str
    session_id: int
    session_title: str | None
    start: str  # the day, in words, in the sheet's language
    hours: str  # "09:00–17:00"
    place: str | None
    trainer: str | None
    halves: tuple[Half, ...]
    rows: list[SheetRow]
    held: bool


def sheet_of(db: DbSession, session: Session, *, language: str) -> Sheet:
    """What the sheet of ``session`` shows, worded in ``language``; none for a session that
    was cancelled."""
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(
            _("session {id} was cancelled; nobody attended it").format(id=session.id)
        )
    program = program_of(db, session)
    halves = slots_of(db, session, program)
    marks = marks_of(db, [session.id])  # type: ignore[list-item]
    people = seated_participants(db, program)
    coach = coach_of(db, program)
    tz = program.timezone
    with using(language):
        day = formats.day_long(session.start, tz)
    local_start, local_end = times.to_local(session.start, tz), times.to_local(session.end, tz)
    return Sheet(
        program_title=program.title,
        program_slug=program.slug,
        session_id=session.id,  # type: ignore[arg-type]
        session_title=session.title,
        start=day,
        hours=f"{local_start:%H:%M}–{local_end:%H:%M}",
        place=session.location or program.location,
        trainer=coach.name if coach else None,
        halves=halves,
        rows=[
            SheetRow(
                p.name,
                {h.value: marks.get((session.id, p.id), {}).get(h.value) for h in halves},  # type: ignore[arg-type]
            )
            for p in people
        ],
        held=session.start <= times.now(),
    )


def _half_word(half: Half) -> str:
    return {
        Half.MORNING: _("Morning"),
        Half.AFTERNOON: _("Afternoon"),
        Half.WHOLE: _("Signature"),
    }[half]


def sheet_pdf(sheet: Sheet, *, language: str) -> bytes:
    """The sheet as an A4 PDF in ``language``."""
    folder = font_dir()
    with using(language):
        title = _("Sign-in sheet")
        pdf = new_document(f"{title} – {sheet.program_title}", folder=folder)
        pdf.add_page()
        pdf.set_font(FAMILY, "B", 16)
        pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FAMILY, "", 10)
        fields = [
            (_("Program"), f"{sheet.program_title} ({sheet.program_slug})"),
            (
                _("Session"),
                f"#{sheet.session_id}" + (f" {sheet.session_title}" if sheet.session_title else ""),
            ),
            (_("Date"), f"{sheet.start}, {sheet.hours}"),
            (_("Place"), sheet.place or "—"),
            (_("Trainer"), sheet.trainer or "—"),
        ]
        colon = "\u202f: " if language.startswith("fr") else ": "
        for label, value in fields:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(30, 6, label + colon.rstrip())
            pdf.set_font(FAMILY, "", 10)
            pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        name_width = 70.0
        box_width = (pdf.epw - name_width) / len(sheet.halves)

        def header_row() -> None:
            pdf.set_font(FAMILY, "B", 10)
            pdf.cell(name_width, 8, _("Participant"), border=1)
            for half in sheet.halves:
                pdf.cell(box_width, 8, _half_word(half), border=1, align="C")
            pdf.ln()
            pdf.set_font(FAMILY, "", 10)

        header_row()
        shown = {
            True: pgettext("sign-in sheet", "present"),
            False: pgettext("sign-in sheet", "absent"),
        }
        for row in sheet.rows:
            if pdf.will_page_break(ROW_HEIGHT):  # a long group: the header again on each page
                pdf.add_page()
                header_row()
            pdf.cell(name_width, ROW_HEIGHT, row.name, border=1)
            for half in sheet.halves:
                mark = row.marks.get(half.value)
                text = shown[mark] if sheet.held and mark is not None else ""
                pdf.cell(box_width, ROW_HEIGHT, text, border=1, align="C")
            pdf.ln()
        pdf.set_font(FAMILY, "B", 10)
        pdf.cell(
            name_width, ROW_HEIGHT, _("Trainer: {name}").format(name=sheet.trainer or "—"), border=1
        )
        for _half in sheet.halves:
            pdf.cell(box_width, ROW_HEIGHT, "", border=1)
        pdf.ln()
        pdf.set_font(FAMILY, "", 8)
        pdf.ln(3)
        if sheet.held:
            note = _(
                "Attendance as recorded in programs; each person signs the box of each "
                "half-day attended."
            )
        else:
            note = _("Each participant signs the box of each half-day attended.")
        pdf.multi_cell(0, 4, note)
        return finished(pdf)
