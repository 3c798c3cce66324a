"""Participants, programs and attendance, on SQLite and PostgreSQL: what is accepted, how a
person is found by id, email or part of a name, and who can be marked present."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain.attendance import attendance_of_program, mark_attendance
from programs.domain.base import get_program
from programs.domain.enrollment import enroll
from programs.domain.fill import list_programs
from programs.domain.participant import (
    add_participant,
    edit_participant,
    find_person,
    list_participants,
)
from programs.domain.program import (
    cancel_program,
    create_program,
    edit_program,
)
from programs.domain.session import add_session, cancel_session, get_session
from programs.errors import Ambiguous, InvalidInput, NotFound, RuleViolation

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

DAY1 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def people(app: App) -> int:
    with app.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM participant")).scalar()


# --- participants -------------------------------------------------------------------------


def test_participant_fields_are_cleaned(app: App) -> None:
    with app.write() as db:
        person = add_participant(
            db,
            name="  S. Martin ",
            email="S.Martin@Example.COM",
            phone="06 12 34 56 78",
            language="pt-BR",
            timezone="America/Sao_Paulo",
        )
    assert (person.name, person.email, person.phone) == (
        "S. Martin",
        "S.Martin@example.com",
        "+33612345678",
    )
    assert (person.language, person.timezone) == ("pt-BR", "America/Sao_Paulo")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "name must not be empty"),
        ({"name": "A\nB"}, "must fit on one line"),
        ({"name": "A", "email": "nope"}, "invalid email 'nope'"),
        ({"name": "A", "phone": "0612"}, "invalid phone number '0612'"),
        ({"name": "A", "language": "french!"}, "invalid language"),
        ({"name": "A", "timezone": "Paris"}, "unknown time zone 'Paris'"),
        ({"name": "A", "notes": "bell\x07"}, "notes contains control characters"),
        ({"name": "A", "shoe_size": "42"}, "unknown participant field 'shoe_size'"),
    ],
)
def test_bad_participants_are_refused(app: App, fields: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message), app.write() as db:
        add_participant(db, **fields)
    assert people(app) == 0


def test_an_email_belongs_to_one_person_whatever_its_case(app: App) -> None:
    with app.write() as db:
        add_participant(db, name="S. Martin", email="s.martin@example.com")
        other = add_participant(db, name="A. Durand", email="a.durand@example.com")
    with pytest.raises(RuleViolation, match="already the email of participant"), app.write() as db:
        add_participant(db, name="Twin", email="S.MARTIN@example.com")
    with pytest.raises(RuleViolation, match=r"\(S. Martin\)"), app.write() as db:
        edit_participant(db, find_person(db, f"#{other.id}"), email="S.Martin@example.com")
    with app.write() as db:  # one's own email, in another case, is fine
        changed = edit_participant(db, find_person(db, "S. Martin"), email="S.Martin@example.com")
    assert changed == {"email": "s.martin@example.com"}
    assert people(app) == 2


def test_editing_returns_what_changed(app: App) -> None:
    with app.write() as db:
        person = add_participant(db, name="S. Martin", role="pre-sales support")
    with app.write() as db:
        person = find_person(db, "S. Martin")
        assert edit_participant(db, person, role="trainer", organisation=None) == {
            "role": "pre-sales support"
        }
        assert edit_participant(db, person, role="trainer") == {}


def test_finding_people(app: App) -> None:
    with app.write() as db:
        martin = add_participant(db, name="S. Martin", email="s.martin@example.com")
        martinez = add_participant(db, name="S. Martinez")
        add_participant(db, name="100%_Sure")
    with app.read() as db:
        assert find_person(db, str(martin.id)).id == martin.id
        assert find_person(db, f"#{martinez.id}").id == martinez.id
        assert find_person(db, "S.MARTIN@example.com").id == martin.id
        assert find_person(db, "s. martin").id == martin.id  # exact name wins over "Martinez"
        assert find_person(db, "martinez").id == martinez.id
        assert find_person(db, "0%_s").name == "100%_Sure"  # % and _ are plain characters
        with pytest.raises(Ambiguous) as caught:
            find_person(db, "martin")
        assert caught.value.candidates == [
            f"#{martin.id} S. Martin <s.martin@example.com>",
            f"#{martinez.id} S. Martinez",
        ]
        assert "use an id or email" in str(caught.value)
        for ref, error in (
            ("999", NotFound),
            ("nobody@example.com", NotFound),
            ("Dupont", NotFound),
            ("__", NotFound),  # unescaped, this would match every name
            ("  ", InvalidInput),
        ):
            with pytest.raises(error):
                find_person(db, ref)


def test_a_name_of_digits_or_with_an_at_sign_is_found(app: App) -> None:
    """Names the id and email forms would otherwise hide: digits (a cohort number typed as
    a name) and an "@"; ``#12`` and ``id:12`` are always the id."""
    with app.write() as db:
        year = add_participant(db, name="2024")
        at = add_participant(db, name="Marie @ Lyon", email="marie@example.com")
        one = add_participant(db, name="1")
    with app.read() as db:
        assert find_person(db, "2024").id == year.id  # nobody is #2024: the name
        assert find_person(db, "marie @ lyon").id == at.id  # no such email: the exact name
        assert find_person(db, "MARIE@example.com").id == at.id
        assert find_person(db, f"id:{one.id}").id == one.id
        assert find_person(db, f"ID: {year.id}").id == year.id
        with pytest.raises(Ambiguous) as caught:  # "1" is #1 and the name of #3
            find_person(db, "1")
        assert (
            str(caught.value) == f"'1' is participant #1 and also the name of #{one.id}: "
            f"write #1 or #{one.id}"
        )
        with pytest.raises(NotFound, match="no participant #99"):
            find_person(db, "id:99")


