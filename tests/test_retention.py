"""[core] retention_years, end to end through the CLI on SQLite and PostgreSQL: an erasure
keeps a pseudonymous record with the attendance (and so the hours) and nothing of the
person; the raw SQLite file and its WAL, and a dump of the PostgreSQL database, hold none of
their details; `programs purge` deletes the record once the retention ends, and again finds
nothing; `participant export` says beforehand what would be kept and why."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cli_support import ok

import programs.times

SECRETS = (
    "Anne",
    "Secret",
    "anne.secret@example.com",
    "+33611111111",
    "Confidentielle",
    "très personnel",
    "sujet intime",
    "gardée secrète",
)


@pytest.fixture
def cli(run, db_url: str, private_env: Path):  # type: ignore[no-untyped-def]
    (private_env / "config.toml").write_text("[core]\nretention_years = 3\n", encoding="utf-8")

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return run(*args, db=db_url)

    ok(invoke("init"))
    return invoke


def story(cli) -> None:  # type: ignore[no-untyped-def]
    steps = [
        ("create", "m", "--title", "Marseille"),
        ("session", "add", "m", "--start", "2026-03-03 09:00", "--end", "17:00"),
        ("participant", "add", "Anne Secret", "--email", "anne.secret@example.com",
         "--phone", "06 11 11 11 11", "--org", "Société Confidentielle",
         "--notes", "très personnel"),
        ("participant", "add", "Bruno Témoin"),
        ("enroll", "m", "Anne Secret", "Bruno Témoin"),
        ("attend", "1", "Anne Secret", "Bruno Témoin"),
        ("followup", "add", "Anne Secret", "--kind", "call", "--at", "2026-03-05 18:00",
         "--topic", "sujet intime", "--program", "m"),
        ("followup", "done", "1", "--outcome", "gardée secrète"),
        ("track", "open", "Anne Secret", "--goal", "sujet intime aussi"),
    ]  # fmt: skip
    for step in steps:
        ok(cli(*step))


def stored_bytes(db_url: str) -> bytes:
    """Everything the database holds, read around the code under test: the SQLite file
    and its WAL as bytes, or a dump of the PostgreSQL database."""
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        found = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        return found + (wal.read_bytes() if wal.exists() else b"")
    plain = db_url.replace("postgresql+psycopg://", "postgresql://", 1)
    if shutil.which("pg_dump"):
        dumped = subprocess.run(["pg_dump", "--data-only", plain], capture_output=True)
        if dumped.returncode == 0:
            return dumped.stdout
    engine = sa.create_engine(db_url)  # pg_dump missing or of another version: every table
    out = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            out += [repr(tuple(r)) for r in conn.execute(sa.text(f'SELECT * FROM "{table}"'))]
    engine.dispose()
    return "\n".join(out).encode()


def test_an_erasure_keeps_a_pseudonymous_proof_until_the_purge(cli, db_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    story(cli)
    exported = json.loads(ok(cli("participant", "export", "Anne Secret")).stdout)
    assert exported["on_erasure"]["kept"] == ["attendance", "enrollments"]
    assert exported["on_erasure"]["half_days"] == 2
    assert "funders audit training for years" in exported["on_erasure"]["why"]
    assert all(s.encode() in stored_bytes(db_url) for s in SECRETS[:3])  # the check can fail

    out = ok(cli("participant", "erase", "Anne Secret", "--yes")).stdout
    until = (datetime.now().date() + timedelta(days=3 * 365)).year
    found = re.search(r"kept until (\d{4})-\d\d-\d\d as pseudonymous record (erased-\w+)", out)
    assert found and int(found[1]) == until, out
    key = found[2]
    stored = stored_bytes(db_url)
    for secret in SECRETS:
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret

    report = json.loads(ok(cli("pathway", "m", "--json")).stdout)
    hours = {p["name"]: p["hours"] for p in report["participants"]}
    assert hours == {key: 8.0, "Bruno Témoin": 8.0}  # the proof and its hours stay
    record = next(p for p in report["participants"] if p["name"] == key)
    assert record["calls"] == [] and record["tracks"] == []  # topics and outcomes went

    exported = json.loads(ok(cli("participant", "export", key)).stdout)
    assert exported["participant"]["retained_until"].startswith(str(until))
    assert "pseudonymous record an erasure left" in exported["on_erasure"]["why"]
    assert exported["followups"] == [] and exported["tracks"] == []
    assert len(exported["attendance"]) == 2
    assert ok(cli("purge")).stdout.strip() == "nothing to purge"  # not yet
    later = datetime.fromisoformat(f"{until + 1}-01-01T00:00:00+00:00")
    monkeypatch.setattr(programs.times, "now", lambda: later)
    assert ok(cli("purge")).stdout.strip() == "purged 1 pseudonymous record past its retention"
    assert ok(cli("purge")).stdout.strip() == "nothing to purge"  # idempotent
    report = json.loads(ok(cli("pathway", "m", "--json")).stdout)
    assert [p["name"] for p in report["participants"]] == ["Bruno Témoin"]
    assert key.encode() not in stored_bytes(db_url)


def test_without_retention_or_attendance_nothing_is_kept(cli, db_url, private_env) -> None:  # type: ignore[no-untyped-def]
    story(cli)
    ok(cli("participant", "add", "Carla Absente"))
    ok(cli("enroll", "m", "Carla Absente"))
    out = ok(cli("participant", "erase", "Carla Absente", "--yes")).stdout
    assert "kept until" not in out  # she attended nothing: no proof to keep
    (private_env / "config.toml").write_text("[core]\nretention_years = 0\n", encoding="utf-8")
    exported = json.loads(ok(cli("participant", "export", "Anne Secret")).stdout)
    assert exported["on_erasure"]["kept"] == []
    assert "retention_years is 0" in exported["on_erasure"]["why"]
    out = ok(cli("participant", "erase", "Anne Secret", "--yes")).stdout
    assert "kept until" not in out
    report = json.loads(ok(cli("pathway", "m", "--json")).stdout)
    assert [p["name"] for p in report["participants"]] == ["Bruno Témoin"]
    assert b"erased-" not in stored_bytes(db_url) and b"Carla" not in stored_bytes(db_url)
