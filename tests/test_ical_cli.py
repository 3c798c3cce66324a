"""``programs ical ...`` commands in-process on a test SQLite file: outputs, links, tokens
stored hashed, and every bad input as one line with a non-zero exit and nothing written."""

from __future__ import annotations

import hashlib
import re
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import make_app
from test_ical_support import make_world, read_back

TOKEN_URL = re.compile(r"^(?P<base>.+)/feeds/(?P<token>[A-Za-z0-9_-]{43})\.ics$")


@pytest.fixture
def world(run, sqlite_url: str):  # type: ignore[no-untyped-def]
    app = make_app(sqlite_url, plugins=["ical"])
    yield make_world(app)
    app.close()


def token_rows(sqlite_url: str) -> list[tuple]:
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT scope_kind, scope_id, token_hash, revoked_at "
                        "FROM ical_token ORDER BY id"
                    )
                )
            )
    finally:
        engine.dispose()


def one_line_error(result, exit_code: int = 1) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 or exit_code == 2, result.stderr
    return lines[-1]


def test_export_program_to_stdout_and_to_a_file(run, world, tmp_path: Path) -> None:
    out = run("ical", "export", world.slug)
    assert out.exit_code == 0, out.stderr
    assert len(read_back(out.stdout_bytes).events) == 2
    target = tmp_path / "m.ics"
    result = run("ical", "export", world.slug, "-o", str(target))
    assert result.exit_code == 0
    assert target.read_bytes() == out.stdout_bytes
    assert "2 events" in result.stderr


def test_export_participant_and_coach(run, world) -> None:
    sophie = run("ical", "export", "--participant", "sophie.martin@example.com")
    assert sophie.exit_code == 0, sophie.stderr
    assert len(read_back(sophie.stdout_bytes).events) == 3
    coach = run("ical", "export", "--coach", "-o", "-")
    assert coach.exit_code == 0
    assert len(read_back(coach.stdout_bytes).events) == 6


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        ((), "name one feed", 2),
        (("marseille-2026", "--coach"), "name one feed", 2),
        (("--participant", "Sophie", "--coach"), "name one feed", 2),
        (("nowhere-2026",), "no program 'nowhere-2026'", 1),
        (("--participant", "Nobody Here"), "Nobody Here", 1),
        (("--participant", "a"), "matches several participants", 1),
        (
            ("marseille-2026", "-o", "{tmp}/missing/x.ics"),
            "folder {tmp}/missing does not exist",
            1,
        ),
    ],
)
def test_export_bad_input(run, world, tmp_path: Path, args, message: str, code: int) -> None:
    result = run("ical", "export", *(a.format(tmp=tmp_path) for a in args))
    assert message.format(tmp=tmp_path) in one_line_error(result, code)
    assert result.stdout == ""


def test_export_to_a_folder_is_refused_and_writes_nothing(run, world, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("ical", "export", world.slug, "-o", str(folder))
    assert "is a folder" in one_line_error(result)
    assert list(folder.iterdir()) == []


def test_coach_feed_without_a_coach_is_a_clear_error(run) -> None:
    assert "no coach yet" in one_line_error(run("ical", "export", "--coach"))


def test_link_issues_a_token_stored_only_as_its_hash(run, world, sqlite_url: str) -> None:
    result = run("ical", "link", "--participant", "Sophie Martin")
    assert result.exit_code == 0, result.stderr
    match = TOKEN_URL.match(result.stdout.strip())
    assert match and match["base"] == "http://127.0.0.1:8080"
    token = match["token"]
    assert f"http://127.0.0.1:8080/p/{token}" in result.stderr  # the page for people
    ((kind, scope_id, stored, revoked),) = token_rows(sqlite_url)
    assert (kind, scope_id, revoked) == ("participant", world.people["Sophie Martin"], None)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))
    for path in (db_file, db_file.with_name(db_file.name + "-wal")):
        if path.exists():
            assert token.encode() not in path.read_bytes()


def test_link_again_shows_the_same_link_and_writes_nothing(run, world, sqlite_url: str) -> None:
    first = run("ical", "link", world.slug)
    assert first.exit_code == 0
    before = token_rows(sqlite_url)
    again = run("ical", "link", world.slug)
    assert again.exit_code == 0 and again.stdout == first.stdout  # the same URL
    assert token_rows(sqlite_url) == before


def test_an_old_random_link_cannot_be_shown_again_and_says_to_rotate(
    run, world, sqlite_url: str
) -> None:
    """A token issued before tokens were derived (generation NULL) keeps working, but only
    its hash is known: asked again, the command says to rotate, and writes nothing."""
    import sqlite3

    assert run("ical", "link", world.slug).exit_code == 0
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE ical_token SET generation = NULL")
    before = token_rows(sqlite_url)
    again = run("ical", "link", world.slug)
    message = one_line_error(again)
    assert "cannot be shown again" in message and "programs ical rotate marseille-2026" in message
    assert again.stdout == "" and token_rows(sqlite_url) == before


