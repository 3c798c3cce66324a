"""The core's settings as seen from a database session (the ``[core]`` config table)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from programs.config import CORE_DEFAULTS
from programs.events import app_of

if TYPE_CHECKING:
    from sqlmodel import Session as DbSession


def core_settings(db: DbSession) -> dict[str, Any]:
    app = app_of(db)
    return app.config.core if app is not None else dict(CORE_DEFAULTS)
