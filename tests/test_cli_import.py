"""`programs participant import FILE.csv [--program SLUG]`: all rows or none."""

from __future__ import annotations

from pathlib import Path

from cli_support import check_refusals, ok, rows, small_story, snapshot

GOOD = (
    "name,email,phone,organisation,role,lang\n"
    "Ana Lopez,ana@example.com,06 11 22 33 44,Logiciel SA,trainer,es\n"
    'Bruno Petit,bruno@example.com,,"Logiciel, SA",developer,fr\n'
    "Chloé Martin,,+44 20 7946 0958,,,en\n"
)


def write(tmp_path: Path, text: str, name: str = "people.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def write_bytes(tmp_path: Path, data: bytes, name: str = "raw.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_import_enrolls_in_file_order_and_waitlists_the_rest(run, sqlite_url, tmp_path) -> None:
    small_story(run, capacity=2)
    result = ok(run("participant", "import", write(tmp_path, GOOD), "--program", "marseille-2026"))
    assert "imported 3 participants" in result.stdout
    assert "marseille-2026: 2 enrolled, 1 waitlisted" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert rows(
        sqlite_url,
        "SELECT p.name, p.phone, p.organisation, p.language, e.status FROM participant p "
        "JOIN enrollment e ON e.participant_id = p.id ORDER BY p.id",
    ) == [
        ("Ana Lopez", "+33611223344", "Logiciel SA", "es", "enrolled"),
        ("Bruno Petit", None, "Logiciel, SA", "fr", "enrolled"),
        ("Chloé Martin", "+442079460958", None, "en", "waitlisted"),
    ]


def test_dash_reads_stdin_and_a_bom_is_ignored(run, sqlite_url) -> None:
    result = ok(run("participant", "import", "-", input="\ufeff" + GOOD))
    assert "imported 3 participants" in result.stdout
    assert rows(sqlite_url, "SELECT count(*) FROM participant") == [(3,)]


def test_bad_rows_are_all_listed_with_line_numbers_and_nothing_is_written(
    run, sqlite_url, tmp_path
) -> None:
    small_story(run)
    text = (
        "name,email,phone\n"
        "Ana Lopez,ana@example.com,\n"
        "Bad Mail,nope,\n"
        "Bad Phone,,0612\n"
        ",nobody@example.com,\n"
        "Twice,ana@example.com,\n"
        "Taken,s.martin@example.com,\n"
    )
    before = snapshot(sqlite_url)
    result = run("participant", "import", write(tmp_path, text), "--program", "marseille-2026")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Error: 5 bad rows, nothing imported")
    listed = [line.strip().split(":")[0] for line in lines[1:]]
    assert listed == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "invalid email" in lines[1] and "invalid phone" in lines[2]
    assert "appears twice" in lines[4] and "already a participant" in lines[5]
    assert snapshot(sqlite_url) == before


def test_unreadable_files_are_one_line_errors(run, sqlite_url, tmp_path) -> None:
    small_story(run)
    ok(run("create", "gone", "--title", "Gone"))
    ok(run("cancel", "gone"))
    good = write(tmp_path, GOOD)
    check_refusals(
        run,
        sqlite_url,
        [
            (("participant", "import", str(tmp_path / "missing.csv")), "cannot read"),
            (("participant", "import", str(tmp_path)), "cannot read"),
            (("participant", "import", write(tmp_path, "", "empty.csv")), "empty"),
            (
                ("participant", "import", write(tmp_path, "nom,âge\nA,40\n", "fr.csv")),
                "unknown CSV column(s): 'âge'",
            ),
            (
                ("participant", "import", write(tmp_path, "email\na@example.com\n", "n.csv")),
                "needs a 'name' column",
            ),
            (  # 0x81 is in neither UTF-8 (alone) nor Windows-1252
                (
                    "participant",
                    "import",
                    write_bytes(tmp_path, b"name\nJos\xe9 \x81\n", "bad.csv"),
                ),
                "neither UTF-8 nor Windows-1252",
            ),
            (
                (
                    "participant",
                    "import",
                    write_bytes(tmp_path, b"\xd0\xcf\x11\xe0rest", "old.xls"),
                ),
                "old Excel .xls file",
            ),
            (
                ("participant", "import", write_bytes(tmp_path, b"PK\x03\x04 not a zip", "x.xlsx")),
                "not a readable Excel file",
            ),
            (("participant", "import", good, "--program", "nowhere"), "no program"),
            (("participant", "import", good, "--program", "gone"), "cancelled"),
            (("participant", "import"), "FILE", 2),
        ],
    )
