"""``programs ical serve``: feeds over HTTP for calendar apps (Starlette on uvicorn).

- ``GET|HEAD /feeds/<token>.ics``: the feed, ``text/calendar; charset=utf-8``, with a strong
  ``ETag`` and ``Last-Modified``; ``If-None-Match`` with the current ETag gets ``304``,
  decided from the core's change markers of the feed's scope (one indexed query), without
  reading an item; an unchanged feed's bytes are kept per ETag (programs.plugins.ical.service).
- ``GET|HEAD /p/<token>`` (and the older ``/feeds/<token>``): the person's own page
  (``page.py``): what comes next, adding the calendar on each platform, and the other
  plugins' sections (``participant_page_sections``).
- ``POST /p/<token>/do/<form>``: a form of a plugin's section, checked first against its
  CSRF token (``tokens.form_check``: bound to the link and the form, no cookie), then
  handed to the plugins (``participant_page_action``) in one write; the answer is a page.
- ``GET /p/<token>/get/<name>``: a plugin's file (``participant_page_download``).
- Anything else, and any unknown or revoked token, gets ``404`` and the same page for each,
  in the browser's language (``Accept-Language``); a path is never redirected (no absolute
  URL is ever built from the request's Host: ``--base-url`` is the only source of links).

Each request holds one database connection, its read session, for the whole answer (the
alarms are asked on it too). At most ``slots`` requests use the database at once, the size
of the connection pool; a request that waits longer than ``queue_seconds`` for its turn gets
``503`` with ``Retry-After``, never a feed missing a part. A poll goes straight to its
handler (:class:`Polls`), whose two reads run on the event loop on a plain cursor (none on
SQLite while nothing was committed since the token's last poll) and whose answer is sent as
raw ASGI messages (:class:`Answer`); only rendering (a changed feed, a page) goes to
Starlette's thread pool.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import hashlib
import hmac
import logging
import re
import socket
import sys
import threading
import time
from collections import deque
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.guard import (
    ACCESS_LINE,
    ALWAYS,
    Headers,
    log_request,
    write_access_to,
)
from programs.plugins.ical.render import Feed, render
from programs.plugins.ical.service import FeedService, service_for, today
from programs.plugins.ical.tokens import resolve
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from programs.i18n import _

if TYPE_CHECKING:
    from datetime import date, datetime

    from programs.api import App, CalendarScope

log = logging.getLogger("programs.ical")
PRIVATE = {"Cache-Control": "private, no-cache"}
SLOTS = 8
MAX_POLLED = 20_000  # tokens whose last poll is remembered, per process
QUEUE_SECONDS = 5.0
RETRY_AFTER = "5"


def _page_headers() -> dict[str, str]:
    from programs.plugins.ical.page import CSP

    # nothing but itself (page.CSP); never kept by a browser or a proxy
    return {"Cache-Control": "private, no-store", "Content-Security-Policy": CSP}


PAGE = _page_headers()
MAX_FORM_BYTES = 16 * 1024
_NAME = re.compile(r"[a-z0-9._-]{1,60}")


def not_found(request: Request | None = None) -> Response:
    """The dead link's page for a page route: the poll's 404 (:func:`dead_link_answer`)."""
    header = request.headers.get("accept-language") if request else None
    return dead_link_answer(_language_of(header)).response()


def busy() -> Response:
    """The 503 of a page route: the poll's (:data:`BUSY`)."""
    return BUSY.response()


Head = tuple[tuple[bytes, bytes], ...]


