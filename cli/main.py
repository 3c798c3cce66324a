"""The ``programs`` command: a lazy click group.

Core commands are imported only when they run, and plugins are loaded only when a command
that is not the core's is asked for (or the full list, for ``--help``): ``programs --version``
imports click and pluggy and nothing else heavy (see ``bench/startup``).

Errors: a :class:`programs.errors.ProgramsError` is one line on stderr and exit 1 (click's
usage errors exit 2). Anything else is a bug: one line too, unless ``PROGRAMS_DEBUG=1``, which
shows the traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from programs import __version__

# name -> "module:attribute" in programs.cli; imported on use.
CORE_COMMANDS: dict[str, str] = {
    "init": "admin_cmd:init",
    "backup": "admin_cmd:backup",
    "demo": "demo_cmd:demo",
    "plugins": "plugins_cmd:plugins",
    "coach": "coach_cmd:coach",
    "create": "program_cmd:create",
    "list": "program_cmd:list_programs",
    "show": "program_cmd:show",
    "edit": "program_cmd:edit",
    "cancel": "program_cmd:cancel",
    "complete": "program_cmd:complete",
    "reopen": "program_cmd:reopen",
    "enroll": "enrollment_cmd:enroll",
    "withdraw": "enrollment_cmd:withdraw",
    "attend": "enrollment_cmd:attend",
    "pathway": "pathway_cmd:pathway",
    "sheet": "documents_cmd:sheet",
    "certificate": "documents_cmd:certificate",
    "purge": "privacy_cmd:purge",
    "session": "session_cmd:session",
    "participant": "participant_cmd:participant",
    "followup": "followup_cmd:followup",
    "track": "track_cmd:track",
}


class ProgramsGroup(click.Group):
    """Core commands load lazily; plugin commands come from the ``register_commands`` hook."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from programs.cli.plugin_commands import add_plugin_commands

        add_plugin_commands(self, CORE_COMMANDS)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn domain errors into one-line click errors, and report plugin
        failures on events (the change stays committed; the exit code says something failed)."""
        from programs.cli.errors import as_click_error, tidy

        from programs.i18n import gettext as _

        try:
            result = super().invoke(ctx)
        except click.ClickException as exc:  # click's own (a bad option value...) included
            exc.message = tidy(exc.message)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            raise PipeClosed from None
        except Exception as exc:
            raise as_click_error(exc) from None
        state = ctx.obj
        failures = state.failures() if state is not None else []
        for notice in state.notices() if state is not None else []:
            click.echo(_("Warning: {message}").format(message=notice), err=True)
        for failure in failures:
            click.echo(_("Error: {message}").format(message=failure), err=True)
        if failures:
            ctx.exit(1)
        return result

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(set(CORE_COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from programs.cli.language import localize

        if cmd_name in CORE_COMMANDS:
            module_name, attr = CORE_COMMANDS[cmd_name].split(":")
            module = importlib.import_module(f"programs.cli.{module_name}")
            return localize(getattr(module, attr))
        self._load_plugin_commands()
        found = self.commands.get(cmd_name)
        return localize(found) if found is not None else None

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from programs.cli.language import localize

        localize(self)
        super().format_help(ctx, formatter)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Every command line starts in the coach's language (``--lang`` may change it), and
        every file it writes (exports, backups, cards, feeds, the demo) is hers alone: 600,
        in folders of 700, whatever the umask (they hold people's details)."""
        import os

        from programs.cli.language import choose

        choose()
        previous = os.umask(0o077)
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                sys.stdout.flush()  # here rather than at exit, where a closed pipe is noisy
        except (PipeClosed, BrokenPipeError):
            _quiet_closed_pipe()
        finally:
            os.umask(previous)


class PipeClosed(Exception):
    """The reader of our output went away (``programs participant list --csv | head -2``):
    not an error, as ``head`` users expect. Raised past click, which would exit 1."""


def _quiet_closed_pipe() -> None:
    """Exit 0 without a word; what is still buffered goes nowhere (Python's advice for
    SIGPIPE, https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


def _set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    from programs.cli.language import choose, localize

    from programs import i18n

    if i18n.supported(value) is None:
        raise click.BadParameter(
            i18n.gettext("no catalog for {value!r}: use one of {known}").format(
                value=value, known=", ".join(i18n.available())
            )
        )
    choose(value)
    localize(ctx.command)


def build_cli() -> ProgramsGroup:
    """A fresh root group (tests build their own; nothing is registered at import time)."""

    @click.group(
        cls=ProgramsGroup,
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    )
    @click.version_option(__version__, "-V", "--version", prog_name="programs")
    @click.option(
        "--lang",
        metavar="CODE",
        is_eager=True,
        expose_value=False,
        callback=_set_language,
        help="Language of what programs prints: fr or en "
        "[env PROGRAMS_LANG; default: [core] language, else your locale].",
    )
    @click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="Database: a SQLAlchemy URL or a SQLite file path "
        "[env PROGRAMS_DB; default: programs.db in your data folder].",
    )
    @click.pass_context
    def cli(ctx: click.Context, db_url: str | None) -> None:
        """Group programs and individual follow-ups, for coaches.

        \b
        Example: the two-day program in Marseille, and one participant
          programs init
          programs coach set --name "Claire Dubois" --phone "06 12 34 56 78"
          programs create marseille-2026 --title "Accompagnement collectif" --capacity 12
          programs session add marseille-2026 --start "2026-12-03 09:00" --end 17:00
          programs participant add "S. Martin" --email s.martin@example.com
          programs enroll marseille-2026 "S. Martin"
          programs show marseille-2026
        """
        from programs.cli.context import State

        ctx.obj = State(db_url=db_url, plugin_command=ctx.invoked_subcommand not in CORE_COMMANDS)
        ctx.call_on_close(ctx.obj.close)

    return cli  # type: ignore[return-value]


GC_PAUSE_SECONDS = 1.0


def _pause_gc() -> None:
    """Turn Python's cyclic garbage collector off for the first second of a command.

    Loading SQLAlchemy, SQLModel and the models creates hundreds of thousands of objects and
    no garbage worth collecting, yet triggers full collections that scan them all: ~15% of
    ``programs list`` (bench/startup). A timer turns the collector back on, so a command
    that runs longer (a server, a loop, a large import) has it as usual.
    """
    import gc
    import threading

    gc.disable()
    timer = threading.Timer(GC_PAUSE_SECONDS, gc.enable)
    timer.daemon = True
    timer.start()


def main(argv: list[str] | None = None) -> None:
    """Console entry point; errors raised before a command runs (loading a plugin for
    ``--help``) are reported here the same way."""
    _pause_gc()
    try:
        build_cli().main(args=argv, prog_name="programs")
    except Exception as exc:
        from programs.cli.errors import as_click_error

        error = as_click_error(exc)
        error.show()
        sys.exit(error.exit_code)
