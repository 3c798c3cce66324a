"""`programs demo`: the DESIGN.md story in a database of its own, with and without plugins."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import as_json, ok, refused, snapshot
from click.testing import CliRunner, Result


def demo(*args: str) -> Result:
    from programs.cli.main import build_cli

    return CliRunner().invoke(build_cli(), list(args))


def query(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(str(text)).replace(tzinfo=UTC)


@pytest.mark.parametrize("plugins", ["built-in", "none"])
def test_demo_builds_the_story_in_its_own_folder(run, tmp_path, monkeypatch, plugins) -> None:
    if plugins == "none":
        from programs.plugin_manager import reset_plugin_manager

        monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
        reset_plugin_manager()
    folder = tmp_path / "demo"
    result = ok(demo("demo", "--dir", str(folder)))
    db = folder / "demo.db"
    out = result.stdout
    assert "Accompagnement collectif (marseille-2026)" in out
    assert "8/12" in out
    assert f"programs --db {db} show marseille-2026" in out
    assert str(folder) in out

    # the database, read with sqlite3 rather than the code under test
    assert query(db, "SELECT name, phone, email, is_default FROM coach") == [
        ("Claire Dubois", "+33612345678", "claire@example.com", 1)
    ]
    assert query(db, "SELECT slug, title, capacity, location, timezone FROM program") == [
        ("marseille-2026", "Accompagnement collectif", 12, "Marseille", "Europe/Paris")
    ]
    starts = [utc(s) for (s,) in query(db, "SELECT start FROM program_session ORDER BY start")]
    now = datetime.now(UTC)
    # both days are behind us, weeks apart (the follow-ups came after them)
    assert len(starts) == 2 and starts[0] < starts[1] < now
    assert starts[1] - starts[0] >= timedelta(weeks=2)
    assert query(db, "SELECT count(*), min(status), max(status) FROM enrollment") == [
        (8, "enrolled", "enrolled")
    ]
    assert query(
        db,
        "SELECT p.role FROM participant p JOIN enrollment e ON e.participant_id = p.id "
        "WHERE p.name = 'S. Martin'",
    ) == [("pre-sales support",)]
    assert query(db, "SELECT count(*), sum(present) FROM attendance WHERE session_id = 1") == [
        (16, 14)  # 8 people, morning and afternoon
    ]
    martin = query(
        db,
        "SELECT f.kind, f.status, f.topic, f.outcome FROM followup f JOIN participant p "
        "ON p.id = f.participant_id WHERE p.name = 'S. Martin' ORDER BY f.start",
    )
    assert [(k, s) for k, s, _, _ in martin] == [
        ("call", "done"),
        ("session", "done"),
        ("call", "done"),
    ]
    assert martin[0][2] == "small incident"
    assert martin[1][2] == "prepare the meeting with management"
    assert martin[2][3] == "I got what I expected, I put less pressure on the team"
    assert query(db, "SELECT planned_sessions, status FROM track") == [(6, "open")]
    assert query(
        db, "SELECT status, count(*) FROM followup WHERE track_id = 1 GROUP BY status ORDER BY 1"
    ) == [("done", 2), ("planned", 1)]
    assert "2 of 6" in out
    # the pathway: S. two days, a call, a session, a call; Karim's track 2 of 6
    assert query(db, "SELECT count(*), sum(present) FROM attendance WHERE session_id = 2") == [
        (16, 15)  # Julien left at lunch
    ]
    assert "Pathway (programs pathway marseille-2026)" in out and "Funnel" in out
    journey = as_json(run("pathway", "marseille-2026", "--json", db=str(db)))
    s = next(p for p in journey["participants"] if p["name"] == "S. Martin")
    assert [d["half_days_present"] for d in s["days"]] == [2, 2]
    assert len(s["calls"]) == 2 and len(s["one_to_ones"]) == 1
    moments = [
        datetime.fromisoformat(t)
        for t in (journey["days"][1]["end"], s["calls"][0], s["one_to_ones"][0], s["calls"][1])
    ]
    assert moments == sorted(moments)  # day 2, then a call, the session, a call
    karim = next(p for p in journey["participants"] if p["name"] == "Karim Benali")
    assert [t["progress"] for t in karim["tracks"]] == ["2 of 6"]
    assert query(db, "SELECT count(*) FROM track WHERE program_id = 1") == [(1,)]
    assert query(db, "SELECT count(*) FROM followup WHERE program_id IS NULL") == [(0,)]

    # and the command it suggests works on it
    report = as_json(run("show", "marseille-2026", "--json", db=str(db)))
    assert report["fill"] == "8/12"


def test_without_dir_it_makes_a_new_folder_in_the_data_dir(private_env) -> None:
    first = ok(demo("demo")).stdout
    second = ok(demo("demo")).stdout
    data = private_env / ".local/share/programs"
    folders = sorted(p for p in data.iterdir() if p.name.startswith("demo-"))
    assert len(folders) == 2
    assert all((f / "demo.db").is_file() for f in folders)
    assert str(folders[0]) in first + second and str(folders[1]) in first + second
    assert not (data / "programs.db").exists()  # the coach's database was never created


def test_demo_refuses_the_coachs_database_and_non_empty_ones(run, sqlite_url, tmp_path) -> None:
    from programs.db import default_db_path

    refused(demo("--db", str(default_db_path()), "demo"), "is your own database")
    refused(demo("demo", "--db", str(default_db_path())), "is your own database")
    assert not default_db_path().exists()
    before = snapshot(sqlite_url)
    refused(demo("demo", "--db", sqlite_url, "--dir", str(tmp_path / "d")), "is not empty")
    assert snapshot(sqlite_url) == before
    (tmp_path / "file").write_text("x")
    refused(demo("demo", "--dir", str(tmp_path / "file")), "is a file", code=2)


class DemoPlugin:
    from programs.hookspecs import hookimpl

    @hookimpl
    def demo_sections(self, app, workdir):  # type: ignore[no-untyped-def]
        from programs.api import get_program

        with app.read() as db:
            title = get_program(db, "marseille-2026").title
        (workdir / "card.txt").write_text(title)
        return [("A section", f"wrote card.txt for {title}")]


class BrokenDemoPlugin:
    from programs.hookspecs import hookimpl

    @hookimpl
    def demo_sections(self, workdir):  # type: ignore[no-untyped-def]
        raise RuntimeError("no paper")


def test_plugins_add_sections_in_the_demo_folder_and_failures_are_named(tmp_path) -> None:
    from programs.plugin_manager import get_plugin_manager

    pm = get_plugin_manager()
    pm.register(DemoPlugin(), name="demo-test")
    pm.register(BrokenDemoPlugin(), name="broken-test")
    folder = tmp_path / "d"
    result = demo("demo", "--dir", str(folder))
    assert result.exit_code == 1
    assert "A section (demo-test)" in result.stdout
    assert "wrote card.txt for Accompagnement collectif" in result.stdout
    assert (folder / "card.txt").read_text() == "Accompagnement collectif"
    assert "Error: plugin broken-test failed on demo_sections: no paper" in result.stderr
    assert "Traceback" not in result.stderr
    assert (folder / "demo.db").is_file()  # the demo itself is kept


@pytest.mark.postgres
def test_demo_on_an_empty_postgresql_database_then_refuses_it(
    pg_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
    result = ok(demo("demo", "--db", pg_url, "--dir", str(tmp_path / "d")))
    assert f"programs --db {pg_url} show marseille-2026" in result.stdout
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM enrollment")).scalar() == 8
    finally:
        engine.dispose()
    refused(demo("demo", "--db", pg_url, "--dir", str(tmp_path / "e")), "is not empty")


def test_a_french_coach_is_told_the_story_in_french(tmp_path, monkeypatch) -> None:
    """The story's words and the data the coach wrote in it are French; the names stay. (The
    plugins' sections are theirs: left out here.)"""
    from programs.plugin_manager import reset_plugin_manager

    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "")
    reset_plugin_manager()
    folder = tmp_path / "démo"
    out = ok(demo("demo", "--dir", str(folder))).stdout
    nnbsp = "\u202f"
    for french in (
        f"remplissage{nnbsp}:    8/12",
        f"description{nnbsp}:    Deux journées d'atelier avec un groupe de salariés.",
        "\nSéances\n",
        "\nInscriptions\n",
        "\nSuivis\n",
        "\nParcours\n",
        "J'ai obtenu ce que j'attendais, je mets moins la pression sur l'équipe",
        "trouver sa place de nouveau chef d'équipe",
        " 2 sur 6 ",
        f"Dossier de la démo{nnbsp}: {folder}",
        f"Pour la voir{nnbsp}:       programs --db {folder / 'demo.db'} show marseille-2026",
    ):
        assert french in out, f"{french!r} not in\n{out}"
    for english in (
        "Sessions",
        "Roster",
        "Follow-ups",
        "Tracks",
        "fill",
        "enrolled",
        "present",
        "of 6",
        "I got what",
        "small incident",
        "Demo folder",
        "team lead",
    ):
        assert english not in out, f"{english!r} in\n{out}"
    db = folder / "demo.db"
    assert query(db, "SELECT role FROM participant WHERE name = 'S. Martin'") == [
        ("appui avant-vente",)
    ]
    assert query(db, "SELECT topic, location FROM followup ORDER BY start LIMIT 1") == [
        ("petit incident", "téléphone")
    ]
    names = [n for (n,) in query(db, "SELECT name FROM participant ORDER BY id")]
    assert names[:3] == ["S. Martin", "Karim Benali", "Léa Roux"]
