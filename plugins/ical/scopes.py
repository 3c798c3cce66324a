"""Which feed a command means: a program slug, a participant, or the coach."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession

    from programs.api import CalendarScope


@dataclass(frozen=True)
class FeedChoice:
    """A feed as commands name it, in the coach's language: ``label`` in a parenthesis
    ("program marseille-2026", "S. Martin", "Claire Dubois (coach)"), ``feed`` in a sentence
    ("the feed of program marseille-2026")."""

    scope: CalendarScope
    label: str
    feed: str
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
    from programs.i18n import _

    chosen = [bool(slug), participant is not None, coach is not None]
    if sum(chosen) != 1:
        raise InvalidInput(_("name one feed: a program SLUG, --participant PERSON, or --coach"))
    if slug:
        program = get_program(db, slug)
        assert program.id is not None
        return FeedChoice(
            CalendarScope("program", program.id),
            _("program {slug}").format(slug=program.slug),
            _("the feed of program {slug}").format(slug=program.slug),
            slug,
        )
    if participant is not None:
        if not participant.strip():
            raise InvalidInput(_("--participant needs a name, an email or an id"))
        person = find_person(db, participant)
        assert person.id is not None
        return FeedChoice(
            CalendarScope("participant", person.id),
            person.name,
            _("the feed of {name}").format(name=person.name),
            f"--participant {person.id}",
        )
    found = get_coach(db, coach) if coach else default_coach(db)
    if found is None or found.id is None:
        raise NotFound(_("no coach yet: run `programs coach set --name NAME --email EMAIL` first"))
    selector = "--coach" if found.is_default else f"--coach {found.id}"
    return FeedChoice(
        CalendarScope("coach", found.id),
        _("{name} (coach)").format(name=found.name),
        _("the feed of {name} (coach)").format(name=found.name),
        selector,
    )
