"""``programs contacts ...`` end to end on a SQLite file: every card and directory read back
by vobject, delivery through a real SMTP server (aiosmtpd on loopback) behind a channel a
test plugin registers, and every user mistake refused on one line with nothing written."""

from __future__ import annotations

import asyncio
import email
import email.policy
import io
import smtplib
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import vobject
from cli_support import as_json, check_refusals, ok, refused, rows, snapshot
from click.testing import Result
from test_contacts_consent import in_words
from test_contacts_vcard import png_pixels, svg_dark_modules

from programs.hookspecs import hookimpl
from programs.registry import ChannelError, OutgoingMessage

SLUG = "marseille-2026"


def today(days: int = 0) -> str:
    return (datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=days)).isoformat()


def cards(text: str) -> list[vobject.base.Component]:
    return list(vobject.readComponents(io.StringIO(text), allowQP=False))


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, run: Callable[..., Result]) -> Callable[..., Result]:
    """``run`` with only the contacts plugin loaded (set before ``run`` initialises)."""
    return run


@pytest.fixture(autouse=True)
def only_contacts(monkeypatch: pytest.MonkeyPatch) -> None:
    from programs.plugin_manager import reset_plugin_manager

    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", "contacts")
    reset_plugin_manager()


def story(run: Callable[..., Result], *, phone: bool = True) -> None:
    """A coach, marseille-2026 (sessions in 2 and 20 days, 3 seats) and five people: S.
    Martin, Léa Roux (English), Karim Benali (no email) enrolled; Paul Girard waiting; Nadia
    Haddad in no program."""
    coach = ["coach", "set", "--name", "Claire Dubois", "--email", "claire@example.com"]
    ok(run(*coach, *(["--phone", "06 12 34 56 78"] if phone else [])))
    ok(run("create", SLUG, "--title", "Accompagnement collectif", "--capacity", "3"))
    for days in (2, 20):
        ok(run("session", "add", SLUG, "--start", f"{today(days)} 09:00", "--end", "17:00"))
    people = [
        ("S. Martin", "--email", "s.martin@example.com", "--phone", "06 11 22 33 44"),
        ("Léa Roux", "--email", "lea@example.com", "--lang", "en"),
        ("Karim Benali", "--phone", "+1 514 555 0199"),
        ("Paul Girard", "--email", "paul@example.com"),
        ("Nadia Haddad", "--email", "nadia@example.com"),
    ]
    for name, *fields in people:
        ok(run("participant", "add", name, *fields))
    ok(run("enroll", SLUG, "S. Martin", "Léa", "Karim", "Paul"))


# --- a real mail channel, registered by a test plugin --------------------------------------


