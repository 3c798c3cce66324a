"""``programs ical serve``: feeds over HTTP for calendar apps (Starlette on uvicorn).

- ``GET|HEAD /feeds/<token>.ics``: the feed, ``text/calendar; charset=utf-8``, with a strong
  ``ETag`` and ``Last-Modified``; ``If-None-Match`` with the current ETag gets ``304``,
  decided from the core's change markers of the feed's scope (one indexed query), without
  reading an item; an unchanged feed's bytes are kept per ETag (programs.plugins.ical.service).
- ``GET|HEAD /feeds/<token>``: an HTML page with the calendar's name, what comes next and
  subscribe links.
- Anything else, and any unknown or revoked token, gets the same plain ``404 Not Found``;
  a path is never redirected (no absolute URL is ever built from the request's Host:
  ``--base-url`` is the only source of links).

Each request holds one database connection, its read session, for the whole answer (the
alarms are asked on it too). At most ``slots`` requests use the database at once, the size
of the connection pool; a request that waits longer than ``queue_seconds`` for its turn gets
``503`` with ``Retry-After``, never a feed missing a part. Handlers run in Starlette's
thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from programs.plugins.ical.guard import Headers
from programs.plugins.ical.render import Feed, render
from programs.plugins.ical.service import FeedService, service_for
from programs.plugins.ical.tokens import resolve
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from programs.i18n import _

if TYPE_CHECKING:
    from programs.plugins.ical.items import FeedSpec

    from programs.api import App

log = logging.getLogger("programs.ical")
PRIVATE = {"Cache-Control": "private, no-cache"}
PAGE = {
    "Cache-Control": "private, no-store",
    # nothing but itself: no script, style, font or image from anywhere else
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}
SLOTS = 8
QUEUE_SECONDS = 5.0
RETRY_AFTER = "5"


def not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)


def busy() -> Response:
    return PlainTextResponse(
        "Busy: try again in a few seconds", status_code=503, headers={"Retry-After": RETRY_AFTER}
    )


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

    async def _answer(self, handler: Any, request: Request) -> Response:
        """``handler(request)`` in the thread pool, once a database turn is free."""
        if self._turns is None:
            self._turns = asyncio.Semaphore(self.slots)
        try:
            await asyncio.wait_for(self._turns.acquire(), timeout=self.queue_seconds)
        except TimeoutError:
            return busy()
        try:
            return await run_in_threadpool(handler, request)
        except self._pool_timeout:
            return busy()
        finally:
            self._turns.release()

    def _spec(self, token: str) -> FeedSpec | None:
        with self.app.read() as db:
            scope = resolve(db, token)
            if scope is None:
                return None
            try:
                return self.service.spec(db, scope)
            except self._not_found:  # the owner was erased since
                return None
            finally:
                for failure in self.app.take_failures():
                    log.warning("%s", failure)

    async def feed(self, request: Request) -> Response:
        return await self._answer(self._feed, request)

    async def page(self, request: Request) -> Response:
        return await self._answer(self._page, request)

    def _feed(self, request: Request) -> Response:
        """A poll: the token and the feed's change markers read (two indexed queries); an
        ETag the client has gets ``304`` from those alone, one this process rendered gets its
        kept bytes; only a changed feed is read and rendered. The markers are read before
        the items, so what is kept under an ETag is never older than the ETag says."""
        from programs.plugins.ical.service import today

        token = request.path_params["token"]
        day = today()
        with self.app.read() as db:
            scope = resolve(db, token)
            if scope is None:
                return not_found()
            etag = self.service.marker_etag(db, scope, day)
            if etag is not None:
                if _matches(request.headers.get("if-none-match"), etag):
                    return Response(status_code=304, headers={**PRIVATE, "ETag": f'"{etag}"'})
                feed = self.service.kept(scope, etag)
                if feed is not None:
                    return self._feed_answer(feed, etag)
            try:
                spec = self.service.spec(db, scope, day=day)
            except self._not_found:  # the owner was erased since
                return not_found()
            finally:
                for failure in self.app.take_failures():
                    log.warning("%s", failure)
        if etag is None:  # markers cannot tell: the ETag of the items themselves
            etag = self.service.etag(spec)
            if _matches(request.headers.get("if-none-match"), etag):
                return Response(status_code=304, headers={**PRIVATE, "ETag": f'"{etag}"'})
            return self._feed_answer(self.service.feed(spec, etag), etag)
        feed = render(spec, self.service.cache)
        self.service.keep(scope, etag, feed)
        return self._feed_answer(feed, etag)

    @staticmethod
    def _feed_answer(feed: Feed, etag: str) -> Response:
        headers = {**PRIVATE, "ETag": f'"{etag}"'}
        if feed.last_modified is not None:
            headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
        return Response(feed.body, media_type="text/calendar; charset=utf-8", headers=headers)

    def _page(self, request: Request) -> Response:
        from programs.plugins.ical.page import render_page

        token = request.path_params["token"]
        spec = self._spec(token)
        if spec is None:
            return not_found()
        html = render_page(spec, feed_url=f"{self.base_url}/feeds/{token}.ics")
        return HTMLResponse(html, headers=PAGE)


def create_asgi_app(app: App, *, base_url: str, slots: int = SLOTS) -> Any:
    """The ASGI application serving ``app``'s feeds; links on pages start with ``base_url``."""
    server = FeedServer(app, base_url=base_url, slots=slots)
    methods = ["GET", "HEAD"]
    starlette = Starlette(
        routes=[
            Route("/feeds/{token}.ics", server.feed, methods=methods),
            Route("/feeds/{token}", server.page, methods=methods),
        ]
    )
    starlette.router.redirect_slashes = False  # a redirect would be built from the Host header
    return Headers(starlette)


def uvicorn_config(asgi: Any, **options: Any) -> Any:
    """uvicorn's settings for the feed server: the guarded protocol (a deadline on headers,
    headers capped), idle connections closed, no ``server`` header, and a stop within a
    few seconds of SIGTERM even under load."""
    import uvicorn
    from programs.plugins.ical.guard import MAX_HEADER_BYTES, GuardedH11Protocol

    return uvicorn.Config(
        asgi,
        http=GuardedH11Protocol,
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=3,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES,
        log_level="warning",
        access_log=False,
        lifespan="off",
        **options,
    )


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
