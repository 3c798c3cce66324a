"""`programs participant import` with the files coaches have: French Excel's CSV and .xlsx,
--dry-run, --update, --skip-existing and --rejects FILE; still all or nothing."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import openpyxl
from cli_support import check_refusals, ok, rows, small_story, snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "people.csv"
FRENCH = "Nom;Prénom;E-mail;Téléphone;Société;Fonction\r\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "cp1252") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def people(sqlite_url: str) -> list[tuple]:
    return rows(
        sqlite_url,
        "SELECT name, given_name, family_name, email, phone, organisation, role "
        "FROM participant ORDER BY id",
    )


def test_the_shipped_example_is_what_french_excel_saves() -> None:
    data = EXAMPLE.read_bytes()
    assert data.startswith("Nom;Prénom;E-mail;Téléphone;Société;Fonction\r\n".encode("cp1252"))
    data.decode("cp1252")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("docs/examples/people.csv must be Windows-1252, not UTF-8")


def test_the_example_goes_in_with_its_names_split(run, sqlite_url) -> None:
    small_story(run, capacity=12)
    out = ok(run("participant", "import", str(EXAMPLE), "--program", "marseille-2026")).stdout
    assert "imported 6 participants" in out and "marseille-2026: 6 enrolled" in out
    found = {r[0]: r for r in people(sqlite_url)}
    assert found["A. Durand"][1:4] == ("A.", "Durand", "a.durand@example.com")
    assert found["Jean de La Fontaine"][1:3] == ("Jean", "de La Fontaine")
    assert found["Émilie Lefèvre"][4:7] == (
        "+33491551234",
        "Clinique Saint-Joseph",
        "cadre de santé",
    )


def test_a_french_excel_file_on_stdin(run, sqlite_url) -> None:
    text = FRENCH + "Roux;Léa;lea@example.com;06 12 34 56 78;Hôtel Le Panier;réception\r\n"
    ok(run("participant", "import", "-", input=text.encode("cp1252")))
    assert people(sqlite_url) == [
        (
            "Léa Roux",
            "Léa",
            "Roux",
            "lea@example.com",
            "+33612345678",
            "Hôtel Le Panier",
            "réception",
        )
    ]


def test_an_xlsx_workbook(run, sqlite_url, tmp_path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Prénom", "Nom", "Adresse e-mail", "Portable"])
    book.active.append(["Karim", "Benali", "karim@example.com", 781920314])
    book.save(tmp_path / "inscrits.xlsx")
    ok(run("participant", "import", str(tmp_path / "inscrits.xlsx")))
    assert people(sqlite_url) == [
        ("Karim Benali", "Karim", "Benali", "karim@example.com", "+33781920314", None, None)
    ]


# --- known people -----------------------------------------------------------------------


def story(run, capacity: int = 3) -> None:  # type: ignore[no-untyped-def]
    """The small story, Léa Roux with an email: two known people to find by email."""
    small_story(run, capacity=capacity)
    ok(run("participant", "edit", "Léa", "--email", "lea@example.com"))


def known_and_new(tmp_path: Path) -> str:
    return write(
        tmp_path,
        "again.csv",
        FRENCH
        + "Martin;S.;S.MARTIN@example.com;06 11 11 11 11;;avant-vente\r\n"  # known, changed
        + "Roux;Léa;lea@example.com;;;\r\n"  # known, nothing new (empty cells keep)
        + "Petit;Bruno;bruno@example.com;;Logiciel SA;\r\n",  # new
    )


def test_a_known_email_is_a_bad_row_without_update_or_skip(run, sqlite_url, tmp_path) -> None:
    story(run)
    before = snapshot(sqlite_url)
    result = run("participant", "import", known_and_new(tmp_path))
    refused_lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and refused_lines[0] == "Error: 2 bad rows, nothing imported"
    assert "line 2: S.MARTIN@example.com is already a participant's email" in result.stderr
    assert snapshot(sqlite_url) == before


def test_update_changes_known_people_and_adds_the_new(run, sqlite_url, tmp_path) -> None:
    story(run)
    out = ok(run("participant", "import", known_and_new(tmp_path), "--update")).stdout
    assert out.splitlines() == [
        "imported 1 participant",
        "updated 1 known participant",
        "1 known participant already up to date",
    ]
    found = {r[3]: r for r in people(sqlite_url)}
    assert found["s.martin@example.com"][4:7] == ("+33611111111", None, "avant-vente")
    assert found["lea@example.com"][0] == "Léa Roux"  # as it was
    assert found["bruno@example.com"][0] == "Bruno Petit"


def test_update_enrolls_known_people_not_yet_in_the_program(run, sqlite_url, tmp_path) -> None:
    story(run, capacity=2)
    ok(run("enroll", "marseille-2026", "Léa"))
    args = ("participant", "import", known_and_new(tmp_path), "--update")
    out = ok(run(*args, "--program", "marseille-2026")).stdout
    assert "marseille-2026: 1 enrolled, 1 waitlisted" in out
    assert "marseille-2026: 1 already in the program" in out
    assert rows(
        sqlite_url,
        "SELECT p.email, e.status FROM enrollment e JOIN participant p "
        "ON p.id = e.participant_id ORDER BY e.id",
    ) == [
        ("lea@example.com", "enrolled"),
        ("s.martin@example.com", "enrolled"),  # file order: S. Martin first
        ("bruno@example.com", "waitlisted"),
    ]


def test_skip_existing_adds_only_the_new(run, sqlite_url, tmp_path) -> None:
    story(run)
    before = dict((r[3], r) for r in people(sqlite_url))
    out = ok(run("participant", "import", known_and_new(tmp_path), "--skip-existing")).stdout
    assert out.splitlines() == ["imported 1 participant", "skipped 2 known participants"]
    after = {r[3]: r for r in people(sqlite_url)}
    assert after.keys() - before.keys() == {"bruno@example.com"}
    assert all(after[k] == v for k, v in before.items())


def test_a_known_email_twice_in_the_file_is_still_a_bad_row(run, sqlite_url, tmp_path) -> None:
    story(run)
    path = write(
        tmp_path,
        "twice.csv",
        FRENCH + "Martin;S.;s.martin@example.com;;;\r\nMartin;Sophie;S.Martin@example.com;;;\r\n",
    )
    result = run("participant", "import", path, "--update")
    assert result.exit_code == 1
    assert "line 3: S.Martin@example.com appears twice in the file" in result.stderr


def test_update_and_skip_together_are_a_usage_error(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("participant", "import", str(EXAMPLE), "--update", "--skip-existing"),
                "cannot be used together",
                2,
            )
        ],
    )


# --- dry run ------------------------------------------------------------------------------


def test_a_dry_run_says_what_would_happen_and_writes_nothing(run, sqlite_url, tmp_path) -> None:
    story(run, capacity=4)
    before = snapshot(sqlite_url)
    args = ("participant", "import", known_and_new(tmp_path), "--update", "--dry-run")
    out = ok(run(*args, "--program", "marseille-2026")).stdout
    assert out.splitlines() == [
        "Dry run: nothing was written.",
        "would import 1 participant",
        "would update 1 known participant",
        "1 known participant already up to date",
        "marseille-2026: would enroll 3",
    ]
    assert snapshot(sqlite_url) == before
    real = ok(run(*args[:-1], "--program", "marseille-2026")).stdout
    assert "marseille-2026: 3 enrolled" in real  # what the dry run said


def test_a_dry_run_with_bad_rows_counts_them_and_fails(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    before = snapshot(sqlite_url)
    path = write(
        tmp_path, "bad.csv", FRENCH + "Petit;Bruno;nope;;;\r\nNoir;Ana;ana@example.com;;;\r\n"
    )
    result = run("participant", "import", path, "--dry-run")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "Dry run: nothing was written.",
        "would import 1 participant",
        "1 bad row: the import would be refused",
    ]
    assert "line 2: invalid email 'nope'" in result.stderr
    assert snapshot(sqlite_url) == before


# --- rejects ------------------------------------------------------------------------------


def bad_file(tmp_path: Path, bad: int) -> str:
    lines = [f"Good{i};Ann;good{i}@example.com;;;\r\n" for i in range(5)]
    lines += [f"Bad{i};Bob;bad{i}-at-example.com;;Société;\r\n" for i in range(bad)]
    return write(tmp_path, "inscrits.csv", FRENCH + "".join(lines))


def test_rejects_holds_every_bad_row_in_the_files_own_dialect(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    before = snapshot(sqlite_url)
    target = tmp_path / "a-corriger.csv"
    result = run("participant", "import", bad_file(tmp_path, 120), "--rejects", str(target))
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert errors[0] == "Error: 120 bad rows, nothing imported (first 50 shown)"
    assert len(errors) == 1 + 50 + 1 and str(target) in errors[-1]
    assert snapshot(sqlite_url) == before  # still all or nothing
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # people's data
    data = target.read_bytes()
    text = data.decode("cp1252")  # the source's encoding
    lines = text.split("\r\n")
    assert lines[0] == "reason;Nom;Prénom;E-mail;Téléphone;Société;Fonction"
    assert len([line for line in lines[1:] if line]) == 120  # every one, not only 50
    assert lines[1].startswith("line 7: invalid email 'bad0-at-example.com'")
    assert lines[1].endswith(";Bad0;Bob;bad0-at-example.com;;Société;")
    assert [int(line.split()[1].rstrip(":")) for line in lines[1:] if line] == list(range(7, 127))

    # fixed in place, the rejects file imports as it is (its reason column is left out)
    target.write_bytes(text.replace("-at-", "@").encode("cp1252"))
    assert "imported 120 participants" in ok(run("participant", "import", str(target))).stdout


def test_without_rejects_the_error_says_how_to_get_them_all(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    result = run("participant", "import", bad_file(tmp_path, 60))
    last = result.stderr.strip().splitlines()[-1]
    assert last == "  and 10 more: --rejects FILE writes every bad row to a file"


def test_rejects_never_overwrites_and_is_not_written_without_bad_rows(
    run, sqlite_url, tmp_path
) -> None:
    small_story(run)
    taken = tmp_path / "taken.csv"
    taken.write_text("mine")
    check_refusals(
        run,
        sqlite_url,
        [
            (
                ("participant", "import", bad_file(tmp_path, 2), "--rejects", str(taken)),
                "already exists",
            ),
            (
                (
                    "participant",
                    "import",
                    str(EXAMPLE),
                    "--rejects",
                    str(tmp_path / "no" / "r.csv"),
                ),
                "does not exist",
            ),
        ],
    )
    assert taken.read_text() == "mine"
    clean = tmp_path / "clean.csv"
    ok(run("participant", "import", str(EXAMPLE), "--rejects", str(clean)))
    assert not clean.exists()


def test_rejects_of_a_workbook_can_be_a_workbook(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    book = openpyxl.Workbook()
    book.active.append(["Nom", "Prénom", "E-mail"])
    book.active.append(["Roux", "Léa", "not-an-email"])
    book.save(tmp_path / "inscrits.xlsx")
    target = tmp_path / "a-corriger.xlsx"
    result = run("participant", "import", str(tmp_path / "inscrits.xlsx"), "--rejects", str(target))
    assert result.exit_code == 1 and str(target) in result.stderr
    sheet = openpyxl.load_workbook(io.BytesIO(target.read_bytes())).active
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header == ["reason", "Nom", "Prénom", "E-mail"]
    assert row[0].startswith("line 2: invalid email 'not-an-email'")
    assert row[1:] == ["Roux", "Léa", "not-an-email"]
