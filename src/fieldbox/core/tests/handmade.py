"""Spreadsheets written byte by byte in tests, for what no library here writes: an Excel 97 .xls (BIFF8 records in
an OLE compound file) and an .ods whose rows and cells carry LibreOffice's repeat counts.

Each file weighs a few kilobytes whatever grid it describes, which is the point of the hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable

SECTOR, MINI_SECTOR, END, FREE, FAT_SECTOR = 512, 64, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
Cells = dict[tuple[int, int], str | float]


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))


def _cell(row: int, column: int, value: str | float) -> bytes:
    if isinstance(value, str):  # LABEL: an XLUnicodeString of 8-bit characters
        text = value.encode("latin-1")
        return _record(0x0204, struct.pack("<HHHHB", row, column, 15, len(text), 0) + text)
    return _record(0x0203, struct.pack("<HHHd", row, column, 15, value))  # NUMBER


def _sheet(cells: Cells, dimensions: tuple[int, int, int, int] | None) -> bytes:
    rows = max((r for r, _c in cells), default=0) + 1
    columns = max((c for _r, c in cells), default=0) + 1
    first_row, last_row, first_column, last_column = dimensions or (0, rows, 0, columns)
    body = _record(0x0200, struct.pack("<IIHHH", first_row, last_row, first_column, last_column, 0))
    body += b"".join(_cell(r, c, v) for (r, c), v in sorted(cells.items()))
    return _bof(0x0010) + body + _record(0x000A)


def workbook_stream(
    sheets: list[Cells],
    *,
    dimensions: tuple[int, int, int, int] | None = None,
    encrypted: bool = False,
    sheet_offsets: list[int] | None = None,
) -> bytes:
    """The BIFF8 workbook stream: globals (BOF, CODEPAGE, one BOUNDSHEET per sheet, EOF), then each sheet (BOF,
    DIMENSIONS, a LABEL or NUMBER per cell, EOF). ``sheet_offsets`` replaces where the BOUNDSHEETs point."""
    names = [f"S{i + 1}".encode() for i in range(len(sheets))]
    head = _bof(0x0005) + _record(0x0042, struct.pack("<H", 1200))
    if encrypted:
        head += _record(0x002F, struct.pack("<HHH", 1, 1, 1))
    globals_size = len(head) + sum(4 + 8 + len(name) for name in names) + 4
    bodies = [_sheet(cells, dimensions) for cells in sheets]
    offsets, position = [], globals_size
    for body in bodies:
        offsets.append(position)
        position += len(body)
    bound = b"".join(
        _record(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 0) + name)
        for offset, name in zip(sheet_offsets or offsets, names, strict=True)
    )
    return head + bound + _record(0x000A) + b"".join(bodies)


def xls_bytes(
    sheets: list[Cells],
    *,
    dimensions: tuple[int, int, int, int] | None = None,
    encrypted: bool = False,
    mini: bool = False,
    sheet_offsets: list[int] | None = None,
) -> bytes:
    """An .xls whose sheets hold ``cells`` ((row, column) from 0: text or number). ``dimensions`` replaces every
    sheet's DIMENSIONS (first row, last row + 1, first column, last column + 1); ``mini`` keeps the workbook under
    4096 bytes, in the OLE mini stream, as small files may be; otherwise it is padded to 4096 bytes as Excel does."""
    stream = workbook_stream(sheets, dimensions=dimensions, encrypted=encrypted, sheet_offsets=sheet_offsets)
    assert not mini or len(stream) < 4096
    return _ole(stream if mini else stream.ljust(4096, b"\x00"), mini=mini)


def _ole(stream: bytes, *, mini: bool) -> bytes:
    """A version 3 compound file: header, one FAT sector, one directory sector, then the data sectors."""
    if mini:
        data = stream.ljust(-(-len(stream) // MINI_SECTOR) * MINI_SECTOR, b"\x00")
        mini_count = len(data) // MINI_SECTOR
        mini_fat = [*range(1, mini_count), END] + [FREE] * (128 - mini_count)
        data = data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\x00") + struct.pack("<128I", *mini_fat)
    else:
        data = stream.ljust(-(-len(stream) // SECTOR) * SECTOR, b"\x00")
    count = len(data) // SECTOR  # data sectors start at sector 2
    fat = [FAT_SECTOR, END]
    chain = count - 1 if mini else count  # in the mini case the last data sector holds the mini FAT
    fat += [*range(3, 2 + chain), END]
    if mini:
        fat.append(END)
    fat += [FREE] * (128 - len(fat))
    root_start, root_size = (2, chain * SECTOR) if mini else (END, 0)
    workbook_start = 0 if mini else 2
    directory = (
        _entry("Root Entry", 5, root_start, root_size, child=1)
        + _entry("Workbook", 2, workbook_start, len(stream))
        + b"\x00" * 256
    )
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, 2 + chain if mini else END,
                          1 if mini else 0, END, 0)  # fmt: skip
    header += struct.pack("<109I", 0, *[FREE] * 108)
    return header + struct.pack("<128I", *fat) + directory + data


def _entry(name: str, kind: int, start: int, size: int, *, child: int = FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBBIII", len(encoded), kind, 1, FREE, FREE, child)
        + b"\x00" * 36
        + struct.pack("<III", start, size, 0)
    )


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def text_cell(text: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{repeated}><text:p>{text}</text:p></table:table-cell>'


def empty_cells(repeat: int = 1) -> str:
    return f'<table:table-cell table:number-columns-repeated="{repeat}"/>' if repeat > 1 else "<table:table-cell/>"


def row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-row table:style-name="ro1"{repeated}>{"".join(cells)}</table:table-row>'


def ods_bytes(*tables: str) -> bytes:
    """An .ods whose tables hold the given rows (XML, see ``row``), as LibreOffice lays it out."""
    body = "".join(
        f'<table:table table:name="S{i + 1}" table:style-name="ta1">'
        f'<table:table-column table:number-columns-repeated="6"/>{rows}</table:table>'
        for i, rows in enumerate(tables)
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODS_NAMESPACES} office:version="1.3">'
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest="x"/>', zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def with_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip ``data`` (an .xlsx, an .ods) with its member ``name`` rewritten by ``change``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            body = source.read(item)
            target.writestr(item, change(body) if item.filename == name else body)
    return buffer.getvalue()
