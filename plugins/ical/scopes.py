"""Which feed a command means: a program slug, a participant, or the coach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import CalendarScope


@dataclass(frozen=True)
class FeedChoice:
    scope: CalendarScope
    label: str  # how commands name it: "program marseille-2026", "S. Martin", "coach ..."
    selector: str  # how to name it again on the command line


def resolve_target(
    db: DbSession, *, slug: str | None, participant: str | None, coach: str | None
) -> FeedChoice:
    """Exactly one of the three selectors, looked up; a clear error otherwise.

    ``coach``: None when not asked, "" for the default coach, else an id, email or name.
    """
    from programs.api import (
        CalendarScope,
        InvalidInput,
        NotFound,
        default_coach,
        find_person,
        get_coach,
        get_program,
    )

    chosen = [bool(slug), participant is not None, coach is not None]
    if sum(chosen) != 1:
        raise InvalidInput("name one feed: a program SLUG, --participant PERSON, or --coach")
    if slug:
        program = get_program(db, slug)
        assert program.id is not None
        return FeedChoice(CalendarScope("program", program.id), f"program {program.slug}", slug)
    if participant is not None:
        if not participant.strip():
            raise InvalidInput("--participant needs a name, an email or an id")
        person = find_person(db, participant)
        assert person.id is not None
        return FeedChoice(
            CalendarScope("participant", person.id), person.name, f"--participant {person.id}"
        )
    found = get_coach(db, coach) if coach else default_coach(db)
    if found is None or found.id is None:
        raise NotFound("no coach yet: run `programs coach set --name NAME --email EMAIL` first")
    selector = "--coach" if found.is_default else f"--coach {found.id}"
    return FeedChoice(CalendarScope("coach", found.id), f"coach {found.name}", selector)
