"""The coach's terminal in her language: every core command group reads French with a French
locale and English otherwise, while ``--json`` and ``--csv`` stay the same bytes in both.

The story runs the real CLI on a real SQLite file; the expected lines are written out whole
in both languages (French typography included: a narrow no-break space before ``:``).
"""

from __future__ import annotations

import re

import pytest
from cli_support import ok, rows, snapshot

pytestmark = pytest.mark.usefixtures("story_is_over")  # the stories are in Dec. 2026

NNBSP, NBSP = "\u202f", "\u00a0"
LANGS = {"fr": "fr_FR.UTF-8", "en": "en_GB.UTF-8"}


def fr(text: str) -> str:
    """French as the catalog writes it: « : » is « \u202f: », « n° 1 » has a no-break space."""
    text = (
        text.replace(" :", NNBSP + ":")
        .replace(" ;", NNBSP + ";")
        .replace(" ?", NNBSP + "?")
        .replace("« ", "«" + NNBSP)
        .replace(" »", NNBSP + "»")
    )
    return re.sub(r"n° (?=[\d{])", "n°" + NBSP, text)


EXPECTED = {
    "fr": {
        "init": "base de données prête : {db}",
        "backup": "sauvegarde écrite dans {backup}",
        "coach set": "enregistré : coach n° 1 Claire Dubois (par défaut), claire@example.com, "
        "06 12 34 56 78",
        "coach add": "ajouté : coach n° 2 Marc Leroy",
        "coach list": ["Coachs", "n°  nom ", "e-mail", "téléphone", "par défaut", " oui", " non"],
        "create": "programme marseille-2026 créé (Europe/Paris)",
        "session add": "ajoutée : séance n° 1 « Jour 1 » de marseille-2026 : "
        "jeu. 3 déc. 2026, 09:00–17:00 Europe/Paris",
        "session add 2": "ajoutée : séance n° 2 « Jour 2 » de marseille-2026 : "
        "jeu. 14 janv. 2027, 09:00–17:00 Europe/Paris, à Aix",
        "enroll": "inscription confirmée : S. Martin (n° 1) à marseille-2026\n"
        "inscription confirmée : Karim Benali (n° 2) à marseille-2026\n"
        "en liste d'attente (rang 1) : Léa Roux (n° 3) pour marseille-2026",
        "attend": "présence : S. Martin (n° 1) à la séance n° 1, matin et après-midi",
        "attend absent": "absence : Karim Benali (n° 2) à la séance n° 1, matin et après-midi",
        "session move": "déplacée : séance n° 2 « Jour 2 » de marseille-2026 : "
        "ven. 15 janv. 2027, 09:00–17:00 Europe/Paris, à Aix (révision 1)",
        "session list": [
            "Séances de marseille-2026 (fuseau horaire Europe/Paris)",
            "n°  titre   date (Europe/Paris) ",
            "jeu. 3 déc. 2026, 09:00–17:00",
            " prévue ",
            " déplacée ",
        ],
        "show": [
            "Accompagnement collectif (marseille-2026)",
            "coach :          Claire Dubois",
            "statut :         ouvert",
            "remplissage :    2/2 (+1 en attente)",
            "\nSéances\n",
            "\nInscriptions\n",
            "n°  participant   statut     n° 1 Jour 1",
            " confirmée  présence",
            " confirmée  absence",
            "\nListe d'attente\n",
            "rang  n°  participant",
        ],
        "withdraw": "désinscription : S. Martin (n° 1) de marseille-2026\n"
        "inscription depuis la liste d'attente : Léa Roux (n° 3)",
        "edit": "marseille-2026 : places 2 → 3\n"
        "marseille-2026 : description (vide) → Deux journées\n"
        "marseille-2026 : remplissage 2/3",
        "followup add": "suivi prévu : appel n° 1 avec S. Martin à propos de « petit incident » : "
        "mar. 8 déc. 2026, 18:30 Europe/Paris, 20 min (prévu)",
        "followup add 2": "suivi prévu : séance n° 2 avec Karim Benali : "
        "jeu. 10 déc. 2026, 14:00 America/Montreal, 45 min (prévue)",
        "followup move": "suivi déplacé : séance n° 2 avec Karim Benali : "
        "ven. 11 déc. 2026, 14:00 America/Montreal, 45 min (prévue)",
        "followup done": "suivi réalisé : appel n° 1 avec S. Martin à propos de "
        "« petit incident » : mar. 8 déc. 2026, 18:30 Europe/Paris, 20 min (réalisé)",
        "followup missed": "suivi manqué : séance n° 2 avec Karim Benali : "
        "ven. 11 déc. 2026, 14:00 America/Montreal, 45 min (manquée)",
        "followup cancel": "suivi annulé : appel n° 3 avec Léa Roux : "
        "lun. 14 déc. 2026, 12:00 Europe/Paris, 45 min (annulé)",
        "followup list": [
            "Suivis",
            "n°  participant   type    statut   début ",
            " appel   réalisé  mar. 8 déc. 2026, 18:30 Europe/Paris ",
            " séance  manquée  ven. 11 déc. 2026, 14:00 America/Montreal ",
            " bilan\n",
        ],
        "track open": "parcours n° 1 ouvert avec Karim Benali : 6 séances prévues\n"
        "issu du programme marseille-2026",
        "track list": ["Parcours", "objectif", "avancement", " en cours ", " 0 sur 6 ", " non"],
        "track show": [
            "Parcours n° 1 avec Karim Benali",
            "objectif :          trouver sa place",
            "avancement :        0 sur 6",
            "au point mort :     non",
            "Pas encore de séance : programs followup add PERSON ... --track ID",
        ],
        "track close": "parcours n° 1 clos après 0 sur 6 séances",
        "session cancel": "annulée : séance n° 2 « Jour 2 » de marseille-2026 : "
        "ven. 15 janv. 2027, 09:00–17:00 Europe/Paris, à Aix",
        "list": ["Programmes", "code            titre ", " statut ", " terminé ", " annulé "],
        "complete": "programme marseille-2026 terminé",
        "cancel": "programme aix annulé, avec ses séances",
        "plugins": ["nom ", " source ", " intégrée "],
        "no plugins": "Aucune extension chargée.",
    },
    "en": {
        "init": "database ready: {db}",
        "backup": "backup written to {backup}",
        "coach set": "saved coach #1 Claire Dubois (default): claire@example.com, 06 12 34 56 78",
        "coach add": "added coach #2 Marc Leroy",
        "coach list": ["Coaches", "id  name ", "email", "phone", "default", " yes", " no"],
        "create": "created program marseille-2026 (Europe/Paris)",
        "session add": "added session #1 Jour 1 of marseille-2026: "
        "Thu 3 Dec 2026, 09:00–17:00 Europe/Paris",
        "session add 2": "added session #2 Jour 2 of marseille-2026: "
        "Thu 14 Jan 2027, 09:00–17:00 Europe/Paris at Aix",
        "enroll": "enrolled: S. Martin (#1) in marseille-2026\n"
        "enrolled: Karim Benali (#2) in marseille-2026\n"
        "waitlisted (position 1): Léa Roux (#3) in marseille-2026",
        "attend": "present: S. Martin (#1) at session #1, morning and afternoon",
        "attend absent": "absent: Karim Benali (#2) at session #1, morning and afternoon",
        "session move": "moved session #2 Jour 2 of marseille-2026: "
        "Fri 15 Jan 2027, 09:00–17:00 Europe/Paris at Aix (revision 1)",
        "session list": [
            "Sessions of marseille-2026 (times in Europe/Paris)",
            "id  title   when (Europe/Paris) ",
            "Thu 3 Dec 2026, 09:00–17:00",
            " scheduled ",
            " moved ",
        ],
        "show": [
            "Accompagnement collectif (marseille-2026)",
            "coach:    Claire Dubois",
            "status:   open",
            "fill:     2/2 (+1 waiting)",
            "\nSessions\n",
            "\nRoster\n",
            "id  participant   status    #1 Jour 1",
            " enrolled  present",
            " enrolled  absent",
            "\nWaitlist\n",
            "position  id  participant",
        ],
        "withdraw": "withdrawn: S. Martin (#1) from marseille-2026\n"
        "enrolled from the waitlist: Léa Roux (#3)",
        "edit": "marseille-2026: capacity 2 -> 3\n"
        "marseille-2026: description (none) -> Deux journées\n"
        "marseille-2026: fill 2/3",
        "followup add": 'planned call #1 with S. Martin about "petit incident": '
        "Tue 8 Dec 2026, 18:30 Europe/Paris, 20 min (planned)",
        "followup add 2": "planned session #2 with Karim Benali: "
        "Thu 10 Dec 2026, 14:00 America/Montreal, 45 min (planned)",
        "followup move": "moved session #2 with Karim Benali: "
        "Fri 11 Dec 2026, 14:00 America/Montreal, 45 min (planned)",
        "followup done": 'done: call #1 with S. Martin about "petit incident": '
        "Tue 8 Dec 2026, 18:30 Europe/Paris, 20 min (done)",
        "followup missed": "missed: session #2 with Karim Benali: "
        "Fri 11 Dec 2026, 14:00 America/Montreal, 45 min (missed)",
        "followup cancel": "cancelled: call #3 with Léa Roux: "
        "Mon 14 Dec 2026, 12:00 Europe/Paris, 45 min (cancelled)",
        "followup list": [
            "Follow-ups",
            "id  participant   kind     status     start ",
            " call     done       Tue 8 Dec 2026, 18:30 Europe/Paris ",
            " session  missed     Fri 11 Dec 2026, 14:00 America/Montreal ",
            " outcome\n",
        ],
        "track open": "opened track #1 with Karim Benali: 6 sessions planned\n"
        "from program marseille-2026",
        "track list": ["Tracks", "goal", "progress", " open ", " 0 of 6 ", " no"],
        "track show": [
            "Track #1 with Karim Benali",
            "goal:          trouver sa place",
            "progress:      0 of 6",
            "stalled:       no",
            "No session yet: programs followup add PERSON ... --track ID",
        ],
        "track close": "closed track #1 after 0 of 6 sessions",
        "session cancel": "cancelled session #2 Jour 2 of marseille-2026: "
        "Fri 15 Jan 2027, 09:00–17:00 Europe/Paris at Aix",
        "list": ["Programs", "slug            title ", " status ", " completed ", " cancelled "],
        "complete": "completed program marseille-2026",
        "cancel": "cancelled program aix and its sessions",
        "plugins": ["name ", " source ", " built-in "],
        "no plugins": "No plugins loaded.",
    },
}


