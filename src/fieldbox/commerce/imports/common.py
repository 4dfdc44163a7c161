"""What the catalogue's imports share: reading the file (``core.uploads.read_rows``), the header that names the
columns (a bad one is one clear message on ``file``), the checked lines and the errors of each row and column, and
reading the cells (numbers, days, yes/no) into values with the catalogue's own checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fieldbox.core import uploads
from fieldbox.core.uploads import Row, RowError

L = TypeVar("L")
MAX_SHOWN_ERRORS = 500
YES = frozenset({"1", "yes", "y", "true", "x", "si", "sì", "s", "oui", "vrai"})
NO = frozenset({"", "0", "no", "n", "false", "non", "faux"})
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


@dataclass
class Checked(Generic[L]):
    """The lines a file would load, or every error with its row and column."""

    lines: list[L] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.lines)


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def read_file(file: IO[bytes], *, name: str, size: int | None) -> list[Row]:
    """The rows of an uploaded file (.xlsx, .xls, .ods or .csv), refused as a whole when it is no spreadsheet."""
    limits = {
        "max_bytes": int(getattr(settings, "COMMERCE_IMPORT_MAX_BYTES", 10 * 1024 * 1024)),
        "max_rows": int(getattr(settings, "COMMERCE_IMPORT_MAX_ROWS", 20_000)),
    }
    return uploads.read_rows(file, name=name, size=size, **limits)


def header(rows: list[Row], required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, int]:
    """Where each column is: the first row names them (in any order, any case). A missing required column or an
    unknown one refuses the whole file, with one message naming the columns expected."""
    expected = required + optional
    if not rows:
        raise refuse(
            _("The file is empty: the first row names the columns %(names)s.") % {"names": ", ".join(expected)}
        )
    names = [c.strip().lower().replace(" ", "_") for c in rows[0].cells]
    missing = [c for c in required if c not in names]
    unknown = [c for c in names if c and c not in expected]
    twice = sorted({c for c in names if c and names.count(c) > 1})
    if missing or unknown or twice:
        detail = _("Row %(row)s must name the columns %(required)s (and may name %(optional)s).") % {
            "row": rows[0].number,
            "required": ", ".join(required),
            "optional": ", ".join(optional) or "—",
        }
        if missing:
            detail += " " + _("Missing: %(names)s.") % {"names": ", ".join(missing)}
        if unknown:
            detail += " " + _("Unknown: %(names)s.") % {"names": ", ".join(unknown)}
        if twice:
            detail += " " + _("Named twice: %(names)s.") % {"names": ", ".join(twice)}
        raise refuse(detail)
    return {c: names.index(c) for c in expected if c in names}


def records(rows: list[Row], where: dict[str, int], empty: str) -> list[tuple[int, dict[str, str]]]:
    """Each row under the header as ``(row number, {column: text})`` (only the columns the file has)."""
    found = []
    for row in rows[1:]:
        values = {c: (row.cells[i].strip() if i < len(row.cells) else "") for c, i in where.items()}
        if any(values.values()):
            found.append((row.number, values))
    if not found:
        raise refuse(empty)
    return found


def cell(errors: list[RowError], number: int, column: str, read: Callable[[], Any]) -> Any:
    """``read()``'s value, or None with its error added on this row and column (the check's message is kept, the
    column is the file's)."""
    try:
        return read()
    except ValidationError as refused:
        errors.extend(RowError(number, column, str(message)) for message in refused.messages)
        return None


def yes_no(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError({column: _("Write yes or no (or 1 and 0).")})


def day(value: str, column: str) -> date:
    text = value.strip()[:19]
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ValidationError({column: _("Write a day as YYYY-MM-DD or DD/MM/YYYY.")})


def optional_day(value: str, column: str) -> date | None:
    return day(value, column) if value.strip() else None
