"""Contact sharing rules on SQLite and PostgreSQL: windows, consent given, withdrawn,
expired and never given, leaving the program, erasure; every directory read back by vobject."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import vobject
from conftest import PG_ADMIN_URL, make_app, pg_skip_reason
from programs.plugins.contacts import consent, sharing
from programs.plugins.contacts.directory import as_text, as_vcf, entries
from programs.plugins.contacts.models import Consent, ConsentLog, SharingWindow
from sqlmodel import select

from programs.api import (
    InvalidInput,
    NotFound,
    Participant,
    Program,
    RuleViolation,
    to_local,
    utcnow,
)

TZ = "Europe/Paris"
NNBSP = "\u202f"
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}


def in_words(iso: str, language: str) -> str:
    """``2026-12-31`` as a sentence writes it: "31 décembre 2026", "December 31, 2026"."""
    year, month, day = (int(part) for part in iso.split("-"))
    name = MONTHS[language].split()[month - 1]
    if language == "en":
        return f"{name} {day}, {year}"
    return f"{'1er' if day == 1 else day} {name} {year}"


@dataclass
class World:
    app: Any
    now: datetime
    day1: datetime
    day2: datetime

    def program(self, db: Any) -> Program:
        from programs.api import get_program

        return get_program(db, "marseille-2026")

    def person(self, db: Any, ref: str) -> Participant:
        from programs.api import find_person

        return find_person(db, ref)

    def share(self, first: str | None = None, last: str | None = None) -> SharingWindow:
        with self.app.write() as db:
            return sharing.share(db, program=self.program(db), first=first, last=last, now=self.now)

    def today(self, days: int = 0) -> str:
        return (to_local(self.now, TZ).date() + timedelta(days=days)).isoformat()

    def day(self, days: int = 0, language: str = "en") -> str:
        return in_words(self.today(days), language)

    def agree(
        self, who: str, *, phone: bool = False, email: bool = False, at: datetime | None = None
    ) -> Consent:
        at = at or self.now
        with self.app.write() as db:
            program, person = self.program(db), self.person(db, who)
            shown = consent.wording(
                db,
                program=program,
                participant=person,
                phone=phone,
                email=email,
                now=at,
                settings=self.app.settings,
            )
            return consent.give(
                db,
                program=program,
                participant=person,
                phone=phone,
                email=email,
                shown=shown,
                source="test",
                now=at,
            )

    def directory(self, at: datetime | None = None) -> list[vobject.base.Component]:
        with self.app.read() as db:
            found = entries(db, self.program(db), now=at or self.now)
        text = as_vcf(found)
        cards = list(vobject.readComponents(io.StringIO(text), allowQP=False)) if text else []
        assert len(cards) == len(found)
        return cards

    def rows(self, model: Any) -> list[Any]:
        with self.app.read() as db:
            return list(db.exec(select(model)))


def session_days(now: datetime) -> tuple[datetime, datetime]:
    """The two group days, in 2 and 20 days at 09:00 in Marseille (a fixed time of day: a
    session started at the test's own hour would end past midnight late in the day, and its
    window a day later)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    today = to_local(now, TZ).date()

    def nine(days: int) -> datetime:
        local = datetime.combine(today + timedelta(days=days), datetime.min.time())
        return local.replace(hour=9, tzinfo=ZoneInfo(TZ)).astimezone(UTC)

    return nine(2), nine(20)