def story(run, tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every core command group once, in the current language; ``{step: stdout}``."""
    out: dict[str, str] = {}

    def step(name: str, *args: str, **kwargs: str) -> None:
        out[name] = ok(run(*args, **kwargs)).stdout

    step("init", "init")
    step("backup", "backup", str(tmp_path / "backup.db"))
    step("coach set", "coach", "set", "--name", "Claire Dubois", "--phone", "06 12 34 56 78")
    out["coach set"] = ok(run("coach", "set", "--email", "claire@example.com")).stdout
    step("coach add", "coach", "add", "--name", "Marc Leroy")
    step("coach list", "coach", "list")
    title = ("--title", "Accompagnement collectif")
    step("create", "create", "marseille-2026", *title, "--location", "Marseille", "--capacity", "2")
    day = ("--start", "2026-12-03 09:00", "--end", "17:00", "--title", "Jour 1")
    step("session add", "session", "add", "marseille-2026", *day)
    day = (
        "--start",
        "2027-01-14 09:00",
        "--end",
        "17:00",
        "--title",
        "Jour 2",
        "--location",
        "Aix",
    )
    step("session add 2", "session", "add", "marseille-2026", *day)
    for name, *more in (
        ("S. Martin",),
        ("Karim Benali", "--tz", "America/Montreal"),
        ("Léa Roux",),
    ):
        ok(run("participant", "add", name, *more))
    step("enroll", "enroll", "marseille-2026", "S. Martin", "Karim", "Léa")
    step("attend", "attend", "1", "S. Martin")
    step("attend absent", "attend", "1", "Karim", "--absent")
    step("session move", "session", "move", "2", "--start", "2027-01-15 09:00")
    step("session list", "session", "list", "marseille-2026")
    step("show", "show", "marseille-2026")
    step("withdraw", "withdraw", "marseille-2026", "S. Martin")
    step("edit", "edit", "marseille-2026", "--capacity", "3", "--description", "Deux journées")
    call = ("--kind", "call", "--at", "2026-12-08 18:30", "--duration", "20m")
    step("followup add", "followup", "add", "S. Martin", *call, "--topic", "petit incident")
    step(
        "followup add 2",
        "followup",
        "add",
        "Karim",
        "--kind",
        "session",
        "--at",
        "2026-12-10 14:00",
    )
    step("followup move", "followup", "move", "2", "--at", "2026-12-11 14:00")
    step("followup done", "followup", "done", "1", "--outcome", "une séance individuelle")
    step("followup missed", "followup", "missed", "2")
    ok(run("followup", "add", "Léa", "--kind", "call", "--at", "2026-12-14 12:00"))
    step("followup cancel", "followup", "cancel", "3")
    step("followup list", "followup", "list")
    step("track open", "track", "open", "Karim", "--goal", "trouver sa place", "--sessions", "6")
    step("track list", "track", "list")
    step("track show", "track", "show", "1")
    step("track close", "track", "close", "1", "--outcome", "il mène sa réunion")
    step("session cancel", "session", "cancel", "2")
    step("complete", "complete", "marseille-2026")
    ok(run("create", "aix", "--title", "Aix"))
    step("cancel", "cancel", "aix")
    step("list", "list")
    step("plugins", "plugins")
    return out


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_core_command_group_speaks_the_coachs_language(
    run, tmp_path, monkeypatch, sqlite_url, language
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", LANGS[language])
    out = story(run, tmp_path)
    expected = EXPECTED[language]
    spell = fr if language == "fr" else str
    places = {"db": sqlite_url.removeprefix("sqlite:///"), "backup": str(tmp_path / "backup.db")}
    for name, printed in out.items():
        want = expected[name] if name != "plugins" or "\n" in printed.strip() else None
        if name == "plugins" and want is None:  # the run without built-in plugins
            want = expected["no plugins"]
        if isinstance(want, str):
            assert printed.strip() == spell(want.format(**places)), name
        else:
            for part in want:
                assert spell(part) in printed, f"{name}: {spell(part)!r} not in\n{printed}"
    other = EXPECTED["en" if language == "fr" else "fr"]
    assert out["coach set"].strip() != other["coach set"]  # the two are different words


def test_a_french_coach_reads_no_python_value(run, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", LANGS["fr"])
    text = "\n".join(story(run, tmp_path).values())
    for python in ("None", "True", "False", "+33612345678", ":00+01:00", "→ '", "-> "):
        assert python not in text, python


@pytest.mark.parametrize("language", ["fr", "en"])
def test_bad_input_is_one_line_in_the_coachs_language_and_writes_nothing(
    run, sqlite_url, monkeypatch, language
) -> None:  # type: ignore[no-untyped-def]
    ok(run("create", "marseille-2026", "--title", "Accompagnement collectif"))
    monkeypatch.setenv("LANG", LANGS[language])
    before = snapshot(sqlite_url)
    cases = {
        "fr": [
            (("edit", "marseille-2026"), "Erreur : indiquez au moins l'une des options --title"),
            (("list", "--json", "--csv"), "Erreur : --json et --csv ne peuvent pas être utilisés"),
            (("session", "move", "1"), "Erreur : indiquez au moins l'une des options --start"),
            (("coach", "add", "--email", "m@example.com"), "Erreur : --name est obligatoire"),
        ],
        "en": [
            (("edit", "marseille-2026"), "Error: give at least one of --title"),
            (("list", "--json", "--csv"), "Error: --json and --csv cannot be used together"),
            (("session", "move", "1"), "Error: give at least one of --start"),
            (("coach", "add", "--email", "m@example.com"), "Error: a coach needs --name"),
        ],
    }
    spell = fr if language == "fr" else str
    for args, says in cases[language]:
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert spell(says) in result.stderr, result.stderr
        assert snapshot(sqlite_url) == before
    demo = run("demo", "--db", sqlite_url)
    assert demo.exit_code == 1 and len(demo.stderr.strip().splitlines()) == 1
    says = {
        "fr": "Erreur : {db} n'est pas vide ; donnez un nouveau fichier ou une base vide",
        "en": "Error: {db} is not empty; give a new file or an empty database",
    }[language]
    assert demo.stderr.strip() == spell(says.format(db=sqlite_url.removeprefix("sqlite:///")))
    assert snapshot(sqlite_url) == before


def test_a_french_coach_answers_oui_or_non(run, sqlite_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ok(run("participant", "add", "S. Martin"))
    ok(run("participant", "add", "Léa Roux"))
    monkeypatch.setenv("LANG", LANGS["fr"])
    before = snapshot(sqlite_url)
    kept = run("participant", "erase", "S. Martin", input="non\n")
    question = fr("Effacer S. Martin (n° 1) et tout ce qui concerne cette personne ? ")
    assert question + fr("C'est définitif [o/N] : ") in kept.output
    assert kept.exit_code == 1 and "Abandon." in kept.stderr
    assert snapshot(sqlite_url) == before
    unsure = run("participant", "erase", "S. Martin", input="peut-être\n\n")
    assert fr("Erreur : saisie incorrecte") in unsure.output and unsure.exit_code == 1
    assert snapshot(sqlite_url) == before
    exported = ok(run("participant", "export", "S. Martin", "-o", str(tmp_path / "s.json")))
    assert exported.stdout.strip().splitlines() == [
        f"export de S. Martin écrit dans {tmp_path / 's.json'}",
        fr("Un effacement supprime tout ce qui concerne cette personne ([core] retention_years "
           "vaut 0)."),
    ]  # fmt: skip
    gone = ok(run("participant", "erase", "S. Martin", input="o\n"))
    assert fr("données effacées : S. Martin (n° 1)") in gone.stdout
    ok(run("participant", "erase", "Léa", input="oui\n"))
    monkeypatch.setenv("LANG", LANGS["en"])
    ok(run("participant", "add", "Paul Girard"))
    asked = ok(run("participant", "erase", "Paul", input="y\n"))
    assert "This cannot be undone [y/N]: " in asked.output
    assert rows(sqlite_url, "SELECT count(*) FROM participant") == [(0,)]


LISTINGS = [
    ("list",),
    ("session", "list", "marseille-2026"),
    ("followup", "list"),
    ("track", "list"),
    ("coach", "list"),
    ("plugins",),
]
DETAILS = [("show", "marseille-2026"), ("track", "show", "1")]


def test_json_and_csv_are_the_same_bytes_in_french_and_english(run, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    story(run, tmp_path)
    ok(run("track", "open", "S. Martin", "--goal", "prendre du recul"))
    machine = [
        *((*args, flag) for args in LISTINGS for flag in ("--json", "--csv")),
        *((*args, "--json") for args in DETAILS),
    ]
    printed: dict[str, dict[tuple[str, ...], bytes]] = {}
    for language in ("fr", "en"):
        monkeypatch.setenv("LANG", LANGS[language])
        printed[language] = {args: ok(run(*args)).stdout_bytes for args in machine}
        printed[language]["table"] = ok(run("followup", "list")).stdout_bytes
    for args in machine:
        assert printed["fr"][args] == printed["en"][args], " ".join(args)
        assert printed["fr"][args].strip(), " ".join(args)
    assert printed["fr"]["table"] != printed["en"]["table"]  # people's tables do differ
    followups = printed["fr"][("followup", "list", "--json")].decode()
    assert '"kind": "call"' in followups and '"status": "done"' in followups
    assert '"start": "2026-12-08T18:30:00+01:00"' in followups


def test_help_reads_french_with_its_examples_as_typed(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", LANGS["fr"])
    helped = ok(run("session", "add", "--help")).stdout
    assert "Ajouter une séance au programme SLUG." in helped
    assert fr("  --start TEXT     Début, en heure locale : « AAAA-MM-JJ HH:MM ».") in helped
    assert "[obligatoire]" in helped and "required" not in helped  # click's own word
    assert fr("  Exemple :\n") in helped  # the heading translated, the example as typed:
    assert '--start "2026-12-03 09:00" --end 17:00 --title "Jour 1"' in helped
    for heading in ("Options", "Commandes"):
        assert fr(f"\n{heading} :\n") in ok(run("coach", "--help")).stdout
    monkeypatch.setenv("LANG", LANGS["en"])
    english = ok(run("coach", "--help")).stdout
    assert "\nOptions:\n" in english and "\nCommands:\n" in english
