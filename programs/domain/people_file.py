"""The files coaches have: CSV from any spreadsheet, or Excel's own ``.xlsx``, read as rows.

**Encoding**, an explicit rule, in this order (tested in ``tests/test_people_file.py``):

1. a byte-order mark says it: UTF-8 (what "CSV UTF-8" saves) or UTF-16 (Excel's "Unicode
   text");
2. else the whole file is strict UTF-8 with no C1 control character (U+0080-U+009F,
   which no text holds): it is UTF-8;
3. else it is Windows-1252 (cp1252), what Excel in French saves as plain "CSV", and a
   superset of Latin-1 for letters; a byte cp1252 does not have (0x81, 0x8D, 0x8F, 0x90,
   0x9D) is a clear error.

Why rule 2 is safe: in cp1252 an accented letter is one byte from 0xC0 up, which in UTF-8
must be followed by bytes 0x80-0xBF, in cp1252 punctuation such as "€", "’" or "«": text
in French is valid UTF-8 by chance only where a capital accented letter is directly
followed by such a sign ("É’"), which French writing does not do (the property test in
``tests/test_people_file.py`` checks everything else).
No detection library is used: charset-normalizer (or chardet) guesses from letter
statistics, can guess wrong on a short file of names, and costs a dependency and its import
for a choice between two known encodings that this rule makes exactly and testably.

**Dialect**: fields are separated by commas, semicolons (Excel in French, where the comma
is the decimal mark) or tabs, whichever the header line has most of (a comma on a tie).

**Header**: French and English names, case, accents, spaces, dashes and dots ignored
(``Prénom``, ``E-mail``, ``Tél.``, ``first name``...): :data:`ALIASES`. ``Nom`` is the full
name, unless a given-name column (``Prénom``) is there too: then it is the family name.
The reason column of a rejects file (:mod:`programs.domain.rejects`) is left out, so a fixed
rejects file imports as it is.

**Excel**: ``.xlsx`` files (found by their bytes, whatever their name) are read with
openpyxl, in its read-only mode (rows streamed, not loaded), first sheet. openpyxl is a
dependency, not an extra: a coach's spreadsheet is an ``.xlsx`` first, and an "install
programs[xlsx]" error is a wall for her; it costs 270 kB to download (3 MB installed, pure
Python, one small dependency), against ~220 MB for the rest, and ~80-115 ms to import,
paid only when an ``.xlsx`` is read (it is imported here, inside :func:`_xlsx_rows`, never
at start-up: bench/startup).

Memory stays flat: rows are streamed; a file read from stdin is spooled to a temporary file
(in memory up to a few MiB) so it can be read twice, once to check the encoding.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from programs.errors import InvalidInput
from programs.i18n import _
from programs.validate import EXTRA, RAW

COLUMNS = (
    "name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "organisation",
    "role",
    "language",
    "timezone",
    "notes",
)
_NAMES = {
    "name": ("name", "full name", "nom complet", "nom et prenom", "prenom et nom"),
    "given_name": ("given name", "given names", "first name", "firstname", "forename", "prenom"),
    "family_name": ("family name", "last name", "lastname", "surname", "nom de famille"),
    "email": (
        "email", "e mail", "mail", "courriel", "adresse e mail", "adresse mail",
        "adresse email", "email address", "e mail address", "adresse electronique",
    ),
    "phone": (
        "phone", "telephone", "tel", "portable", "mobile", "phone number", "mobile phone",
        "cell", "cell phone", "numero de telephone", "telephone portable", "tel portable",
    ),
    "organisation": (
        "organisation", "organization", "societe", "entreprise", "company", "employer",
        "employeur", "raison sociale", "structure",
    ),
    "role": ("role", "fonction", "poste", "job title", "job", "position", "titre du poste"),
    "language": ("language", "langue", "lang"),
    "timezone": ("timezone", "time zone", "tz", "fuseau", "fuseau horaire"),
    "notes": ("notes", "note", "remarques", "remarque", "commentaires", "commentaire"),
}  # fmt: skip
ALIASES = {alias: column for column, aliases in _NAMES.items() for alias in aliases}
"""Every header a column is known by, in its folded form (:func:`fold`)."""
FAMILY_OR_FULL = ("nom", "name")
""""Nom" (or "Name"): the family name beside a given-name column ("Prénom") when there is no
family-name column, else the full name."""
REASONS = ("reason", "motif")
"""The reason column of a rejects file, in each language (folded), left out when read."""

_C1 = re.compile("[\u0080-\u009f]")
SPOOL_BYTES = 4 * 1024 * 1024
READ_BYTES = 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def fold(header: str) -> str:
    """A header as it is looked up: no case, no accents, words apart by one space."""
    decomposed = unicodedata.normalize("NFKD", header.replace("\ufeff", ""))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[-_.'’/]+", " ", bare).split())


@dataclass
class PeopleFile:
    """A file's rows as ``(line, {column: value})``, with what :mod:`rejects` needs to
    write bad rows back the same way: the encoding (``"xlsx"`` for Excel), the delimiter
    and the header as typed. Each row's original fields are under :data:`RAW`."""

    rows: Iterator[tuple[int, dict[str, Any]]]
    encoding: str
    delimiter: str
    header: list[str]
    ignored: frozenset[int] = field(default_factory=frozenset)
    """Indexes of header cells left out (an earlier rejects file's reason column)."""

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return self.rows