def seed(app: Any, now: datetime) -> None:
    """A coach with a phone, marseille-2026 (capacity 3, sessions in 2 and 20 days), three
    enrolled people, Paul waiting, Nadia not in the program."""
    from programs.domain.coach import set_default_coach
    from programs.domain.enrollment import enroll
    from programs.domain.participant import add_participant
    from programs.domain.program import create_program
    from programs.domain.session import add_session

    day1, day2 = session_days(now)
    with app.write() as db:
        set_default_coach(
            db, name="Claire Dubois", phone="06 12 34 56 78", email="claire@example.com"
        )
        program = create_program(
            db, slug="marseille-2026", title="Accompagnement collectif", timezone=TZ, capacity=3
        )
        add_session(db, program=program, start=day1, end=day1 + timedelta(hours=8))
        add_session(db, program=program, start=day2, end=day2 + timedelta(hours=8))
        people = [
            dict(name="S. Martin", email="s.martin@example.com", phone="06 11 22 33 44"),
            dict(name="Léa Roux", email="lea@example.com", language="en"),
            dict(name="Karim Benali", email="karim@example.com", phone="+1 514 555 0199"),
            dict(name="Paul Girard", email="paul@example.com", phone="06 99 88 77 66"),
        ]
        for fields in people:
            person = add_participant(db, **fields)
            enroll(db, program=program, participant=person)  # Paul, the 4th, waits
        add_participant(db, name="Nadia Haddad", email="nadia@example.com")  # not enrolled


def open_app(url: str) -> Any:
    """An App with only the contacts plugin on an already migrated database."""
    import os

    from programs.app import App
    from programs.config import Config
    from programs.plugin_manager import build_plugin_manager

    os.environ["PROGRAMS_LOAD_PLUGINS"] = "contacts"
    try:
        pm = build_plugin_manager(entry_points=False)
    finally:
        del os.environ["PROGRAMS_LOAD_PLUGINS"]
    return App(url, config=Config({}), pm=pm)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The seeded database, migrated once per module: a SQLite file each test copies, and a
    PostgreSQL template database each test's database is created from (migrating for every
    test would make this file ten times slower)."""
    now = utcnow()
    folder = tmp_path_factory.mktemp("contacts")
    sqlite_file = folder / "template.db"
    app = make_app(f"sqlite:///{sqlite_file}", plugins=["contacts"])
    seed(app, now)
    app.close()
    made: dict[str, Any] = {"now": now, "sqlite": sqlite_file, "postgresql": None}
    if pg_skip_reason() is None:
        import psycopg

        name = f"programs_tmpl_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        app = make_app(f"{base}/{name}", plugins=["contacts"])
        seed(app, now)
        app.close()
        made["postgresql"] = name
    yield made
    if made["postgresql"]:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made["postgresql"]}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, templates: dict[str, Any], tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh copy of the seeded database, on SQLite and on PostgreSQL."""
    import shutil

    name = None
    if request.param == "sqlite":
        target = tmp_path / "programs.db"
        shutil.copyfile(templates["sqlite"], target)
        url = f"sqlite:///{target}"
    else:
        if templates["postgresql"] is None:
            pytest.skip(pg_skip_reason() or "no PostgreSQL")
        import psycopg

        name = f"programs_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates["postgresql"]}"')
        base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        url = f"{base}/{name}"
    app = open_app(url)
    now = templates["now"]
    yield World(app, utcnow(), *session_days(now))
    app.close()
    if name is not None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def names(cards: list[vobject.base.Component]) -> list[str]:
    return [c.fn.value for c in cards]


# --- windows ------------------------------------------------------------------------------


def test_default_window_runs_from_the_first_session_to_a_week_after_the_last(world: World) -> None:
    window = world.share()
    start, end = to_local(window.starts_at, TZ), to_local(window.ends_at, TZ)
    assert start.date() == to_local(world.day1, TZ).date()
    assert (start.hour, start.minute) == (0, 0)
    assert end.date() == to_local(world.day2, TZ).date() + timedelta(days=8)  # end of day +7
    assert (end.hour, end.minute) == (0, 0)
    with world.app.read() as db:
        days = sharing.window_days(window, world.program(db))
    assert days.last == to_local(world.day2, TZ).date() + timedelta(days=7)


def test_sharing_again_changes_the_window_in_place(world: World) -> None:
    world.share(world.today(), world.today(3))
    world.share(world.today(-1), world.today(10))
    [window] = world.rows(SharingWindow)
    assert to_local(window.ends_at, TZ).date().isoformat() == world.today(11)