def test_rotate_and_revoke(run, world, sqlite_url: str) -> None:
    first = TOKEN_URL.match(run("ical", "link", "--coach").stdout.strip())["token"]
    rotated = run("ical", "rotate", "--coach")
    assert rotated.exit_code == 0
    second = TOKEN_URL.match(rotated.stdout.strip())["token"]
    assert second != first
    ((_, _, stored, _),) = token_rows(sqlite_url)
    assert stored == hashlib.sha256(second.encode()).hexdigest()

    revoked = run("ical", "revoke", "--coach")
    assert revoked.exit_code == 0 and "no longer works" in revoked.stdout
    ((_, _, stored, revoked_at),) = token_rows(sqlite_url)
    assert revoked_at is not None and stored != hashlib.sha256(second.encode()).hexdigest()
    assert "no active link" in one_line_error(run("ical", "revoke", "--coach"))
    third = run("ical", "link", "--coach")  # a new link after a revocation
    assert third.exit_code == 0 and TOKEN_URL.match(third.stdout.strip())["token"] not in (
        first,
        second,
    )


def test_link_base_url_from_option_and_config(run, world, private_env: Path) -> None:
    result = run("ical", "link", world.slug, "--base-url", "https://feeds.example.org/c/")
    assert result.stdout.startswith("https://feeds.example.org/c/feeds/")
    (private_env / "config.toml").write_text('[ical]\nbase_url = "https://cal.example.net"\n')
    result = run("ical", "rotate", world.slug)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("https://cal.example.net/feeds/")


def test_a_bad_base_url_writes_no_token(run, world, sqlite_url: str) -> None:
    for bad in ("feeds.example.org", "ftp://x", "https://x/?a=1", "http://"):
        assert "invalid base URL" in one_line_error(
            run("ical", "link", world.slug, "--base-url", bad)
        )
    assert token_rows(sqlite_url) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[ical]\ncancelled_grace_days = 'x'\n", "cancelled_grace_days"),
        ("[ical]\ncancelled_grace_days = -1\n", "cancelled_grace_days"),
        ("[ical]\nbase_url = 'nope'\n", "base_url"),
        ("[ical]\ngrace = 3\n", "unknown key(s) grace"),
    ],
)
def test_bad_settings_are_one_line_errors(
    run, world, private_env: Path, config: str, message: str
) -> None:
    (private_env / "config.toml").write_text(config)
    assert message in one_line_error(run("ical", "export", world.slug))


def test_serve_on_a_busy_port_is_a_clear_error(run, world) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("ical", "serve", "--port", str(port))
    assert f"cannot listen on 127.0.0.1:{port}" in one_line_error(result)


def test_serve_rejects_a_bad_port(run) -> None:
    assert run("ical", "serve", "--port", "70000").exit_code == 2


def test_commands_need_the_plugin_table(tmp_path: Path) -> None:
    """A database initialised without this plugin: commands say to run init."""
    from click.testing import CliRunner
    from programs.cli.main import build_cli

    url = f"sqlite:///{tmp_path / 'bare.db'}"
    app = make_app(url)  # core only
    make_world(app)
    app.close()
    result = CliRunner().invoke(build_cli(), ["--db", url, "ical", "link", "marseille-2026"])
    assert "run `programs init`" in one_line_error(result)


def test_every_ical_command_has_help(run) -> None:
    for command in ("export", "link", "rotate", "revoke", "serve"):
        result = run("ical", command, "--help")
        assert result.exit_code == 0 and len(result.stdout.splitlines()[2]) > 10


def test_export_notes_when_the_coach_has_no_email(run, sqlite_url: str) -> None:
    from programs.domain.coach import set_default_coach
    from programs.domain.program import create_program

    app = make_app(sqlite_url, plugins=["ical"])
    with app.write() as db:
        set_default_coach(db, name="Claire Dubois")
        create_program(db, slug="p", title="P")
    app.close()
    result = run("ical", "export", "p")
    assert result.exit_code == 0
    assert "no ORGANIZER" in result.stderr and "ORGANIZER" not in result.stdout


def test_export_counts_events_not_the_words_in_their_text(run, world, tmp_path: Path) -> None:
    """A description that contains "BEGIN:VEVENT" lines is one event, not several."""
    noisy = "notes\nBEGIN:VEVENT\nBEGIN:VEVENT\nEND:VEVENT"
    assert (
        run(
            "session",
            "add",
            world.slug,
            "--start",
            "2027-09-01 09:00",
            "--end",
            "12:00",
            "--title",
            noisy,
        ).exit_code
        == 0
    )
    target = tmp_path / "m.ics"
    result = run("ical", "export", world.slug, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert len(read_back(target.read_bytes()).events) == 3
    assert "(3 events" in result.stderr
