"""What keeps the feed server standing when its subscribers (or anyone) misbehave.

- :class:`GuardedHttpToolsProtocol` (httptools, the fast parser, when installed) and
  :class:`GuardedH11Protocol` (h11, pure Python): uvicorn's HTTP/1.1 protocols plus a
  deadline for a request's headers: a connection that opens and sends nothing, or sends its
  headers a byte at a time (slowloris), is closed after ``HEADER_SECONDS``; idle keep-alive
  connections are closed by uvicorn's own ``timeout_keep_alive``. A head over
  ``MAX_HEADER_BYTES`` is answered 431 and closed, whichever parser reads it.
- :class:`Headers`: an ASGI middleware putting the headers every answer carries
  (``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Robots-Tag``), and logging each request with its token replaced by a short hash, so
  no log line ever holds a working link.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0
MAX_HEADER_BYTES = 16 * 1024
ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow"),
]
access = logging.getLogger("programs.ical.access")
_TOKEN = re.compile(r"(/(?:feeds|p)/)([^/.?]+)")


class HeadGuard:
    """A deadline on every request's head, and a cap on its size: mixed into a uvicorn
    HTTP protocol (it uses their ``cycle``, ``transport`` and ``loop``).

    A request only notes when its head began (``_head_since``) and clears it when the head
    is in; one timer per connection looks every ``HEADER_SECONDS`` at most (no timer made
    and cancelled for each of the thousands of polls a kept connection carries)."""

    cycle: Any
    transport: Any
    loop: Any

    _deadline: asyncio.TimerHandle | None = None
    _head_since: float | None = None  # when the bytes of the head being read began
    _seen = 0  # bytes of the current request's head received so far
    _tail = b""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_since = self.loop.time()  # a connection that sends nothing is a head late
        self._deadline = self.loop.call_later(HEADER_SECONDS, self._look)

    def data_received(self, data: bytes) -> None:
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting:
            if self._head_since is None:
                self._head_since = self.loop.time()  # a next request on a kept connection
            if self._too_large(data):
                return
        super().data_received(data)  # type: ignore[misc]
        if self.cycle is not None and not self.cycle.response_complete:
            self._head_since = None  # its headers are in: the request is being answered

    def _too_large(self, data: bytes) -> bool:
        """Whether this request's head passes ``MAX_HEADER_BYTES``: answered 431, closed.
        (h11's own limit only holds for a head that arrives in several pieces.)"""
        window = self._tail + data
        end = window.find(b"\r\n\r\n")
        size = self._seen + (end + 4 - len(self._tail) if end >= 0 else len(data))
        if size > MAX_HEADER_BYTES:
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n"
                b"connection: close\r\nx-content-type-options: nosniff\r\n\r\n"
            )
            self.transport.close()
            return True
        if end >= 0:  # the head is complete: the next request counts from zero
            self._seen, self._tail = 0, b""
        else:
            self._seen, self._tail = size, window[-3:]
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)  # type: ignore[misc]

    def _look(self) -> None:
        """Close the connection if a head has been arriving for ``HEADER_SECONDS``; else
        look again when the one arriving would be late (or in ``HEADER_SECONDS``)."""
        self._deadline = None
        if self.transport.is_closing():
            return
        since, now = self._head_since, self.loop.time()
        if since is not None and now - since >= HEADER_SECONDS:
            self.transport.close()
            return
        wait = HEADER_SECONDS if since is None else HEADER_SECONDS - (now - since)
        self._deadline = self.loop.call_later(wait, self._look)


class GuardedH11Protocol(HeadGuard, H11Protocol):
    """h11 (pure Python) with the head's deadline and cap."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed
    GuardedHttpToolsProtocol: type | None = None
else:

    class GuardedHttpToolsProtocol(HeadGuard, HttpToolsProtocol):  # type: ignore[no-redef]
        """httptools (a C parser) with the head's deadline and cap."""


def fastest_protocol() -> type:
    """httptools' protocol when httptools is installed (several times h11's requests per
    second), else h11's; both guarded."""
    return GuardedHttpToolsProtocol or GuardedH11Protocol


@functools.lru_cache(maxsize=4096)
def hashed(path: str) -> str:
    """``/feeds/<token>.ics`` -> ``/feeds/~1a2b3c4d.ics``: what a log may say of a link
    (kept for the paths polled most: a calendar app asks for the same one all day)."""
    return _TOKEN.sub(
        lambda m: m.group(1) + "~" + hashlib.sha256(m.group(2).encode()).hexdigest()[:8], path
    )


class Headers:
    """Adds the headers every answer carries, and logs the request without its token."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                present = {k.lower() for k, _v in message.get("headers", [])}
                extra = [(k, v) for k, v in ALWAYS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log_request(scope, status["code"], started)


def log_request(scope: dict[str, Any], status: int, started: float) -> None:
    """One access line: client, method, path with its token hashed, status, time taken.

    In the server (:func:`programs.plugins.ical.server.access_log`) the line's fields go
    straight to its batched writer, the logger's one handler: a ``LogRecord`` per request
    cost a third of a poll. Elsewhere (tests, an app embedding the server) a record goes to
    the ``programs.ical.access`` logger as usual."""
    fields = (
        (scope.get("client") or ("-",))[0],
        scope.get("method"),
        hashed(scope.get("path", "")),
        status,
        (time.perf_counter() - started) * 1000,
    )
    writer = _direct[0]
    if writer is not None and access.handlers == [writer]:
        writer.note(fields)
    elif access.isEnabledFor(logging.INFO):
        access.info(ACCESS_LINE, *fields)


ACCESS_LINE = "%s %s %s %s %.1fms"
_direct: list[Any] = [None]


def write_access_to(writer: Any) -> None:
    """Give the access lines' fields to ``writer.note`` (a batched writer that is the access
    logger's only handler), or to the logger again with None."""
    _direct[0] = writer