@pytest.mark.parametrize(
    ("first", "last", "error", "says"),
    [
        ("2026-13-01", None, InvalidInput, "cannot read --from"),
        (None, "tomorrow", InvalidInput, "cannot read --until"),
        ("2030-01-10", "2030-01-09", InvalidInput, "before --from"),
        ("2020-01-01", "2020-01-31", RuleViolation, "already over"),
    ],
)
def test_bad_windows_are_refused_and_nothing_is_written(
    world: World, first: str | None, last: str | None, error: type, says: str
) -> None:
    with pytest.raises(error, match=says):
        world.share(first, last)
    assert world.rows(SharingWindow) == []


def test_a_program_without_sessions_needs_dates(world: World) -> None:
    from programs.domain.program import create_program

    with world.app.write() as db:
        program = create_program(db, slug="empty", title="No sessions yet")
    with (
        pytest.raises(RuleViolation, match="no sessions: give --from and --until"),
        world.app.write() as db,
    ):
        sharing.share(db, program=program, now=world.now)
    with world.app.write() as db:
        window = sharing.share(
            db, program=program, first=world.today(), last=world.today(1), now=world.now
        )
    assert window.program_id == program.id


# --- consent never given, given, withdrawn, expired ----------------------------------------


def test_consent_never_given_means_nobody_in_the_directory(world: World) -> None:
    world.share(world.today(), world.today(30))
    assert world.directory() == []
    with world.app.read() as db:
        assert consent.list_consents(db, world.program(db), now=world.now) == []


def test_consent_given_shares_only_what_was_agreed(world: World) -> None:
    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True, email=True)
    world.agree("Karim", email=True)  # has a phone, did not agree to share it
    cards = world.directory()
    assert names(cards) == ["Karim Benali", "S. Martin"]
    karim, sam = cards
    assert set(karim.contents) == {"version", "n", "fn", "email", "uid"}
    assert karim.email.value == "karim@example.com"
    assert sam.tel.value == "+33611223344"
    assert sam.email.value == "s.martin@example.com"
    with world.app.read() as db:
        found = entries(db, world.program(db), now=world.now)
    assert as_text(found, "csv").splitlines() == [
        "name,phone,email",
        "Karim Benali,,karim@example.com",
        "S. Martin,'+33611223344,s.martin@example.com",  # a phone is text, not a formula
    ]


def test_the_wording_shown_is_recorded_word_for_word_in_the_persons_language(world: World) -> None:
    world.share(world.today(), world.today(30))
    sam = world.agree("S. Martin", phone=True)
    lea = world.agree("Léa", email=True)
    assert sam.wording == (  # French, his language: one whole sentence, the day in words
        "J'accepte que mon numéro de téléphone soit communiqué aux autres participants de "
        f"«{NNBSP}Accompagnement collectif{NNBSP}» (marseille-2026) qui ont eux aussi accepté, "
        f"dans l'annuaire du groupe, jusqu'au {world.day(30, 'fr')} inclus. Je peux retirer mon "
        f"accord à tout moment{NNBSP}; le retrait prend effet immédiatement."
    )
    assert lea.wording == (  # English, hers
        'I agree that my email address is shared with the other participants of "Accompagnement '
        "collectif\" (marseille-2026) who also agreed, in the group's contact list, until "
        f"{world.day(30, 'en')} inclusive. I can withdraw at any time; the withdrawal takes "
        "effect at once."
    )
    karim = world.agree("Karim", phone=True, email=True)  # both: a sentence of its own
    assert karim.wording.startswith(
        "J'accepte que mon numéro de téléphone et mon adresse e-mail soient communiqués aux "
    )
    assert "Léa" not in lea.wording and "Martin" not in sam.wording  # the log may keep it
    log = world.rows(ConsentLog)
    assert [(e.action, e.wording, e.source) for e in log] == [
        ("given", sam.wording, "test"),
        ("given", lea.wording, "test"),
        ("given", karim.wording, "test"),
    ]


