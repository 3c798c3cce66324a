"""The feed server survives its subscribers and strangers: one connection per request and a
503 with Retry-After when all are busy (never a feed missing a part), slow and idle
connections closed, headers capped, no redirect built from the Host header, the safety
headers on every answer, no token in its log, and a prompt stop on SIGTERM under load.

A real server (uvicorn, in a thread or as the real ``programs ical serve`` process) on a
loopback port, real HTTP clients.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import make_app
from test_ical_support import free_port, make_world, serving

from programs.calendar import CalendarScope

PROGRAMS = str(Path(sys.executable).parent / "programs")


@pytest.fixture
def world(sqlite_url: str):  # type: ignore[no-untyped-def]
    from programs.plugins.ical.tokens import issue

    app = make_app(sqlite_url, plugins=["ical", "reminders"])
    made = make_world(app)
    with app.write() as db:
        token = issue(db, CalendarScope("participant", made.people["Sophie Martin"]))
    yield app, token
    app.close()


def test_every_answer_carries_the_safety_headers_and_no_server_name(world) -> None:  # type: ignore[no-untyped-def]
    app, token = world
    with serving(app) as url, httpx.Client(base_url=url) as http:
        for path in (f"/feeds/{token}.ics", f"/feeds/{token}", "/feeds/nope.ics", "/", "/x"):
            answer = http.get(path)
            assert answer.headers["x-content-type-options"] == "nosniff", path
            assert answer.headers["referrer-policy"] == "no-referrer", path
            assert "server" not in answer.headers, path
        page = http.get(f"/feeds/{token}")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert page.headers["cache-control"] == "private, no-store"


def test_no_redirect_is_built_from_the_host_header(world) -> None:  # type: ignore[no-untyped-def]
    app, token = world
    with serving(app) as url, httpx.Client(base_url=url, follow_redirects=False) as http:
        answer = http.get(f"/feeds/{token}.ics/", headers={"Host": "evil.example"})
        assert answer.status_code == 404 and "location" not in answer.headers
        assert "evil.example" not in answer.text


def test_huge_request_headers_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    app, token = world
    with serving(app) as url, httpx.Client(base_url=url) as http:
        answer = http.get(f"/feeds/{token}.ics", headers={"X-Big": "a" * 100_000})
        assert answer.status_code == 431
        assert http.get(f"/feeds/{token}.ics").status_code == 200  # the server is fine


def test_a_connection_that_says_nothing_or_too_slowly_is_closed(world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.ical import guard

    monkeypatch.setattr(guard, "HEADER_SECONDS", 1.0)
    app, _token = world
    with serving(app) as url:
        port = int(url.rsplit(":", 1)[1])
        silent, slow = (
            socket.create_connection(("127.0.0.1", port)),
            socket.create_connection(("127.0.0.1", port)),
        )
        started = time.monotonic()
        for sock in (silent, slow):
            sock.settimeout(5)
        slow.sendall(b"GET /feeds/")  # then nothing more: a slowloris
        for sock in (silent, slow):
            assert sock.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 4
        silent.close(), slow.close()
        # a kept connection polling for longer than the deadline is never cut, and its next
        # head, begun and left unfinished, is closed like any other
        with httpx.Client(base_url=url) as http:
            until = time.monotonic() + 2.5
            while time.monotonic() < until:
                assert http.get(f"/feeds/{_token}.ics").status_code == 200
            assert http.get(f"/feeds/{_token}.ics").status_code == 200
        kept = socket.create_connection(("127.0.0.1", port))
        kept.settimeout(5)
        kept.sendall(f"GET /feeds/{_token}.ics HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert kept.recv(65536).startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        kept.sendall(b"GET /feeds/")
        while kept.recv(65536):  # the rest of the first answer, then the close
            assert time.monotonic() - started < 4
        assert 0.5 < time.monotonic() - started < 4
        kept.close()


def test_under_200_concurrent_clients_only_whole_feeds_or_503(world) -> None:  # type: ignore[no-untyped-def]
    """10 s of 200 clients on one link: every 200 is the whole feed with the same ETag, the
    rest 304 or 503 with Retry-After; no other 5xx, no feed missing its alarms."""
    app, token = world
    app.size_pool(4, timeout=2.0)
    statuses: dict[int, int] = {}
    bodies, etags = set(), set()
    retry = set()

    async def client(url: str, stop: float) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while time.monotonic() < stop:
                answer = await http.get(f"/feeds/{token}.ics")
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                if answer.status_code == 200:
                    bodies.add(answer.content)
                    etags.add(answer.headers["etag"])
                elif answer.status_code == 503:
                    retry.add(answer.headers.get("retry-after"))

    async def load(url: str) -> None:
        stop = time.monotonic() + 10
        await asyncio.gather(*(client(url, stop) for _ in range(200)))

    with serving(app, slots=4) as url:
        asyncio.run(load(url))
    print(f"200 clients for 10 s: {dict(sorted(statuses.items()))}")  # the figures, with -s
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.get(200, 0) > 0
    assert len(bodies) == 1 and len(etags) == 1  # every whole feed the same
    (body,) = bodies
    assert body.count(b"BEGIN:VALARM") > 0 and body.endswith(b"END:VCALENDAR\r\n")
    assert retry <= {"5"}


def test_the_log_names_no_token_and_sigterm_stops_the_server_under_load(world, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    _app, token = world
    port = free_port()
    server = subprocess.Popen(
        [PROGRAMS, "--db", sqlite_url.removeprefix("sqlite:///"), "ical", "serve", "--port",
         str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PROGRAMS_LOAD_PLUGINS": "ical,reminders"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            # through a proxy on this machine (trusted by default): the log names the client
            forwarded = {"X-Forwarded-For": "203.0.113.7"}
            assert httpx.get(f"{url}/feeds/{token}.ics", headers=forwarded).status_code == 200
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, server.stderr.read() if server.poll() else ""
            time.sleep(0.1)
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            while not stop.is_set():
                try:
                    http.get(f"/feeds/{token}.ics")
                except httpx.HTTPError:
                    return

    threads = [threading.Thread(target=hammer) for _ in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert time.monotonic() - started < 8
    log = server.stderr.read()
    assert "/feeds/~" in log  # each request logged, its token hashed
    assert "203.0.113.7 GET /feeds/~" in log
    assert token not in log and token not in server.stdout.read()


def test_a_proxy_address_that_is_not_one_is_refused_at_start(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ical", "serve", "--port", str(free_port()), "--proxy", "10.0.0.1,nginx")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: --proxy: 'nginx' is not an IP address or network"


def test_several_workers_answer_and_all_stop_on_sigterm(world, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    """``--workers 2``: two processes on one socket, each its own app; the feed and its 304
    answered by whichever takes the connection; SIGTERM stops the supervisor and both."""
    _app, token = world
    port = free_port()
    server = subprocess.Popen(
        [PROGRAMS, "--db", sqlite_url, "ical", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PROGRAMS_LOAD_PLUGINS": "ical,reminders"},
    )
    url = f"http://127.0.0.1:{port}/feeds/{token}.ics"
    deadline = time.monotonic() + 30
    while True:
        try:
            first = httpx.get(url)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.2)
    assert first.status_code == 200 and first.content.endswith(b"END:VCALENDAR\r\n")
    tags = set()
    with httpx.Client() as http:
        for _ in range(20):  # new connections: both workers get some
            answer = http.get(url, headers={"If-None-Match": first.headers["etag"]})
            assert answer.status_code == 304
            tags.add(answer.headers["etag"])
    assert tags == {first.headers["etag"]}  # every worker gives the same ETag
    children = subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
    ).stdout.split()
    assert len(children) >= 2, children
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=15)

    def running() -> list[str]:
        return [
            pid
            for pid in children
            if Path(f"/proc/{pid}").exists()
            and "zombie" not in Path(f"/proc/{pid}/status").read_text()
        ]

    deadline = time.monotonic() + 5  # multiprocessing's resource tracker may outlive it a little
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running()
