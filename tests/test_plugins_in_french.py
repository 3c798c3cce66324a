"""The built-in plugins' commands speak the coach's terminal language: with
``LANG=fr_FR.UTF-8`` what ``reminders``, ``ical``, ``contacts`` and ``email`` print (titles,
counts, notes, refusals, the prompt) reads French, with French typography and dates in
words; in English it reads as before. Machine output (``--json``) stays machine form."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import ok
from click.testing import Result
from test_contacts_consent import in_words

NNBSP = "\u202f"
SLUG = "marseille-2026"


def day(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def story(run: Callable[..., Result]) -> None:
    ok(run("coach", "set", "--name", "Claire Dubois", "--email", "claire@example.com"))
    ok(run("coach", "set", "--phone", "06 12 34 56 78"))
    ok(run("create", SLUG, "--title", "Accompagnement collectif"))
    ok(run("session", "add", SLUG, "--start", f"{day(5)} 09:00", "--end", "17:00"))
    ok(run("participant", "add", "Léa Roux", "--email", "lea@example.com"))
    ok(run("enroll", SLUG, "Léa"))


@pytest.fixture
def french(run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    story(run)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    return run


def test_reminders_commands_speak_french(french: Callable[..., Result]) -> None:
    rules = ok(french("reminders", "rules")).stdout
    assert "Règles de rappel (tous les programmes)" in rules and "intégrée" in rules
    listed = ok(french("reminders", "list")).stdout
    assert f"{SLUG} séance #" in listed and "à envoyer" in listed
    assert "pending" not in listed and " session #" not in listed
    machine = json.loads(ok(french("reminders", "list", "--json")).stdout)
    assert {r["status"] for r in machine} == {"pending"}  # JSON keeps the state itself
    assert machine[0]["due"].endswith(("+00:00", "+01:00", "+02:00"))
    now = (datetime.now(UTC) + timedelta(days=3, hours=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dry = ok(french("reminders", "send", "--dry-run", "--now", now)).stdout
    # the 2-day reminder, and Léa's enrollment confirmation (queued when she was enrolled)
    assert f"Enverrait 2 rappels (rien n'a été modifié){NNBSP}:" in dry
    assert "confirmation" in dry
    added = ok(
        french("reminders", "rules", "add", "veille", "--target", "session", "--offset", "-1d")
    ).stdout
    when = "-1d par rapport au début"
    assert f"règle veille ajoutée pour tous les programmes{NNBSP}: {when}" in added
    assert when in ok(french("reminders", "rules")).stdout
    assert f"file d'envoi{NNBSP}: prévus{NNBSP}: 1, ignorés{NNBSP}: 0, " in added
    bad = french("reminders", "rules", "add", "Bad!", "--target", "session", "--offset", "-1d")
    assert bad.exit_code == 1
    assert f"le nom de règle «{NNBSP}Bad!{NNBSP}» doit être fait de minuscules" in bad.stderr


def test_ical_commands_speak_french(french: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "feed.ics"
    wrote = ok(french("ical", "export", SLUG, "-o", str(out))).stderr
    assert f"{out} écrit (1 événement, programme {SLUG})." in wrote
    link = ok(french("ical", "link", "--participant", "Léa"))
    assert "C'est le flux de Léa Roux. Pour les personnes, partagez la page" in link.stderr
    assert ok(french("ical", "link", "--participant", "Léa")).stdout == link.stdout  # the same
    assert (
        f"Lien révoqué pour le flux de Léa Roux{NNBSP}; il ne fonctionne plus."
        in ok(french("ical", "revoke", "--participant", "Léa")).stdout
    )


def test_contacts_commands_speak_french(french: Callable[..., Result]) -> None:
    shared = ok(
        french("contacts", "share", SLUG, "--from", day(0), "--until", day(10), "--no-send")
    ).stdout
    assert (
        f"{SLUG}{NNBSP}: la fiche de Claire Dubois est partagée du {in_words(day(0), 'fr')} au "
        f"{in_words(day(10), 'fr')} inclus." in shared
    )
    asked = french("contacts", "consent", "Léa", "--program", SLUG, "--email", input="n\n")
    assert asked.exit_code == 1  # she said no: nothing recorded
    assert asked.stdout.startswith("J'accepte que mon adresse e-mail soit communiquée")
    assert f"Léa Roux donne son accord{NNBSP}?" in asked.stdout
    given = ok(french("contacts", "consent", "Léa", "--program", SLUG, "--email", "-y")).stdout
    assert f"Enregistré{NNBSP}: Léa Roux partage son e-mail avec le groupe de {SLUG}." in given
    consents = ok(french("contacts", "consents", SLUG)).stdout
    assert "Accords pour marseille-2026" in consents and "actif" in consents
    ended = ok(french("contacts", "unshare", SLUG)).stdout
    assert f"les coordonnées ne sont plus partagées{NNBSP}; 1 accord a pris fin." in ended


def test_email_test_speaks_french(french: Callable[..., Result], private_env: Path) -> None:
    from test_reminders_support import free_port

    (private_env / "config.toml").write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {free_port()}\n', encoding="utf-8"
    )
    failed = french("email", "test", "claire@example.com")
    assert failed.exit_code == 1
    assert "le message d'essai n'a pas été envoyé" in failed.stderr
    assert "impossible de joindre le serveur SMTP 127.0.0.1:" in failed.stderr


def test_the_same_commands_still_speak_english(run: Callable[..., Result]) -> None:
    story(run)
    assert "Reminder rules (all programs)" in ok(run("reminders", "rules")).stdout
    shared = ok(run("contacts", "share", SLUG, "--from", day(0), "--until", day(10), "--no-send"))
    shared = shared.stdout
    assert f"from {in_words(day(0), 'en')} to {in_words(day(10), 'en')} inclusive." in shared