def test_withdrawn_consent_takes_effect_at_once(world: World) -> None:
    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True, email=True)
    assert names(world.directory()) == ["S. Martin"]
    with world.app.write() as db:
        consent.withdraw(
            db,
            program=world.program(db),
            participant=world.person(db, "S. Martin"),
            source="test",
            now=world.now,
        )
    assert world.directory() == []
    with world.app.read() as db:
        [row] = consent.list_consents(db, world.program(db), now=world.now)
    assert row.status == "withdrawn"
    assert [e.action for e in world.rows(ConsentLog)] == ["given", "withdrawn"]
    with pytest.raises(NotFound, match="no consent to withdraw"), world.app.write() as db:
        consent.withdraw(
            db,
            program=world.program(db),
            participant=world.person(db, "S. Martin"),
            source="test",
            now=world.now,
        )
    world.agree("S. Martin", email=True)  # given again: only what is given now counts
    [card] = world.directory()
    assert "tel" not in card.contents


def test_consent_expires_with_the_window_it_was_given_for(world: World) -> None:
    world.share(world.today(), world.today(3))
    world.agree("S. Martin", phone=True)
    world.share(world.today(), world.today(30))  # a longer window: the consent keeps its end
    world.agree("Karim", phone=True)
    later = world.now + timedelta(days=6)
    assert names(world.directory(later)) == ["Karim Benali"]
    with world.app.read() as db:
        statuses = {
            r.name: r.status for r in consent.list_consents(db, world.program(db), now=later)
        }
    assert statuses == {"S. Martin": "expired", "Karim Benali": "active"}


def test_a_shorter_window_ends_the_consents_with_it(world: World) -> None:
    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)
    world.share(world.today(), world.today(3))  # the coach ends sharing earlier
    later = world.now + timedelta(days=6)
    with world.app.read() as db:
        statuses = {
            r.name: r.status for r in consent.list_consents(db, world.program(db), now=later)
        }
        actions = [row.action for row in db.exec(select(ConsentLog).order_by(ConsentLog.id))]
    assert statuses == {"S. Martin": "expired"}
    assert actions[-1] == "shortened"
    world.share(world.today(), world.today(30))  # sharing longer again does not revive it
    assert names(world.directory(world.now + timedelta(days=10))) == []


def test_no_directory_outside_the_window(world: World) -> None:
    with pytest.raises(RuleViolation, match="not shared"):
        world.directory()
    world.share(world.today(1), world.today(3))
    with pytest.raises(RuleViolation, match=f"opens on {world.day(1)}"):
        world.directory()
    world.agree("S. Martin", phone=True, at=world.now + timedelta(days=1))
    assert names(world.directory(world.now + timedelta(days=2))) == ["S. Martin"]
    with pytest.raises(RuleViolation, match=f"ended on {world.day(3)}"):
        world.directory(world.now + timedelta(days=5))


def test_a_cancelled_program_has_no_directory(world: World) -> None:
    from programs.domain.program import cancel_program

    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)
    with world.app.write() as db:
        cancel_program(db, world.program(db))
    with pytest.raises(RuleViolation, match="is cancelled"):
        world.directory()
    with pytest.raises(RuleViolation, match="is cancelled"):
        world.share(world.today(), world.today(30))


def test_unshare_ends_consents_and_they_do_not_come_back(world: World) -> None:
    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)
    with world.app.write() as db:
        assert sharing.unshare(db, program=world.program(db), now=world.now) == 1
    assert world.rows(Consent) == [] and world.rows(SharingWindow) == []
    assert [e.action for e in world.rows(ConsentLog)] == ["given", "ended"]
    with pytest.raises(RuleViolation, match="not shared"), world.app.write() as db:
        sharing.unshare(db, program=world.program(db), now=world.now)
    world.share(world.today(), world.today(30))
    assert world.directory() == []  # shared again: nobody agreed to this new window


