"""Words in the reader's language: gettext catalogs, managed with Babel.

One catalog, domain ``programs``, holds every message of the core, the CLI (click's own
words included: click ships no translations), the built-in plugins, their templates and
pages: ``programs/locale/<language>/LC_MESSAGES/programs.po``. The build compiles each
``.po`` into the ``.mo`` next to it (``setup.py``); a checkout without them, or with a
``.po`` newer than its ``.mo``, reads the ``.po`` itself (slower, same words). English is
the language of the source, so an English reader never needs a catalog.

Whose language:

- the coach at her terminal: the *current* language, set once by the CLI
  (:func:`set_language`) from ``--lang``, ``PROGRAMS_LANG``, ``[core] language``, the locale
  (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``), else English
  (:func:`terminal_language`); :func:`gettext` (``_``) translates into it;
- a participant: their own, for everything sent or served to them: :func:`translator`
  gives the functions for one language, whatever the current one is.

Nothing here imports more than the standard library until a catalog is read: the CLI's
``--version`` and ``--help`` stay as fast as before (bench/startup).

Adding a language is adding a catalog: ``python -m programs.cli.catalogs init de`` then
translating ``programs/locale/de/LC_MESSAGES/programs.po`` (docs/translating.md).
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
import string
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

DOMAIN = "programs"
LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
FALLBACK = "en"

_current: ContextVar[str] = ContextVar("programs_language", default=FALLBACK)
_lock = threading.Lock()
_cache: dict[str, _gettext.NullTranslations] = {}


_available: tuple[str, ...] | None = None


def available() -> tuple[str, ...]:
    """The languages that have a catalog (English, the source, always); the folder is read
    once (``forget`` reads it again): a page or a table asks this for every time it writes."""
    global _available
    if _available is None:
        found = {SOURCE_LANGUAGE}
        if LOCALE_DIR.is_dir():
            found |= {
                d.name
                for d in LOCALE_DIR.iterdir()
                if (d / "LC_MESSAGES" / f"{DOMAIN}.po").exists()
            }
        _available = tuple(sorted(found))
    return _available


def primary(tag: str | None) -> str | None:
    """``fr_FR.UTF-8`` / ``fr-CA`` / ``FR`` -> ``fr``; None for nothing or ``C``/``POSIX``."""
    if not tag:
        return None
    text = tag.split(".", 1)[0].split("@", 1)[0].replace("-", "_").strip()
    if not text or text.upper() in ("C", "POSIX"):
        return None
    return text.split("_", 1)[0].lower() or None


def supported(tag: str | None) -> str | None:
    """The catalog language for a tag, or None when there is no catalog for it."""
    lang = primary(tag)
    return lang if lang in available() else None


def language_or_default(tag: str | None, default: str = FALLBACK) -> str:
    """A person's language as the tool can speak it: theirs if it has a catalog, else
    ``default`` (the words around dates must match them: pt-BR gets French only if the
    caller says so)."""
    return supported(tag) or default


def terminal_language(
    option: str | None = None,
    *,
    environ: dict[str, str] | None = None,
    configured: str | None = None,
) -> str:
    """The coach's terminal: ``--lang``, then ``PROGRAMS_LANG``, then ``[core] language``,
    then the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``), else English. A
    choice without a catalog is passed over (an Italian locale gets English)."""
    env = os.environ if environ is None else environ
    locale = [env.get(k) for k in ("LC_ALL", "LC_MESSAGES", "LANG")]
    language_list = (env.get("LANGUAGE") or "").split(":")
    for candidate in (option, env.get("PROGRAMS_LANG"), configured, *locale, *language_list):
        found = supported(candidate)
        if found:
            return found
    return FALLBACK


def set_language(language: str) -> None:
    """Make ``language`` the current one (the coach's, for what the CLI prints)."""
    _current.set(supported(language) or FALLBACK)


def current_language() -> str:
    return _current.get()


@contextlib.contextmanager
def using(language: str | None) -> Iterator[str]:
    """The current language is ``language`` inside the block (a message for one person)."""
    token = _current.set(supported(language) or FALLBACK)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


# --- catalogs ------------------------------------------------------------------------------


def _compiled(po: Path) -> _gettext.NullTranslations:
    """A catalog from its ``.po`` (no ``.mo`` yet, or an older one): compiled in memory."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def translations(language: str) -> _gettext.NullTranslations:
    """The catalog of ``language`` (English: none needed, the source's words)."""
    lang = supported(language) or FALLBACK
    with _lock:
        found = _cache.get(lang)
    if found is not None:
        return found
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            found = _gettext.GNUTranslations(f)
    elif po.exists():
        found = _compiled(po)
    else:
        found = _gettext.NullTranslations()
    with _lock:
        _cache[lang] = found
    return found


def forget() -> None:
    """Drop the catalogs read so far (a test that rewrites one)."""
    global _available
    with _lock:
        _cache.clear()
        _available = None


# --- translating ---------------------------------------------------------------------------


class Message(str):
    """A translated message. ``{name!r}`` in it quotes a text value as the language quotes
    (``'S. Martin'``, « S. Martin »), its control characters escaped and a long one cut
    (:func:`shown`), instead of Python's ``repr``; everything else formats as ``str.format``."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        if "!r}" not in self:
            return str.format(self, *args, **kwargs)
        return _QUOTING.vformat(self, args, kwargs)


class _Quoting(string.Formatter):
    def convert_field(self, value: object, conversion: str | None) -> object:
        if conversion == "r" and isinstance(value, str):
            return shown(value)
        return super().convert_field(value, conversion)


_QUOTING = _Quoting()
SHOWN_CHARACTERS = 40


def shown(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """What a person typed, quoted for a message in the current language ('S. Martin',
    « S. Martin »), control characters escaped, and cut when it is long: a
    131,000-character paste is echoed as ``'xxxx…' (131000 characters)``, not whole."""
    text = str(value)
    body = text[:limit] + ("…" if len(text) > limit else "")
    body = "".join(c if c.isprintable() else repr(c)[1:-1] for c in body)
    quoted = gettext("'{text}'").format(text=body)
    if len(text) <= limit:
        return quoted
    return gettext("{text} ({length} characters)").format(text=quoted, length=len(text))


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return Message(translations(_current.get()).gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return Message(translations(_current.get()).ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, told apart by ``context`` ("button", "role")."""
    return Message(translations(_current.get()).pgettext(context, message))


_ = gettext


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it yet (a constant, translated
    with ``_()`` where it is shown)."""
    return message


@dataclass(frozen=True)
class Translator:
    """The gettext functions for one reader's language (a participant's, in a message or a
    page), whatever the current language is; ``locale`` is Babel's for dates."""

    language: str
    gettext: Callable[[str], str]
    ngettext: Callable[[str, str, int], str]
    pgettext: Callable[[str, str], str]

    def __call__(self, message: str) -> str:
        return self.gettext(message)


def translator(language: str | None) -> Translator:
    lang = supported(language) or FALLBACK
    found = translations(lang)
    return Translator(lang, found.gettext, found.ngettext, found.pgettext)


class Catalog:
    """A third-party plugin's own catalog: ``Catalog("programs_meetlink", Path(__file__).parent
    / "locale")``, its ``.po`` files compiled by its build, or read as they are. Its
    ``gettext`` follows the current language, like :func:`gettext`; ``translator(language)``
    gives one person's."""

    def __init__(self, domain: str, localedir: Path) -> None:
        self.domain, self.localedir = domain, Path(localedir)
        self._found: dict[str, _gettext.NullTranslations] = {}

    def translations(self, language: str | None) -> _gettext.NullTranslations:
        lang = primary(language) or FALLBACK
        if lang not in self._found:
            folder = self.localedir / lang / "LC_MESSAGES"
            po, mo = folder / f"{self.domain}.po", folder / f"{self.domain}.mo"
            if mo.exists():
                with mo.open("rb") as f:
                    self._found[lang] = _gettext.GNUTranslations(f)
            elif po.exists():
                self._found[lang] = _compiled(po)
            else:
                self._found[lang] = _gettext.NullTranslations()
        return self._found[lang]

    def gettext(self, message: str) -> str:
        return self.translations(current_language()).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations(current_language()).ngettext(singular, plural, n)

    def translator(self, language: str | None) -> Translator:
        found = self.translations(language)
        lang = primary(language) or FALLBACK
        return Translator(lang, found.gettext, found.ngettext, found.pgettext)
