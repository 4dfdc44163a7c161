"""Helpers for data that leaves the product as CSV or spreadsheet cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value no spreadsheet will run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_response(filename: str, fmt: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """A download of ``rows`` as CSV or XLSX (``fmt``), every cell safe from formulas."""
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append([safe_cell("" if v is None else v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        writer.writerow(header)
        for row in rows:
            writer.writerow([safe_cell("" if v is None else v) for v in row])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{"xlsx" if fmt == "xlsx" else "csv"}"'
    return response
