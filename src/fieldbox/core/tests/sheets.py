"""Spreadsheets made in tests: the bytes of an .xlsx with the given rows (the header is just the first row)."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx_bytes(rows: list[list[object]], *, title: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
