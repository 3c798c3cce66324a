"""What every command shares: the database option and the app built from it, lazily."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from programs.app import App, PluginFailure

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class State:
    """``ctx.obj`` of every command. ``plugin_command``: the command is a plugin's, so the
    app it gets is started (plugins loaded, their schemas checked, ``startup`` called) even
    if the command only reads; core commands that only read load no plugin."""

    db_url: str | None = None
    plugin_command: bool = False
    _app: App | None = field(default=None, repr=False)

    @property
    def app(self) -> App:
        if self._app is None:
            from programs.app import App

            app = App(self.db_url)
            if self.plugin_command:
                app.start()
            self._app = app
        return self._app

    def failures(self) -> list[PluginFailure]:
        return list(self._app.failures) if self._app is not None else []

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


def pass_app(f: F) -> F:
    """Give the command the :class:`programs.app.App` as its first argument."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        state = ctx.find_object(State)
        if state is None:  # a plugin group invoked on its own in a test
            state = ctx.ensure_object(State)
        return ctx.invoke(f, state.app, *args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]
