"""The participant's own page over HTTP against the real server (uvicorn, a real SQLite
file and PostgreSQL, the iCal and contacts plugins): links from the ``participant_links``
hook, headers, the access log, the dead-link page, the contacts' forms and their CSRF
tokens, downloads read back by vobject, what ``contacts consents`` shows.
The same states in a real browser: tests/test_page_browser.py."""

from __future__ import annotations

import html
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import vobject
from page_support import end_window, form_of, page_world
from programs.plugins.ical.page import dead_link
from test_ical_support import free_port, serving


@pytest.fixture
def world(db_url: str):  # type: ignore[no-untyped-def]
    """On a SQLite file and on PostgreSQL."""
    port = free_port()
    made = page_world(db_url, base_url=f"http://127.0.0.1:{port}", languages={"Karim Benali": "en"})
    made.port = port  # type: ignore[attr-defined]
    yield made
    made.app.close()


def serve(world):  # type: ignore[no-untyped-def]
    return serving(world.app, base_url=f"http://127.0.0.1:{world.port}", port=world.port)


def test_participant_links_are_the_same_on_every_call_until_rotated(sqlite_url: str) -> None:
    from programs.plugins.ical.tokens import rotate

    from programs.api import CalendarScope, Participant

    world = page_world(sqlite_url, base_url="https://feeds.example.org")
    try:
        sophie = world.people["Sophie Martin"]
        first = world.links["Sophie Martin"]
        token = world.token("Sophie Martin")
        assert first == {
            "page": f"https://feeds.example.org/p/{token}",
            "feed": f"https://feeds.example.org/feeds/{token}.ics",
        }
        assert len(token) == 43

        def ask() -> dict[str, str]:
            with world.app.write() as db:
                person = db.get(Participant, sophie)
                answers = world.app.call_each("participant_links", db=db, participant=person)
            return {link.kind: link.url for _p, got in answers for link in got or ()}

        assert ask() == first == ask()
        with world.app.write() as db:
            new = rotate(db, CalendarScope("participant", sophie))
        again = ask()
        assert again["page"].endswith(f"/p/{new}") and again != first
        # a token drawn at random before tokens were derived is not offered (cannot be rebuilt)
        from programs.plugins.ical.models import FeedToken
        from sqlmodel import select

        with world.app.write() as db:
            row = db.exec(select(FeedToken).where(FeedToken.participant_id == sophie)).one()
            row.generation = None
        assert ask() == {}
        assert any("ical rotate" in n for n in world.app.notices)
    finally:
        world.app.close()


def test_the_page_in_the_persons_language_with_every_calendar_link(world) -> None:  # type: ignore[no-untyped-def]
    sophie, karim = world.token("Sophie Martin"), world.token("Karim Benali")
    base = f"http://127.0.0.1:{world.port}"
    with serve(world):
        fr = httpx.get(f"{base}/p/{sophie}")
        en = httpx.get(f"{base}/p/{karim}")
        old = httpx.get(f"{base}/feeds/{sophie}")
    assert fr.status_code == en.status_code == old.status_code == 200
    assert '<html lang="fr">' in fr.text and "Ajouter à mon agenda" in fr.text
    assert '<html lang="en">' in en.text and "Add to my calendar" in en.text
    assert "dim. 28 mars 2027, 09:00–17:00 (Europe/Paris)" in fr.text  # the feed's words
    assert "ven. 2 avr. 2027, 18:00–18:45 (Europe/Paris)" in fr.text  # her own call
    assert "Appel avec Claire Dubois" in fr.text and "Visio" not in fr.text  # not Karim's
    assert old.text == fr.text  # today's page address shows the same page
    feed = f"{base}/feeds/{sophie}.ics"
    page = html.unescape(fr.text)
    assert f'id="apple" href="webcal://127.0.0.1:{world.port}/feeds/{sophie}.ics"' in page
    google = urlsplit(page.split('id="google" href="', 1)[1].split('"', 1)[0])
    assert google.netloc == "calendar.google.com" and google.path == "/calendar/render"
    assert parse_qs(google.query) == {
        "cid": [f"webcal://127.0.0.1:{world.port}/feeds/{sophie}.ics"]
    }
    for anchor, host in (("outlook", "outlook.live.com"), ("office", "outlook.office.com")):
        link = urlsplit(page.split(f'id="{anchor}" href="', 1)[1].split('"', 1)[0])
        assert (link.netloc, link.path) == (host, "/calendar/0/addfromweb")
        name = page.split("<h1>", 1)[1].split("</h1>", 1)[0]  # the feed's own name
        assert parse_qs(link.query) == {"url": [feed], "name": [name]}
    assert f'id="download" href="{feed}" download="calendar.ics"' in page
    assert f'readonly value="{feed}"' in page and "Android" in page
    assert '<svg viewBox="0 0' in fr.text and 'class="qr"' in fr.text  # the page's QR code
    assert f"{base}/p/{sophie}</p>" in fr.text  # the page's own address, in a box that scrolls