def test_a_very_long_reference_is_refused_before_sql_and_cut_in_the_message(app: App) -> None:
    """131,000 characters: not a "LIKE pattern too complex" from the database, and not
    echoed whole."""
    with app.write() as db:
        add_participant(db, name="S. Martin")
    with app.read() as db:
        for ref in ("x" * 131_000, "x@" * 65_000, "é" * 5_000):
            with pytest.raises(NotFound) as caught:
                find_person(db, ref)
            message = str(caught.value)
            assert len(message) < 120 and f"({len(ref)} characters)" in message, message


def test_finding_people_by_an_accented_part_of_their_name(app: App) -> None:
    # SQLite's lower() and LIKE fold ASCII letters only (PostgreSQL's depend on its
    # locale): "émilie" must still find "Émilie Dupont", whatever the case typed.
    with app.write() as db:
        emilie = add_participant(db, name="Émilie Dupont")
        add_participant(db, name="Éloïse Durand")
        zoe = add_participant(db, name="ZOË Ångström")
    with app.read() as db:
        for ref in ("Émilie", "émilie", "ÉMILIE DUPONT", "milie"):
            assert find_person(db, ref).id == emilie.id, ref
        assert find_person(db, "zoë ång").id == zoe.id
        assert find_person(db, "E\u0301milie").id == emilie.id  # typed decomposed (macOS)
        with pytest.raises(Ambiguous) as caught:
            find_person(db, "é")
        assert len(caught.value.candidates) == 2
        with pytest.raises(NotFound):
            find_person(db, "Ève")


def test_accents_left_out_when_typing_still_find_the_person(app: App) -> None:
    with app.write() as db:
        lea = add_participant(db, name="Léa Roux")
        emilie = add_participant(db, name="Émilie Dupont")
        martin = add_participant(db, name="Lea Martin")
    with app.read() as db:
        assert find_person(db, "emilie").id == emilie.id
        assert find_person(db, "Roux").id == lea.id  # plain ASCII part: the database finds it
        assert find_person(db, "lea roux").id == lea.id  # the name, accents aside
        # accents are only set aside when nothing matches as typed
        assert find_person(db, "Lea").id == martin.id
        with pytest.raises(NotFound):
            find_person(db, "Zoe")


def test_listing_participants_of_a_program(app: App) -> None:
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Accompagnement collectif")
        b = add_participant(db, name="B")
        add_participant(db, name="C")
        a = add_participant(db, name="A")
        enroll(db, program=program, participant=b)
        enroll(db, program=program, participant=a)
    with app.read() as db:
        assert [p.name for p in list_participants(db)] == ["A", "B", "C"]
        program = get_program(db, "marseille-2026")
        assert [p.name for p in list_participants(db, program=program)] == ["A", "B"]


