"""A French coach (``LANG=fr_FR.UTF-8``) reads the participant commands and the core's errors
in French, typography included; the same commands read English in English. Machine output
(JSON, CSV) is the same in both."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import as_json, ok, small_story

NNBSP = "\u202f"
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "people.csv"

WORDS = {
    "fr": {
        "empty": "Aucun participant pour l’instant.",
        "added": "participant #1 Jean de La Fontaine ajouté",
        "no name": "donnez le NOM du participant, ou bien --given et --family",
        "edited": f"#1 Jean de La Fontaine{NNBSP}: téléphone (vide) -> 06 12 34 56 78",
        "notes": f"#1 Jean de La Fontaine{NNBSP}: notes (modifié)",
        "same": f"#1 Jean de La Fontaine{NNBSP}: rien n’a changé",
        "dry": "Essai à blanc\u202f: rien n’a été enregistré.",
        "would": "importerait 6 participants",
        "imported": "6 participants importés",
        "enrolled": f"marseille-2026{NNBSP}: 4 inscrit(s), 2 en liste d’attente",
        "headers": ("nom", "e-mail", "téléphone", "fonction", "langue"),  # no zone given: hidden
        "bad": f"Erreur{NNBSP}: 1 ligne incorrecte, rien n’a été importé",
        "bad line": f"ligne 3{NNBSP}: adresse e-mail invalide{NNBSP}: «{NNBSP}nope{NNBSP}»",
        "unknown": f"colonne(s) inconnue(s){NNBSP}: «{NNBSP}âge{NNBSP}»",
        "no program": f"Erreur{NNBSP}: aucun programme «{NNBSP}nope{NNBSP}» (voir `programs list`)",
        "bad time": f"impossible de lire l’heure «{NNBSP}demain{NNBSP}»",
    },
    "en": {
        "empty": "No participant yet.",
        "added": "added participant #1 Jean de La Fontaine",
        "no name": "give the participant's NAME, or both --given and --family",
        "edited": "#1 Jean de La Fontaine: phone (none) -> 06 12 34 56 78",
        "notes": "#1 Jean de La Fontaine: notes (changed)",
        "same": "#1 Jean de La Fontaine: nothing changed",
        "dry": "Dry run: nothing was written.",
        "would": "would import 6 participants",
        "imported": "imported 6 participants",
        "enrolled": "marseille-2026: 4 enrolled, 2 waitlisted",
        "headers": ("name", "email", "phone", "role", "language"),  # no zone given: hidden
        "bad": "Error: 1 bad row, nothing imported",
        "bad line": "line 3: invalid email 'nope'",
        "unknown": "unknown CSV column(s): 'âge'",
        "no program": "Error: no program 'nope' (see `programs list`)",
        "bad time": "cannot read time 'demain'",
    },
}


@pytest.fixture(autouse=True)
def english_after():  # type: ignore[no-untyped-def]
    """The CLI sets the process's language and leaves it set; the tests after these read
    the (shared) command objects in English again."""
    yield
    from programs import i18n

    i18n.set_language("en")


@pytest.fixture(params=["fr", "en"])
def language(request, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "fr_FR.UTF-8" if request.param == "fr" else "en_GB.UTF-8")
    return request.param


def test_participant_add_and_edit(run, language) -> None:  # type: ignore[no-untyped-def]
    w = WORDS[language]
    assert w["empty"] in ok(run("participant", "list")).stdout
    assert w["added"] in ok(run("participant", "add", "Jean de La Fontaine")).stdout
    refusal = run("participant", "add")
    assert refusal.exit_code == 2 and w["no name"] in refusal.stderr
    out = ok(run("participant", "edit", "Jean", "--phone", "06 12 34 56 78", "--notes", "x"))
    assert out.stdout.splitlines() == [w["edited"], w["notes"]]
    assert ok(run("participant", "edit", "Jean", "--notes", "x")).stdout.strip() == w["same"]


def test_participant_import_and_list(run, language, tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = WORDS[language]
    small_story(run, capacity=4)  # four people known, nobody enrolled yet
    dry = ok(run("participant", "import", str(EXAMPLE), "--program", "marseille-2026", "--dry-run"))
    assert dry.stdout.splitlines()[:2] == [w["dry"], w["would"]]
    out = ok(run("participant", "import", str(EXAMPLE), "--program", "marseille-2026")).stdout
    assert out.splitlines() == [w["imported"], w["enrolled"]]

    table = ok(run("participant", "list", "--program", "marseille-2026")).stdout
    header = table.splitlines()[1]
    assert all(word in header for word in w["headers"]), header
    assert "06 11 22 33 44" in table  # the coach's region: as she dials it
    [durand] = [p for p in as_json(run("participant", "list", "--json")) if p["id"] == 5]
    assert durand["phone"] == "+33611223344" and "phone" in durand  # machine form in any language
    assert ok(run("participant", "list", "--csv")).stdout.startswith("id,name,given_name,")

    bad = tmp_path / "bad.csv"
    bad.write_text("Nom;Prénom;E-mail\nRoux;Ana;ana@example.com\nNoir;Ana;nope\n", "cp1252")
    refused = run("participant", "import", str(bad))
    assert refused.exit_code == 1
    lines = refused.stderr.splitlines()
    assert lines[0] == w["bad"] and lines[1].strip().startswith(w["bad line"])
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("nom;âge\nAna;40\n", "cp1252")
    assert w["unknown"] in run("participant", "import", str(unknown)).stderr


def test_core_errors(run, language) -> None:  # type: ignore[no-untyped-def]
    w = WORDS[language]
    result = run("show", "nope")
    assert result.exit_code == 1 and result.stderr.strip() == w["no program"]
    small_story(run)
    late = run("session", "add", "marseille-2026", "--start", "demain", "--end", "17:00")
    assert late.exit_code == 1 and w["bad time"] in late.stderr


def test_a_french_coach_types_times_the_french_way(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    small_story(run)
    ok(run("session", "add", "marseille-2026", "--start", "4/12/2026 9h30", "--end", "17h"))
    sessions = as_json(run("session", "list", "marseille-2026", "--json"))
    assert ("2026-12-04T09:30:00+01:00", "2026-12-04T17:00:00+01:00") in [
        (s["start"], s["end"]) for s in sessions
    ]
