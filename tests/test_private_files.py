"""Files only the coach can read, whatever the umask: the data folder (700), the database and
its -wal/-shm, backups, exports, cards and the demo's files (600); a password in a config
file others can read is refused; an erased person leaves no byte of theirs in the database
file, its WAL or a later backup, even while a server holds a connection."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import ok, refused, snapshot

PROGRAMS = str(Path(sys.executable).parent / "programs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():  # type: ignore[no-untyped-def]
    previous = os.umask(0o022)  # what most desktops have: files 644, folders 755
    yield
    os.umask(previous)


def shell(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The real script, as a coach's shell runs it (umask 022 inherited)."""
    environ = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share"),
               "XDG_CONFIG_HOME": str(home / ".config"), "PROGRAMS_CONFIG": str(home / "c.toml"),
               **env}  # fmt: skip
    environ.pop("PROGRAMS_DB", None)
    return subprocess.run(
        [PROGRAMS, *args], env=environ, capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip


def test_the_default_database_is_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert shell("init", home=home).returncode == 0
    assert shell("participant", "add", "Anne Secret", home=home).returncode == 0
    folder = home / ".local/share/programs"
    database = folder / "programs.db"
    assert mode(folder) == 0o700
    assert mode(database) == 0o600
    for sidecar in (folder / "programs.db-wal", folder / "programs.db-shm"):
        if sidecar.exists():
            assert mode(sidecar) == 0o600, sidecar


def test_a_database_made_by_an_older_version_is_closed_to_others(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert shell("init", home=home).returncode == 0
    folder = home / ".local/share/programs"
    folder.chmod(0o755)
    (folder / "programs.db").chmod(0o644)
    assert shell("list", home=home).returncode == 0
    assert (mode(folder), mode(folder / "programs.db")) == (0o700, 0o600)


def test_backups_are_private_never_overwrite_and_never_leave_a_copy(
    run, sqlite_url, tmp_path, loose_umask
) -> None:  # type: ignore[no-untyped-def]
    ok(run("participant", "add", "Anne Secret"))
    target = tmp_path / "copy.db"
    ok(run("backup", str(target)))
    assert mode(target) == 0o600
    refused(run("backup", str(target)), "exists: give another name, or --force")
    ok(run("backup", str(target), "--force"))
    refused(run("backup", ""), "give the backup file's name", code=2)
    refused(run("backup", str(tmp_path)), "is a folder")
    refused(run("backup", str(tmp_path / "nowhere" / "x.db")), "does not exist")
    full = tmp_path / "full.db"  # a failure half-way (here: the target is a dangling link)
    full.symlink_to(tmp_path / "nowhere" / "x.db")
    refused(run("backup", str(full), "--force"), "does not exist")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_exports_cards_feeds_and_the_demo_are_private(run, tmp_path, loose_umask) -> None:  # type: ignore[no-untyped-def]
    ok(run("coach", "set", "--name", "Claire Dubois", "--phone", "06 12 34 56 78"))
    ok(run("create", "m", "--title", "M"))
    ok(run("participant", "add", "Anne Secret"))
    written = {
        "export.json": ("participant", "export", "Anne Secret", "-o"),
        "feed.ics": ("ical", "export", "m", "-o"),
        "card.vcf": ("contacts", "card", "-o"),
    }
    for name, args in written.items():
        ok(run(*args, str(tmp_path / name)))
        assert mode(tmp_path / name) == 0o600, name
    ok(run("contacts", "card", "--qr", str(tmp_path / "card.png")))
    assert mode(tmp_path / "card.png") == 0o600
    demo = tmp_path / "demo"
    ok(run("demo", "--dir", str(demo), "--db", str(demo / "demo.db")))
    assert mode(demo) == 0o700
    assert {f.name: mode(f) for f in demo.iterdir()} == {f.name: 0o600 for f in demo.iterdir()}


def test_a_password_others_can_read_is_refused(run, private_env, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    config = private_env / "config.toml"
    config.write_text('[email]\nusername = "claire"\npassword = "s3cret"\n')
    config.chmod(0o644)
    before = snapshot(sqlite_url)
    refused(run("participant", "add", "Anne"), "holds a password and others can read it")
    assert snapshot(sqlite_url) == before
    config.chmod(0o600)
    ok(run("participant", "add", "Anne"))
    config.write_text('[email]\nusername = "claire"\npassword_env = "SMTP_PASSWORD"\n')
    config.chmod(0o644)  # no password in the file: nothing to hide
    ok(run("participant", "add", "Bruno"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_erased_person_leaves_no_byte_in_the_file_the_wal_or_a_backup(
    run, sqlite_url, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """While `programs ical serve` holds a connection (it answered a request)."""
    secrets = ["Zoé Introuvable", "zoe.introuvable@example.com", "+33699887766", "NOTE-ZOE-42"]
    ok(run("create", "m", "--title", "M"))
    ok(run("participant", "add", secrets[0], "--email", secrets[1], "--phone", "06 99 88 77 66",
           "--notes", secrets[3]))  # fmt: skip
    ok(run("participant", "add", "Bruno Témoin"))
    ok(run("enroll", "m", secrets[0]))
    token = ok(run("ical", "link", "m")).stdout.strip().rsplit("/", 1)[1].removesuffix(".ics")
    port = free_port()
    database = Path(sqlite_url.removeprefix("sqlite:///"))
    server = subprocess.Popen(
        [PROGRAMS, "--db", str(database), "ical", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        import httpx

        deadline = time.monotonic() + 20
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/feeds/{token}.ics").status_code == 200
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        ok(run("participant", "erase", secrets[0], "--yes"))
        ok(run("backup", str(tmp_path / "after.db")))
        files = [database, database.with_name(database.name + "-wal"), tmp_path / "after.db"]
        for path in files:
            if not path.exists():
                continue
            data = path.read_bytes()
            for secret in secrets:
                for encoded in {secret.encode("utf-8"), secret.encode("utf-16-le")}:
                    assert encoded not in data, (path.name, secret)
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_backup_that_fails_half_way_leaves_nothing(run, sqlite_url, tmp_path: Path) -> None:
    """The disk fills up half-way (a file-size limit on the real script): one line, and the
    temporary copy is gone."""
    import resource
    import signal

    for i in range(300):
        ok(run("participant", "add", f"Person {i:03d}", "--notes", "x" * 400))
    database = sqlite_url.removeprefix("sqlite:///")
    out = tmp_path / "out"
    out.mkdir()

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    result = subprocess.run(
        [PROGRAMS, "--db", database, "backup", str(out / "copy.db")],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_disk,
    )
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert "the backup was not written" in result.stderr and "unexpected" not in result.stderr
    assert list(out.iterdir()) == []
