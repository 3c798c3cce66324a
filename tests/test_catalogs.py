"""The catalogs: every message the code can show is in French and English, none is out of
date, French reads as French is printed, and the coach's terminal language is chosen as the
README says. The extraction is the contributors' tool's own (``programs.cli.catalogs``): a
message added to the code without its translation fails here.
"""

from __future__ import annotations

import re

import pytest

from programs import i18n

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def catalog_problems() -> dict[str, list[str]]:
    from programs.cli import catalogs

    return catalogs.problems()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_message_is_translated_and_none_is_out_of_date(catalog_problems, language) -> None:  # type: ignore[no-untyped-def]
    issues = catalog_problems[language]
    assert issues == [], (
        f"{len(issues)} problem(s) in the {language} catalog; run "
        "`python -m programs.cli.catalogs update`, then translate:\n" + "\n".join(issues[:40])
    )


def french_strings() -> list[str]:
    from programs.cli import catalogs

    found = []
    for message in catalogs.read(catalogs.po_path("fr")):
        if not message.id:
            continue
        found += list(message.string) if isinstance(message.string, tuple) else [message.string]
    return [s for s in found if s]


def prose(text: str) -> str:
    """``text`` without the command lines of a help's examples: the indented lines of a
    ``\\b`` paragraph are shell (``--title "Jour 1"``), typed as they are in every language."""
    kept, verbatim = [], False
    for line in text.split("\n"):
        if line == "\b":
            verbatim = True
            continue
        if not line.strip():
            verbatim = False
        if not (verbatim and line.startswith(" ")):
            kept.append(line)
    return "\n".join(kept)


def typography_faults(text: str) -> list[str]:
    """French puts a narrow no-break space before ``: ; ? !`` and uses « » for quotes."""
    bare = re.sub(r"\{[^{}]*\}|%\([^)]*\)s|\w+://\S+", "X", prose(text))
    faults = []
    for match in re.finditer(r"(.)([:;?!])(?=[\s)»\"]|$)", bare):
        if match.group(1) not in (NNBSP, NBSP):
            faults.append(f"no narrow no-break space before {match.group(2)!r}: {text!r}")
    if re.search(r'(?<![=\w])"[A-Za-zÀ-ÿ][^"]*[a-zà-ÿ.]"', bare):
        faults.append(f'"English quotes" in French (use « »): {text!r}')
    return faults


def test_french_is_printed_the_french_way() -> None:
    faults = [f for text in french_strings() for f in typography_faults(text)]
    assert faults == [], "\n".join(faults[:30])


def test_the_typography_check_sees_a_fault() -> None:
    assert typography_faults("Erreur : x")  # a plain space
    assert typography_faults('Programme "Marseille".')
    assert not typography_faults(f"Erreur{NNBSP}: x, à 09:00, https://x.org/a:b, « Jour 1 »")
    example = f'Une séance.\n\n\b\nExemple{NNBSP}:\n  programs session add x --title "Jour 1"'
    assert not typography_faults(example)  # an example's command line is shell
    assert typography_faults(example.replace(f"Exemple{NNBSP}:", "Exemple :"))
    assert typography_faults('Une séance, par exemple "premier jour".')


@pytest.mark.parametrize(
    ("option", "environ", "configured", "expected"),
    [
        ("fr", {"PROGRAMS_LANG": "en", "LANG": "en_US.UTF-8"}, "en", "fr"),
        (None, {"PROGRAMS_LANG": "fr", "LANG": "en_US.UTF-8"}, "en", "fr"),
        (None, {"LANG": "en_US.UTF-8"}, "fr", "fr"),
        (None, {"LANG": "fr_FR.UTF-8"}, None, "fr"),
        (None, {"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US"}, None, "fr"),
        (None, {"LC_MESSAGES": "fr_BE"}, None, "fr"),
        (None, {"LANGUAGE": "de:fr:en"}, None, "fr"),  # no German catalog: the next one
        (None, {"LANG": "C.UTF-8"}, None, "en"),
        (None, {}, None, "en"),
        (None, {"LANG": "it_IT.UTF-8"}, None, "en"),  # no Italian catalog: English
    ],
)
def test_the_terminal_language_is_chosen_in_order(option, environ, configured, expected) -> None:  # type: ignore[no-untyped-def]
    assert i18n.terminal_language(option, environ=environ, configured=configured) == expected


def test_a_french_coach_reads_click_and_programs_in_french(run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    helped = run("--help")
    assert helped.exit_code == 0
    assert helped.stdout.startswith(f"Utilisation{NNBSP}: programs ")
    assert "Afficher ce message et quitter." in helped.stdout
    unknown = run("nope")
    assert unknown.exit_code == 2 and f"Erreur{NNBSP}:" in unknown.stderr
    assert run("--lang", "en", "--help").stdout.startswith("Usage: programs ")


def test_an_unknown_language_option_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("--lang", "xx", "list")
    assert result.exit_code == 2 and "no catalog for 'xx'" in result.stderr


def test_a_translator_speaks_one_persons_language_whatever_the_current_one() -> None:
    with i18n.using("en"):
        assert i18n.translator("fr").gettext("Show this message and exit.") == (
            "Afficher ce message et quitter."
        )
        assert i18n.gettext("Show this message and exit.") == "Show this message and exit."
