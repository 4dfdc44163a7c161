"""Uploaded spreadsheets: one reader for every import, and the file kept between preview and confirmation.

``read_rows`` reads the first sheet of a .xlsx, .xls or .ods file (python-calamine) or a .csv file (the csv
module) into rows of stripped strings. Whole numbers come without ``.0`` (an IMEI stored as a number stays its
15 digits), dates as ISO ``YYYY-MM-DD`` strings. Blank rows are skipped, and every row keeps the number the user
sees in the spreadsheet program, so that errors name the right row. A file is refused — with one message in
the user's language, as a ``ValidationError`` on the field ``file`` — when it is not a spreadsheet by its
content, is protected by a password, is too big, unpacks into far more than it weighs, has too many rows or
only blank ones.

``upload_keep`` / ``upload_kept`` / ``upload_discard`` keep the uploaded file in the default storage under a
random name, in a folder of its organisation and uploader; the session remembers the names, and only a name of
that person's session is ever opened again.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import secrets
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook, PasswordError

from fieldbox.core.http import AuthedRequest
from fieldbox.core.problems import problem

SHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_EXTENSIONS = (".csv", ".txt")
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A zip (xlsx, ods) may unpack to at most this many times the size limit, and to at most this ratio once it
# passes ZIP_RATIO_FLOOR: a real sheet compresses 5 to 30 times, a zip bomb a thousand.
ZIP_MAX_FACTOR, ZIP_MAX_RATIO, ZIP_RATIO_FLOOR, ZIP_MAX_MEMBERS = 40, 200, 20 * 1024 * 1024, 2000
MAX_COLUMNS = 50
# python-calamine turns a sheet into a dense grid from its first to its last used cell (tafia/calamine#693): two
# cells at A1 and XFD1048576, in a file of a few kilobytes, make it ask for 550 GB and abort the process, which no
# exception handler catches. An xlsx whose sheets reach further than this many cells is refused before reading.
MAX_CELLS = 5_000_000
# Cell and row references ("AB12", "100001") in a column past Z or a row past 99,999, the only ones that can make
# the grid large: one fast pass of the sheet's XML (a literal prefix) finds them, and an ordinary file has none.
FAR_REFERENCE = re.compile(rb'r="((?:[A-Z]{0,3}\d{6,})|(?:[A-Z]{2,3}\d+))"')
ANY_REFERENCE = re.compile(rb'r="([A-Z]{0,3}\d+)"')
SCAN_CHUNK = 8 * 1024 * 1024
KEEP_PER_PERSON = 5
KEEP_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Row:
    """One non-blank row: its number as the spreadsheet program shows it (1 is the first) and its cells."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class RowError:
    """One problem of a file: row 0 is the file itself, row 1 usually its header; column may be empty."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


def row_problem(title: str, errors: list[RowError], limit: int = 1000) -> HttpResponse:
    """The 422 answer of every import: each error with its row and column (``field`` is the column, or "file")."""
    return problem(422, title, errors=[{"field": e.column or "file", **e.as_dict()} for e in errors[:limit]])


def numbered(rows: list[list[str]]) -> list[Row]:
    """Rows written in code, numbered from 1 like a sheet, blank ones skipped."""
    return [Row(n, list(cells)) for n, cells in enumerate(rows, start=1) if any(c.strip() for c in cells)]


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _not_a_spreadsheet() -> ValidationError:
    return _refuse(_("This file is not a spreadsheet (.xlsx, .xls, .ods or .csv)."), "not_spreadsheet")


def _locked() -> ValidationError:
    message = _("The file is protected by a password: save it without one and upload it again.")
    return _refuse(message, "encrypted")


def _unreadable() -> ValidationError:
    return _refuse(_("This file cannot be read as a spreadsheet: save it again and retry."), "unreadable")


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n // mb} MB" if n >= mb and n % mb == 0 else str(filesizeformat(n))


# ---- reading -------------------------------------------------------------------------------------------


def read_cells(
    stream: IO[bytes], *, name: str, size: int | None, max_bytes: int, max_rows: int, max_columns: int = MAX_COLUMNS
) -> list[tuple[int, list[Any]]]:
    """The non-blank rows of the first sheet as ``(number, cells)``, the cells as the file holds them.

    Text cells are strings, not stripped; other cells are numbers, booleans, dates, date-times, times or
    durations, an empty cell an empty string (``cell_text`` makes any of them text). A large import converts
    only the cells it uses, as it uses them; ``read_rows`` converts them all."""
    lower = (name or "").lower()
    if not lower.endswith(SHEET_EXTENSIONS + TEXT_EXTENSIONS):
        raise _refuse(_("Upload a spreadsheet: .xlsx, .xls, .ods or .csv."), "extension")
    too_big = _("The file is larger than %(size)s: split it into smaller files.") % {"size": _size(max_bytes)}
    if size is not None and size > max_bytes:
        raise _refuse(too_big, "too_big")
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(too_big, "too_big")
    grid = _text_grid(data) if lower.endswith(TEXT_EXTENSIONS) else _sheet_grid(data, max_bytes)
    del data
    width = max(map(len, grid), default=0)
    # The common row starts with written text: one strip decides; others look at every cell.
    rows = [
        (number, cells if width <= max_columns else cells[:max_columns])
        for number, cells in enumerate(grid, start=1)
        if (cells and type(cells[0]) is str and cells[0].strip()) or _filled(cells[:max_columns])
    ]
    if not rows:
        raise _refuse(_("The file is empty: every row is blank."), "blank")
    if len(rows) > max_rows + 1:  # the header and max_rows rows
        message = _("The file has more than %(max)s rows: split it into smaller files.") % {"max": max_rows}
        raise _refuse(message, "too_many_rows")
    return rows


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large import runs (a context manager or a decorator).

    Reading and checking a sheet allocates hundreds of thousands of lists and tuples that live until the import
    ends and hold no reference cycles; the collector would walk them again and again, a tenth of the time of a
    50,000-row import. Reference counting still frees everything as usual; the collector resumes afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _filled(cells: list[Any]) -> bool:
    return any(c.strip() if type(c) is str else c is not None for c in cells)


def read_rows(
    stream: IO[bytes], *, name: str, size: int | None, max_bytes: int, max_rows: int, max_columns: int = MAX_COLUMNS
) -> list[Row]:
    """The non-blank rows of the first sheet (``max_rows`` rows under the header at most), every cell as text."""
    cells = read_cells(stream, name=name, size=size, max_bytes=max_bytes, max_rows=max_rows, max_columns=max_columns)
    # Most cells are text: strip them here, convert the others (numbers, dates, empty cells) one by one.
    return [Row(number, [v.strip() if type(v) is str else cell_text(v) for v in row]) for number, row in cells]


def _sheet_grid(data: bytes, max_bytes: int) -> list[list[Any]]:
    if data.startswith(ZIP_MAGIC):
        _refuse_zip(data, max_bytes)
    elif not data.startswith(OLE_MAGIC):
        raise _not_a_spreadsheet()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grid: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except PasswordError:
        raise _locked() from None
    except Exception:  # calamine raises several kinds for a damaged file; all mean the same to the user
        # A password-protected .xlsx or .ods is an OLE container that holds no workbook.
        raise (_locked() if data.startswith(OLE_MAGIC) and not _is_workbook_ole(data) else _unreadable()) from None
    return grid


def _is_workbook_ole(data: bytes) -> bool:
    """An OLE file with a sheet stream (.xls) and no encryption stream (encrypted .xlsx)."""
    stream_name = "EncryptionInfo".encode("utf-16-le")
    return stream_name not in data and ("Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data)


def _refuse_zip(data: bytes, max_bytes: int) -> None:
    """An xlsx or ods: a real one, not encrypted, that does not unpack into gigabytes (checked before reading)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _not_a_spreadsheet() from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names and "mimetype" not in names:
        raise _not_a_spreadsheet()
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    bomb = unpacked > ZIP_MAX_FACTOR * max_bytes or (unpacked > ZIP_RATIO_FLOOR and unpacked / packed > ZIP_MAX_RATIO)
    if bomb or len(members) > ZIP_MAX_MEMBERS:
        raise _refuse(_("This file unpacks into far more data than a spreadsheet holds: it is refused."), "zip_bomb")
    if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise _locked()  # an ods with a password keeps the zip, with its content encrypted
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            _refuse_far_cells(archive, member)