# --- programs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"slug": "Marseille 2026"}, InvalidInput, "invalid slug"),
        ({"slug": "-x"}, InvalidInput, "invalid slug"),
        ({"timezone": "Mars/Olympus"}, InvalidInput, "unknown time zone"),
        ({"capacity": 0}, InvalidInput, "capacity must be at least 1"),
        ({"capacity": 2**31}, InvalidInput, "capacity must be at most 2147483647"),
        ({"capacity": 10**20}, InvalidInput, "capacity must be at most"),  # past SQLite's int64
        ({"title": " "}, InvalidInput, "name must not be empty"),
    ],
)
def test_bad_programs_are_refused(app: App, fields: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message), app.write() as db:
        create_program(db, **{"slug": "marseille-2026", "title": "Collectif", **fields})
    with app.read() as db:
        assert list_programs(db) == []


def test_a_slug_names_one_program(app: App) -> None:
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif", capacity=12)
    assert (program.timezone, program.capacity, program.status) == ("Europe/Paris", 12, "open")
    with pytest.raises(RuleViolation, match="already exists"), app.write() as db:
        create_program(db, slug="marseille-2026", title="Again")
    with app.read() as db:
        with pytest.raises(NotFound, match="no program 'lyon'"):
            get_program(db, "lyon")
        assert [p.slug for p in list_programs(db, status="open")] == ["marseille-2026"]
        assert list_programs(db, status="cancelled") == []


def test_a_capacity_too_large_for_the_database_is_refused_in_one_line(app: App) -> None:
    with app.write() as db:
        create_program(db, slug="marseille-2026", title="Collectif", capacity=2)
    for capacity in (2**31, 10**20):
        with pytest.raises(InvalidInput, match="capacity must be at most"), app.write() as db:
            edit_program(db, get_program(db, "marseille-2026"), capacity=capacity)
    with app.read() as db:
        assert get_program(db, "marseille-2026").capacity == 2


def test_editing_a_program(app: App) -> None:
    with app.write() as db:
        create_program(db, slug="marseille-2026", title="Collectif", location="Marseille")
    with app.write() as db:
        program = get_program(db, "marseille-2026")
        changed = edit_program(db, program, title="Accompagnement collectif", location="Marseille")
        assert changed == {"title": "Collectif"}
        with pytest.raises(RuleViolation, match="cannot edit 'slug'"):
            edit_program(db, program, slug="lyon")
    with pytest.raises(RuleViolation, match="already cancelled"), app.write() as db:
        program = get_program(db, "marseille-2026")
        cancel_program(db, program)
        cancel_program(db, program)
    with app.read() as db:  # the failed unit of work left the program open
        assert get_program(db, "marseille-2026").status == "open"


# --- attendance ---------------------------------------------------------------------------


def test_only_people_with_a_seat_are_marked_and_a_mark_can_change(app: App) -> None:
    with app.write() as db:
        program = create_program(db, slug="marseille-2026", title="Collectif", capacity=1)
        day1 = add_session(db, program=program, start=DAY1, end=DAY1 + timedelta(hours=8))
        day2 = add_session(
            db,
            program=program,
            start=DAY1 + timedelta(days=21),
            end=DAY1 + timedelta(days=21, hours=8),
        )
        seated = add_participant(db, name="Seated")
        waiting = add_participant(db, name="Waiting")
        outsider = add_participant(db, name="Outsider")
        enroll(db, program=program, participant=seated)
        enroll(db, program=program, participant=waiting)
        mark_attendance(db, session=day1, participant=seated)
        mark_attendance(db, session=day1, participant=seated, present=False)  # replaces
        mark_attendance(db, session=day2, participant=seated)
        ids = (day1.id, day2.id, seated.id)
    for name in ("Waiting", "Outsider"):
        with pytest.raises(RuleViolation, match="does not have a seat"), app.write() as db:
            mark_attendance(db, session=get_session(db, ids[0]), participant=find_person(db, name))
    with app.write() as db:
        session = cancel_session(db, get_session(db, ids[1]))
        with pytest.raises(RuleViolation, match="was cancelled"):
            mark_attendance(db, session=session, participant=find_person(db, "Seated"))
    with app.read() as db:
        marks = attendance_of_program(db, [ids[0], ids[1]])
        assert attendance_of_program(db, []) == {}
    assert marks == {(ids[0], ids[2]): False, (ids[1], ids[2]): True}
    assert outsider.id not in {p for _, p in marks}


# --- ids as people type them --------------------------------------------------------------