def test_headers_of_every_page_and_no_token_in_the_log(world, caplog) -> None:  # type: ignore[no-untyped-def]
    token = world.token("Sophie Martin")
    base = f"http://127.0.0.1:{world.port}"
    caplog.set_level(logging.INFO, logger="programs.ical.access")
    with serve(world), httpx.Client(base_url=base) as http:
        answers = [
            http.get(f"/p/{token}"),
            http.get(f"/feeds/{token}"),
            http.get("/p/" + "x" * 43),
            http.post(f"/p/{token}/do/contacts.withdraw-{world.program_id}", data={"check": "no"}),
            http.get(f"/p/{token}/get/contacts.card-{world.program_id}.vcf"),
        ]
        feed = http.get(f"/feeds/{token}.ics")
    for answer in answers:
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "private, no-store"
        assert "noindex" in answer.headers["x-robots-tag"]
        policy = answer.headers["content-security-policy"]
        assert policy.startswith("default-src 'none'; style-src 'sha256-")
        assert "form-action 'self'" in policy and "img-src data: 'self'" in policy
        assert "http" not in policy and "unsafe" not in policy
    assert feed.headers["etag"] and feed.headers["cache-control"] == "private, no-cache"
    lines = [r.getMessage() for r in caplog.records if r.name == "programs.ical.access"]
    assert len(lines) == 6
    assert not any(token in line for line in lines)
    assert all("/~" in line for line in lines)  # a short hash in its place


def test_the_dead_link_page_is_the_same_for_every_bad_token_in_the_browsers_language(world) -> None:  # type: ignore[no-untyped-def]
    from programs.plugins.ical.tokens import revoke

    from programs.api import CalendarScope

    token = world.token("Sophie Martin")
    with world.app.write() as db:
        revoke(db, CalendarScope("participant", world.people["Sophie Martin"]))
    near = ("A" if token[0] != "A" else "B") + token[1:]
    with serve(world), httpx.Client(base_url=f"http://127.0.0.1:{world.port}") as http:
        french = [
            http.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
            for t in (token, near, "x", "x" * 500)
            for path in (
                f"/p/{t}",
                f"/feeds/{t}",
                f"/feeds/{t}.ics",
                f"/p/{t}/get/contacts.card-1.vcf",
            )
        ]
        english = http.get(f"/p/{near}", headers={"Accept-Language": "de;q=1, en;q=0.8"})
        unknown = http.get("/nothing/here")
    assert {(a.status_code, a.content) for a in french} == {(404, dead_link("fr"))}
    assert "Ce lien ne fonctionne plus" in french[0].text
    assert "Demandez un nouveau lien à votre coach" in french[0].text
    assert (english.status_code, english.content) == (404, dead_link("en"))
    assert (unknown.status_code, unknown.content) == (404, dead_link("en"))