def _refuse_far_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """A worksheet whose used range (first to last cell) holds more than MAX_CELLS cells is refused (see there)."""
    rows, columns = _far_extent(archive, member, FAR_REFERENCE)
    if columns > 26:  # a wide sheet: its last row may be any row, so every reference counts
        rows, columns = _far_extent(archive, member, ANY_REFERENCE)
    else:  # the fast pass counted no column past Z and no row before 100,000: take those as their bounds
        rows, columns = max(rows, 99_999), 26
    if rows * columns > MAX_CELLS:
        message = _(
            "A sheet of this file uses cells as far as row %(rows)s and column %(columns)s: delete the rows and "
            "columns past your data (or copy the data into a new file) and upload it again."
        )
        raise _refuse(message % {"rows": rows, "columns": columns}, "too_wide")


def _far_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo, pattern: re.Pattern[bytes]) -> tuple[int, int]:
    """The largest row and column among the references ``pattern`` finds, reading the XML in chunks."""
    rows = columns = 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            text, tail = tail + chunk, chunk[-32:]  # a reference cut in two is whole in the next pass
            for ref in pattern.findall(text):
                letters = ref.rstrip(b"0123456789")
                rows = max(rows, int(ref[len(letters) :]))
                columns = max(columns, _column_number(letters))
    return rows, columns


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _text_grid(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:8192]:
        raise _not_a_spreadsheet()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what spreadsheet programs write on Windows
        except UnicodeDecodeError:
            raise _refuse(_("Save the CSV file as UTF-8 text."), "encoding") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)  # the header row names the columns: it decides
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _unreadable() from None


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (an IMEI stays its digits), dates as ISO ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# ---- the file between preview and confirmation ----------------------------------------------------------


