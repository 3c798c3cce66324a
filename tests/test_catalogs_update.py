"""``catalogs update`` adds a new message to each catalog on its own: English gets it as
written, French gets it untranslated (so ``check`` lists it), never English's copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def test_a_new_message_reaches_french_untranslated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from programs.cli import catalogs

    locale = tmp_path / "locale"
    shutil.copytree(catalogs.LOCALE_DIR, locale, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(catalogs, "LOCALE_DIR", locale)
    monkeypatch.setattr(catalogs, "TEMPLATE", locale / "programs.pot")
    new = "Reminder: {title}"  # a message of the code, dropped from both catalogs
    for language in ("en", "fr"):
        catalog = catalogs.read(catalogs.po_path(language))
        del catalog[new]
        catalogs.write(catalogs.po_path(language), catalog)

    report = catalogs.update(["en", "fr"])

    assert report["en"][0] == report["fr"][0] == 1
    assert catalogs.read(catalogs.po_path("en"))[new].string == new
    assert catalogs.read(catalogs.po_path("fr"))[new].string == ""