def columns_of(header: list[str]) -> tuple[list[str | None], frozenset[int]]:
    """Each header cell's column (None for a reason column), checked: every name known,
    none twice, a name there. The errors name the headers as typed."""
    folded = [fold(h) for h in header]
    reasons = {*REASONS, fold(_("reason"))}
    parts = {ALIASES.get(f) for f in folded}
    given = "given_name" in parts and "family_name" not in parts
    columns: list[str | None] = []
    unknown = []
    for typed, key in zip(header, folded, strict=True):
        if key in reasons:
            columns.append(None)
        elif key in FAMILY_OR_FULL:
            columns.append("family_name" if given else "name")
        elif key in ALIASES:
            columns.append(ALIASES[key])
        else:
            unknown.append(typed.replace("\ufeff", "").strip())
            columns.append(None)
    if unknown:
        quoted = _("{column!r}")  # 'âge', « âge »
        raise InvalidInput(
            _("unknown CSV column(s): {unknown} (known: {known})").format(
                unknown=", ".join(quoted.format(column=h) for h in unknown),
                known=", ".join(COLUMNS),
            )
        )
    seen: dict[str, str] = {}
    twice = []
    for typed, column in zip(header, columns, strict=True):
        if column is None:
            continue
        if column in seen:
            twice.append(
                _("{first!r} and {second!r} are both {column}").format(
                    first=seen[column], second=typed.strip(), column=column
                )
            )
        seen.setdefault(column, typed.replace("\ufeff", "").strip())
    if twice:
        raise InvalidInput(
            _("CSV column(s) given twice: {columns}").format(columns="; ".join(twice))
        )
    if "name" not in seen and "family_name" not in seen:
        raise InvalidInput(
            _("the CSV file needs a 'name' column (or 'given_name' and 'family_name')")
        )
    ignored = frozenset(i for i, c in enumerate(columns) if c is None)
    return columns, ignored