@pytest.mark.parametrize(
    ("who", "phone", "email", "error", "says"),
    [
        ("Paul", True, False, RuleViolation, "not enrolled"),  # waitlisted
        ("Nadia", False, True, RuleViolation, "not enrolled"),
        ("Léa", True, False, RuleViolation, "no phone number on record"),
        ("S. Martin", False, False, InvalidInput, "--phone, --email or both"),
    ],
)
def test_consent_refusals_write_nothing(
    world: World, who: str, phone: bool, email: bool, error: type, says: str
) -> None:
    world.share(world.today(), world.today(30))
    with pytest.raises(error, match=says):
        world.agree(who, phone=phone, email=email)
    assert world.rows(Consent) == [] and world.rows(ConsentLog) == []


def test_no_consent_without_a_window(world: World) -> None:
    with pytest.raises(RuleViolation, match="not shared yet"):
        world.agree("S. Martin", phone=True)
    assert world.rows(Consent) == []


# --- leaving, erasure, export ---------------------------------------------------------------


def test_leaving_the_program_ends_the_consent(world: World) -> None:
    from programs.domain.enrollment import withdraw

    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)
    world.agree("Karim", phone=True)
    with world.app.write() as db:
        withdraw(db, program=world.program(db), participant=world.person(db, "S. Martin"))
    assert world.app.failures == []
    assert names(world.directory()) == ["Karim Benali"]
    [sam] = [c for c in world.rows(Consent) if c.withdrawn_at is not None]
    assert [(e.action, e.source) for e in world.rows(ConsentLog) if e.subject == sam.subject] == [
        ("given", "test"),
        ("withdrawn", "program withdrawal"),
    ]


def test_the_directory_checks_the_seat_itself(world: World) -> None:
    """Even if the withdrawal event never reached the plugin, a person without a seat is out."""
    from programs.api import Enrollment

    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)
    with world.app.write() as db:
        sam = world.person(db, "S. Martin")
        db.exec(
            sa.update(Enrollment)
            .where(Enrollment.participant_id == sam.id)
            .values(status="withdrawn")
        )
    assert world.directory() == []
    with world.app.read() as db:
        [row] = consent.list_consents(db, world.program(db), now=world.now)
    assert row.status == "left"


def test_erasure_removes_the_consent_and_the_log_keeps_no_personal_data(world: World) -> None:
    from programs.domain.privacy import erase_participant

    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True, email=True)
    with world.app.write() as db:
        erase_participant(db, world.person(db, "S. Martin"))
    assert world.rows(Consent) == []
    assert world.directory() == []
    log = world.rows(ConsentLog)
    assert [e.action for e in log] == ["given", "erased"]
    assert log[0].share_phone and log[0].share_email  # what was agreed stays provable
    with world.app.read() as db:
        dump = repr(db.execute(sa.text("SELECT * FROM contacts_consent_log")).all())
    for personal in ("Martin", "s.martin", "611223344", "0611"):
        assert personal not in dump


def test_a_failing_erasure_keeps_the_consent(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from programs.api import PluginError
    from programs.domain.privacy import erase_participant

    world.share(world.today(), world.today(30))
    world.agree("S. Martin", phone=True)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(consent, "erase", broken)
    with (
        pytest.raises(PluginError, match="contacts failed on erase_participant_data"),
        world.app.write() as db,
    ):
        erase_participant(db, world.person(db, "S. Martin"))
    assert len(world.rows(Consent)) == 1
    assert names(world.directory()) == ["S. Martin"]


def test_participant_export_holds_the_consents_and_their_history(world: World) -> None:
    from programs.domain.privacy import export_participant

    world.share(world.today(), world.today(30))
    given = world.agree("S. Martin", email=True)
    with world.app.read() as db:
        data = export_participant(db, world.person(db, "S. Martin"))
        nothing = export_participant(db, world.person(db, "Karim"))
    [item] = data["plugins"]["contacts"]["consents"]
    assert item["program"] == "marseille-2026"
    assert (item["phone"], item["email"]) == (False, True)
    assert item["wording"] == given.wording
    assert [h["action"] for h in item["history"]] == ["given"]
    assert "contacts" not in nothing["plugins"]
