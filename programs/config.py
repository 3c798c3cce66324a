"""Where things live and what the config file says.

Order of precedence everywhere: command-line option, then environment variable, then the
platform's directories (platformdirs). The config file is TOML; the core reads its ``[core]``
table (typed and checked in :mod:`programs.settings`) and each plugin reads the table named
after it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from programs.errors import InvalidInput
from programs.i18n import _

APP_NAME = "programs"


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def config_path() -> Path:
    """``PROGRAMS_CONFIG`` or ``config.toml`` in the platform's config dir."""
    env = os.environ.get("PROGRAMS_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


@dataclass(frozen=True)
class Config:
    """The parsed config file. ``section(name)`` gives a plugin its own table (a dict)."""

    data: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise InvalidInput(
                _("config file {path}: [{name}] must be a table").format(path=self.path, name=name)
            )
        return value

    @property
    def directory(self) -> Path:
        """The folder holding the config file: where overrides (templates...) are looked for."""
        return self.path.parent if self.path else config_dir()


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a clear error."""
    path = path or config_path()
    if not path.exists():
        return Config({}, path)
    try:
        with path.open("rb") as f:
            return Config(tomllib.load(f), path)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(
            _("config file {path} is not valid TOML: {reason}").format(path=path, reason=exc)
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            _("config file {path} is not valid TOML: not UTF-8 text").format(path=path)
        ) from None
    except OSError as exc:
        raise InvalidInput(
            _("cannot read config file {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
