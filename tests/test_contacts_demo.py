"""``programs demo`` with the contacts plugin: the coach's card, its QR codes and the
Marseille group directory are written to the demo folder, named, and read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import vobject
from click.testing import CliRunner
from test_contacts_vcard import png_pixels, svg_dark_modules


@pytest.fixture(autouse=True)
def only_contacts(monkeypatch: pytest.MonkeyPatch) -> None:
    from programs.plugin_manager import reset_plugin_manager

    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "contacts")
    reset_plugin_manager()


def test_demo_writes_the_card_the_qr_code_and_the_group_directory(tmp_path: Path) -> None:
    from programs.cli.main import build_cli
    from programs.plugins.contacts import qr
    from programs.plugins.contacts.vcard import Card

    folder = tmp_path / "demo"
    result = CliRunner().invoke(build_cli(), ["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    section = out[out.index("Contact sharing (contacts)") :]
    for name in ("coach.vcf", "coach.png", "coach.svg", "group.vcf"):
        assert name in section
        assert (folder / name).stat().st_size > 0

    [coach] = vobject.readComponents(
        io.StringIO((folder / "coach.vcf").read_text(encoding="utf-8")), allowQP=False
    )
    assert coach.version.value == "3.0"
    assert coach.fn.value == "Claire Dubois"
    assert coach.tel.value == "+33612345678"

    group = list(
        vobject.readComponents(
            io.StringIO((folder / "group.vcf").read_text(encoding="utf-8")), allowQP=False
        )
    )
    assert len(group) == 2  # a couple of consents, the rest of the group never agreed
    for card in group:
        assert card.fn.value in section
        assert card.email.value in section
    assert "Not in it (never agreed): " in section

    expected = qr.make(
        Card(name="Claire Dubois", uid="-", phone="+33612345678", email=coach.email.value)
    )
    want = {
        (x + qr.BORDER, y + qr.BORDER)
        for y, row in enumerate(expected.matrix)
        for x, dark in enumerate(row)
        if dark
    }
    assert svg_dark_modules((folder / "coach.svg").read_text(encoding="utf-8")) == want
    pixels = png_pixels((folder / "coach.png").read_bytes())
    half = qr.SCALE // 2
    assert {
        (x, y)
        for y in range(len(pixels) // qr.SCALE)
        for x in range(len(pixels) // qr.SCALE)
        if pixels[y * qr.SCALE + half][x * qr.SCALE + half] == 0
    } == want