def delimiter_of(header_line: str) -> str:
    """The separator the header line has most of: comma, semicolon or tab."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts.values())
    return next(sep for sep, n in counts.items() if n == best) if best else ","


def read_rows(stream: IO[str], *, encoding: str = "utf-8") -> PeopleFile:
    """The rows of CSV text with a header line (``name`` or the two name parts required).

    The line number is where the row starts in the file (a quoted field may span lines).
    A row with more fields than the header comes as ``{EXTRA: "N"}`` (N fields); the
    importer reports it. Blank lines are skipped.
    """
    header_line = stream.readline()
    lines = itertools.chain([header_line] if header_line else [], stream)
    delimiter = delimiter_of(header_line)
    # strict: a quote opened and never closed is an error at its line, not a field that
    # swallows the rest of the file (the last row "unterminated,q@example.com" as a name)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise InvalidInput(_("cannot read the CSV header: {reason}").format(reason=exc)) from None
    if first is None:
        raise InvalidInput(_("the CSV file is empty"))
    columns, ignored = columns_of(first)
    return PeopleFile(_csv_rows(reader, columns), encoding, delimiter, first, ignored)


def _csv_rows(reader: Any, columns: list[str | None]) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(columns)
    pairs = [(i, c) for i, c in enumerate(columns) if c is not None]
    while True:
        line = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise InvalidInput(
                    _('line {line}: a quote (") is opened and never closed').format(line=line)
                ) from None
            raise InvalidInput(
                _("line {line}: cannot read the CSV: {reason}").format(line=line, reason=exc)
            ) from None
        if not fields or not any(f.strip() for f in fields):
            continue
        if len(fields) > width:
            yield line, {EXTRA: str(len(fields)), RAW: fields}
            continue
        row: dict[str, Any] = {c: fields[i].strip() for i, c in pairs if i < len(fields)}
        row[RAW] = fields
        yield line, row


# --- bytes in: which encoding, or Excel ---------------------------------------------------


def open_people(binary: IO[bytes], name: str) -> PeopleFile:
    """The rows of a file given as bytes (a file opened ``"rb"``, or stdin's buffer): CSV in
    UTF-8, UTF-16 or Windows-1252, or an ``.xlsx`` workbook. ``name`` is how errors say it."""
    source = binary if binary.seekable() else _spooled(binary)
    head = source.read(4)
    source.seek(0)
    if head.startswith(XLSX_MAGIC):
        return _xlsx(source, name)
    if head.startswith(XLS_MAGIC):
        raise InvalidInput(
            _("{name} is an old Excel .xls file: save it as .xlsx or as CSV").format(name=name)
        )
    encoding = detect_encoding(source)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        people = read_rows(_Decoding(text, name), encoding=encoding)  # type: ignore[arg-type]
    except BaseException:
        text.detach()  # the caller closes the file, never the wrapper (stdin stays open)
        raise
    people.rows = _closing(people.rows, text)
    return people


def detect_encoding(binary: IO[bytes]) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``cp1252``, by the rule of the module's
    docstring; reads the stream to its end (a chunk at a time)."""
    head = binary.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    chunk = head
    try:
        while chunk:
            if _C1.search(decoder.decode(chunk)):
                return "cp1252"  # "Â’" in cp1252 is valid UTF-8 for a control character
            chunk = binary.read(READ_BYTES)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _spooled(binary: IO[bytes]) -> IO[bytes]:
    """A stream that cannot seek (stdin), copied to one that can, in bounded memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    while chunk := binary.read(READ_BYTES):
        spool.write(chunk)
    spool.seek(0)
    return spool  # type: ignore[return-value]


class _Decoding:
    """Text lines, with a byte the encoding does not have as a one-line error."""

    def __init__(self, text: io.TextIOWrapper, name: str) -> None:
        self.text, self.name = text, name

    def readline(self, size: int = -1) -> str:
        try:
            return self.text.readline(size)
        except UnicodeDecodeError:
            raise InvalidInput(_not_text(self.name)) from None

    def __next__(self) -> str:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __iter__(self) -> _Decoding:
        return self


def _not_text(name: str) -> str:
    return _("{name} is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8").format(
        name=name
    )


def _closing(rows: Iterator[Any], stream: io.TextIOWrapper) -> Iterator[Any]:
    """The rows, then the text wrapper detached (the caller closes the file itself)."""
    try:
        yield from rows
    finally:
        if not stream.closed:
            stream.detach()


# --- Excel ----------------------------------------------------------------------------------


def _xlsx(source: IO[bytes], name: str) -> PeopleFile:
    """The first sheet of a workbook, its first row the header."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            _("{name} is not a readable Excel file: {reason}").format(name=name, reason=exc)
        ) from None
    sheet = book.worksheets[0] if book.worksheets else None
    found = sheet.iter_rows(values_only=True) if sheet is not None else iter(())
    first = next(found, None)
    header = [_cell(v) for v in first or ()]
    while header and not header[-1]:
        header.pop()
    if not header:
        book.close()
        raise InvalidInput(_("the CSV file is empty"))
    columns, ignored = columns_of(header)
    return PeopleFile(_xlsx_rows(book, found, columns), "xlsx", ",", header, ignored)


def _xlsx_rows(
    book: Any, found: Iterator[tuple[Any, ...]], columns: list[str | None]
) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(columns)
    pairs = [(i, c) for i, c in enumerate(columns) if c is not None]
    try:
        for line, values in enumerate(found, start=2):
            fields = [_cell(v) for v in values]
            while len(fields) > width and not fields[-1]:
                fields.pop()
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > width:
                yield line, {EXTRA: str(len(fields)), RAW: fields}
                continue
            row: dict[str, Any] = {c: fields[i].strip() for i, c in pairs if i < len(fields)}
            row[RAW] = fields
            yield line, row
    finally:
        book.close()


def _cell(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold: whole numbers without ``.0`` (a
    phone number typed as a number), dates in ISO 8601, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if value.time() == time(0, 0):  # a date: Excel keeps dates as midnight
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
