"""Feed tokens: 256 random bits, only their SHA-256 stored, one per scope, rotatable and
revocable with immediate effect; looked up by hash on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa
from conftest import make_app
from programs.plugins.ical import tokens

from programs.registry import CalendarScope

SCOPE = CalendarScope("program", 1)


@pytest.fixture
def ical_app(db_url: str):  # type: ignore[no-untyped-def]
    app = make_app(db_url, plugins=["ical"])
    with app.write() as db:
        from programs.domain.participant import add_participant
        from programs.domain.program import create_program

        create_program(db, slug="p", title="P")
        add_participant(db, name="S. Martin")
    yield app
    app.close()


def test_new_tokens_are_long_random_and_url_safe() -> None:
    made = {tokens.new_token() for _ in range(200)}
    assert len(made) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in made)  # 32 bytes = 256 bits


def test_issue_rotate_revoke_and_resolve(ical_app) -> None:
    with ical_app.write() as db:
        first = tokens.issue(db, SCOPE)
        assert first is not None
        assert tokens.issue(db, SCOPE) is None  # one active token per scope, never re-shown
    with ical_app.read() as db:
        assert tokens.resolve(db, first) == SCOPE
        row = tokens.token_row(db, SCOPE)
        assert row.token_hash == hashlib.sha256(first.encode()).hexdigest()
        for wrong in (first[:-1], first + "x", first.upper(), "", first[1:] + first[0]):
            assert tokens.resolve(db, wrong) is None
    with ical_app.write() as db:
        second = tokens.rotate(db, SCOPE)
    with ical_app.read() as db:
        assert tokens.resolve(db, first) is None and tokens.resolve(db, second) == SCOPE
    with ical_app.write() as db:
        assert tokens.revoke(db, SCOPE) is not None
        assert tokens.revoke(db, SCOPE) is None  # nothing active any more
    with ical_app.read() as db:
        assert tokens.resolve(db, second) is None
    with ical_app.write() as db:
        third = tokens.issue(db, SCOPE)  # issuing again after a revocation
    with ical_app.read() as db:
        assert third not in (first, second) and tokens.resolve(db, third) == SCOPE
    with ical_app.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM ical_token")).scalar() == 1


def test_scopes_do_not_share_tokens(ical_app) -> None:
    other = CalendarScope("participant", 1)
    with ical_app.write() as db:
        a, b = tokens.issue(db, SCOPE), tokens.issue(db, other)
    with ical_app.read() as db:
        assert (tokens.resolve(db, a), tokens.resolve(db, b)) == (SCOPE, other)


def test_one_row_per_scope_is_enforced_by_the_database(ical_app) -> None:
    from programs.plugins.ical.models import FeedToken

    with ical_app.write() as db:
        tokens.issue(db, SCOPE)
    with pytest.raises(sa.exc.IntegrityError), ical_app.write() as db:
        db.add(FeedToken(scope_kind="program", scope_id=1, token_hash="0" * 64))
        db.flush()


def test_a_very_long_token_is_refused_without_a_match(ical_app) -> None:
    with ical_app.write() as db:
        token = tokens.issue(db, SCOPE)
    with ical_app.read() as db:
        assert tokens.resolve(db, token + "A" * 10_000) is None


def test_a_row_id_given_again_never_brings_an_old_link_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """SQLite may give the id of the last row deleted to the next one: an erased person's
    derived link must not open the next person's feed (each row has its own salt)."""
    from conftest import make_app
    from programs.plugins.ical.models import FeedToken
    from programs.plugins.ical.tokens import issue, resolve
    from sqlmodel import delete, select

    from programs.api import CalendarScope
    from programs.domain.participant import add_participant

    app = make_app(f"sqlite:///{tmp_path / 'p.db'}", plugins=["ical"])
    try:
        with app.write() as db:
            first = add_participant(db, name="A")
            second = add_participant(db, name="B")
            old = issue(db, CalendarScope("participant", first.id))
            old_id = db.exec(select(FeedToken.id)).one()
            db.exec(delete(FeedToken))  # type: ignore[call-overload]
            new = issue(db, CalendarScope("participant", second.id))
            new_id = db.exec(select(FeedToken.id)).one()
        assert old and new and old != new
        with app.read() as db:
            assert resolve(db, old) is None
            assert resolve(db, new) == CalendarScope("participant", second.id)
        assert new_id == old_id  # the id was given again: only the salt tells them apart
    finally:
        app.close()
