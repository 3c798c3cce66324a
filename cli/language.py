"""The CLI in the coach's language: which one, and click's own words and every command's help
translated from the catalog (``programs.i18n``).

- :func:`choose` sets the current language from ``--lang``, ``PROGRAMS_LANG``, ``[core]
  language``, the locale, else English; the root group calls it before parsing anything,
  and ``--lang`` again when given.
- click ships no translations and calls ``gettext`` through the name ``_`` (and
  ``ngettext``) imported in each of its modules: those names are pointed at our catalog,
  once (:func:`translate_click`), so "Usage:", "Options" and "Show this message and exit."
  read in the coach's language; the colon after a help's headings too ("Options :");
- :func:`localize` rewrites a command's help, short help, epilog and option help in the
  current language, keeping the English ones (the catalog's message ids) to start from
  again: the same command objects serve every language a process uses (tests do).
"""

from __future__ import annotations

import inspect
from typing import Any

from programs import i18n

CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
    "click.shell_completion",
    "click._termui_impl",
)
_ORIGINAL = "_programs_english"
CLICK_DYNAMIC = (i18n.N_("required"),)
"""click's words it translates from a variable (``_(extra["required"])``, the "[required]"
of an option's help): not found in its sources by the extraction, so marked here."""


def configured_language() -> str | None:
    """``[core] language`` from the config file, if it can be read (a broken file is
    reported by the command itself, in the language chosen without it)."""
    try:
        from programs.config import load_config

        value = load_config().section("core").get("language")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def choose(option: str | None = None) -> str:
    """Set and return the coach's language for this command line."""
    language = i18n.terminal_language(option, configured=configured_language())
    i18n.set_language(language)
    translate_click()
    return language


_patched = False


def translate_click() -> None:
    global _patched
    if _patched:
        return
    import importlib

    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:  # a module a click version does not have
            continue
        if hasattr(module, "_"):
            module._ = i18n.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext  # type: ignore[attr-defined]
    from click.formatting import HelpFormatter

    HelpFormatter.write_heading = _write_heading  # type: ignore[method-assign]
    _patched = True


def _write_heading(self: Any, heading: str) -> None:
    """click writes a help's headings ("Options:") with a bare colon; French puts a narrow
    no-break space before it ("Options :"), as the catalog says."""
    label = i18n.gettext("{label}:").format(label=heading)
    self.write(f"{'':>{self.current_indent}}{label}\n")


def english_text(obj: Any, attribute: str) -> str | None:
    """A command's or option's text as written (English), kept the first time it is asked."""
    store = obj.__dict__.setdefault(_ORIGINAL, {})
    if attribute not in store:
        value = getattr(obj, attribute, None)
        store[attribute] = inspect.cleandoc(value) if isinstance(value, str) else value
    return store[attribute]


def _translated(text: str | None) -> str | None:
    if not text:
        return text
    head, feed, tail = text.partition("\f")
    return i18n.gettext(head) + feed + tail


def localize(command: Any) -> Any:
    """The command (and its subcommands and options), its texts in the current language."""
    language = i18n.current_language()
    if command.__dict__.get("_programs_language") == language:
        return command
    for attribute in ("help", "short_help", "epilog"):
        english = english_text(command, attribute)
        if english is not None:
            setattr(command, attribute, _translated(english))
    for param in getattr(command, "params", ()):
        english = english_text(param, "help")
        if english:
            param.help = i18n.gettext(english)
    command.__dict__["_programs_language"] = language
    for sub in getattr(command, "commands", {}).values():
        localize(sub)
    return command