@dataclass(frozen=True)
class KeptUpload:
    path: str
    name: str

    def open(self) -> File[Any]:
        return default_storage.open(self.path, "rb")

    @property
    def size(self) -> int:
        return int(default_storage.size(self.path))


def _session_key(purpose: str) -> str:
    return f"uploads.{purpose}"


def _folder(request: AuthedRequest, purpose: str) -> str:
    return f"uploads/{purpose}/{request.scope.organisation.pk}-{request.scope.user.pk}"


def _entries(request: AuthedRequest, purpose: str) -> list[dict[str, str]]:
    folder = _folder(request, purpose) + "/"
    entries = request.session.get(_session_key(purpose), [])
    return [e for e in entries if isinstance(e, dict) and str(e.get("path", "")).startswith(folder)]


def upload_keep(request: AuthedRequest, upload: File[Any], *, purpose: str) -> str:
    """Keep ``upload`` for its uploader under a random name (returned); older kept files are pruned."""
    ext = "." + (upload.name or "").rsplit(".", 1)[-1].lower()[:5] if "." in (upload.name or "") else ""
    upload.seek(0)
    path = default_storage.save(f"{_folder(request, purpose)}/{secrets.token_urlsafe(18)}{ext}", upload)
    entries = [*_entries(request, purpose), {"path": path, "name": (upload.name or "")[-200:]}]
    for old in entries[:-KEEP_PER_PERSON]:
        _delete(old["path"])
    request.session[_session_key(purpose)] = entries[-KEEP_PER_PERSON:]
    _prune_stale(_folder(request, purpose), keep={e["path"] for e in entries})
    return path


def upload_kept(request: AuthedRequest, *, purpose: str, path: str | None = None) -> KeptUpload | None:
    """A file this person kept (``path``, or the latest one when ``path`` is None), if it is still there."""
    entries = _entries(request, purpose)
    entry = (
        (entries[-1] if entries else None) if path is None else next((e for e in entries if e["path"] == path), None)
    )
    if entry is None or ".." in entry["path"] or not default_storage.exists(entry["path"]):
        return None
    return KeptUpload(entry["path"], entry["name"])


def upload_discard(request: AuthedRequest, kept: KeptUpload, *, purpose: str) -> None:
    """Forget and delete a kept file (after its confirmation, used or refused)."""
    request.session[_session_key(purpose)] = [e for e in _entries(request, purpose) if e["path"] != kept.path]
    _delete(kept.path)


def _delete(path: str) -> None:
    if path.startswith("uploads/") and ".." not in path and default_storage.exists(path):
        default_storage.delete(path)


def _prune_stale(folder: str, *, keep: set[str]) -> None:
    """Files of the folder older than KEEP_FOR (from sessions that ended without confirming)."""
    try:
        _dirs, files = default_storage.listdir(folder)
        limit = timezone.now() - KEEP_FOR
        for file in files:
            path = f"{folder}/{file}"
            if path not in keep and default_storage.get_modified_time(path).astimezone(UTC) < limit:
                default_storage.delete(path)
    except (OSError, NotImplementedError):  # a storage that cannot list keeps its files: nothing to prune
        return
