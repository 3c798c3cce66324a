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


def check_tables(config: Config, known: set[str]) -> None:
    """Every table of the config file belongs to the core or to an installed plugin (loaded
    or not): a misspelt ``[icall]`` would otherwise be ignored without a word."""
    unknown = sorted(name for name in config.data if name not in known)
    if unknown:
        from programs.i18n import _

        raise InvalidInput(
            _("config file {path}: unknown table [{name}] (tables: {known})").format(
                path=config.path, name=unknown[0], known=", ".join(sorted(known))
            )
        )


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config, a broken one a clear error."""
    path = path or config_path()
    if not path.exists():
        return Config({}, path)
    try:
        with path.open("rb") as f:
            config = Config(tomllib.load(f), path)
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
    _refuse_a_password_others_can_read(config, path)
    return config


def _holds_password(data: Any) -> bool:
    if isinstance(data, dict):
        return any(
            (k == "password" and isinstance(v, str) and v) or _holds_password(v)
            for k, v in data.items()
        )
    if isinstance(data, list):
        return any(_holds_password(v) for v in data)
    return False


def _refuse_a_password_others_can_read(config: Config, path: Path) -> None:
    """A password in a file others can read is refused, as ssh refuses such a key: the fix
    is one chmod (or ``password_env``, which keeps it out of the file)."""
    import os

    if os.name != "posix" or not _holds_password(config.data):
        return
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        from programs.i18n import _

        raise InvalidInput(
            _(
                "config file {path} holds a password and others can read it (mode {mode:o}): "
                "chmod 600 {path}, or use password_env"
            ).format(path=path, mode=mode)
        )
