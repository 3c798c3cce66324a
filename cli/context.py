"""What every command shares: the database option and the app built from it, lazily
(commands get the app with :func:`programs.cli.toolkit.pass_app`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from programs.app import App
    from programs.hooks import PluginFailure


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

    def notices(self) -> list[str]:
        return list(self._app.notices) if self._app is not None else []

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
