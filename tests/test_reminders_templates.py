"""Every shipped reminder template speaks both languages: each one (session, followup, nudge,
digest) is written for a French and an English reader, through a channel that takes the
``.ics`` (email) and through a short one (an SMS-like channel: the ``.short`` templates), from
a real story planned into the outbox. French output holds no English words and English output
no French ones; dates, times and phones read as in a sentence; greetings use the given name.
The lookup order puts the coach's own copies first, her old ``NAME.LANG.j2`` included."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from test_reminders_support import reminders_app, story, utc

from programs.models import Participant

NNBSP = "\u202f"
PEOPLE = (
    ("Léa Roux", "lea.roux@example.com", "fr", None),
    ("Amy Clark", "amy@example.com", "en", "Europe/London"),
)
TO_PARTICIPANTS = ("session", "followup")  # the others go to the coach
DAY_AFTER = utc("2027-03-29T07:00:00Z")  # the day after the last session: nudge and digest
ENGLISH = re.compile(
    r"\b(Hello|Reminder|When|Where|Topic|Number|See you|Please note|ended|Week of|"
    r"participants? with|sessions?|stalled|your time|until|at \d)\b"
)
FRENCH = re.compile(
    r"\b(Bonjour|Rappel|Quand|Où|Sujet|Numéro|À bientôt|Attention|terminé|Semaine|séances?|"
    r"point mort|votre heure|jusqu|le \w+di \d|à \d)"
)


class ShortChannel:
    """A channel of the SMS kind: no attachments, so messages come from the short templates
    (no length limit here, to read them whole)."""

    name = "sms"
    takes_attachments = False

    def can_reach(self, message: Any) -> bool:
        return True

    def send(self, app: Any, message: Any) -> str:
        return "sms:1"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The story, planned: sessions and calls for Léa (French) and Amy (English), a track
    of Léa's that stalled, Amy without a follow-up ahead when the program ends."""
    from programs.plugins.reminders.sync import plan_all

    from programs.domain.followup import plan_followup
    from programs.domain.track import open_track

    folder = tmp_path_factory.mktemp("templates")
    app = reminders_app(f"sqlite:///{folder / 'programs.db'}")
    ids = story(app, people=PEOPLE)
    lea, amy = ids["people"]
    with app.write() as db:
        plan_followup(
            db,
            participant=db.get(Participant, lea),
            kind="call",
            start=utc("2027-04-08T16:30:00Z"),
            topic="prepare the meeting",
            location="by phone",
        )
        plan_followup(
            db,
            participant=db.get(Participant, amy),
            kind="session",
            start=utc("2027-03-27T10:00:00Z"),
            topic="a small incident",
        )
        open_track(db, participant=db.get(Participant, lea), goal="lead the weekly meeting")
    plan_all(app, now=DAY_AFTER)
    yield app, ids
    app.close()


RULES = {
    "session": "session-2d",
    "followup": "followup-1h",
    "nudge": "program-nudge",
    "digest": "stalled-digest",
}
CHANNELS = {"email": None, "sms": ShortChannel()}


def compose(  # type: ignore[no-untyped-def]
    app: Any, ids: dict[str, Any], template: str, language: str, channel: Any, *, coach=False
) -> Any:
    """The message of ``template`` for the reader of ``language`` (a participant for session
    and followup, unless ``coach``; the coach, in [reminders] coach_language, for the others),
    written as the sender writes it, at the time it is due."""
    from programs.plugins.reminders.messages import Composer
    from programs.plugins.reminders.models import OUTBOX
    from programs.plugins.reminders.rules import load_rulebook
    from programs.plugins.reminders.sender import instance_id
    from programs.plugins.reminders.settings import load_settings
    from programs.plugins.reminders.targets import OccasionLoader

    c = OUTBOX.c
    query = sa.select(OUTBOX).where(c.rule == RULES[template])
    if coach or template not in TO_PARTICIPANTS:
        query = query.where(c.recipient_kind == "coach")
    else:
        person = ids["people"][0 if language == "fr" else 1]
        query = query.where(c.recipient_kind == "participant", c.recipient_id == person)
    settings = replace(load_settings(app), coach_language=language)
    with app.read() as db:
        row = db.execute(query.order_by(c.due_at)).first()
        assert row is not None, (template, language)
        key = (row.target_kind, row.target_id)
        book = load_rulebook(db, app.config, now=None)
        zone = settings.default_timezone
        loader = OccasionLoader(db, book, default_tz=zone, now=row.due_at, horizon=None)
        target = loader.by_keys([key])[key]
        composer = Composer(app, db, settings, now=row.due_at, instance=instance_id(db))
        return composer.compose(row, target, channel)


@pytest.mark.parametrize("channel", ["email", "sms"])
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("template", ["session", "followup", "nudge", "digest"])
def test_every_shipped_template_reads_in_the_readers_language(  # type: ignore[no-untyped-def]
    world, template, language, channel
) -> None:
    from programs.api import OutgoingMessage

    app, ids = world
    message = compose(app, ids, template, language, CHANNELS[channel])
    assert isinstance(message, OutgoingMessage), message
    whole = f"{message.subject}\n{message.text}"
    assert message.language == language
    if language == "fr":
        assert not ENGLISH.search(whole), (ENGLISH.search(whole), whole)
        assert FRENCH.search(whole), whole
        assert re.search(rf"\S{NNBSP}:", message.subject), message.subject  # « Rappel : »
        assert not re.search(r"\w :", whole), whole  # never a plain space before ":"
    else:
        assert not FRENCH.search(whole), (FRENCH.search(whole), whole)
        assert ENGLISH.search(whole), whole
    assert "None" not in whole and "True" not in whole and "{" not in whole and "%(" not in whole
    assert bool(message.attachments) == (channel == "email" and template in TO_PARTICIPANTS)


