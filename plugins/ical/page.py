"""The participant's own page, behind their private link (``/p/<token>``; the older
``/feeds/<token>`` shows the same page): what comes next, from the core's calendar items in
the feed's own words, a way to add the calendar on each platform (Apple's ``webcal://``,
Google Calendar's "add by URL", Outlook.com and Microsoft 365's subscribe links, a hint for
Android, the ``.ics`` file, the address to copy), a QR code of the page to open it on a
phone, and what other plugins add (``participant_page_sections``: the contacts plugin's
card, consent and directory). In the reader's language; everything shown is escaped by
Jinja's autoescape and it shows only the feed's own items (the same allow-list).

No external resource of any kind: the style and the one script (the copy button; without
it the address is a readonly field to select) are inline, allowed by their hashes in the
Content-Security-Policy (:data:`CSP`); the QR code is inline SVG drawn by segno.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from programs import formats, i18n

if TYPE_CHECKING:
    import jinja2
    from programs.plugins.ical.items import FeedSpec

    from programs.api import CalendarItem, PageSection

MAX_UPCOMING = 20
HERE = Path(__file__).parent
STYLE = (HERE / "page.css").read_text(encoding="utf-8")
SCRIPT = (HERE / "page.js").read_text(encoding="utf-8")


def _source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


# nothing but itself: the inline style and script by their hashes, images from data: or
# here, forms posting here only; no frame, no base, nothing from anywhere else
CSP = (
    f"default-src 'none'; style-src {_source_hash(STYLE)}; "
    f"script-src {_source_hash(SCRIPT)}; img-src data: 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@lru_cache(maxsize=16)
def _environment(language: str) -> jinja2.Environment:
    """One environment per language, its words installed once: pages are rendered in the
    server's threads, so nothing is installed per request."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    t = i18n.translator(language)
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True, pgettext=t.pgettext)  # type: ignore[attr-defined]
    return env


def environment(language: str) -> jinja2.Environment:
    return _environment(i18n.supported(language) or i18n.FALLBACK)


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) URL: calendar apps open it as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


def calendar_links(feed_url: str, name: str) -> dict[str, str]:
    """Where each platform subscribes to the feed: Apple opens ``webcal://``; Google
    Calendar's "add by URL" takes the webcal address as ``cid``; Outlook.com and Microsoft
    365 have their own ``addfromweb`` pages, given the https address and the name."""
    subscribe = urlencode({"url": feed_url, "name": name}, quote_via=quote)
    return {
        "webcal_url": webcal(feed_url),
        "google_url": "https://calendar.google.com/calendar/render?cid="
        + quote(webcal(feed_url), safe=""),
        "outlook_url": f"https://outlook.live.com/calendar/0/addfromweb?{subscribe}",
        "office_url": f"https://outlook.office.com/calendar/0/addfromweb?{subscribe}",
    }


def html_lang(language: str) -> str:
    """The ``lang`` attribute: ``fr``, ``en-GB`` (BCP 47 writes a hyphen)."""
    tag = language.replace("_", "-").split(".", 1)[0]
    head, _, region = tag.partition("-")
    return f"{head.lower()}-{region.upper()}" if region else head.lower()


def when(item: CalendarItem, language: str) -> str:
    """``jeu. 3 déc. 2026, 09:00–17:00 (Europe/Paris)`` in the item's own time zone, as
    every table writes a time (``programs.formats.when_short``)."""
    from programs.api import to_local

    start, end = to_local(item.start, item.timezone), to_local(item.end, item.timezone)
    day = formats.when_short(item.start, item.timezone, language)
    if end.date() == start.date():
        until = f"{end:%H:%M}"
    else:
        until = formats.when_short(item.end, item.timezone, language)
    return f"{day}–{until} ({item.timezone})"


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> str:
    """The page's address as an inline SVG QR code (no style attribute: the CSP allows
    none); the same address always draws the same code, so it is drawn once."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return str(code.svg_inline(scale=4, border=4, svgclass="qr", lineclass=None, omitsize=True))


def render_page(
    spec: FeedSpec,
    *,
    feed_url: str,
    page_url: str | None = None,
    sections: list[PageSection] | tuple[PageSection, ...] = (),
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    from programs.api import upcoming as next_items

    language = spec.language
    upcoming = [
        {"when": when(i, language), "summary": i.summary, "location": i.location}
        for i in next_items([e.item for e in spec.items], now)
    ][:MAX_UPCOMING]
    page_url = page_url or feed_url.removesuffix(".ics")
    return (
        environment(language)
        .get_template("page.html")
        .render(
            lang=html_lang(language),
            name=spec.name,
            feed_url=feed_url,
            page_url=page_url,
            filename="calendar.ics",
            upcoming=upcoming,
            sections=sorted(sections, key=lambda s: s.order),
            qr=qr_svg(page_url),
            style=STYLE,
            script=SCRIPT,
            **calendar_links(feed_url, spec.name),
        )
    )


def render_message(
    language: str, *, title: str, message: str, ok: bool, back: str | None = None
) -> str:
    """A page of one sentence: a form's answer, the dead link's page."""
    return (
        environment(language)
        .get_template("message.html")
        .render(
            lang=html_lang(language),
            title=title,
            message=message,
            kind="ok" if ok else "failed",
            back=back,
            style=STYLE,
        )
    )


@lru_cache(maxsize=16)
def dead_link(language: str) -> bytes:
    """The page every bad token gets, in ``language``: the same bytes for each, made once."""
    t = i18n.translator(language)
    return render_message(
        language,
        title=t.gettext("This link no longer works"),
        message=t.gettext(
            "This link no longer works: it may have been replaced by a newer one. Ask your "
            "coach for a new link."
        ),
        ok=False,
    ).encode("utf-8")


def browser_language(header: str | None) -> str:
    """The first language of ``Accept-Language`` (by weight) that has a catalog, else
    English."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "")[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag:
            choices.append((-weight, position, tag))
    for weight, _position, tag in sorted(choices):
        if weight < 0:
            found = i18n.supported(tag)
            if found:
                return found
    return i18n.FALLBACK
