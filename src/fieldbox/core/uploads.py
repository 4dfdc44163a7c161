"""Uploaded spreadsheets: one reader for every import, and the file kept between preview and confirmation.

``read_rows`` reads the first sheet of a .xlsx, .xls or .ods file (python-calamine) or a .csv file (the csv
module) into rows of stripped strings. Whole numbers come without ``.0`` (an IMEI stored as a number stays its
15 digits), dates as ISO ``YYYY-MM-DD`` strings, a formula saved without its value as its text. Blank rows are
skipped, and every row keeps the number the user sees in the spreadsheet program, so that errors name the right
row. A file is refused — with one message in the user's language, as a ``ValidationError`` on the field ``file`` —
when it is not a spreadsheet by its content, is protected by a password, is too big, unpacks into far more than it
weighs, describes a grid the reader would need gigabytes for (cells far apart, rows or cells repeated a million
times), has too many rows or only blank ones. Those checks read the file's own structure first, since the reader
cannot be stopped once it allocates.

``upload_keep`` / ``upload_kept`` / ``upload_discard`` keep the uploaded file in the default storage under a
random name, in a folder of its organisation and uploader; the session remembers the names, and only a name of
that person's session is ever opened again.
"""

from __future__ import annotations

import csv
import gc
import html
import io
import itertools
import operator
import posixpath
import re
import secrets
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any
from xml.parsers import expat

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
# exception handler catches; an .ods writes out rows and cells marked as repeated, an .xls reserves what its
# DIMENSIONS record states. A file whose sheets reach further than this many cells is refused before reading (an .ods
# or .xls: all its sheets together, as the reader reads them all).
MAX_CELLS = 5_000_000
# Cell and row references ("AB12", "100001") in a column past Z or a row past 99,999, the only ones that can make
# the grid large: one fast pass of the sheet's XML (a literal prefix) finds them, and an ordinary file has none.
FAR_REFERENCE = re.compile(rb'r="((?:[A-Z]{0,3}\d{6,})|(?:[A-Z]{2,3}\d+))"')
ANY_REFERENCE = re.compile(rb'r="([A-Z]{0,3}\d+)"')
SCAN_CHUNK = 8 * 1024 * 1024
# An .ods (content.xml): rows and cells, their repeat counts, and the characters its markup is made of.
ODS_ROW, ODS_TABLE_END = b"<table:table-row", b"</table:table>"
ODS_CELL_NAMES = ("table:table-cell", "table:covered-table-cell")
ROWS_REPEATED = re.compile(rb'number-rows-repeated\s*=\s*"([^"]*)"')
COLUMNS_REPEATED = re.compile(rb'number-columns-repeated\s*=\s*"([^"]*)"')
NOT_MARKUP = bytes(b for b in range(256) if b not in b"<>\"'!?")
TEXT_QUOTES = re.compile(rb">[\"']+<")
ODS_MIN_CELL, ODS_SHORT_ROW = 19, 19 * 64  # bytes of <table:table-cell/>; a row shorter has fewer than 64 cells
ODS_MAX_ROWS = 1_048_576  # row elements: the most rows a LibreOffice sheet has
# An .xls (BIFF records in an OLE compound file): the records that place a cell (row and column come first in each;
# MULRK and MULBLANK end with their last column), and those that frame a sheet.
XLS_CELLS = frozenset({0x0006, 0x00BD, 0x00BE, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
XLS_MULTI_CELLS = frozenset({0x00BD, 0x00BE})
XLS_DIMENSIONS, XLS_SHEET, XLS_PASSWORD, XLS_EOF = 0x0200, 0x0085, 0x002F, 0x000A
XLS_RECORD = struct.Struct("<HHHH")  # kind, length, then a cell's row and column
OLE_CHAIN_END = 0xFFFFFFFA  # sector numbers from here on end a chain or mark free and FAT sectors
# An .xlsx: a cell holding a formula (the cell's attributes, the formula's attributes and text, then the rest of the
# cell, where its value is when the file holds one); the first sheet of the workbook and the part it lives in.
FORMULA_CELL = re.compile(rb"<c\b([^>]*)>\s*<f\b([^>/]*)(?:/>|>([^<]*)</f>)(.*?)</c>", re.S)
CELL_REFERENCE = re.compile(rb'\br="([A-Z]{1,3}\d+)"')
CELL_TYPE = re.compile(rb'\bt="(\w+)"')
SHARED_FORMULA = re.compile(rb'\bsi="(\d+)"')
CELL_VALUE = re.compile(rb"<v>([^<]*)</v>|<is>")
FIRST_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?\s\w+:id="([^"]+)"')
RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
KEEP_PER_PERSON = 5
KEEP_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Row:
    """One non-blank row: its number as the spreadsheet program shows it (1 is the first) and its cells."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class Formula:
    """A formula that the file holds without its value, by its text (``=HYPERLINK("http://…","see")``).

    Programs that write spreadsheets without computing them (openpyxl, many exports) save formulas so; a spreadsheet
    program saves the value too, and then the value is read instead. ``cell_text`` gives the formula's text, so that
    an import keeps what the user wrote rather than an empty cell."""

    text: str

    def __str__(self) -> str:
        return self.text


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
    durations, a formula saved without its value a ``Formula``, an empty cell an empty string (``cell_text`` makes
    any of them text). A large import converts only the cells it uses, as it uses them; ``read_rows`` converts them
    all."""
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
    formulas: dict[tuple[int, int], Formula] = {}
    if data.startswith(ZIP_MAGIC):
        formulas = _refuse_zip(data, max_bytes)
    elif data.startswith(OLE_MAGIC):
        _refuse_far_xls_cells(data)
    else:
        raise _not_a_spreadsheet()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        grid: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except PasswordError:
        raise _locked() from None
    except BaseException as error:  # calamine raises several kinds for a damaged file; all mean the same to the user
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise  # KeyboardInterrupt, SystemExit; a panic of the Rust reader (pyo3's PanicException) is a bad file
        # A password-protected .xlsx or .ods is an OLE container that holds no workbook.
        raise (_locked() if data.startswith(OLE_MAGIC) and not _is_workbook_ole(data) else _unreadable()) from None
    _put_formulas(grid, formulas)
    return grid


