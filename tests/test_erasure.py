"""An erasure holds whatever plugins are enabled: ids are never given again, every plugin row
about the person goes with them by foreign key, and an erasure while a plugin that keeps
tables is disabled is refused unless forced. On SQLite and PostgreSQL, through the real CLI.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from cli_support import ok, refused

from programs.plugin_manager import reset_plugin_manager

PERSON_COLUMNS = {
    "ical_token": "participant_id",
    "reminders_outbox": "participant_id",
    "contacts_consent": "participant_id",
    "enrollment": "participant_id",
    "attendance": "participant_id",
    "followup": "participant_id",
    "track": "participant_id",
}


@pytest.fixture
def cli(run, db_url: str):  # type: ignore[no-untyped-def]
    """The CLI on this test's database (SQLite or PostgreSQL), initialised."""

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return run(*args, db=db_url, input=input)

    ok(invoke("init"))
    return invoke


def story(cli) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two participants with a feed link, reminders planned, a consent; returns their ids."""
    ok(cli("coach", "set", "--name", "Claire Dubois", "--email", "c@example.com", "--phone",
           "06 12 34 56 78"))  # fmt: skip
    ok(cli("create", "m", "--title", "Marseille"))
    ok(cli("session", "add", "m", "--start", "2099-02-04 09:00", "--end", "17:00"))
    ids = {}
    for name, email, phone in (
        ("Anne Secret", "anne@example.com", "06 11 11 11 11"),
        ("Bruno Témoin", "bruno@example.com", "06 22 22 22 22"),
    ):
        out = ok(cli("participant", "add", name, "--email", email, "--phone", phone)).stdout
        ids[name] = int(out.split("#", 1)[1].split()[0])
        ok(cli("enroll", "m", name))
        ok(cli("ical", "link", "--participant", name))
        ok(cli("followup", "add", name, "--kind", "call", "--at", "2099-02-10 18:00"))
    ok(cli("contacts", "share", "m", "--no-send", "--from", "2026-11-01"))
    ok(cli("contacts", "consent", "Anne Secret", "--program", "m", "--phone", "--yes"))
    return ids


def rows_about(engine: sa.Engine, person: int) -> dict[str, int]:
    found = {}
    with engine.connect() as conn:
        for table, column in PERSON_COLUMNS.items():
            query = sa.text(f"SELECT count(*) FROM {table} WHERE {column} = :p")
            n = conn.execute(query, {"p": person}).scalar()
            if n:
                found[table] = n
        tokens = conn.execute(
            sa.text(
                "SELECT count(*) FROM ical_token WHERE scope_kind = 'participant' AND scope_id = :p"
            ),
            {"p": person},
        ).scalar()
        outbox = conn.execute(
            sa.text(
                "SELECT count(*) FROM reminders_outbox "
                "WHERE recipient_kind = 'participant' AND recipient_id = :p"
            ),
            {"p": person},
        ).scalar()
    if tokens:
        found["ical_token by scope"] = tokens
    if outbox:
        found["reminders_outbox by recipient"] = outbox
    return found


@pytest.mark.parametrize("disabled", ["ical", "reminders", "contacts"])
def test_an_erasure_with_a_plugin_disabled_holds(cli, db_url, monkeypatch, disabled) -> None:  # type: ignore[no-untyped-def]
    ids = story(cli)
    anne = ids["Anne Secret"]
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    assert set(rows_about(engine, anne)) >= {"ical_token", "reminders_outbox", "contacts_consent"}

    monkeypatch.setenv("PROGRAMS_DISABLE_PLUGINS", disabled)
    reset_plugin_manager()
    result = cli("participant", "erase", "Anne Secret", "--yes")
    refused(result, f"plugin {disabled} is installed but disabled and may hold data about Anne")
    assert rows_about(engine, anne)  # nothing was erased

    ok(cli("participant", "erase", "Anne Secret", "--yes", "--force"))
    assert rows_about(engine, anne) == {}  # the disabled plugin's rows went by foreign key
    newcomer = ok(cli("participant", "add", "Chloé Nouvelle", "--email", "chloe@example.com"))
    new_id = int(newcomer.stdout.split("#", 1)[1].split()[0])
    assert new_id > max(ids.values())  # never the erased person's id

    monkeypatch.delenv("PROGRAMS_DISABLE_PLUGINS")
    reset_plugin_manager()
    exported = json.loads(ok(cli("participant", "export", "Chloé Nouvelle")).stdout)
    assert exported["plugins"] == {}  # nothing of Anne reached her
    assert "Anne" not in ok(cli("reminders", "history")).stdout
    engine.dispose()


def test_ids_are_never_given_again(app) -> None:  # type: ignore[no-untyped-def]
    from programs.domain.participant import add_participant
    from programs.domain.privacy import erase_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session
    from programs.models import Participant, Session

    with app.write() as db:
        first, last = add_participant(db, name="A"), add_participant(db, name="B")
        program = create_program(db, slug="m", title="M")
        from datetime import UTC, datetime, timedelta

        start = datetime(2099, 1, 1, 9, tzinfo=UTC)
        session = add_session(db, program=program, start=start, end=start + timedelta(hours=1))
    with app.write() as db:
        erase_participant(db, db.get(Participant, last.id))
        db.delete(db.get(Session, session.id))
    with app.write() as db:
        again = add_participant(db, name="C")
        other = add_session(db, program=program, start=start, end=start + timedelta(hours=1))
    assert again.id == last.id + 1 and again.id != last.id and first.id < again.id
    assert other.id == session.id + 1


def test_every_core_table_gives_no_id_twice_on_sqlite(sqlite_app) -> None:  # type: ignore[no-untyped-def]
    from programs.models import CORE_TABLES

    with sqlite_app.engine.connect() as conn:
        sql = dict(
            conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type='table'")).all()
        )
    for model in CORE_TABLES:
        assert "AUTOINCREMENT" in sql[model.__tablename__], model.__tablename__