class Answer:
    """A poll's whole answer as the raw ASGI parts it is sent as: status, headers (every
    one, the guard's included) and body. Built from prepared parts, no Response object:
    a calendar app polls thousands of times a minute (bench/serve)."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Head, body: bytes = b"") -> None:
        self.status, self.headers, self.body = status, headers, body

    async def send(self, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})

    def response(self) -> Response:
        """The same answer as a Starlette Response, for a route (the guard adds its own
        headers there, so they are left out here)."""
        always = {name for name, _value in ALWAYS}
        headers = {k.decode(): v.decode() for k, v in self.headers if k not in always}
        headers.pop("content-length", None)  # Starlette counts the body itself
        return Response(self.body, status_code=self.status, headers=headers)


_PRIVATE_HEAD: Head = ((b"cache-control", PRIVATE["Cache-Control"].encode()), *ALWAYS)
_CALENDAR = (b"content-type", b"text/calendar; charset=utf-8")


def not_modified(etag: str) -> Answer:
    return Answer(304, ((b"etag", f'"{etag}"'.encode()), *_PRIVATE_HEAD))


@functools.lru_cache(maxsize=4096)
def _feed_head(etag: str, length: int, last_modified: datetime | None) -> Head:
    """A kept feed's headers, made once per ETag (a feed is polled all day unchanged)."""
    head = [_CALENDAR, (b"content-length", str(length).encode()), (b"etag", f'"{etag}"'.encode())]
    if last_modified is not None:
        head.append((b"last-modified", format_datetime(last_modified, usegmt=True).encode()))
    return (*head, *_PRIVATE_HEAD)


def feed_answer(feed: Feed, etag: str) -> Answer:
    return Answer(200, _feed_head(etag, len(feed.body), feed.last_modified), feed.body)


@functools.lru_cache(maxsize=16)
def dead_link_answer(language: str) -> Answer:
    """The 404 of a bad or revoked link, the same bytes for every token (per language)."""
    from programs.plugins.ical.page import dead_link

    body = dead_link(language)
    page = tuple((k.lower().encode(), v.encode()) for k, v in PAGE.items())
    html = (b"content-type", b"text/html; charset=utf-8")
    return Answer(404, (html, (b"content-length", str(len(body)).encode()), *page, *ALWAYS), body)


BUSY = Answer(
    503,
    (
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", b"32"),
        (b"retry-after", RETRY_AFTER.encode()),
        *ALWAYS,
    ),
    b"Busy: try again in a few seconds",
)


def dead_link_for(scope: dict[str, Any]) -> Answer:
    return dead_link_answer(_language_of(_header(scope, b"accept-language")))


@functools.lru_cache(maxsize=256)
def _language_of(header: str | None) -> str:
    """``Accept-Language`` to a catalog's language, per distinct header (a few browsers)."""
    from programs.plugins.ical.page import browser_language

    return browser_language(header)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or a list of (possibly weak) entity tags."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return any(t == "*" or t.removeprefix("W/") == f'"{etag}"' for t in tags)


