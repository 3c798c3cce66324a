"""The HTML page behind a feed link, for people who do not know what a feed URL is: the
calendar's name, what comes next, and subscribe links, in the feed reader's language (a
participant's own, the coach's for a program's feed). Everything shown is escaped by Jinja's
autoescape, and it shows only the feed's own items (the same allow-list)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from programs import formats, i18n

if TYPE_CHECKING:
    import jinja2
    from programs.plugins.ical.items import FeedSpec

    from programs.api import CalendarItem

MAX_UPCOMING = 20


@lru_cache(maxsize=16)
def _environment(language: str) -> jinja2.Environment:
    """One environment per language, its words installed once: pages are rendered in the
    server's threads, so nothing is installed per request."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    t = i18n.translator(language)
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True, pgettext=t.pgettext)  # type: ignore[attr-defined]
    return env


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) URL: calendar apps open it as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


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


def render_page(spec: FeedSpec, *, feed_url: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    from programs.api import upcoming as next_items

    language = spec.language
    upcoming = [
        {"when": when(i, language), "summary": i.summary, "location": i.location}
        for i in next_items([e.item for e in spec.items], now)
    ][:MAX_UPCOMING]
    return (
        _environment(i18n.supported(language) or i18n.FALLBACK)
        .get_template("page.html")
        .render(
            lang=html_lang(language),
            name=spec.name,
            feed_url=feed_url,
            webcal_url=webcal(feed_url),
            upcoming=upcoming,
        )
    )
