"""Sign-in sheets and certificates, read back with pypdf and pdftotext (independent of the
writer, fpdf2): names, dates, a box per half-day, the attendance recorded, the hours the
pathway counts, the organisation from [certificates], French and English."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import ok, refused
from pypdf import PdfReader

ARTIFACTS = Path(__file__).parent / "artifacts"


def _no_font() -> str | None:
    from programs.errors import InvalidInput
    from programs.pdf import font_dir

    try:
        font_dir()
    except InvalidInput as exc:
        return str(exc)
    return None


pytestmark = pytest.mark.skipif(_no_font() is not None, reason=str(_no_font()))


def story(run, *, future: bool = False) -> None:  # type: ignore[no-untyped-def]
    day = "2099-03-03" if future else "2026-03-03"
    steps = [
        ("coach", "set", "--name", "Claire Dubois", "--org", "Cœur & Cap"),
        ("create", "marseille-2026", "--title", "Accompagnement collectif",
         "--location", "Marseille"),
        ("session", "add", "marseille-2026", "--start", f"{day} 09:00", "--end", "17:00",
         "--title", "Jour 1"),
        ("session", "add", "marseille-2026", "--start", "2026-03-17 14:00", "--end", "17:30"),
        ("participant", "add", "S. Martin", "--org", "Logiciel SA"),
        ("participant", "add", "Łucja Wójcik", "--lang", "en"),
        ("participant", "add", "Zoé Lefèvre"),
        ("enroll", "marseille-2026", "S. Martin", "Łucja Wójcik", "Zoé Lefèvre"),
    ]  # fmt: skip
    if not future:
        steps += [
            ("attend", "1", "S. Martin", "Łucja Wójcik"),
            ("attend", "1", "Zoé Lefèvre", "--half", "morning"),
            ("attend", "1", "Zoé Lefèvre", "--half", "afternoon", "--absent"),
            ("attend", "2", "S. Martin", "Zoé Lefèvre"),
        ]
    for step in steps:
        ok(run(*step))


def boxes(path: Path) -> int:
    """Rectangles drawn on the first page (the ``re`` operator of the content stream)."""
    data = PdfReader(path).pages[0].get_contents().get_data()  # type: ignore[union-attr]
    return len(re.findall(rb" re\b", data))


def text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_sheet_before_the_session_has_empty_boxes_per_half_day(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    story(run, future=True)
    target = tmp_path / "jour-1.pdf"
    out = ok(run("sheet", "1", "-o", str(target), "--language", "en")).stdout
    assert f"sign-in sheet of session #1 (3 participants): {target}" in out
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    found = text(target)
    for expected in (
        "Sign-in sheet",
        "Accompagnement collectif (marseille-2026)",
        "#1 Jour 1",
        "Tuesday, March 3, 2099, 09:00–17:00",
        "Marseille",
        "Claire Dubois",
        "Morning",
        "Afternoon",
        "S. Martin",
        "Łucja Wójcik",
        "Zoé Lefèvre",
    ):
        assert expected in found, expected
    assert "present" not in found and "absent" not in found
    # header row, 3 participants and the trainer, each: a name and two half-day boxes
    assert boxes(target) == 5 * 3


def test_a_sheet_after_the_session_shows_the_attendance_recorded(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    story(run)
    target = tmp_path / "jour-1.pdf"
    ok(run("sheet", "1", "-o", str(target)))  # the coach's language: French by default
    if shutil.which("pdftotext"):
        layout = subprocess.run(
            ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
        ).stdout
    else:  # the same check, through pypdf
        layout = text(target)
    assert "Feuille d’émargement" in layout
    assert "mardi 3 mars 2026, 09:00–17:00" in layout
    rows = {line.split()[0]: line.split()[-2:] for line in layout.splitlines() if "  " in line}
    assert rows["S."] == ["présent", "présent"]
    assert rows["Zoé"] == ["présent", "absent"]
    single = tmp_path / "jour-2.pdf"
    ok(run("sheet", "2", "-o", str(single)))
    assert boxes(single) == 5 * 2  # 14:00-17:30: one box
    assert "Signature" in text(single)


def test_a_sheet_renders_to_png_for_a_person_to_look_at(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (Debian: poppler-utils)")
    story(run)
    target = tmp_path / "jour-1.pdf"
    ok(run("sheet", "1", "-o", str(target)))
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "sign-in-sheet"
    render = ["pdftoppm", "-png", "-r", "60", "-singlefile", str(target), str(prefix)]
    subprocess.run(render, check=True)
    png = prefix.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_certificates_hold_the_hours_of_the_pathway(run, tmp_path, private_env) -> None:  # type: ignore[no-untyped-def]
    (private_env / "config.toml").write_text(
        "[certificates]\n"
        'organisation = "Cœur & Cap SARL"\n'
        'address = "12 rue de la République, 13001 Marseille"\n'
        'siret = "123 456 789 00012"\n'
        'training_body_number = "93 13 12345 13"\n'
        'city = "Marseille"\n'
        'signatory = "Claire Dubois"\n',
        encoding="utf-8",
    )
    story(run)
    pathway = json.loads(ok(run("pathway", "marseille-2026", "--json")).stdout)
    hours = {p["name"]: p["hours"] for p in pathway["participants"]}
    assert hours == {"S. Martin": 11.5, "Zoé Lefèvre": 7.5, "Łucja Wójcik": 8.0}

    target = tmp_path / "s-martin.pdf"
    out = ok(run("certificate", "marseille-2026", "S. Martin", "-o", str(target))).stdout
    assert "11.5" in out
    french = text(target)
    for expected in (
        "Certificat de réalisation",
        "Cœur & Cap SARL",
        "12 rue de la République, 13001 Marseille",
        "12345678900012",
        "93 13 12345 13",
        "S. Martin",
        "Logiciel SA",
        "Accompagnement collectif",
        "du mardi 3 mars 2026 au mardi 17 mars 2026",
        "11,5 heures",
        "Marseille",
    ):
        assert expected in french, expected

    folder = tmp_path / "all"
    folder.mkdir()
    out = ok(run("certificate", "marseille-2026", "--all", "-o", str(folder))).stdout
    written = sorted(folder.iterdir())
    assert len(written) == 3 and len(out.splitlines()) == 3
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in written)
    english = text(folder / "certificate-marseille-2026-2.pdf")  # Łucja reads English
    assert "Certificate of completion" in english and "Łucja Wójcik" in english
    assert "for 8 hours attended" in english
    assert "from Tuesday, March 3, 2026 to Tuesday, March 17, 2026" in english
    assert "7,5 heures" in text(folder / "certificate-marseille-2026-3.pdf")


def test_bad_input_is_one_line_and_writes_nothing(run, tmp_path, private_env) -> None:  # type: ignore[no-untyped-def]
    story(run)
    ok(run("participant", "add", "Outsider"))
    ok(run("session", "add", "marseille-2026", "--start", "2026-03-24 09:00", "--end", "12:00"))
    ok(run("session", "cancel", "3"))
    target = tmp_path / "x.pdf"
    cases = [
        (("sheet", "99", "-o", str(target)), "no session '99'"),
        (("sheet", "3", "-o", str(target)), "session 3 was cancelled"),
        (("sheet", "1", "-o", str(tmp_path / "none" / "x.pdf")), "does not exist"),
        (("certificate", "marseille-2026", "Outsider", "-o", str(target)), "does not have a seat"),
        (("certificate", "marseille-2026", "-o", str(target)), "name one PERSON, or give --all"),
        (("certificate", "marseille-2026", "--all", "-o", str(target)), "names an existing folder"),
        (("certificate", "nowhere", "S. Martin", "-o", str(target)), "no program 'nowhere'"),
    ]
    for args, says in cases:
        refused(run(*args), says)
    (private_env / "config.toml").write_text('[certificates]\nsiret = "12"\n', encoding="utf-8")
    refused(
        run("certificate", "marseille-2026", "S. Martin", "-o", str(target)),
        "siret must be 14 digits",
    )
    assert not target.exists()


def test_without_the_font_it_says_what_to_install(run, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import programs.pdf

    story(run)
    monkeypatch.setattr(programs.pdf, "FONT_DIRS", ())  # a machine without fonts-dejavu-core
    monkeypatch.setenv("PROGRAMS_FONT_DIR", str(tmp_path))
    target = tmp_path / "x.pdf"
    refused(run("sheet", "1", "-o", str(target)), "install fonts-dejavu-core")
    assert not target.exists()


def test_a_long_group_gets_the_header_on_every_page(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    story(run, future=True)
    people = tmp_path / "group.csv"
    people.write_text(
        "Nom;Prénom\n" + "".join(f"Personne{n:02d};Anne\n" for n in range(40)), encoding="utf-8"
    )
    ok(run("participant", "import", str(people), "--program", "marseille-2026"))
    target = tmp_path / "big.pdf"
    ok(run("sheet", "1", "-o", str(target), "--language", "en"))
    reader = PdfReader(target)
    assert len(reader.pages) >= 2
    pages = [page.extract_text() for page in reader.pages]
    assert all("Participant" in page and "Morning" in page for page in pages)
    assert sum(page.count("Personne") for page in pages) == 40


def test_the_sheet_and_the_certificate_read_the_same_on_both_databases(app) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from programs.certificate import Issuer, certificate_of
    from programs.domain.attendance import mark_attendance
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session
    from programs.sheet import sheet_of
    from programs.times import localize

    day = localize(datetime(2026, 3, 3, 9, 0), "Europe/Paris")
    after = localize(datetime(2026, 3, 3, 18, 0), "Europe/Paris")
    with app.write() as db:
        program = create_program(db, slug="m", title="Collectif", location="Marseille")
        session = add_session(db, program=program, start=day, end=after.replace(hour=17))
        zoe = add_participant(db, name="Zoé Lefèvre", language="en")
        sam = add_participant(db, name="S. Martin")
        for person in (zoe, sam):
            enroll(db, program=program, participant=person)
        mark_attendance(db, session=session, participant=zoe, half="morning", now=after)
        found = sheet_of(db, session, language="fr")
        cert = certificate_of(db, program, zoe, issuer=Issuer(organisation="Cœur & Cap"))
    assert [(r.name, r.marks) for r in found.rows] == [
        ("S. Martin", {"morning": None, "afternoon": None}),
        ("Zoé Lefèvre", {"morning": True, "afternoon": None}),
    ]
    assert (found.start, found.hours, found.place) == (
        "mardi 3 mars 2026",
        "09:00–17:00",
        "Marseille",
    )
    assert (cert.hours, cert.language, cert.first_day) == (4.0, "en", "Tuesday, March 3, 2026")
