"""CSV import of participants, on SQLite and PostgreSQL: all rows or none, every bad row named
with its line, enrollment by the same rules as one at a time, and memory that stays flat."""

from __future__ import annotations

import io
import tracemalloc

import pytest
import sqlalchemy as sa

from programs.app import App
from programs.domain import csv_import
from programs.domain.base import get_program
from programs.domain.csv_import import ImportRejected, import_participants, read_rows
from programs.domain.enrollment import enroll, waitlist, withdraw
from programs.domain.participant import add_participant, find_person
from programs.domain.program import create_program
from programs.errors import InvalidInput
from programs.models import Participant

SLUG = "marseille-2026"


def run_import(app: App, text: str, *, slug: str | None = None):  # type: ignore[no-untyped-def]
    with app.write() as db:
        program = get_program(db, slug) if slug else None
        return import_participants(db, read_rows(io.StringIO(text)), program=program)


def counts(app: App) -> tuple[int, int]:
    with app.engine.connect() as conn:
        people = conn.execute(sa.text("SELECT count(*) FROM participant")).scalar()
        seats = conn.execute(sa.text("SELECT count(*) FROM enrollment")).scalar()
    return people, seats


def test_a_good_file_goes_in_with_its_fields_cleaned(app: App) -> None:
    text = (
        "\ufeffName,Email,Phone,Organization,Lang,notes\n"
        'S. Martin,s.martin@EXAMPLE.com,06 12 34 56 78,Acme,fr,"two lines\nof notes"\n'
        "\n"
        "A. Durand,,+44 20 7946 0958,,en,\n"
    )
    result = run_import(app, text)
    assert (result.created, result.enrolled, result.waitlisted) == (2, 0, 0)
    with app.read() as db:
        martin = find_person(db, "S. Martin")
        durand = db.get(Participant, result.participant_ids[1])
    assert (martin.email, martin.phone, martin.organisation) == (
        "s.martin@example.com",
        "+33612345678",
        "Acme",
    )
    assert martin.notes == "two lines\nof notes"
    assert (durand.name, durand.email, durand.phone, durand.language) == (
        "A. Durand",
        None,
        "+442079460958",
        "en",
    )
    assert result.participant_ids == [martin.id, durand.id]


def test_every_bad_row_is_listed_by_line_and_nothing_is_written(app: App) -> None:
    with app.write() as db:
        add_participant(db, name="Already Here", email="here@example.com")
    before = counts(app)
    text = (
        "name,email,phone,notes\n"  # line 1
        "Good One,good@example.com,,\n"  # 2
        "Bad Email,not-an-email,,\n"  # 3
        "Bad Phone,,0612,\n"  # 4
        ",nobody@example.com,,\n"  # 5
        "Twice,GOOD@example.com,,\n"  # 6: same as line 2, case aside
        "Known,Here@Example.com,,\n"  # 7: already in the database
        "Extra,extra@example.com,,,surplus\n"  # 8
        'Multi,,,"two\nlines"\n'  # 9-10: fine
        "Good Two,two@example.com,,\n"  # 11
        "Bad Zone,,,,\n"  # 12: an extra (empty) field too
    )
    with pytest.raises(ImportRejected) as caught:
        run_import(app, text)
    rejected = caught.value
    assert str(rejected) == "7 bad rows, nothing imported"
    assert [p.split(":")[0] for p in rejected.problems] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
        "line 12",
    ]
    messages = dict(p.split(": ", 1) for p in rejected.problems)
    assert messages["line 3"].startswith("invalid email 'not-an-email'")
    assert messages["line 4"].startswith("invalid phone number '0612'")
    assert messages["line 5"] == "name is empty"
    assert messages["line 6"] == "GOOD@example.com appears twice in the file (first on line 2)"
    assert messages["line 7"] == "Here@example.com is already a participant's email"
    assert messages["line 8"] == "5 fields, more than the header has"
    assert counts(app) == before


def test_duplicates_across_chunks_are_found_without_a_growing_set(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "CHUNK", 2)
    text = "name,email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(1, 7))
    text += "Again,P2@example.com\nBad,nope\nAgain too,p5@example.com\n"
    with pytest.raises(ImportRejected) as caught:
        run_import(app, text)
    assert caught.value.problems == [
        "line 8: P2@example.com appears twice in the file",
        "line 9: invalid email 'nope': An email address must have an @-sign.",
        "line 10: p5@example.com appears twice in the file",
    ]
    assert counts(app) == (0, 0)