@pytest.mark.parametrize("ref", ["99999999999", "2147483648", "0", "²", "#99999999999"])
def test_ids_out_of_range_are_not_found_on_every_database(app: App, ref: str) -> None:
    """PostgreSQL answers "integer out of range" for ids past 2**31 - 1; that must be a plain
    "not found", as on SQLite."""
    from programs.domain.coach import get_coach
    from programs.domain.followup import get_followup
    from programs.domain.track import get_track

    with app.read() as db:
        for find in (find_person, get_session, get_track, get_followup, get_coach):
            with pytest.raises(NotFound):
                find(db, ref)


def test_record_ids() -> None:
    from programs.validate import MAX_ID, record_id

    assert [record_id(v) for v in ("12", " #12 ", str(MAX_ID))] == [12, 12, MAX_ID]
    assert [record_id(v) for v in ("", "#", "12a", "-1", "0", "١٢", str(MAX_ID + 1))] == [None] * 7


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"website": "https://example.com/\x00"}, "website contains control characters"),
        ({"website": "ftp://example.com"}, "expected an http:// or https:// address"),
        ({"organisation": "Acme\x00"}, "organisation contains control characters"),
        ({"phone": "+33 6 12"}, "invalid phone number"),
    ],
)
def test_bad_coach_fields_are_refused(app: App, fields: dict, message: str) -> None:
    """A NUL character would be a database error on PostgreSQL: it is refused before."""
    from programs.domain.coach import list_coaches, set_default_coach

    with pytest.raises(InvalidInput, match=message), app.write() as db:
        set_default_coach(db, name="Claire Dubois", **fields)
    with app.read() as db:
        assert list_coaches(db) == []


def test_the_first_coach_is_the_default(app: App) -> None:
    from programs.domain.coach import add_coach, default_coach, get_coach, set_default_coach

    with app.write() as db:
        first = add_coach(db, name="Claire Dubois", email="claire@example.com")
        second = add_coach(db, name="Marc Petit")
        assert default_coach(db).id == first.id
        add_coach(db, name="Léa Roux", default=True)
        set_default_coach(db, phone="06 12 34 56 78")
    with app.read() as db:
        lea = default_coach(db)
        assert (lea.name, lea.phone) == ("Léa Roux", "+33612345678")
        assert get_coach(db, "claire@example.com").id == first.id
        assert get_coach(db, "Marc Petit").id == second.id
        assert get_coach(db, None).id == lea.id
        with pytest.raises(NotFound, match="no coach 'Nobody'"):
            get_coach(db, "Nobody")


def test_program_summaries_give_every_program_its_fill_in_one_query(app: App) -> None:
    from programs.domain.enrollment import withdraw
    from programs.domain.fill import program_summaries
    from programs.domain.program import complete_program

    with app.write() as db:
        full = create_program(db, slug="full", title="Full", capacity=2)
        done = create_program(db, slug="done", title="Done", capacity=None)
        create_program(db, slug="empty", title="Empty", capacity=5, location="Lyon")
        crowd = [add_participant(db, name=f"P{i}") for i in range(5)]
        for person in crowd[:4]:
            enroll(db, program=full, participant=person)  # 2 seated, 2 waiting
        withdraw(db, program=full, participant=crowd[3])  # a waiter leaves: not counted
        enroll(db, program=done, participant=crowd[4])
        complete_program(db, done)  # completed people still count as seated
    with app.read() as db:
        summaries = {s.slug: s for s in program_summaries(db)}
        only_open = [s.slug for s in program_summaries(db, status="open")]
    assert list(summaries) == ["done", "empty", "full"]
    assert (summaries["full"].fill.enrolled, summaries["full"].fill.waitlisted) == (2, 1)
    assert str(summaries["full"].fill) == "2/2 (+1 waiting)"
    assert (summaries["done"].fill.enrolled, summaries["done"].status) == (1, "completed")
    assert str(summaries["done"].fill) == "1/unlimited"
    assert (summaries["empty"].fill.enrolled, summaries["empty"].location) == (0, "Lyon")
    assert only_open == ["empty", "full"]
    with app.quick_read() as read:  # what `programs list` runs it on: the same rows
        assert program_summaries(read) == list(summaries.values())
        assert [s.slug for s in program_summaries(read, status="completed")] == ["done"]


def test_plain_tables_name_only_what_the_models_define() -> None:
    """programs.plain_tables is names only; programs.models stays the schema's definition."""
    from programs.models import SQLModel
    from programs.plain_tables import TABLES

    for table in TABLES:
        defined = SQLModel.metadata.tables[table.name]
        assert {c.name for c in table.columns} <= {c.name for c in defined.columns}, table.name
