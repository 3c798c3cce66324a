"""Files the tool writes for the coach (exports, cards, feeds, backups): one way to name them
and one way to write them, since each holds people's details.

A file name is checked before anything is written (a folder that exists, not a folder
itself, no control characters, not longer than the system allows), and the file is written
to a temporary file beside the target, 600 whatever the umask, then renamed: a crash or a
full disk never leaves half a file under its name, nor a copy others can read.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from programs.errors import InvalidInput
from programs.i18n import _, shown

PRIVATE_FILE = 0o600
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def output_path(value: str | Path, *, force: bool = True) -> Path:
    """``value`` as a file to write, or a one-line refusal saying what is wrong with it.

    ``force=False`` refuses a file that exists (a backup is never overwritten by mistake).
    """
    text = str(value)
    if not text.strip():
        raise InvalidInput(_("give a file name"))
    if _CONTROL.search(text):
        raise InvalidInput(
            _("{path} holds control characters: give a plain file name").format(path=shown(text))
        )
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            raise InvalidInput(_("{path} is a folder; give a file name").format(path=path))
        if not path.parent.is_dir():
            raise InvalidInput(_("folder {path} does not exist").format(path=path.parent))
        exists = path.exists()
    except OSError as exc:  # a name longer than the system allows, a folder we may not read
        raise InvalidInput(
            _("cannot use {path}: {reason}").format(path=shown(text), reason=exc.strerror)
        ) from None
    if exists and not force:
        raise InvalidInput(
            _("{path} exists: give another name, or --force to replace it").format(path=path)
        )
    return path


def temp_beside(path: Path, suffix: str) -> tuple[int, str]:
    """A new empty file beside ``path`` (600, hidden, its name from ``path``), open: the
    place to write before renaming; a folder that cannot take it is one line."""
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as exc:
        raise InvalidInput(
            _("cannot write in {path}: {reason}").format(path=path.parent, reason=exc.strerror)
        ) from None


def write_private_file(
    target: str | Path, content: bytes | Callable[[IO[bytes]], None], *, force: bool = True
) -> Path:
    """Write ``content`` (bytes, or a function writing to a binary stream) to ``target``,
    600, atomically; returns the path written. Errors are one line, and leave nothing."""
    path = output_path(target, force=force)
    fd, temp = temp_beside(path, ".partial")
    try:
        with os.fdopen(fd, "wb") as stream:
            if isinstance(content, bytes):
                stream.write(content)
            else:
                content(stream)
        os.chmod(temp, PRIVATE_FILE)  # mkstemp made it 600; said again, whatever happened
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InvalidInput(
            _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
