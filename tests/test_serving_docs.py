"""docs/serving.md is true: its nginx and Caddy blocks, taken from the page itself, run
in front of the real feed server (nginx with TLS), answer the feeds and pages whole, keep
every token out of the proxy's logs, and redirect plain HTTP to a fixed name.

Real nginx and Caddy (Debian's packages; .ci/run installs them). Only what cannot exist
here is changed: the certificate (self-signed, made by openssl), the ports and the log
paths.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conftest import make_app
from test_ical_support import free_port, make_world, serving

from programs.calendar import CalendarScope

PAGE = Path(__file__).parent.parent / "docs" / "serving.md"


def block(language: str) -> str:
    (found,) = re.findall(rf"```{language}\n(.*?)\n```", PAGE.read_text(encoding="utf-8"), re.S)
    return found


@pytest.fixture
def feeds(sqlite_url: str) -> Iterator[tuple[str, str]]:
    """The feed server on a loopback port, and Sophie's token."""
    from programs.plugins.ical.tokens import issue

    app = make_app(sqlite_url, plugins=["ical"])
    made = make_world(app)
    with app.write() as db:
        token = issue(db, CalendarScope("participant", made.people["Sophie Martin"]))
    with serving(app, base_url="https://feeds.example.org") as url:
        yield url, token
    app.close()


def wait_for(url: str, process: subprocess.Popen, **client: object) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url, timeout=2, **client)  # type: ignore[arg-type]
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                out, err = process.communicate(timeout=5)
                pytest.fail(f"the proxy did not start: {err or out}")
            time.sleep(0.1)


@contextmanager
def running(command: list[str], url: str, **client: object) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(url, process, **client)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=feeds.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_nginx_example_serves_over_tls_and_logs_no_token(feeds, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    upstream, token = feeds
    cert, key = self_signed(tmp_path)
    https, http = free_port(), free_port()
    site = (
        block("nginx")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
        .replace("listen 80;", f"listen 127.0.0.1:{http};")
        .replace("/etc/letsencrypt/live/feeds.example.org/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/feeds.example.org/privkey.pem", str(key))
        .replace("/var/log/nginx/", f"{tmp_path}/")
        .replace("http://127.0.0.1:8080", upstream)
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/main.error.log;\n"
        "events {}\nhttp {\n"
        + "".join(
            f"    {kind}_temp_path {temp}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + site
        + "\n}\n"
    )
    base = f"https://127.0.0.1:{https}"
    with running(["nginx", "-p", str(tmp_path), "-c", str(conf)], base, verify=False):
        with httpx.Client(base_url=base, verify=False) as client:
            feed = client.get(f"/feeds/{token}.ics", headers={"Host": "feeds.example.org"})
            page = client.get(f"/feeds/{token}")
            own = client.get(f"/p/{token}", headers={"Host": "feeds.example.org"})
            wrong = client.get("/feeds/" + "x" * 43 + ".ics")
        redirect = httpx.get(
            f"http://127.0.0.1:{http}/feeds/{token}.ics", headers={"Host": "evil.example"}
        )
    assert feed.status_code == 200 and feed.content.endswith(b"END:VCALENDAR\r\n")
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert page.status_code == 200 and "Jour 2" in page.text
    assert wrong.status_code == 404
    assert redirect.status_code == 301
    assert redirect.headers["location"] == f"https://feeds.example.org/feeds/{token}.ics"
    access = (tmp_path / "feeds.access.log").read_text()
    assert own.status_code == 200 and "Jour 2" in own.text
    assert access.count('"GET /feeds/~') == 3, access  # every request logged, token cut
    assert access.count('"GET /p/~') == 1, access
    for written in tmp_path.glob("*.log"):
        assert token not in written.read_text(), written.name


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_the_caddy_example_proxies_and_logs_no_token(feeds, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    upstream, token = feeds
    port = free_port()
    site = (
        block("caddyfile")
        .replace("feeds.example.org {", f"http://127.0.0.1:{port} {{", 1)
        .replace("/var/log/caddy/", f"{tmp_path}/")
        .replace("127.0.0.1:8080", upstream.removeprefix("http://"))
    )
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text("{\n\tadmin off\n}\n" + site + "\n")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    command = ["caddy", "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(base, process)
        with httpx.Client(base_url=base) as client:
            feed = client.get(f"/feeds/{token}.ics")
            page = client.get(f"/feeds/{token}")
            own = client.get(f"/p/{token}")
            other = client.get("/elsewhere")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert feed.status_code == 200 and feed.content.endswith(b"END:VCALENDAR\r\n")
    assert page.status_code == 200 and "Jour 2" in page.text
    assert other.status_code == 404
    log = (tmp_path / "feeds.log").read_text()
    assert '"/elsewhere"' in log  # the log works...
    assert own.status_code == 200 and "Jour 2" in own.text
    assert "/feeds/" not in log and "/p/" not in log  # ...and holds no link