def test_consent_given_twice_recorded_once_withdrawn_at_once_and_the_directory(world) -> None:  # type: ignore[no-untyped-def]
    sophie, karim = world.token("Sophie Martin"), world.token("Karim Benali")
    base = f"http://127.0.0.1:{world.port}"
    with serve(world), httpx.Client(base_url=base) as http:
        page = http.get(f"/p/{sophie}").text
        assert "Carte de votre coach" in page or "Claire Dubois" in page
        card = http.get(f"/p/{sophie}/get/contacts.card-{world.program_id}.vcf")
        assert card.status_code == 200 and card.headers["content-type"].startswith("text/vcard")
        coach = vobject.readOne(card.text)
        assert coach.version.value == "3.0" and coach.fn.value == "Claire Dubois"
        # no list before agreeing
        none = http.get(f"/p/{sophie}/get/contacts.directory-{world.program_id}.vcf")
        assert none.status_code == 404
        action, fields = form_of(page, "consent-form")
        shown = html.unescape(
            page.split('id="choice-phone" required>', 1)[1].split("</label>", 1)[0]
        ).strip()
        answers = [http.post(action, data={**fields, "choice": "phone"}) for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert "Merci" in answers[0].text and "déjà enregistré" in answers[1].text
        # Karim (English) agrees to both
        kpage = http.get(f"/p/{karim}").text
        kaction, kfields = form_of(kpage, "consent-form")
        assert http.post(kaction, data={**kfields, "choice": "both"}).status_code == 200
        listed = http.get(f"/p/{sophie}").text
        directory = http.get(f"/p/{sophie}/get/contacts.directory-{world.program_id}.vcf")
        cards = list(vobject.readComponents(directory.text))
        # withdraw: at once
        waction, wfields = form_of(listed, "withdraw-form")
        done = http.post(waction, data=wfields)
        after = http.get(f"/p/{sophie}/get/contacts.directory-{world.program_id}.vcf")
        karims = http.get(f"/p/{karim}/get/contacts.directory-{world.program_id}.vcf")
    log = world.log()
    assert [(a, s, p, e) for a, s, p, e, _w in log] == [
        ("given", "page", True, False),
        ("given", "page", True, True),
        ("withdrawn", "page", True, False),
    ]
    assert log[0][4] == shown and "numéro de téléphone" in shown  # the exact sentence shown
    assert "my phone number and my email address" in (log[1][4] or "")
    assert "Karim Benali" in listed and "karim.benali@example.org" in listed
    by_name = {c.fn.value: c for c in cards}
    assert set(by_name) == {"Karim Benali", "Sophie Martin"}
    assert not hasattr(by_name["Sophie Martin"], "email")  # she shared her phone only
    assert by_name["Karim Benali"].email.value == "karim.benali@example.org"
    assert done.status_code == 200 and after.status_code == 404
    assert [c.fn.value for c in vobject.readComponents(karims.text)] == ["Karim Benali"]
    # the coach sees where each consent came from
    import json

    from click.testing import CliRunner
    from programs.cli.main import build_cli

    listed = CliRunner().invoke(
        build_cli(),
        ["--db", world.app.url, "contacts", "consents", world.slug, "--json"],
        env={"PROGRAMS_LOAD_PLUGINS": "ical,contacts"},
    )
    assert listed.exit_code == 0, listed.output
    rows = {r["name"]: (r["status"], r["source"]) for r in json.loads(listed.stdout)}
    assert rows == {"Karim Benali": ("active", "page"), "Sophie Martin": ("withdrawn", "page")}


def test_a_forged_or_missing_csrf_token_is_refused_and_nothing_written(world) -> None:  # type: ignore[no-untyped-def]
    sophie, karim = world.token("Sophie Martin"), world.token("Karim Benali")
    with serve(world), httpx.Client(base_url=f"http://127.0.0.1:{world.port}") as http:
        action, fields = form_of(http.get(f"/p/{sophie}").text, "consent-form")
        _kaction, kfields = form_of(http.get(f"/p/{karim}").text, "consent-form")
        tries = [
            http.post(action, data={**fields, "check": "f" * 40, "choice": "phone"}),
            http.post(
                action, data={k: v for k, v in fields.items() if k != "check"} | {"choice": "phone"}
            ),
            http.post(action, data={**kfields, "choice": "phone"}),  # another person's token
            http.post(
                action,
                content=b"\xff\xfe",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
        ]
        get = http.get(action)
    assert [t.status_code for t in tries] == [403, 403, 403, 403]
    assert "Rien n’a été modifié" in tries[0].text
    assert get.status_code == 405
    assert world.consents() == [] and world.log() == []


def test_outside_the_window_the_page_says_why_and_when(world) -> None:  # type: ignore[no-untyped-def]
    sophie = world.token("Sophie Martin")
    with serve(world), httpx.Client(base_url=f"http://127.0.0.1:{world.port}") as http:
        action, fields = form_of(http.get(f"/p/{sophie}").text, "consent-form")
        end_window(world)
        page = http.get(f"/p/{sophie}").text
        late = http.post(action, data={**fields, "choice": "phone"})
        card = http.get(f"/p/{sophie}/get/contacts.card-{world.program_id}.vcf")
    assert 'id="sharing-closed"' in page and "a pris fin le" in page
    assert "consent-form" not in page and "coach-card" not in page
    assert late.status_code == 409 and "fermé" in late.text
    assert card.status_code == 404
    assert world.log() == []


def test_before_the_window_the_page_says_when_it_opens(sqlite_url: str) -> None:
    port = free_port()
    world = page_world(sqlite_url, base_url=f"http://127.0.0.1:{port}", window="before")
    try:
        with serve_on(world, port), httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            page = http.get(f"/p/{world.token('Sophie Martin')}").text
            card = http.get(
                f"/p/{world.token('Sophie Martin')}/get/contacts.card-{world.program_id}.vcf"
            )
        notice = html.unescape(page.split('id="sharing-closed">', 1)[1].split("</p>", 1)[0])
        assert "ouvre le" in notice and "inclus" in notice
        assert "consent-form" not in page and card.status_code == 404
    finally:
        world.app.close()


def serve_on(world, port: int):  # type: ignore[no-untyped-def]
    return serving(world.app, base_url=f"http://127.0.0.1:{port}", port=port)


def test_a_double_click_at_the_same_moment_records_one_consent(world) -> None:  # type: ignore[no-untyped-def]
    """Two posts of the same form at once (both databases): one consent, one log line."""
    import threading

    sophie = world.token("Sophie Martin")
    with serve(world), httpx.Client(base_url=f"http://127.0.0.1:{world.port}") as http:
        action, fields = form_of(http.get(f"/p/{sophie}").text, "consent-form")
        start = threading.Barrier(4)
        answers: list[int] = []

        def post() -> None:
            start.wait()
            answers.append(httpx.post(action, data={**fields, "choice": "phone"}).status_code)

        threads = [threading.Thread(target=post) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert answers == [200] * 4
    assert [(a, s) for a, s, *_ in world.log()] == [("given", "page")]
    assert len(world.consents()) == 1
