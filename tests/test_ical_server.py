"""The real feed server (uvicorn on a loopback port) over HTTP with httpx: feeds, ETags and
304s, pages, tokens, and what one participant can see of the others."""

from __future__ import annotations

import html
import os
import subprocess
import sys
import time

import httpx
import pytest
from conftest import make_app
from programs.plugins.ical.page import dead_link
from test_ical_support import free_port, make_world, read_back, serving

from programs.registry import CalendarScope


@pytest.fixture
def ical_app(sqlite_url: str):  # type: ignore[no-untyped-def]
    app = make_app(sqlite_url, plugins=["ical"])
    yield app
    app.close()


def issue(app, kind: str, id_: int) -> str:  # type: ignore[no-untyped-def]
    from programs.plugins.ical.tokens import issue as issue_token

    with app.write() as db:
        token = issue_token(db, CalendarScope(kind, id_))
    assert token is not None
    return token


def test_a_feed_over_http_with_etag_last_modified_and_head(ical_app) -> None:
    world = make_world(ical_app)
    token = issue(ical_app, "program", world.program_id)
    with serving(ical_app) as url, httpx.Client(base_url=url) as http:
        answer = http.get(f"/feeds/{token}.ics")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
        etag = answer.headers["etag"]
        assert etag.startswith('"') and len(etag) > 10
        assert answer.headers["last-modified"].endswith(" GMT")
        assert "private" in answer.headers["cache-control"]
        read = read_back(answer.content)
        assert len(read.events) == 2

        head = http.head(f"/feeds/{token}.ics")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == etag
        assert head.headers["content-type"] == "text/calendar; charset=utf-8"

        again = http.get(f"/feeds/{token}.ics")
        assert again.headers["etag"] == etag and again.content == answer.content