class FeedServer:
    """The request handlers, bound to one app and its feed service."""

    def __init__(
        self,
        app: App,
        *,
        base_url: str,
        slots: int = SLOTS,
        queue_seconds: float = QUEUE_SECONDS,
    ) -> None:
        import sqlalchemy as sa

        from programs.api import NotFound

        self.app = app
        self.base_url = base_url.rstrip("/")
        service = service_for(app)
        assert service is not None
        self.service: FeedService = service
        self._not_found = NotFound
        self._pool_timeout = sa.exc.TimeoutError
        self.slots = slots
        self.queue_seconds = queue_seconds
        self._turns: asyncio.Semaphore | None = None
        self._key: bytes | None = None
        self._key_lock = threading.Lock()
        # What each token's last poll read, at which database version and day (SQLite's
        # data_version: any commit anywhere changes it): an unchanged database answers
        # the next poll of the token without a query. Keyed by a hash, never the token.
        self._polled: dict[bytes, tuple[int, date, CalendarScope | None, str | None]] = {}

    def key(self) -> bytes:
        """The database's link key (forms' CSRF tokens), read once, made if missing."""
        if self._key is None:
            with self._key_lock:
                if self._key is None:
                    from programs.plugins.ical.tokens import key_of

                    with self.app.write() as db:
                        key = key_of(db)
                    assert key is not None
                    self._key = key
        return self._key

    async def _turn(self) -> bool:
        """A database turn, waited for at most ``queue_seconds``; False if none came. A free
        one is taken at once (no timer, no task: the common case of every poll)."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.slots)
        if not self._turns.locked():
            await self._turns.acquire()
            return True
        try:
            await asyncio.wait_for(self._turns.acquire(), timeout=self.queue_seconds)
        except TimeoutError:
            return False
        return True

    async def _answer(self, handler: Any, request: Request) -> Response:
        """``handler(request)`` in the thread pool, once a database turn is free."""
        if not await self._turn():
            return busy()
        try:
            return await run_in_threadpool(handler, request)
        except self._pool_timeout:
            return busy()
        finally:
            self._turns.release()

    async def poll(self, scope: dict[str, Any], token: str) -> Answer:
        """A poll. What needs no rendering (a 304, kept bytes, a 404) is answered on the
        event loop, from at most two indexed queries on the loop's own connection that never
        wait for a lock (WAL readers); only rendering goes to a thread, in its turn (a turn
        is one of the pool's connections)."""
        if not await self._turn():
            return BUSY
        try:
            answer = self._poll(scope, token)
            if isinstance(answer, Answer):
                return answer
            return await run_in_threadpool(self._rendered, scope, *answer)
        except self._pool_timeout:
            return BUSY
        finally:
            self._turns.release()

    async def page(self, request: Request) -> Response:
        return await self._answer(self._page, request)

    async def action(self, request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
            return PlainTextResponse("Payload Too Large", status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM_BYTES:
                return PlainTextResponse("Payload Too Large", status_code=413)
        request.state.body = body
        return await self._answer(self._action, request)

    async def download(self, request: Request) -> Response:
        return await self._answer(self._download, request)

    def _poll(
        self, scope: dict[str, Any], token: str
    ) -> Answer | tuple[CalendarScope, str | None, date]:
        """The token and the feed's change markers (two indexed queries, or none when
        nothing was committed since this token's last poll): an ETag the client has gets
        ``304``, one this process rendered gets its kept bytes; else what to render."""
        day = today()
        with self.app.quick_read() as read:  # no unit of work: prebuilt reads
            version = read.data_version()
            key = hashlib.blake2b(token.encode("utf-8", "surrogatepass")).digest()
            known = self._polled.get(key) if version is not None else None
            if known is not None and known[0] == version and known[1] == day:
                found, etag = known[2], known[3]
            else:
                found = resolve(read, token)
                etag = None if found is None else self.service.marker_etag(read, found, day)
                if version is not None:  # read after the version: never newer than it
                    if len(self._polled) >= MAX_POLLED:
                        self._polled.clear()
                    self._polled[key] = (version, day, found, etag)
        if found is None:
            return dead_link_for(scope)
        if etag is not None:
            if _matches(_header(scope, b"if-none-match"), etag):
                return not_modified(etag)
            feed = self.service.kept(found, etag)
            if feed is not None:
                return feed_answer(feed, etag)
        return found, etag, day

    def _rendered(
        self, scope: dict[str, Any], found: CalendarScope, etag: str | None, day: date
    ) -> Answer:
        """A changed feed read and rendered, once however many ask at the same time (the
        others wait for it: a practice's subscribers poll at the same minute). Its items are
        read after its markers, so what is kept under an ETag is never older than it says."""

        def make() -> Feed:
            with self.app.read() as db:
                try:
                    spec = self.service.spec(db, found, day=day)
                finally:
                    for failure in self.app.take_failures():
                        log.warning("%s", failure)
            if etag is None:
                return self.service.feed(spec)
            return render(spec, self.service.cache)

        try:
            if etag is None:  # markers cannot tell: the ETag of the items themselves
                feed = make()
                if _matches(_header(scope, b"if-none-match"), feed.etag):
                    return not_modified(feed.etag)
                return feed_answer(feed, feed.etag)
            return feed_answer(self.service.render_once(found, etag, make), etag)
        except self._not_found:  # the owner was erased since
            return dead_link_for(scope)

    def _participant_page(self, token: str, language: str) -> Any:
        from programs.plugins.ical.tokens import form_check

        from programs.api import ParticipantPage

        key = self.key()
        return ParticipantPage(
            language=language,
            path=f"{self.base_url}/p/{token}",
            checks=lambda name: form_check(key, token, name),
        )

    def _log_failures(self) -> bool:
        failures = self.app.take_failures()
        for failure in failures:
            log.warning("%s", failure)
        return bool(failures)

    def _page(self, request: Request) -> Response:
        from programs.plugins.ical.page import render_page

        from programs.api import Participant

        token = request.path_params["token"]
        with self.app.read() as db:
            scope = resolve(db, token)
            if scope is None:
                return not_found(request)
            try:
                spec = self.service.page_spec(db, scope)
            except self._not_found:  # the owner was erased since
                return not_found(request)
            finally:
                self._log_failures()
            sections: list[Any] = []
            if scope.kind == "participant" and self.app.implements("participant_page_sections"):
                person = db.get(Participant, scope.id)
                if person is None:
                    return not_found(request)
                page = self._participant_page(token, spec.language)
                for _plugin, answer in self.app.call_each(
                    "participant_page_sections", db=db, participant=person, page=page
                ):
                    sections.extend(answer or ())
                self._log_failures()
        html = render_page(
            spec,
            feed_url=f"{self.base_url}/feeds/{token}.ics",
            page_url=f"{self.base_url}/p/{token}",
            sections=sections,
        )
        return HTMLResponse(html, headers=PAGE)

    def _person(self, db: Any, token: str) -> Any:
        """The participant a page's token opens, or None (any other scope: no forms)."""
        from programs.api import Participant

        scope = resolve(db, token)
        if scope is None or scope.kind != "participant":
            return None
        return db.get(Participant, scope.id)

    def _language(self, person: Any) -> str:
        from programs.api import participant_reader

        return participant_reader(person, self.app.settings).language

    def _action(self, request: Request) -> Response:
        from urllib.parse import parse_qs

        from programs.plugins.ical.page import render_message
        from programs.plugins.ical.tokens import form_check

        from programs.i18n import translator

        token, name = request.path_params["token"], request.path_params["name"]
        if not _NAME.fullmatch(name):
            return not_found(request)
        try:
            fields = parse_qs(request.state.body.decode("utf-8"), max_num_fields=50)
        except (UnicodeDecodeError, ValueError):
            fields = {}
        with self.app.read() as db:
            person = self._person(db, token)
            if person is None:
                return not_found(request)
            language = self._language(person)
        t = translator(language)
        back = f"{self.base_url}/p/{token}"
        sent = (fields.get("check") or [""])[0]
        if not hmac.compare_digest(sent.encode(), form_check(self.key(), token, name).encode()):
            html = render_message(
                language,
                title=t.gettext("Nothing was changed"),
                message=t.gettext(
                    "This form was not sent from your page, or it has expired: nothing was "
                    "changed. Go back to your page and try again."
                ),
                ok=False,
                back=back,
            )
            return HTMLResponse(html, status_code=403, headers=PAGE)
        answers: list[Any] = []

        class Undo(Exception):
            """A plugin failed: write nothing of this form."""

        try:
            with self.app.write() as db:
                person = self._person(db, token)
                if person is None:
                    return not_found(request)
                page = self._participant_page(token, language)
                answers = [
                    a
                    for _plugin, a in self.app.call_each(
                        "participant_page_action",
                        db=db,
                        participant=person,
                        page=page,
                        name=name,
                        fields=fields,
                    )
                    if a is not None
                ]
                if self._log_failures():
                    raise Undo
        except Undo:
            answers = []
            html = render_message(
                language,
                title=t.gettext("Nothing was changed"),
                message=t.gettext("Something went wrong on our side: nothing was changed."),
                ok=False,
                back=back,
            )
            return HTMLResponse(html, status_code=500, headers=PAGE)
        if not answers:
            return not_found(request)
        answer = answers[0]
        html = render_message(
            language,
            title=t.gettext("Done") if answer.ok else t.gettext("Nothing was changed"),
            message=answer.message,
            ok=answer.ok,
            back=back,
        )
        return HTMLResponse(html, status_code=200 if answer.ok else 409, headers=PAGE)

    def _download(self, request: Request) -> Response:
        token, name = request.path_params["token"], request.path_params["name"]
        if not _NAME.fullmatch(name):
            return not_found(request)
        with self.app.read() as db:
            person = self._person(db, token)
            if person is None:
                return not_found(request)
            page = self._participant_page(token, self._language(person))
            files = [
                f
                for _plugin, f in self.app.call_each(
                    "participant_page_download", db=db, participant=person, page=page, name=name
                )
                if f is not None
            ]
            self._log_failures()
        if not files:
            return not_found(request)
        found = files[0]
        from urllib.parse import quote

        headers = {
            **PAGE,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
        }
        return Response(found.body, media_type=found.media_type, headers=headers)


def create_asgi_app(app: App, *, base_url: str, slots: int = SLOTS) -> Any:
    """The ASGI application serving ``app``'s feeds; links on pages start with ``base_url``."""
    server = FeedServer(app, base_url=base_url, slots=slots)
    methods = ["GET", "HEAD"]

    async def unknown(request: Request, exc: Exception) -> Response:
        return not_found(request)

    starlette = Starlette(
        routes=[
            Route("/feeds/{token}", server.page, methods=methods),
            Route("/p/{token}", server.page, methods=methods),
            Route("/p/{token}/do/{name}", server.action, methods=["POST"]),
            Route("/p/{token}/get/{name}", server.download, methods=methods),
        ],
        exception_handlers={404: unknown},
    )
    starlette.router.redirect_slashes = False  # a redirect would be built from the Host header
    return Polls(server, Headers(starlette))


class Polls:
    """Feed polls straight to their handler, past Starlette's router and middleware, and
    answered in raw ASGI messages (:class:`Answer`): the request calendar apps make thousands
    of times a minute, whose routing, Response objects and header checks cost as much as its
    answer. Everything else goes to ``app`` (Starlette, behind the guard's :class:`Headers`);
    a poll carries the same headers and is logged the same way."""

    def __init__(self, server: FeedServer, app: Any) -> None:
        self.server = server
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and path.startswith("/feeds/")
            and path.endswith(".ics")
            and "/" not in path[7:-4]
            and path[7:-4]
        ):
            started = time.perf_counter()
            status = 500
            try:
                answer = await self.server.poll(scope, path[7:-4])
                status = answer.status
                await answer.send(send)
            finally:
                log_request(scope, status, started)
            return
        await self.app(scope, receive, send)


def uvicorn_config(asgi: Any, **options: Any) -> Any:
    """uvicorn's settings for the feed server: the guarded protocol (a deadline on headers,
    headers capped), idle connections closed, no ``server`` header, and a stop within a
    few seconds of SIGTERM even under load."""
    import uvicorn
    from programs.plugins.ical.guard import MAX_HEADER_BYTES, fastest_protocol

    return uvicorn.Config(
        asgi,
        http=fastest_protocol(),
        loop="auto",  # uvloop when installed
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_level="warning",
        access_log=False,
        lifespan="off",
        **options,
    )


WORKER_ENV = "PROGRAMS_ICAL_WORKER"


def serve_in_this_process(app: App, base_url: str, proxies: list[str], sock: Any) -> None:
    """The server in this process: the app's pool sized for its turns, the access log."""
    import uvicorn

    app.size_pool(SLOTS, timeout=QUEUE_SECONDS)  # one connection per request being answered
    listener = access_log()  # each request, its token hashed
    config = uvicorn_config(
        create_asgi_app(app, base_url=base_url, slots=SLOTS), forwarded_allow_ips=proxies
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        listener.stop()


def worker_settings(url: str, base_url: str) -> None:
    """What each worker process needs to build its app, given through the environment the
    workers inherit (the database URL the command line resolved, the links' base)."""
    import json
    import os

    os.environ[WORKER_ENV] = json.dumps({"url": url, "base_url": base_url})


def worker_app() -> Any:
    """One worker's ASGI app (uvicorn calls this in each process it starts): its own App on
    the database, its own pool, its own access log."""
    import json
    import os

    from programs.api import App

    wanted = json.loads(os.environ[WORKER_ENV])
    app = App(wanted["url"])
    app.size_pool(SLOTS, timeout=QUEUE_SECONDS)
    access_log()
    return create_asgi_app(app, base_url=wanted["base_url"], slots=SLOTS)


def access_log() -> Any:
    """The access log on stderr, written in batches by a thread of its own: the event loop
    only formats each line and appends it to a list (writing stderr per request, or waking
    a thread per request, cost a third of a poll). Lines reach stderr within
    ``LOG_EVERY`` seconds; ``stop()`` writes what is left."""
    # What no line of this server shows, not gathered for each record (the logging HOWTO's
    # "Optimization": caller, thread and process cost more than the line itself).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    access = logging.getLogger("programs.ical.access")
    access.setLevel(logging.INFO)
    access.propagate = False  # its lines are the server's stderr, once
    handler = BatchedLines(sys.stderr)
    access.addHandler(handler)
    write_access_to(handler)
    atexit.register(handler.stop)  # a worker stopped by its parent writes its last lines
    return handler


LOG_EVERY = 0.25


class BatchedLines(logging.Handler):
    """A logging handler that keeps formatted lines and writes them every ``LOG_EVERY``
    seconds from its thread, in one write (a line appended meanwhile waits for the next)."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self._lines: deque[str | tuple[Any, ...]] = deque()  # append, popleft: thread-safe
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="access-log", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:  # logging must never break an answer
            self.handleError(record)

    def note(self, fields: tuple[Any, ...]) -> None:
        """An access line's fields, formatted by the writing thread (guard.log_request)."""
        self._lines.append(fields)

    def _write(self) -> None:
        lines = [self._line(self._lines.popleft()) for _line in range(len(self._lines))]
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):  # stderr closed: nothing to tell anyone
                pass

    def _run(self) -> None:
        while not self._stopping.wait(LOG_EVERY):
            self._write()
        self._write()

    @staticmethod
    def _line(entry: str | tuple[Any, ...]) -> str:
        return entry if isinstance(entry, str) else ACCESS_LINE % entry

    def stop(self) -> None:
        write_access_to(None)
        self._stopping.set()
        self._thread.join(5)
        access = logging.getLogger("programs.ical.access")
        access.removeHandler(self)
        access.propagate = True


def trusted(addresses: str) -> list[str]:
    """The proxies whose forwarded headers are believed: addresses or networks, checked
    here so a typo is an error at start rather than a log full of the proxy's address."""
    import ipaddress

    from programs.api import InvalidInput

    found = [a.strip() for a in addresses.split(",") if a.strip()]
    for address in found:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            raise InvalidInput(
                _("--proxy: {address!r} is not an IP address or network").format(
                    address=address[:60]
                )
            ) from None
    if not found:
        raise InvalidInput(_("--proxy: give at least one address, e.g. 127.0.0.1"))
    return found


def listen_socket(host: str, port: int) -> socket.socket:
    """A bound TCP socket for uvicorn; a busy port or a bad host is a clear error."""
    from programs.api import InvalidInput

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP given explicitly: with proto 0, asyncio does not set TCP_NODELAY on the
    # connections it accepts, and every response body then waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except (OSError, UnicodeError) as exc:
        sock.close()
        reason = getattr(exc, "strerror", None) or str(exc)
        from programs.i18n import _

        raise InvalidInput(
            _("cannot listen on {address}: {error}").format(address=f"{host}:{port}", error=reason)
        ) from None
    return sock
