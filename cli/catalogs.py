"""The translators' and contributors' tool: the catalog kept in step with the code, with Babel.

    python -m programs.cli.catalogs update    # extract every message, update each .po
    python -m programs.cli.catalogs init de   # start a new language
    python -m programs.cli.catalogs check     # what is missing or out of date (the tests)
    python -m programs.cli.catalogs merge fr FILE.json   # fill translations from a file
                                        # {"id": "...", "context\\x04id": "...", "plural": [..]}

Messages come from three places, all into one domain, ``programs``:

- the sources: ``_()``, ``N_()``, ``ngettext()``, ``pgettext()`` calls in the core, the CLI and
  the built-in plugins (Python), and in their Jinja2 templates and pages;
- the command tree: every command's help, short help and epilog, and every option's help,
  read from the live click tree (built-in plugins loaded), as the help shows them;
- click itself: its own words ("Usage:", "Show this message and exit."), read from its
  installed sources, since click ships no catalog.

English is the source language: its catalog holds each message as it is written (a place to
reword without touching the code). The ``.mo`` files are built by the build (setup.py).
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from programs.i18n import DOMAIN, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("programs", "cli", "plugins")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
METHODS = [
    ("**/migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("**.j2", "jinja2.ext:babel_extract"),
    ("**.html", "jinja2.ext:babel_extract"),
]
JINJA = {"extensions": "jinja2.ext.i18n", "trimmed": "false", "newstyle_gettext": "true"}
"""Templates and pages use newstyle gettext (`_("Hello %(name)s,", name=...)`, formatted by
Jinja after translating), as `programs.plugins.reminders.messages` and `ical.page` install it."""
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def _sources() -> Iterator[tuple[str, str | tuple[str, ...], str | None, str]]:
    """``(message id, message (or singular/plural), context, where)`` from the code."""
    from babel.messages.extract import extract_from_dir

    options = {"**.j2": JINJA, "**.html": JINJA}
    for folder in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT / folder), METHODS, options, KEYWORDS, strip_comment_tags=True
        ):
            yield _id(message), message, context, f"{folder}/{filename}:{lineno}"


def _click() -> Iterator[tuple[str, str | tuple[str, ...], str | None, str]]:
    """click's own messages, from its installed sources."""
    import click
    from babel.messages.extract import extract_from_dir

    folder = Path(click.__file__).parent
    keywords = {"_": None, "ngettext": (1, 2)}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(folder), [("**.py", "python")], {}, keywords
    ):
        yield _id(message), message, context, f"click/{filename}:{lineno}"


def help_texts(command: Any) -> Iterator[str]:
    """The help of a command and of its options, as click shows them (cleaned docstrings),
    in English whatever language the tree was last shown in (localize keeps the originals)."""
    from programs.cli.language import english_text

    for attribute in ("help", "short_help", "epilog"):
        text = english_text(command, attribute)
        if text:
            yield inspect.cleandoc(text).partition("\f")[0]
    for param in command.params:
        help_text = english_text(param, "help")
        if help_text:
            yield inspect.cleandoc(help_text)


def command_tree() -> Iterator[tuple[str, Any]]:
    """``(path, command)`` for every command of the CLI, the built-in plugins' included."""
    import click
    from programs.cli.main import build_cli

    root = build_cli()
    ctx = click.Context(root, info_name="programs")

    def walk(group: click.Group, ctx: click.Context, path: str) -> Iterator[tuple[str, Any]]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None:
                continue
            here = f"{path} {name}".strip()
            yield here, command
            if isinstance(command, click.Group):
                yield from walk(command, click.Context(command, parent=ctx, info_name=name), here)

    yield "programs", root
    yield from walk(root, ctx, "")


def _help() -> Iterator[tuple[str, str, None, str]]:
    from programs import i18n

    # in English, the source language: click words some help (--version's) as it is built
    before = i18n.current_language()
    i18n.set_language("en")
    try:
        texts = [
            (text, path)
            for path, command in command_tree()
            if _ours(command)
            for text in help_texts(command)
        ]
    finally:
        i18n.set_language(before)
    for text, path in texts:
        yield text, text, None, f"help: {path}"


def _ours(command: Any) -> bool:
    """A command of programs (core or built-in plugin), not a third party's."""
    module = getattr(getattr(command, "callback", None), "__module__", "") or ""
    return module.startswith("programs") or module == "__main__" or not module


def _id(message: str | tuple[str, ...]) -> str:
    return message if isinstance(message, str) else message[0]


def messages() -> dict[tuple[str, str | None], tuple[Any, list[str]]]:
    """``{(id, context): (message, [where...])}`` of everything to translate."""
    found: dict[tuple[str, str | None], tuple[Any, list[str]]] = {}
    for message_id, message, context, where in (*_sources(), *_click(), *_help()):
        if not message_id:
            continue
        key = (message_id, context)
        if key in found:
            found[key][1].append(where)
        else:
            found[key] = (message, [where])
    return found


