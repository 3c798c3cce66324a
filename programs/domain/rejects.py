"""Every bad row of an import, written back to a file to fix and import again.

The file has the source's header with a reason column first (first, so a row with more
fields than the header keeps it in place), then each bad row as it was in the file, in line
order; the reason says the line and what is wrong. It is written the way the source was:
its delimiter and its encoding (a Windows-1252 file gets a Windows-1252 file back), so the
spreadsheet that made the file opens it the same way; the reason column is left out when
the file is read again (:mod:`programs.domain.people_file`). A rejects file named
``*.xlsx`` is an Excel workbook; a CSV one for an ``.xlsx`` source is UTF-8 (with a BOM, for
Excel) separated by semicolons in French, commas otherwise.

It holds people's data: created 600, and never over an existing file (a clear error
instead). Rows go to the file as they come; nothing of the file is kept in memory.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

from programs.domain.people_file import PeopleFile
from programs.errors import InvalidInput
from programs.i18n import _, current_language

FILE_MODE = 0o600


def check_target(path: Path) -> Path:
    """Refuse a rejects file that exists or whose folder does not, before importing."""
    path = path.expanduser()
    if path.exists() or path.is_symlink():
        raise InvalidInput(
            _("{path} already exists: give --rejects a new file name").format(path=path)
        )
    if not path.parent.resolve().is_dir():
        raise InvalidInput(_("folder {path} does not exist").format(path=path.parent))
    return path


class Rejects:
    """The rejects file of one import; :meth:`add` a bad row, :meth:`close` at the end."""

    def __init__(self, path: Path, source: PeopleFile) -> None:
        self.path = check_target(path)
        self.source = source
        self.count = 0
        self.excel = self.path.suffix.lower() == ".xlsx"
        if source.encoding == "xlsx":
            self.encoding = "utf-8-sig"
            self.delimiter = ";" if current_language() == "fr" else ","
        else:
            self.encoding, self.delimiter = source.encoding, source.delimiter
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            raise InvalidInput(
                _("{path} already exists: give --rejects a new file name").format(path=path)
            ) from None
        except OSError as exc:
            raise InvalidInput(
                _("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)
            ) from None
        os.fchmod(fd, FILE_MODE)  # whatever the umask
        if self.excel:
            self._binary: IO[bytes] = os.fdopen(fd, "wb")
            self._book, self._sheet = _workbook()
        else:
            self._text: IO[str] = os.fdopen(
                fd, "w", encoding=self.encoding, errors="replace", newline=""
            )
            self._csv = csv.writer(self._text, delimiter=self.delimiter, lineterminator="\r\n")
        self._write([_("reason"), *self._kept(source.header)])

    def _kept(self, fields: list[str]) -> list[str]:
        """The fields of a row without the columns left out when reading (an older reason)."""
        ignored = self.source.ignored
        kept = [f for i, f in enumerate(fields) if i not in ignored]
        if kept and fields is self.source.header:
            kept[0] = kept[0].replace("\ufeff", "")  # the BOM is the encoding's to write
        return kept

    def _write(self, row: list[str]) -> None:
        if self.excel:
            self._sheet.append(row)
            return
        if self.encoding == "cp1252":  # French spaces Windows-1252 has no room for
            row = [cell.replace("\u202f", "\u00a0") for cell in row]
        self._csv.writerow(row)

    def add(self, line: int, fields: list[str] | None, reason: str) -> None:
        """One bad row: its reason (with its line in the source), then its fields."""
        self.count += 1
        message = _("line {line}: {message}").format(line=line, message=reason)
        self._write([message, *self._kept(list(fields or []))])

    def close(self) -> None:
        """Finish the file (an Excel workbook is written here); no bad row: no file."""
        if self.excel:
            self._book.save(self._binary)
            self._binary.close()
        else:
            self._text.close()
        if self.count == 0:
            self.path.unlink(missing_ok=True)

    def discard(self) -> None:
        """The import stopped before its end: no file rather than half a list."""
        self.count = 0
        self.close()


def _workbook() -> tuple[Any, Any]:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    return book, book.create_sheet()