def test_a_french_reminder_reads_like_french(world) -> None:  # type: ignore[no-untyped-def]
    app, ids = world
    mail = compose(app, ids, "session", "fr", None)
    assert mail.subject == (
        f"Rappel{NNBSP}: Accompagnement collectif — Jour 1, le dimanche 28 mars 2027 à 9\u00a0h"
    )
    assert mail.text.startswith("Bonjour Léa,\n")  # her given name
    assert f"vous participez à «{NNBSP}Accompagnement collectif — Jour 1{NNBSP}»." in mail.text
    when = f"Quand{NNBSP}: le dimanche 28 mars 2027 à 9\u00a0h, jusqu'à 17\u00a0h (Europe/Paris)"
    assert when in mail.text
    assert "06 12 34 56 78" in mail.text  # the coach's phone, as dialled in France
    call = compose(app, ids, "followup", "fr", ShortChannel())
    assert call.text == (
        f"Rappel{NNBSP}: Appel avec Claire Dubois, le jeudi 8 avril 2027 à 18\u00a0h\u00a030, "
        f"by phone. Numéro{NNBSP}: 06 12 34 56 78\n"
    )


def test_an_english_reminder_reads_like_english(world) -> None:  # type: ignore[no-untyped-def]
    app, ids = world
    mail = compose(app, ids, "session", "en", None)
    assert mail.subject == (
        f"Reminder: Accompagnement collectif — Jour 1, Sunday, March 28, 2027 at 9:00{NNBSP}AM"
    )
    assert mail.text.startswith("Hello Amy,\n")
    assert f"that is 8:00{NNBSP}AM your time (Europe/London)" in mail.text
    session = compose(app, ids, "followup", "en", None)
    assert session.subject.startswith("Reminder: One-to-one session with Claire Dubois, Saturday")
    assert "A quick reminder of your one-to-one session with Claire Dubois:" in session.text


def test_the_coach_reads_the_nudge_and_the_digest_in_her_language(world) -> None:  # type: ignore[no-untyped-def]
    app, ids = world
    nudge = compose(app, ids, "nudge", "fr", None)
    assert nudge.subject == f"Accompagnement collectif{NNBSP}: 1 participant sans suivi prévu"
    assert "s'est terminé le dimanche 28 mars 2027." in nudge.text
    assert "Ce participant n'a aucun suivi prévu" in nudge.text and "Amy Clark" in nudge.text
    assert "Bonjour Claire Dubois," in nudge.text  # a coach has no given name apart
    digest = compose(app, ids, "digest", "en", None)
    assert digest.subject == "Stalled coaching tracks: 1"
    assert "Léa Roux: lead the weekly meeting (0 of 6 sessions, last activity on " in digest.text
    french = compose(app, ids, "digest", "fr", None)
    line = f"Léa Roux{NNBSP}: lead the weekly meeting (0 sur 6 séances, dernière activité le "
    assert line in french.text
    coach = compose(app, ids, "followup", "fr", None, coach=True)
    assert coach.subject == (  # Amy's session, worded for the coach, in the coach's zone
        f"Rappel{NNBSP}: Séance individuelle{NNBSP}: Amy Clark, le samedi 27 mars 2027 à 11\u00a0h"
    )


def test_the_coachs_own_copies_come_first_by_language(world) -> None:  # type: ignore[no-untyped-def]
    """Her ``session.fr.j2`` from an earlier version still wins for French readers; English
    readers get the shipped template; a language-neutral ``NAME.j2`` of hers wins for all."""
    from programs.plugins.reminders.messages import template_names

    assert template_names("session", "fr-CA", "sms", short=True) == [
        "session.sms.fr.j2",
        "session.short.fr.j2",
        "session.fr.j2",
        "session.sms.j2",
        "session.short.j2",
        "session.j2",
    ]
    app, ids = world
    folder = app.config.directory / "templates" / "reminders"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        (folder / "session.fr.j2").write_text(
            "À ne pas manquer : {{ item.title }}\n\n{{ recipient.greeting }}, à {{ item.time }}.\n",
            encoding="utf-8",
        )
        fr, en = compose(app, ids, "session", "fr", None), compose(app, ids, "session", "en", None)
        assert (fr.subject, fr.text) == (
            "À ne pas manquer : Accompagnement collectif — Jour 1",
            "Léa, à 9\u00a0h.\n",
        )
        assert en.subject.startswith("Reminder: ")
        (folder / "session.j2").write_text(
            '{{ _("Reminder: %(title)s", title=item.title) }}\n\n{{ _("See you soon,") }}\n',
            encoding="utf-8",
        )
        en = compose(app, ids, "session", "en", None)
        assert (en.subject, en.text) == (
            "Reminder: Accompagnement collectif — Jour 1",
            "See you soon,\n",
        )
    finally:
        for name in ("session.fr.j2", "session.j2"):
            (folder / name).unlink(missing_ok=True)


def test_template_placeholders_survive_translation() -> None:
    """A translation that drops or renames a ``%(name)s`` of a template fails here (the
    catalog check reads ``{name}`` fields only)."""
    from programs.cli import catalogs

    def fields(text: str) -> set[str]:
        return set(re.findall(r"%\((\w+)\)[sd]", text))

    found = []
    for message in catalogs.read(catalogs.po_path("fr")):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        want = set().union(*(fields(i) for i in ids))
        for text in strings:
            if fields(text) != want:
                found.append((message.id, text))
    assert found == []
    assert fields("Rappel : %(title)s, le %(date)s") == {"title", "date"}