def test_only_the_first_fifty_problems_are_shown_in_line_order(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Database duplicates are found a chunk late; the report is still in line order."""
    monkeypatch.setattr(csv_import, "CHUNK", 100)
    with app.write() as db:
        add_participant(db, name="Known", email="known@example.com")
    text = "name,email\nFirst,KNOWN@example.com\n" + "".join(
        f",x{i}@example.com\n" for i in range(70)
    )
    with pytest.raises(ImportRejected) as caught:
        run_import(app, text)
    assert str(caught.value) == "71 bad rows, nothing imported (first 50 shown)"
    assert caught.value.problems[0] == "line 2: KNOWN@example.com is already a participant's email"
    assert [int(p.split(":")[0].split()[1]) for p in caught.value.problems] == list(range(2, 52))


def test_a_file_saved_by_a_french_excel_is_read_with_semicolons(app: App) -> None:
    # Excel in French (and most of Europe) saves "CSV" with ";" between fields, "," being
    # the decimal mark; tabs come from a copy out of a spreadsheet.
    for sep, name in ((";", "S. Martin"), ("\t", "A. Durand")):
        text = (
            f"\ufeffname{sep}email{sep}organisation\r\n"
            f"{name}{sep}{name[0].lower()}@example.com{sep}Acme, Marseille\r\n"
        )
        assert run_import(app, text).created == 1
        with app.read() as db:
            assert find_person(db, name).organisation == "Acme, Marseille"
    with pytest.raises(ImportRejected) as caught:  # line numbers as for commas
        run_import(app, "name;email\nB;b@example.com\nC;not-an-email\n")
    assert caught.value.problems[0].startswith("line 3: invalid email")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the CSV file is empty"),
        ("email,phone\nx@example.com,\n", "needs a 'name' column"),
        (
            "name,e-mail,age,ville\nA,,,\n",
            "unknown CSV column(s): 'age', 'ville' (known: name, given_name",
        ),
        (
            "name,email,Email\nA,,\n",
            "CSV column(s) given twice: 'email' and 'Email' are both email",
        ),
        ("Nom,Téléphone,Portable\nA,,\n", "'Téléphone' and 'Portable' are both phone"),
        ("Prénom,E-mail\nA,\n", "needs a 'name' column"),
        ("name,,email\nA,,\n", "unknown CSV column(s): ''"),
    ],
)
def test_bad_headers_are_refused(app: App, text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        run_import(app, text)
    assert message in str(caught.value)
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name,email\nA B,a@example.com\n"unterminated,q@example.com\n', "line 3: a quote"),
        ('name,email\n"Open\nB,b@example.com\nC,c@example.com\n', "line 2: a quote"),
        ('name,email\n"A" B,a@example.com\n', "line 2: cannot read the CSV"),
    ],
    ids=["last-row", "swallowing-the-rest", "text-after-a-closing-quote"],
)
def test_a_quote_never_closed_is_refused_at_its_line(app: App, text: str, message: str) -> None:
    """Not a record made of the rest of the file: the import stops, naming the line."""
    with pytest.raises(InvalidInput) as caught:
        run_import(app, text)
    assert str(caught.value).startswith(message)
    assert counts(app) == (0, 0)


def test_imported_people_take_free_seats_then_wait_in_file_order(app: App) -> None:
    with app.write() as db:
        program = create_program(db, slug=SLUG, title="Accompagnement collectif", capacity=3)
        enroll(db, program=program, participant=add_participant(db, name="Early"))
    text = "name\nF1\nF2\nF3\nF4\n"
    result = run_import(app, text, slug=SLUG)
    assert (result.created, result.enrolled, result.waitlisted) == (4, 2, 2)
    with app.read() as db:
        program = get_program(db, SLUG)
        waiting = [db.get(Participant, e.participant_id).name for e in waitlist(db, program)]
    assert waiting == ["F3", "F4"]
    with app.engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT status, count(*) FROM enrollment GROUP BY status ORDER BY status")
        ).all()
    assert [tuple(r) for r in stored] == [("enrolled", 3), ("waitlisted", 2)]


def test_imported_people_wait_behind_those_already_waiting(app: App) -> None:
    """Z asked for a seat a moment before the import (most likely within the same second):
    Z stays first in line, and gets the next seat."""
    with app.write() as db:
        program = create_program(db, slug=SLUG, title="Accompagnement collectif", capacity=1)
        for name in ("X", "Z"):
            enroll(db, program=program, participant=add_participant(db, name=name))
    result = run_import(app, "name\nF1\nF2\n", slug=SLUG)
    assert (result.enrolled, result.waitlisted) == (0, 2)
    with app.write() as db:
        program = get_program(db, SLUG)
        names = [db.get(Participant, e.participant_id).name for e in waitlist(db, program)]
        assert names == ["Z", "F1", "F2"]
        promoted = withdraw(db, program=program, participant=find_person(db, "X")).promoted
        assert promoted is not None
        assert db.get(Participant, promoted.participant_id).name == "Z"


def test_no_import_into_a_closed_program(app: App) -> None:
    from programs.domain.program import cancel_program
    from programs.errors import RuleViolation

    with app.write() as db:
        cancel_program(db, create_program(db, slug=SLUG, title="Accompagnement collectif"))
    with pytest.raises(RuleViolation, match="cancelled: cannot enroll"):
        run_import(app, "name\nF1\n", slug=SLUG)
    assert counts(app) == (0, 0)


def peak_memory(app: App, rows: int) -> int:
    """Peak bytes allocated by Python while importing ``rows`` rows (the file is a stream
    made before measuring)."""
    text = "name,email,phone\n" + "".join(
        f"Person {i},person{i}@example.com,+336{12000000 + i:08d}\n" for i in range(rows)
    )
    stream = io.StringIO(text)
    del text
    tracemalloc.start()
    try:
        with app.write() as db:
            result = import_participants(db, read_rows(stream))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.created == rows
    with app.write() as db:  # start the next measure from the same empty table
        db.exec(sa.text("DELETE FROM participant"))
    return peak


def test_memory_stays_flat_as_the_file_grows(
    sqlite_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four times more rows may only cost the list of new ids (about 40 bytes a row): a set
    of the emails seen, or ORM objects, would cost 140 to 1000+ bytes a row."""
    monkeypatch.setattr(csv_import, "CHUNK", 500)
    peak_memory(sqlite_app, 500)  # warm-up: imports, caches, compiled statements
    small = peak_memory(sqlite_app, 2_000)
    large = peak_memory(sqlite_app, 8_000)
    per_extra_row = (large - small) / 6_000
    assert per_extra_row < 80, f"{per_extra_row:.0f} bytes per extra row"


# --- known people: update or skip, on both databases ---------------------------------------


def test_update_and_skip_known_people_across_chunks(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_import, "CHUNK", 2)
    with app.write() as db:
        for i in range(4):
            add_participant(db, name=f"Known {i}", email=f"k{i}@example.com")
    text = "name,email,phone,role\n" + "".join(
        f"Known {i},K{i}@example.com,06 12 34 56 7{i},coach {i}\n" for i in range(4)
    )
    twice = text + "Again,k1@example.com,,\n"  # a later chunk: the bit map finds it
    with pytest.raises(ImportRejected) as caught, app.write() as db:
        import_participants(db, read_rows(io.StringIO(twice)), known=csv_import.UPDATE)
    assert caught.value.problems == ["line 6: k1@example.com appears twice in the file"]
    with app.write() as db:
        result = import_participants(db, read_rows(io.StringIO(text)), known=csv_import.UPDATE)
    assert (result.created, result.updated, result.unchanged) == (0, 4, 0)
    with app.read() as db:
        assert [(p.phone, p.role) for p in db.exec(sa.select(Participant)).scalars()] == [
            (f"+3361234567{i}", f"coach {i}") for i in range(4)
        ]
    with app.write() as db:
        again = import_participants(db, read_rows(io.StringIO(text)), known=csv_import.SKIP)
    assert (again.created, again.skipped) == (0, 4)


def test_a_known_person_who_withdrew_comes_back_in_file_order(app: App) -> None:
    with app.write() as db:
        program = create_program(db, slug=SLUG, title="Accompagnement collectif", capacity=1)
        gone = add_participant(db, name="Gone", email="gone@example.com")
        enroll(db, program=program, participant=gone)
        withdraw(db, program=program, participant=gone)
    text = "name,email\nNew One,new@example.com\nGone,gone@example.com\n"
    with app.write() as db:
        program = get_program(db, SLUG)
        result = import_participants(
            db, read_rows(io.StringIO(text)), program=program, known=csv_import.UPDATE
        )
    assert (result.created, result.unchanged, result.enrolled, result.waitlisted) == (1, 1, 1, 1)
    with app.read() as db:
        program = get_program(db, SLUG)
        waiting = [db.get(Participant, e.participant_id).name for e in waitlist(db, program)]
    assert waiting == ["Gone"]  # behind the new one, as in the file
