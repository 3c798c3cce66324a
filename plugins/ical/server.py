"""``programs ical serve``: feeds over HTTP for calendar apps (Starlette on uvicorn).

- ``GET|HEAD /feeds/<token>.ics``: the feed, ``text/calendar; charset=utf-8``, with a strong
  ``ETag`` and ``Last-Modified``; ``If-None-Match`` with the current ETag gets ``304``,
  decided from the items alone, without rendering.
- ``GET|HEAD /feeds/<token>``: an HTML page with the calendar's name, what comes next and
  subscribe links.
- Anything else, and any unknown or revoked token, gets the same plain ``404 Not Found``.

Handlers are plain functions: Starlette runs them in its thread pool, each with its own
read transaction.
"""

from __future__ import annotations

import logging
import socket
from email.utils import format_datetime
from typing import TYPE_CHECKING

from programs.plugins.ical.service import FeedService, service_for
from programs.plugins.ical.tokens import resolve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from programs.plugins.ical.items import FeedSpec

    from programs.api import App

log = logging.getLogger("programs.ical")
PRIVATE = {
    "Cache-Control": "private, no-cache",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)


def _matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or a list of (possibly weak) entity tags."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return any(t == "*" or t.removeprefix("W/") == f'"{etag}"' for t in tags)


class FeedServer:
    """The request handlers, bound to one app and its feed service."""

    def __init__(self, app: App, *, base_url: str) -> None:
        from programs.api import NotFound

        self.app = app
        self.base_url = base_url.rstrip("/")
        service = service_for(app)
        assert service is not None
        self.service: FeedService = service
        self._not_found = NotFound

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

    def feed(self, request: Request) -> Response:
        spec = self._spec(request.path_params["token"])
        if spec is None:
            return not_found()
        etag = self.service.etag(spec)
        headers = {**PRIVATE, "ETag": f'"{etag}"'}
        if spec.last_modified is not None:
            headers["Last-Modified"] = format_datetime(spec.last_modified, usegmt=True)
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        feed = self.service.feed(spec, etag)
        return Response(feed.body, media_type="text/calendar; charset=utf-8", headers=headers)

    def page(self, request: Request) -> Response:
        from programs.plugins.ical.page import render_page

        token = request.path_params["token"]
        spec = self._spec(token)
        if spec is None:
            return not_found()
        html = render_page(spec, feed_url=f"{self.base_url}/feeds/{token}.ics")
        return HTMLResponse(html, headers=PRIVATE)


def create_asgi_app(app: App, *, base_url: str) -> Starlette:
    """The ASGI application serving ``app``'s feeds; links on pages start with ``base_url``."""
    server = FeedServer(app, base_url=base_url)
    methods = ["GET", "HEAD"]
    return Starlette(
        routes=[
            Route("/feeds/{token}.ics", server.feed, methods=methods),
            Route("/feeds/{token}", server.page, methods=methods),
        ]
    )


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