class Inbox:
    """An SMTP server on 127.0.0.1 keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
        asyncio.set_event_loop(None)


class SmtpChannel:
    """Sends one email per message over SMTP, with the attachments."""

    name = "testmail"

    def __init__(self, port: int, fail_for: str | None = None) -> None:
        self.port = port
        self.fail_for = fail_for

    def can_reach(self, message: OutgoingMessage) -> bool:
        return bool(message.to_email)

    def send(self, app: Any, message: OutgoingMessage) -> str:
        if message.to_email == self.fail_for:
            raise ChannelError("mailbox unavailable", permanent=True)
        mail = EmailMessage()
        mail["From"] = "claire@example.com"
        mail["To"] = message.to_email
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(idstring=message.key, domain="programs.test")
        mail.set_content(message.text)
        for attachment in message.attachments:
            maintype, subtype = attachment.content_type.split("/")
            mail.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as smtp:
            smtp.send_message(mail)
        return str(mail["Message-ID"])


class MailPlugin:
    def __init__(self, channel: SmtpChannel) -> None:
        self.channel = channel

    @hookimpl
    def register_channels(self, register: Callable[[Any], None]) -> None:
        register(self.channel)


def add_channel(channel: SmtpChannel) -> None:
    from programs.plugin_manager import get_plugin_manager

    get_plugin_manager().register(MailPlugin(channel), name="testmail")


# --- the coach's card ----------------------------------------------------------------------


def test_card_is_printed_as_vcard_4_by_default(cli: Callable[..., Result]) -> None:
    story(cli)
    [card] = cards(ok(cli("contacts", "card")).stdout)
    assert card.version.value == "4.0"
    assert card.fn.value == "Claire Dubois"
    assert card.tel.value == "tel:+33612345678"
    assert card.tel.params == {"VALUE": ["uri"], "TYPE": ["cell"]}
    assert card.email.value == "claire@example.com"
    assert card.uid.value.startswith("urn:uuid:")
    again = cards(ok(cli("contacts", "card")).stdout)[0]
    assert again.uid.value == card.uid.value  # re-importing updates the same contact


def test_card_file_and_qr_codes(cli: Callable[..., Result], tmp_path: Path) -> None:
    import segno
    from programs.plugins.contacts import qr

    story(cli)
    vcf, png, svg = tmp_path / "coach.vcf", tmp_path / "coach.png", tmp_path / "coach.svg"
    result = ok(cli("contacts", "card", "-o", str(vcf), "--version", "3", "--qr", str(png)))
    assert str(vcf) in result.stdout and str(png) in result.stdout
    ok(cli("contacts", "card", "--qr", str(svg)))
    [card] = cards(vcf.read_text(encoding="utf-8"))
    assert card.version.value == "3.0"
    assert card.tel.value == "+33612345678"
    payload = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Dubois;Claire;;;\r\nFN:Claire Dubois\r\n"
        "TEL;TYPE=CELL:+33612345678\r\nEMAIL;TYPE=INTERNET:claire@example.com\r\nEND:VCARD\r\n"
    )
    [scanned] = cards(payload)
    assert scanned.fn.value == "Claire Dubois"
    symbol = segno.make(payload, error="m", micro=False, encoding="utf-8")
    want = {
        (x + qr.BORDER, y + qr.BORDER)
        for y, row in enumerate(symbol.matrix)
        for x, dark in enumerate(row)
        if dark
    }
    assert svg_dark_modules(svg.read_text(encoding="utf-8")) == want
    pixels = png_pixels(png.read_bytes())
    size = len(symbol.matrix) + 2 * qr.BORDER
    half = qr.SCALE // 2
    got = {
        (x, y)
        for y in range(size)
        for x in range(size)
        if pixels[y * qr.SCALE + half][x * qr.SCALE + half] == 0
    }
    assert got == want
    assert ET.fromstring(svg.read_text(encoding="utf-8")).tag.endswith("svg")


def test_card_refusals_write_nothing(cli: Callable[..., Result], tmp_path: Path) -> None:
    refused(cli("contacts", "card"), "no coach yet")
    story(cli, phone=False)
    out = tmp_path / "out"
    out.mkdir()
    refused(cli("contacts", "card", "-o", str(out / "c.vcf")), "has no phone number")
    ok(cli("coach", "set", "--phone", "06 12 34 56 78"))
    refused(
        cli("contacts", "card", "-o", str(out / "c.vcf"), "--qr", str(out / "c.jpg")),
        "use a .png or .svg",
    )
    refused(cli("contacts", "card", "-o", str(out / "nowhere" / "c.vcf")), "does not exist")
    refused(cli("contacts", "card", "--coach", "Nobody"), "no coach 'Nobody'")
    refused(cli("contacts", "card", "--version", "5"), "invalid value", code=2)
    assert list(out.iterdir()) == []


def test_card_with_an_unwritable_qr_target_writes_no_vcard_either(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    story(cli)
    out = tmp_path / "out"
    out.mkdir()
    qr = out / "nowhere" / "c.png"
    refused(cli("contacts", "card", "-o", str(out / "c.vcf"), "--qr", str(qr)), "does not exist")
    assert list(out.iterdir()) == []


# --- sharing and delivery ------------------------------------------------------------------


def test_share_without_a_channel_says_the_card_is_a_file(
    cli: Callable[..., Result], sqlite_url: str
) -> None:
    story(cli)
    result = ok(cli("contacts", "share", SLUG))
    words = f"from {in_words(today(2), 'en')} to {in_words(today(27), 'en')} inclusive"
    assert words in result.stdout  # the coach's terminal language: English here
    assert "No delivery channel is registered" in result.stdout
    assert "programs contacts card" in result.stdout
    assert len(rows(sqlite_url, "SELECT * FROM contacts_window")) == 1


def test_share_sends_the_card_by_the_registered_channel(
    cli: Callable[..., Result], inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    story(cli)
    add_channel(SmtpChannel(port))
    result = ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    assert "Sent to 2 participants: 2 by testmail." in result.stdout
    assert "No channel can reach: Karim Benali" in result.stdout  # no email, no other channel
    assert sorted(rcpt for rcpt, _ in handler.messages) == [
        ["lea@example.com"],
        ["s.martin@example.com"],
    ]
    for rcpt, message in handler.messages:
        body = message.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
        assert "06 12 34 56 78" in body  # as dialled in the coach's region (France)
        language = "en" if rcpt == ["lea@example.com"] else "fr"  # each in their language
        assert in_words(today(10), language) in body
        others = {"s.martin@example.com", "lea@example.com", "paul@example.com"} - set(rcpt)
        assert not any(other in message.as_string() for other in others)
        [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
        assert attachment.get_content_type() == "text/vcard"
        assert attachment.get_filename() == "coach.vcf"
        [card] = cards(attachment.get_payload(decode=True).decode("utf-8"))
        assert card.version.value == "3.0"
        assert card.tel.value == "+33612345678"
    english = next(m for r, m in handler.messages if r == ["lea@example.com"])
    assert english["Subject"] == "How to reach Claire Dubois – Accompagnement collectif"


def test_a_failing_channel_is_reported_and_the_window_stays(
    cli: Callable[..., Result], inbox: tuple[Inbox, int], sqlite_url: str
) -> None:
    handler, port = inbox
    story(cli)
    add_channel(SmtpChannel(port, fail_for="lea@example.com"))
    result = cli("contacts", "share", SLUG)
    assert result.exit_code == 1
    assert "Error: could not send to Léa Roux: testmail: mailbox unavailable" in result.stderr
    assert "Sent to 1 participant: 1 by testmail." in result.stdout
    assert [r for r, _ in handler.messages] == [["s.martin@example.com"]]
    assert len(rows(sqlite_url, "SELECT * FROM contacts_window")) == 1


def test_no_send_opens_the_window_only(
    cli: Callable[..., Result], inbox: tuple[Inbox, int]
) -> None:
    handler, port = inbox
    story(cli)
    add_channel(SmtpChannel(port))
    assert "Not sent (--no-send)" in ok(cli("contacts", "share", SLUG, "--no-send")).stdout
    assert handler.messages == []


def test_share_refusals_write_nothing(cli: Callable[..., Result], sqlite_url: str) -> None:
    story(cli, phone=False)
    ok(cli("create", "empty", "--title", "No sessions"))
    check_refusals(
        cli,
        sqlite_url,
        [
            (["contacts", "share", SLUG], "has no phone number"),
            (["contacts", "share", "nope"], "no program 'nope'"),
        ],
    )
    ok(cli("coach", "set", "--phone", "06 12 34 56 78"))
    check_refusals(
        cli,
        sqlite_url,
        [
            (["contacts", "share", SLUG, "--from", "2026-02-30"], "cannot read --from"),
            (["contacts", "share", SLUG, "--until", "soon"], "cannot read --until"),
            (
                ["contacts", "share", SLUG, "--from", today(5), "--until", today(4)],
                "before --from",
            ),
            (["contacts", "share", SLUG, "--until", "2020-01-01", "--from", "2019-12-01"], "over"),
            (["contacts", "share", SLUG, "--until", "9999-12-31"], "out of range"),
            (["contacts", "share", SLUG, "--from", "0001-01-01"], "out of range"),
            (["contacts", "share", "empty"], "no sessions: give --from and --until"),
            (["contacts", "unshare", SLUG], "not shared"),
        ],
    )


# --- consent and the directory --------------------------------------------------------------


def test_consent_shows_the_wording_records_it_and_the_directory_follows(
    cli: Callable[..., Result], tmp_path: Path
) -> None:
    story(cli)
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    shown = ok(cli("contacts", "consent", "S. Martin", "--program", SLUG, "--phone", input="y\n"))
    wording = shown.stdout.splitlines()[0]
    assert wording.startswith("J'accepte que mon numéro de téléphone soit communiqué")
    assert "Recorded: S. Martin shares their phone" in shown.stdout
    ok(cli("contacts", "consent", "Léa", "--program", SLUG, "--email", "--yes"))
    [sam, lea] = sorted(
        as_json(cli("contacts", "consents", SLUG, "--json")), key=lambda r: r["name"]
    )[::-1]
    assert (sam["name"], sam["phone"], sam["email"]) == ("S. Martin", True, False)
    assert sam["wording"] == wording and sam["source"] == "cli" and sam["status"] == "active"
    assert lea["wording"].startswith("I agree that my email address is shared")

    listed = cards(ok(cli("contacts", "directory", SLUG)).stdout)
    assert [(c.fn.value, sorted(c.contents)) for c in listed] == [
        ("Léa Roux", ["email", "fn", "n", "uid", "version"]),
        ("S. Martin", ["fn", "n", "tel", "uid", "version"]),
    ]
    target = tmp_path / "group.vcf"
    assert "2 contacts" in ok(cli("contacts", "directory", SLUG, "-o", str(target))).stdout
    assert [c.fn.value for c in cards(target.read_text(encoding="utf-8"))] == [
        "Léa Roux",
        "S. Martin",
    ]
    csv_text = ok(cli("contacts", "directory", SLUG, "--csv")).stdout
    assert csv_text.splitlines() == [
        "name,phone,email",
        "Léa Roux,,lea@example.com",
        "S. Martin,'+33611223344,",  # a number is text to a spreadsheet, not a formula
    ]
    table = ok(cli("contacts", "consents", SLUG)).stdout
    assert "S. Martin" in table and "active" in table

    ok(cli("contacts", "withdraw", "S. Martin", "--program", SLUG))
    assert [c.fn.value for c in cards(ok(cli("contacts", "directory", SLUG)).stdout)] == [
        "Léa Roux"
    ]
    ok(cli("contacts", "withdraw", "Léa", "--program", SLUG))
    nobody = ok(cli("contacts", "directory", SLUG))
    assert nobody.stdout == "" and "nothing to export" in nobody.stderr
    statuses = {
        r["name"]: r["status"] for r in as_json(cli("contacts", "consents", SLUG, "--json"))
    }
    assert statuses == {"S. Martin": "withdrawn", "Léa Roux": "withdrawn"}


def test_declining_writes_nothing(cli: Callable[..., Result], sqlite_url: str) -> None:
    story(cli)
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    before = snapshot(sqlite_url)
    result = cli("contacts", "consent", "S. Martin", "--program", SLUG, "--phone", input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.stderr
    assert snapshot(sqlite_url) == before


def test_consent_refusals_write_nothing(cli: Callable[..., Result], sqlite_url: str) -> None:
    story(cli)
    consent = ["contacts", "consent"]
    check_refusals(
        cli,
        sqlite_url,
        [([*consent, "S. Martin", "--program", SLUG, "--phone", "-y"], "not shared yet")],
    )
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    check_refusals(
        cli,
        sqlite_url,
        [
            ([*consent, "Nobody", "--program", SLUG, "--phone", "-y"], "no participant matches"),
            ([*consent, "S. Martin", "--program", "nope", "--phone", "-y"], "no program"),
            ([*consent, "S. Martin", "--program", SLUG, "-y"], "--phone, --email or both"),
            ([*consent, "Paul", "--program", SLUG, "--email", "-y"], "not enrolled"),
            ([*consent, "Nadia", "--program", SLUG, "--email", "-y"], "not enrolled"),
            ([*consent, "Karim", "--program", SLUG, "--email", "-y"], "no email address"),
            ([*consent, "S. Martin", "--phone", "-y"], "Missing option '--program'", 2),
            (["contacts", "withdraw", "S. Martin", "--program", SLUG], "no consent to withdraw"),
            (["contacts", "directory", "nope"], "no program"),
            (["contacts", "consents", "nope", "--json"], "no program"),
        ],
    )


def test_directory_refuses_outside_the_window(cli: Callable[..., Result], sqlite_url: str) -> None:
    story(cli)
    refused(cli("contacts", "directory", SLUG), "no contact sharing window")
    ok(cli("contacts", "share", SLUG))  # from the first session, in two days
    refused(cli("contacts", "directory", SLUG), f"opens on {in_words(today(2), 'en')}")
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(3)))
    ok(cli("contacts", "consent", "S. Martin", "--program", SLUG, "--phone", "-y"))
    assert len(cards(ok(cli("contacts", "directory", SLUG)).stdout)) == 1
    import sqlite3

    con = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))  # the window is over
    with con:
        con.execute(
            "UPDATE contacts_window SET starts_at = '2019-12-31 23:00:00', "
            "ends_at = '2020-01-07 23:00:00'"  # Paris midnight
        )
    con.close()
    refused(cli("contacts", "directory", SLUG, "--csv"), "ended on January 7, 2020")
    statuses = [r["status"] for r in as_json(cli("contacts", "consents", SLUG, "--json"))]
    assert statuses == ["active"]  # the consent itself runs to its own end; the window gates


def test_leaving_or_erasure_removes_people_from_later_directories(
    cli: Callable[..., Result], sqlite_url: str
) -> None:
    story(cli)
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    for who in ("S. Martin", "Léa", "Karim"):
        ok(
            cli(
                "contacts",
                "consent",
                who,
                "--program",
                SLUG,
                "--phone" if who != "Léa" else "--email",
                "-y",
            )
        )
    ok(cli("withdraw", SLUG, "Karim"))  # Paul, waiting, takes the seat: he never agreed
    ok(cli("participant", "erase", "S. Martin", "--yes"))
    assert [c.fn.value for c in cards(ok(cli("contacts", "directory", SLUG)).stdout)] == [
        "Léa Roux"
    ]
    statuses = {
        r["name"]: r["status"] for r in as_json(cli("contacts", "consents", SLUG, "--json"))
    }
    assert statuses == {"Léa Roux": "active", "Karim Benali": "withdrawn"}
    log = rows(sqlite_url, "SELECT action, source FROM contacts_consent_log ORDER BY id")
    assert ("erased", "erasure") in log and ("withdrawn", "program withdrawal") in log


def test_unshare_closes_the_window_at_once(cli: Callable[..., Result], sqlite_url: str) -> None:
    story(cli)
    ok(cli("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    ok(cli("contacts", "consent", "S. Martin", "--program", SLUG, "--phone", "-y"))
    assert "1 consent ended" in ok(cli("contacts", "unshare", SLUG)).stdout
    refused(cli("contacts", "directory", SLUG), "not shared")
    assert rows(sqlite_url, "SELECT * FROM contacts_consent") == []


def test_every_contacts_command_has_help_with_an_example(cli: Callable[..., Result]) -> None:
    group = ok(cli("contacts", "--help")).stdout
    commands = ["card", "consent", "consents", "directory", "share", "unshare", "withdraw"]
    for name in commands:
        assert name in group
        text = ok(cli("contacts", name, "--help")).stdout
        assert "Example:" in text and f"programs contacts {name}" in text
    assert "--json" in ok(cli("contacts", "consents", "--help")).stdout


@pytest.mark.parametrize(
    ("plugins", "sent"),
    [
        ("contacts,email,reminders", "Sent to 3 participants: 1 by console, 2 by email."),
        ("contacts,email", "Sent to 2 participants: 2 by email."),  # reminders disabled
    ],
)
def test_share_goes_through_the_email_plugins_channel(
    monkeypatch: pytest.MonkeyPatch,
    inbox: tuple[Inbox, int],
    tmp_path: Path,
    private_env: Path,
    plugins: str,
    sent: str,
) -> None:
    """With the real email plugin loaded (and never imported here): its ``email`` channel,
    configured for the loopback SMTP server, carries the card, whether or not the reminders
    plugin is loaded; with it, its ``console`` channel prints the message for the person
    without an email address."""
    from click.testing import CliRunner
    from programs.cli.main import build_cli

    from programs.plugin_manager import reset_plugin_manager

    handler, port = inbox
    monkeypatch.setenv("PROGRAMS_LOAD_PLUGINS", plugins)
    reset_plugin_manager()
    (private_env / "config.toml").write_text(
        f'[email]\nhost = "127.0.0.1"\nport = {port}\nsender = "claire@example.com"\n',
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'with-reminders.db'}"

    def run(*args: str) -> Result:
        return CliRunner().invoke(build_cli(), ["--db", db, *args])

    ok(run("init"))
    story(run)
    result = ok(run("contacts", "share", SLUG, "--from", today(), "--until", today(10)))
    assert sent in result.stdout
    if "reminders" in plugins:
        assert "Karim Benali" in result.stdout  # printed by the console channel
    else:
        assert "No channel can reach: Karim Benali" in result.stdout
    assert sorted(rcpt for rcpt, _ in handler.messages) == [
        ["lea@example.com"],
        ["s.martin@example.com"],
    ]
    for _, message in handler.messages:
        [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
        [card] = cards(attachment.get_payload(decode=True).decode("utf-8"))
        assert (card.fn.value, card.tel.value) == ("Claire Dubois", "+33612345678")
