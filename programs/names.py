"""People's names: a given name and a family name, the full name derived from them.

A person is often typed as one full name ("Jean de La Fontaine"); it is split once, here:
the last word is the family name, with the particles before it ("de", "de La", "van der",
"Le"...), the words before those are the given names. The coach can fix a split
(``participant edit --given ... --family ...``). Greetings use the given name, cards write
``N:de La Fontaine;Jean``.
"""

from __future__ import annotations

PARTICLES = frozenset(
    {
        "de", "d'", "du", "des", "la", "le", "les", "l'",  # French
        "van", "von", "der", "den", "ter", "ten", "zu", "vom",  # Dutch, German
        "di", "da", "del", "della", "dei", "dos", "das", "do", "y",  # Italian, Spanish...
        "ben", "bin", "ibn", "bint", "al", "el", "abu",  # Arabic
        "mac", "mc", "o'", "st.", "saint", "sainte",
    }
)  # fmt: skip


def split_name(full: str) -> tuple[str, str]:
    """``(given, family)`` of a full name; one word is a family name alone."""
    words = full.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def full_name(given: str | None, family: str | None) -> str:
    return " ".join(part.strip() for part in (given, family) if part and part.strip())


def greeting_name(given: str | None, full: str) -> str:
    """What a message says after "Bonjour": the given name, else the full name."""
    return given.strip() if given and given.strip() else full