def template() -> Any:
    """The ``.pot``: every message, with where it comes from."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(domain=DOMAIN, project="programs", charset="utf-8")
    for (_message_id, context), (message, places) in sorted(
        messages().items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        catalog.add(message, locations=[_place(p) for p in places], context=context)
    return catalog


def _place(place: str) -> tuple[str, int | None]:
    """``cli/main.py:12`` -> ``("cli/main.py", 12)``; ``help: programs coach`` stays whole
    (only a trailing line number is split off)."""
    head, colon, tail = place.rpartition(":")
    return (head, int(tail)) if colon and tail.isdigit() else (place, None)


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(path: Path) -> Any:
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f)


def write(path: Path, catalog: Any) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def update(languages_: Iterable[str] | None = None) -> dict[str, tuple[int, int]]:
    """Write the ``.pot`` and bring each ``.po`` in step: new messages added (untranslated),
    gone ones dropped. English gets each message as written. ``{lang: (new, dropped)}``."""
    import copy

    pot = template()
    write(TEMPLATE, pot)
    report = {}
    for language in languages_ or languages():
        path = po_path(language)
        catalog = read(path)
        before = {m.id for m in catalog if m.id}
        # a copy each: Babel adds the template's own message objects to the catalog, so
        # English's strings (set just below) would otherwise become French "translations"
        catalog.update(copy.deepcopy(pot), no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if language == "en":
            for message in catalog:
                if message.id and not _complete(message.string):
                    message.string = message.id
        after = {m.id for m in catalog if m.id}
        write(path, catalog)
        report[language] = (len(after - before), len(before - after))
    return report


def init(language: str) -> Path:
    """A new catalog for ``language``, every message untranslated."""
    from babel import Locale
    from babel.messages.catalog import Catalog

    path = po_path(language)
    if path.exists():
        raise SystemExit(f"{path} exists: use `update`")
    locale = Locale.parse(language)
    catalog = Catalog(locale=locale, domain=DOMAIN, project="programs", charset="utf-8")
    write(path, catalog)
    update([language])
    return path


def problems() -> dict[str, list[str]]:
    """What the tests refuse, by language: a message with no translation, a translation of
    a message the code no longer has, a placeholder lost or added."""
    import string

    wanted = messages()
    out: dict[str, list[str]] = {}
    for language in languages():
        catalog = read(po_path(language))
        issues = []
        have = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m for m in catalog if m.id}
        for key in wanted:
            message = have.get(key)
            if message is None:
                issues.append(f"missing: {key[0]!r}")
            elif not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                issues.append(f"untranslated: {key[0]!r}")
            elif message.fuzzy:
                issues.append(f"fuzzy: {key[0]!r}")
        for key in have.keys() - wanted.keys():
            issues.append(f"out of date (no longer in the code): {key[0]!r}")
        for key, message in have.items():
            if key not in wanted or not message.string:
                continue
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            targets = message.string if isinstance(message.string, tuple) else (message.string,)

            def fields(text: str) -> set[str]:
                try:
                    return {f for _l, f, _s, _c in string.Formatter().parse(text) if f is not None}
                except ValueError:
                    return set()

            want = set().union(*(fields(s) for s in sources))
            for target in targets:
                if target and fields(target) != want and not (fields(target) <= want):
                    issues.append(f"placeholders differ: {key[0]!r}")
        out[language] = issues
    return out


CONTEXT_SEPARATOR = "\x04"
"""A message with a context (``pgettext("program status", "open")``) is keyed
``"program status\\x04open"`` in a translations file, as gettext itself keys it."""


def merge(language: str, translations: dict[str, Any], *, overwrite: bool = False) -> int:
    """Fill ``language``'s catalog from ``{message id: translation}`` (a list of forms for a
    plural message; ``"context\\x04id"`` for a message with a context); returns how many
    were filled. Ids the catalog lacks are ignored."""
    path = po_path(language)
    catalog = read(path)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        bare = message.id if isinstance(message.id, str) else message.id[0]
        key = f"{message.context}{CONTEXT_SEPARATOR}{bare}" if message.context else bare
        # a message with a context takes the bare id's translation when none is given for
        # its context (the same word, where no other context needs another)
        value = translations.get(key, translations.get(bare) if message.context else None)
        if value is None or (message.string and not overwrite and _complete(message.string)):
            continue
        message.string = tuple(value) if isinstance(value, list) else value
        message.flags.discard("fuzzy")
        filled += 1
    write(path, catalog)
    return filled


def _complete(value: Any) -> bool:
    return all(value) if isinstance(value, tuple | list) else bool(value)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "merge":
        import json

        if len(args) < 3:
            print("usage: python -m programs.cli.catalogs merge LANGUAGE FILE.json [...]")
            return 2
        for name in args[2:]:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
            print(f"{name}: {merge(args[1], data)} filled")
        return 0
    if not args or args[0] not in ("update", "init", "check"):
        print(__doc__)
        return 2
    if args[0] == "update":
        for language, (new, gone) in update().items():
            print(f"{language}: {new} new, {gone} dropped")
        return 0
    if args[0] == "init":
        if len(args) != 2:
            print("usage: python -m programs.cli.catalogs init LANGUAGE")
            return 2
        print(f"created {init(args[1])}")
        return 0
    found = problems()
    for language, issues in found.items():
        for issue in issues:
            print(f"{language}: {issue}")
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