def _is_workbook_ole(data: bytes) -> bool:
    """An OLE file with a sheet stream (.xls) and no encryption stream (encrypted .xlsx)."""
    stream_name = "EncryptionInfo".encode("utf-16-le")
    return stream_name not in data and ("Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data)


def _too_wide(rows: int, columns: int) -> ValidationError:
    message = _(
        "A sheet of this file uses cells as far as row %(rows)s and column %(columns)s: delete the rows and "
        "columns past your data (or copy the data into a new file) and upload it again."
    )
    return _refuse(message % {"rows": rows, "columns": columns}, "too_wide")


def _refuse_grids(grids: list[tuple[int, int]]) -> None:
    """Sheets that python-calamine reads all at once (an .ods, an .xls), as ``(rows, columns)`` of the dense grid it
    makes of each: refused when together they pass MAX_CELLS, naming the largest."""
    if _cells(grids) > MAX_CELLS:
        raise _too_wide(*max(grids, key=lambda grid: grid[0] * grid[1]))


def _cells(grids: list[tuple[int, int]]) -> int:
    return sum(rows * columns for rows, columns in grids)


def _refuse_zip(data: bytes, max_bytes: int) -> dict[tuple[int, int], Formula]:
    """An xlsx or ods: a real one, not encrypted, that does not unpack into gigabytes nor into a grid past MAX_CELLS
    (checked before reading). Answers the formulas that the first sheet of an xlsx holds without their value."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise _not_a_spreadsheet() from None
    names = {m.filename for m in members}
    binary = any(name.startswith("xl/worksheets/") and name.endswith(".bin") for name in names)  # an .xlsb
    if ("[Content_Types].xml" not in names and "mimetype" not in names) or binary:
        raise _not_a_spreadsheet()
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    bomb = unpacked > ZIP_MAX_FACTOR * max_bytes or (unpacked > ZIP_RATIO_FLOOR and unpacked / packed > ZIP_MAX_RATIO)
    if bomb or len(members) > ZIP_MAX_MEMBERS:
        raise _refuse(_("This file unpacks into far more data than a spreadsheet holds: it is refused."), "zip_bomb")
    if "META-INF/manifest.xml" in names and b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise _locked()  # an ods with a password keeps the zip, with its content encrypted
    if "content.xml" in names:
        _refuse_far_ods_cells(archive)
    with_formulas = {
        member.filename
        for member in members
        if member.filename.startswith("xl/worksheets/")
        and member.filename.endswith(".xml")
        and _refuse_far_cells(archive, member)
    }
    first = _first_sheet_part(archive) if with_formulas else None
    return _unvalued_formulas(archive, first) if first in with_formulas else {}


def _refuse_far_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """A worksheet whose used range (first to last cell) holds more than MAX_CELLS cells is refused (see there).
    Answers whether the worksheet holds formulas."""
    rows, columns, formulas = _far_extent(archive, member, FAR_REFERENCE)
    if columns > 26:  # a wide sheet: its last row may be any row, so every reference counts
        rows, columns, formulas = _far_extent(archive, member, ANY_REFERENCE)
    else:  # the fast pass counted no column past Z and no row before 100,000: take those as their bounds
        rows, columns = max(rows, 99_999), 26
    if rows * columns > MAX_CELLS:
        raise _too_wide(rows, columns)
    return formulas


def _far_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo, pattern: re.Pattern[bytes]) -> tuple[int, int, bool]:
    """The largest row and column among the references ``pattern`` finds, reading the XML in chunks, and whether
    the sheet holds a formula (an ``</f>``; the same pass, so a sheet without one costs one more search)."""
    rows = columns = 0
    tail = b""
    formulas = False
    with archive.open(member) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            text, tail = tail + chunk, chunk[-32:]  # a reference cut in two is whole in the next pass
            formulas = formulas or b"</f>" in text  # a shared formula's other cells (<f .../>) follow its first
            for ref in pattern.findall(text):
                letters = ref.rstrip(b"0123456789")
                rows = max(rows, int(ref[len(letters) :]))
                columns = max(columns, _column_number(letters))
    return rows, columns, formulas


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# ---- an .ods: the grid its repeated rows and cells make ---------------------------------------------------


def _refuse_far_ods_cells(archive: zipfile.ZipFile) -> None:
    """python-calamine reads every table of an .ods when it opens it, each into a dense grid, and writes out the
    rows and cells marked as repeated: a row of one value repeated a million times (``table:number-rows-repeated``)
    becomes a million rows, a few hundred bytes that take gigabytes. It keeps rows up to the last one holding a
    value and cells up to the last one of their row holding a value: the empty rows and cells that end every sheet
    LibreOffice saves (``number-rows-repeated="1048550"``) are dropped, so they do not count here either.

    content.xml is counted the same way, row by row in chunks, and refused past MAX_CELLS. The quick count reads the
    markup LibreOffice writes; content whose markup could hide elements from it (a comment, a quoted ``<`` or ``>``,
    one row of many megabytes, a table that never ends) is counted again by an XML parser, which refuses what is no
    XML."""
    grids = _ods_grids_quick(archive)
    if grids is not None and _cells(grids) > MAX_CELLS:  # the quick count is a bound: count exactly before refusing
        grids = _ods_grids_quick(archive, exact=True)
    _refuse_grids(_ods_grids_parsed(archive) if grids is None else grids)


@dataclass
class _OdsCount:
    """The grids of the tables of an .ods, counted as python-calamine makes them: rows up to the last one holding a
    value (empty rows before it are kept, empty rows after it dropped), as wide as the widest of those rows.

    Rows that repeat nothing (nearly all) are counted together by C-level operations, no Python per row: whether each
    holds a value, and its width, bounded by its length (a cell element takes 19 bytes at least) or, when ``exact``
    or when rows are long, counted as its cell elements. Rows that repeat are counted one by one. More row elements
    than a sheet can have are refused at once: counting them would cost more than any import is worth."""

    exact: bool = False
    grids: list[tuple[int, int]] = field(default_factory=list)
    rows: int = 0
    empty: int = 0
    columns: int = 0
    elements: int = 0

    def row(self, repeats: int, width: int) -> None:
        """A row repeated ``repeats`` times, holding values up to its ``width``-th cell (0: none)."""
        self.elements += 1
        if self.elements > ODS_MAX_ROWS:
            raise _too_wide(self.elements, max(self.columns, width, 1))
        if width:
            self.rows += self.empty + repeats
            self.empty, self.columns = 0, max(self.columns, width)
        else:
            self.empty += repeats

    def table_rows(self, part: bytes) -> None:
        """The rows of one table (or of its part in this piece of content.xml), in order."""
        segments = part.split(ODS_ROW)[1:]  # each the XML after <table:table-row, up to the next row
        formulas, done = b"formula" in part, 0
        for index in _repeating_rows(part):
            self._plain_rows(segments[done:index], formulas)
            self.row(*_ods_row(segments[index]))
            done = index + 1
        self._plain_rows(segments[done:], formulas)

    def _plain_rows(self, rows: list[bytes], formulas: bool) -> None:
        self.elements += len(rows)
        if self.elements > ODS_MAX_ROWS:
            raise _too_wide(self.elements, max(self.columns, 1))
        holds = list(map(bytes.__contains__, rows, itertools.repeat(b"value")))
        if formulas:
            holds = list(map(operator.or_, holds, map(bytes.__contains__, rows, itertools.repeat(b"formula"))))
        if True not in holds:
            self.empty += len(rows)
            return
        kept = len(holds) - holds[::-1].index(True)  # up to the last row holding a value
        self.rows += self.empty + kept
        self.empty = len(rows) - kept
        longest = max(map(len, rows[:kept]))
        if self.exact or longest > ODS_SHORT_ROW:
            longest = max(map(bytes.count, rows[:kept], itertools.repeat(b"<table:"))) * ODS_MIN_CELL
        self.columns = max(self.columns, longest // ODS_MIN_CELL)

    def end_table(self) -> None:
        self.grids.append((self.rows, self.columns))
        self.rows = self.empty = self.columns = 0

    def all_grids(self) -> list[tuple[int, int]]:
        return [*self.grids, (self.rows, self.columns)]


def _repeating_rows(part: bytes) -> list[int]:
    """The indices (among the rows of ``part``) of the rows whose XML says "repeated", by C-level searches: each
    occurrence found, the row starts before it counted once."""
    rows: list[int] = []
    index, previous = -1, 0
    position = part.find(b"repeated")
    while position >= 0:
        index += part.count(ODS_ROW, previous, position)
        previous = position
        if index >= 0 and (not rows or rows[-1] != index):  # before the first row: a column's repeat count
            rows.append(index)
        position = part.find(b"repeated", position + 1)
    return rows


class _LongRow(Exception):
    """One row of content.xml longer than two chunks: the quick count leaves it to the parser."""


def _ods_grids_quick(archive: zipfile.ZipFile, *, exact: bool = False) -> list[tuple[int, int]] | None:
    """The grids of content.xml counted from its text by C-level operations (split, count) rather than a parser;
    None when its markup is not the plain kind such a count can trust, or when a table never ends (python-calamine
    would wait for its end for ever, spinning a worker; the parser refuses such content)."""
    count = _OdsCount(exact=exact)
    in_table = False
    try:
        for number, piece in enumerate(_xml_pieces(archive, "content.xml", ODS_ROW)):
            if not _plain_markup(piece, first=number == 0):
                return None
            for index, part in enumerate(piece.split(ODS_TABLE_END)):
                if index:
                    count.end_table()
                    in_table = False
                in_table = in_table or b"<table:table " in part or b"<table:table>" in part
                count.table_rows(part)
    except _LongRow:
        return None
    return None if in_table else count.all_grids()


def _xml_pieces(archive: zipfile.ZipFile, name: str, mark: bytes) -> Iterator[bytes]:
    """The XML of a zip member in pieces of about SCAN_CHUNK, each cut just before an occurrence of ``mark`` (a row
    or a cell starts there), so that no row or cell is split; _LongRow when none occurs in two chunks."""
    carry = b""
    with archive.open(name) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            cut = chunk.rfind(mark)
            if cut < 0 or (cut == 0 and not carry):
                carry += chunk
                if len(carry) > 2 * SCAN_CHUNK:
                    raise _LongRow
                continue
            yield carry + chunk[:cut]
            carry = chunk[cut:]
    yield carry


def _plain_markup(piece: bytes, *, first: bool) -> bool:
    """Markup in which every ``<`` starts an element and every ``>`` ends one, so that counting ``<table:`` strings
    counts elements: no comment, CDATA, doctype or processing instruction (but the XML declaration); in each tag,
    quoted values free of ``<``, ``>`` and quotes; no ``>`` in text. LibreOffice writes such markup (it escapes all
    of them); other programs leave quotes in text, which is fine. python-calamine would read a row hidden in a
    quoted value or a comment as a row.

    Checked on the markup characters alone: with the quotes of each value paired and removed, and the quotes left
    in text (between ``>`` and ``<``) removed, what is left must be ``<>`` again and again. The first quote of a tag
    follows its ``<``, so a value holding ``<`` or ``>`` leaves an unpaired quote behind."""
    marks = piece.translate(None, NOT_MARKUP)  # only < > " ' ! ? are left
    if b"<!" in marks or marks.find(b"<?", 1 if first else 0) >= 0:
        return False
    marks = marks.translate(None, b"!?").replace(b'""', b"").replace(b"''", b"")
    if b'"' in marks or b"'" in marks:
        marks = TEXT_QUOTES.sub(b"><", marks)
    return not marks.replace(b"<>", b"")


def _ods_row(segment: bytes) -> tuple[int, int]:
    """How many times a row repeats and how wide python-calamine makes it (to its last cell holding a value, repeated
    cells counted), from its XML (``segment``: from after ``<table:table-row`` to the next row; plain markup, so
    ``>`` ends a tag): its cell elements up to that cell's tag, plus what their repeat counts add."""
    row_repeats = _repeat_count(ROWS_REPEATED.findall(segment[: segment.find(b">")]))
    last = max(segment.rfind(b"value"), segment.rfind(b"formula"))  # a value, a value type, a formula
    if last < 0:
        return row_repeats, 0
    head = segment[: segment.find(b">", last) + 1 or len(segment)]
    return row_repeats, head.count(b"<table:") + _repeat_total(COLUMNS_REPEATED.findall(head))


def _repeat_count(values: list[bytes] | list[str]) -> int:
    """A repeat attribute's count (the largest, if an element has several; 1 without one). python-calamine decodes
    entities in it and accepts a leading +; a count it cannot read makes it refuse the file."""
    counts = [1]
    for value in values:
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        try:
            counts.append(int(html.unescape(text)))
        except ValueError:
            continue
    return max(counts)


def _repeat_total(values: list[bytes]) -> int:
    """The cells that the repeat attributes of a row's cells add (one saying n adds n - 1); a C-level sum, as a row
    may have hundreds of thousands."""
    try:
        counts = list(map(int, values))
        if not counts or min(counts) >= 1:
            return sum(counts) - len(counts)
    except ValueError:
        pass
    return sum(_repeat_count([value]) - 1 for value in values)


def _ods_grids_parsed(archive: zipfile.ZipFile) -> list[tuple[int, int]]:
    """The grids of content.xml counted by an XML parser (expat: streaming, no doctype allowed, so no entity is
    defined or fetched); content that is no well-formed XML is refused as unreadable. The parser calls Python for
    each element: past MAX_CELLS cell elements the file is refused rather than counted on."""
    count = _OdsCount()
    row = [1, 0, 0, 0]  # repeats, cells so far, width up to the last cell holding a value, cell elements read

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == "table:table-row":
            row[:3] = [_repeat_count([attributes.get("table:number-rows-repeated", "1")]), 0, 0]
        elif name in ODS_CELL_NAMES:
            row[1] += _repeat_count([attributes.get("table:number-columns-repeated", "1")])
            row[3] += 1
            if any("value" in key or "formula" in key for key in attributes):
                row[2] = row[1]
            if row[3] > MAX_CELLS:
                raise _too_wide(count.rows + count.empty + 1, row[1])

    def end(name: str) -> None:
        if name == "table:table-row":
            count.row(row[0], row[2])
        elif name == "table:table":
            count.end_table()

    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = _refuse_doctype
    try:
        with archive.open("content.xml") as stream:
            while chunk := stream.read(SCAN_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, ValueError, LookupError):  # LookupError: an encoding that does not exist
        raise _unreadable() from None
    return count.all_grids()


def _refuse_doctype(*_args: object) -> None:
    raise ValueError("doctype")  # an .ods has none; one could define entities


# ---- an .xls: the grid its cell records make -----------------------------------------------------------------


def _refuse_far_xls_cells(data: bytes) -> None:
    """python-calamine reads every sheet of an .xls when it opens it, each into a dense grid from its first cell to
    its last, and reserves the rows by columns a sheet's DIMENSIONS record states: one cell at IV65536 (the last cell
    of Excel 97) in a file of a few kilobytes takes 1.3 GB, and cell records may name columns far past IV.

    The sheets' records are walked first (the OLE container read by ``_ole_stream``, no dependency) and the file is
    refused past MAX_CELLS. A damaged container is refused as unreadable; one without a sheet stream is an encrypted
    .xlsx; an encrypted .xls is left to python-calamine, which answers the password message."""
    book = _ole_stream(data)
    if book is None:
        raise _unreadable() if _is_workbook_ole(data) else _locked()
    grids: list[tuple[int, int]] = []
    walked = 0
    for position in _xls_sheets(book):
        rows, columns, end = _xls_grid(book, position)
        grids.append((rows, columns))
        walked += end - position
        if walked > len(book):  # sheets that overlap: no program writes them, and walking them could take ages
            raise _unreadable()
    _refuse_grids(grids)


def _xls_sheets(book: bytes) -> list[int]:
    """Where each sheet's records start (BOUNDSHEET records of the workbook globals); none when the file is
    encrypted: its cell records cannot be read then, and python-calamine refuses it by itself."""
    sheets: list[int] = []
    position = 0
    while position + 4 <= len(book):
        kind, size = struct.unpack_from("<HH", book, position)
        data = book[position + 4 : position + 4 + size]
        if kind == XLS_PASSWORD and data[:2] != b"\x00\x00":
            return []
        if kind == XLS_SHEET and len(data) >= 4:
            sheets.append(struct.unpack_from("<I", data)[0])
        if kind == XLS_EOF:
            break
        position += 4 + size
    return sheets


def _xls_grid(book: bytes, position: int) -> tuple[int, int, int]:
    """The rows and columns of the grid python-calamine makes of the sheet whose records start at ``position`` (from
    A1, as the reader answers it, to the farthest cell or the stated DIMENSIONS), and where its records end. The
    hot loop of an .xls: one unpack per record, names bound locally."""
    rows = columns = 0
    stated = (0, 0)
    last, unpack, cells = len(book) - 8, XLS_RECORD.unpack_from, XLS_CELLS
    while position <= last:
        kind, size, row, column = unpack(book, position)
        if kind in cells:
            if kind in XLS_MULTI_CELLS and 6 <= size <= len(book) - position - 4:  # the last column ends it
                column = max(column, struct.unpack_from("<H", book, position + 2 + size)[0])
            if row >= rows:
                rows = row + 1
            if column >= columns:
                columns = column + 1
        elif kind == XLS_DIMENSIONS:
            stated = _xls_dimensions(book[position + 4 : position + 4 + size])
        elif kind == XLS_EOF:
            break
        position += 4 + size
    return max(rows, stated[0]), max(columns, stated[1]), position


def _xls_dimensions(data: bytes) -> tuple[int, int]:
    """The rows and columns python-calamine reserves for a DIMENSIONS record (last row and column +1 less the first,
    computed on 32 bits as it does: a last row before the first one wraps round to four billion rows)."""
    if len(data) == 14:
        first_row, last_row, first_column, last_column = struct.unpack_from("<IIHH", data)
    elif len(data) == 10:
        first_row, last_row, first_column, last_column = struct.unpack_from("<HHHH", data)
    else:
        return 0, 0
    if last_row < 1 or last_column < 1:
        return 1, 1
    return (last_row - first_row) % 2**32, (last_column - first_column) % 2**32


def _ole_stream(data: bytes) -> bytes | None:
    """The sheet stream ("Workbook", else "Book") of an OLE compound file (MS-CFB), found and read as python-calamine
    finds and reads it, or None when the file holds none or is damaged. Every chain of sectors is bounded by the
    number of sectors, so a loop in a damaged file ends."""
    try:
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            return None
        size = 1 << shift
        first_directory, first_mini_fat, first_difat = struct.unpack_from("<I8xI4xI", data, 48)
        fat = _ole_fat(data, size, first_difat)
        directory = _ole_chain(data, size, size, fat, first_directory)
        entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
        named = {_ole_name(entry): entry for entry in reversed(entries)}  # the first entry of a name wins
        entry = named.get("Workbook") or named.get("Book")
        if entry is None or not entries:
            return None
        start, length = struct.unpack_from("<II" if size == 512 else "<IQ", entry, 116)
        if length >= 4096:
            return _ole_chain(data, size, size, fat, start)[:length]
        root_start, root_length = struct.unpack_from("<II" if size == 512 else "<IQ", entries[0], 116)
        mini_stream = _ole_chain(data, size, size, fat, root_start)[:root_length]
        mini_fat = _sectors(_ole_chain(data, size, size, fat, first_mini_fat))
        return _ole_chain(mini_stream, 64, 0, mini_fat, start)[:length]
    except (struct.error, IndexError, ValueError):
        return None


def _ole_fat(data: bytes, size: int, first_difat: int) -> tuple[int, ...]:
    """The sector allocation table: its sectors are listed in the header (109) and in a chain of DIFAT sectors."""
    listed = list(struct.unpack_from("<109I", data, 76))
    sector = first_difat
    for _hop in range(len(data) // size):
        if sector >= OLE_CHAIN_END:
            break
        more = _sectors(data[(sector + 1) * size : (sector + 2) * size])
        listed.extend(more[:-1])
        sector = more[-1]
    else:
        raise ValueError("a DIFAT chain that loops")
    return _sectors(b"".join(data[(s + 1) * size : (s + 2) * size] for s in listed if s < OLE_CHAIN_END))


def _ole_chain(sectors: bytes, size: int, offset: int, table: tuple[int, ...], start: int) -> bytes:
    """The bytes of the chain of sectors from ``start`` (sector n at ``offset + n * size`` of ``sectors``)."""
    parts: list[bytes] = []
    sector = start
    for _hop in range(len(table) + 1):
        if sector >= OLE_CHAIN_END:
            return b"".join(parts)
        parts.append(sectors[offset + sector * size : offset + (sector + 1) * size])
        sector = table[sector]
    raise ValueError("a chain of sectors that loops")


def _ole_name(entry: bytes) -> str:
    return entry[:64].decode("utf-16-le", "ignore").split("\x00", 1)[0]


def _sectors(data: bytes) -> tuple[int, ...]:
    return struct.unpack_from(f"<{len(data) // 4}I", data)


# ---- an .xlsx: formulas saved without their value ---------------------------------------------------------


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The worksheet part of the workbook's first sheet (the one read), from workbook.xml and its relationships."""
    try:
        sheet = FIRST_SHEET.search(archive.read("xl/workbook.xml"))
        relationships = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    if sheet is None:
        return None
    wanted = b' Id="' + sheet[1] + b'"'
    for attributes in RELATIONSHIP.findall(relationships):
        if wanted in b" " + attributes and (target := _attribute(attributes, b"Target")):
            return posixpath.normpath(target.lstrip("/") if target.startswith("/") else "xl/" + target)
    return None


def _attribute(attributes: bytes, name: bytes) -> str | None:
    found = re.search(rb"\b" + name + rb'="([^"]*)"', attributes)
    return html.unescape(found[1].decode("utf-8", "replace")) if found else None


def _unvalued_formulas(archive: zipfile.ZipFile, part: str | None) -> dict[tuple[int, int], Formula]:
    """The formulas of a worksheet that the file holds without a value, by (row, column) counted from 0. A cell of a
    shared formula (``<f t="shared" si="0"/>``) gets the first cell's formula moved to its place, as Excel does."""
    found: dict[tuple[int, int], Formula] = {}
    shared: dict[bytes, tuple[str, str]] = {}
    try:
        for piece in _xml_pieces(archive, part or "", b"<c "):
            for attributes, formula_attributes, formula, rest in FORMULA_CELL.findall(piece):
                reference = CELL_REFERENCE.search(attributes)
                if reference is None:
                    continue
                where = reference[1].decode()
                text = "=" + html.unescape(formula.decode("utf-8", "replace")) if formula else ""
                index = SHARED_FORMULA.search(formula_attributes)
                if index and text:
                    shared[index[1]] = (text, where)
                elif index:
                    text = _moved_formula(shared.get(index[1]), where)
                if not _holds_value(attributes, rest):
                    letters = where.rstrip("0123456789")
                    found[(int(where[len(letters) :]) - 1, _column_number(letters.encode()) - 1)] = Formula(text)
    except (_LongRow, KeyError):
        return found
    return found


def _holds_value(attributes: bytes, rest: bytes) -> bool:
    """Whether a formula cell holds its value: a non-empty ``<v>``, an inline string, or the empty text (``t="str"``)
    a formula such as ``=IF(A1="","",A1)`` leaves."""
    value = CELL_VALUE.search(rest)
    if value is None:
        return False
    kind = CELL_TYPE.search(attributes)
    return value[1] is None or bool(value[1].strip()) or (kind is not None and kind[1] in (b"str", b"inlineStr"))


def _moved_formula(origin: tuple[str, str] | None, where: str) -> str:
    """The formula of the first cell of a shared formula, its relative references moved to cell ``where``."""
    if origin is None:
        return "="
    from openpyxl.formula.translate import Translator  # here: only this rare case needs it

    try:
        return str(Translator(origin[0], origin=origin[1]).translate_formula(where))
    except Exception:  # a formula openpyxl cannot parse: its text as written is still better than nothing
        return origin[0]


def _put_formulas(grid: list[list[Any]], formulas: dict[tuple[int, int], Formula]) -> None:
    """Each formula held without its value, in its cell (python-calamine answers it as an empty cell, or leaves it
    out when it is the last of its row or sheet)."""
    for (row, column), formula in formulas.items():
        grid.extend([] for _missing in range(row + 1 - len(grid)))
        cells = grid[row]
        cells.extend("" for _missing in range(column + 1 - len(cells)))
        if cells[column] == "" or cells[column] is None:
            cells[column] = formula


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