def test_304_on_if_none_match_without_rendering(ical_app, monkeypatch) -> None:
    from programs.plugins.ical import render, service

    world = make_world(ical_app)
    token = issue(ical_app, "coach", world.coach_id)
    with serving(ical_app) as url, httpx.Client(base_url=url) as http:
        etag = http.get(f"/feeds/{token}.ics").headers["etag"]
        # Forget every rendering and make rendering impossible: a 304 must still come.
        service.service_for(ical_app).forget()

        def no_rendering(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise AssertionError("rendered for a 304")

        monkeypatch.setattr(service, "render", no_rendering)
        monkeypatch.setattr(render, "render_vevent", no_rendering)
        for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
            answer = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": header})
            assert answer.status_code == 304, header
            assert answer.content == b"" and answer.headers["etag"] == etag
        monkeypatch.undo()
        stale = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": '"old"'})
        assert stale.status_code == 200 and stale.headers["etag"] == etag


def test_a_change_gives_a_new_etag_and_the_new_content(ical_app) -> None:
    from test_ical_support import utc

    from programs.domain.session import move_session
    from programs.models import Session

    world = make_world(ical_app)
    token = issue(ical_app, "participant", world.people["Sophie Martin"])
    with serving(ical_app) as url, httpx.Client(base_url=url) as http:
        first = http.get(f"/feeds/{token}.ics")
        with ical_app.write() as db:
            session = db.get(Session, world.sessions["day2"])
            move_session(db, session, start=utc(2027, 5, 3, 7))
        after = http.get(f"/feeds/{token}.ics", headers={"If-None-Match": first.headers["etag"]})
        assert after.status_code == 200
        assert after.headers["etag"] != first.headers["etag"]
        event = read_back(after.content).events[session.uid]
        assert event.sequence == 1 and event.start.astimezone(utc(2000, 1, 1).tzinfo) == utc(
            2027, 5, 3, 7
        )


def test_unknown_revoked_and_rotated_tokens_all_get_the_same_404(ical_app) -> None:
    from programs.plugins.ical.tokens import revoke, rotate

    world = make_world(ical_app)
    sophie = CalendarScope("participant", world.people["Sophie Martin"])
    karim = CalendarScope("participant", world.people["Karim Benali"])
    old = issue(ical_app, sophie.kind, sophie.id)
    revoked = issue(ical_app, karim.kind, karim.id)
    with serving(ical_app) as url, httpx.Client(base_url=url) as http:
        assert http.get(f"/feeds/{old}.ics").status_code == 200
        with ical_app.write() as db:
            new = rotate(db, sophie)
            revoke(db, karim)
        flipped_first = ("A" if old[0] != "A" else "B") + old[1:]
        flipped_last = old[:-1] + ("A" if old[-1] != "A" else "B")
        answers = [
            http.get(path)
            for t in (old, revoked, flipped_first, flipped_last, "x", "x" * 5000, "%00")
            for path in (f"/feeds/{t}.ics", f"/feeds/{t}")
        ]
        answers.append(http.get("/feeds/"))
        answers.append(http.get("/anything"))
        assert {(a.status_code, a.content) for a in answers} == {(404, dead_link("en"))}
        assert b"This link no longer works" in dead_link("en")
        assert http.get(f"/feeds/{new}.ics").status_code == 200  # the rotated one works at once


def test_the_page_shows_name_next_sessions_and_subscribe_links_escaped(ical_app) -> None:
    from programs.domain.program import edit_program
    from programs.domain.session import cancel_session
    from programs.models import Program, Session

    world = make_world(ical_app)
    evil = '<script>alert("x")</script> & Co'
    with ical_app.write() as db:
        edit_program(db, db.get(Program, world.program_id), title=evil)
        cancel_session(db, db.get(Session, world.sessions["day2"]))
    token = issue(ical_app, "program", world.program_id)
    with serving(ical_app, base_url="https://feeds.example.org/cal") as url:
        page = httpx.get(f"{url}/feeds/{token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page.text and page.text.count("<script>") == 1  # ours
    assert f"<h1>{html.escape(evil, quote=False)}</h1>" in page.text.replace("&#34;", '"')
    assert f'href="webcal://feeds.example.org/cal/feeds/{token}.ics"' in page.text
    assert f'value="https://feeds.example.org/cal/feeds/{token}.ics"' in page.text
    # a program's page speaks the coach's language (French by default), dates included
    assert '<html lang="fr">' in page.text and "Ajouter à mon agenda" in page.text
    assert "dim. 28 mars 2027, 09:00–17:00 (Europe/Paris)" in page.text
    assert "Jour 2" not in page.text  # cancelled: not among the next sessions
    assert page.headers["referrer-policy"] == "no-referrer"


PRIVATE_OF = {
    "Sophie Martin": [
        "Sophie",
        "sophie.martin",
        "+33611111111",
        "0611111111",
        "NOTE-SOPHIE",
        "TOPIC-SOPHIE",
    ],
    "Karim Benali": [
        "Karim",
        "karim.benali",
        "+33622222222",
        "0622222222",
        "NOTE-KARIM",
        "TOPIC-KARIM",
    ],
    "Lucie Moreau": ["Lucie", "lucie.moreau", "+33633333333", "0633333333", "NOTE-LUCIE"],
}


def test_no_participant_sees_anything_of_the_others(ical_app) -> None:
    """Filled with other people, their notes and topics: each participant's feed and page
    hold none of the others' names, emails, phones, notes or topics, nor any coach note."""
    from test_ical_support import utc

    from programs.domain.base import get_program
    from programs.domain.enrollment import enroll
    from programs.domain.followup import plan_followup
    from programs.domain.participant import add_participant

    world = make_world(ical_app)
    with ical_app.write() as db:  # many more people in the same program, with notes
        program = get_program(db, world.slug)
        for i in range(8):
            other = add_participant(
                db,
                name=f"Extra Person{i}",
                email=f"extra{i}@example.com",
                phone=f"06 44 44 44 4{i}",
                notes=f"NOTE-EXTRA{i} private",
            )
            enroll(db, program=program, participant=other)
            plan_followup(
                db,
                participant=other,
                kind="call",
                start=utc(2027, 4, 3, 8 + i),
                topic=f"TOPIC-EXTRA{i}",
                program=program,
            )
    private = dict(PRIVATE_OF)
    private.update(
        {
            f"Extra Person{i}": [
                f"Person{i}",
                f"extra{i}@",
                f"+3364444444{i}",
                f"NOTE-EXTRA{i}",
                f"TOPIC-EXTRA{i}",
            ]
            for i in range(8)
        }
    )
    tokens = {name: issue(ical_app, "participant", pid) for name, pid in world.people.items()}
    with serving(ical_app) as url, httpx.Client(base_url=url) as http:
        for name, token in tokens.items():
            feed = http.get(f"/feeds/{token}.ics").text
            page = http.get(f"/feeds/{token}").text
            for other, secrets in private.items():
                for secret in secrets:
                    if other == name and not secret.startswith("NOTE-"):
                        continue  # their own topic may show; their notes never
                    assert secret not in feed, (name, secret)
                    assert secret not in page, (name, secret)
        coach_token = issue(ical_app, "coach", world.coach_id)
        coach_feed = http.get(f"/feeds/{coach_token}.ics").text
        assert "NOTE-" not in coach_feed and "TOPIC-EXTRA3" in coach_feed
        assert "Appel\u202f: Extra Person3" in coach_feed


def test_the_serve_command_serves_feeds(sqlite_url: str, tmp_path) -> None:
    """``programs ical serve`` as a real process, talked to over HTTP, then stopped."""
    app = make_app(sqlite_url, plugins=["ical"])
    world = make_world(app)
    token = issue(app, "program", world.program_id)
    app.close()
    port = free_port()
    env = {**os.environ, "PROGRAMS_LOAD_PLUGINS": "ical"}
    env.pop("PYTEST_CURRENT_TEST", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "programs.cli",
            "--db",
            sqlite_url,
            "ical",
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/feeds/{token}.ics", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1].decode()
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert len(read_back(answer.content).events) == 2
        page = httpx.get(f"http://127.0.0.1:{port}/feeds/{token}", timeout=5)
        assert f"http://127.0.0.1:{port}/feeds/{token}.ics" in page.text
    finally:
        process.terminate()
        out, _err = process.communicate(timeout=10)
    assert f"Serving calendar feeds on http://127.0.0.1:{port}" in out.decode()


def test_the_listening_socket_is_tcp_so_answers_are_not_held_back() -> None:
    """asyncio sets TCP_NODELAY only on sockets whose proto is TCP; without it every
    response body waited ~40 ms for the client's delayed ACK."""
    import socket

    from programs.plugins.ical.server import listen_socket

    sock = listen_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
