"""Bulk load of devices from a spreadsheet (CSV, XLSX, XLS, ODS): columns ``serial``, ``imei``, ``product_code``.

Every row is checked at once and every error names its row and column; the checks run in sets (one query
per check, whatever the number of rows). The load is all-or-nothing: a file with any error saves nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device, Product
from fieldbox.fleet.services import STOCK_KEEPERS
from fieldbox.fleet.validators import luhn_ok

COLUMNS = ("serial", "imei", "product_code")
SPREADSHEET_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # zip (xlsx, ods) and OLE (xls)
SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_EXTENSIONS = (".csv", ".txt")
MAX_SHOWN_ERRORS = 500


@dataclass(frozen=True)
class RowError:
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


@dataclass(frozen=True)
class Line:
    row: int
    serial: str
    imei: str | None
    product: Product


@dataclass
class Checked:
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.lines)


def max_bytes() -> int:
    return int(settings.DEVICE_IMPORT_MAX_BYTES)


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _cell(value: Any) -> str:
    """A cell as text: spreadsheets store long digit strings (IMEI) as numbers."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def read_rows(name: str, content: bytes) -> list[list[str]]:
    """The cells of the first sheet, as text, from A1. Refuses files that are no spreadsheet or too big."""
    if len(content) > settings.DEVICE_IMPORT_MAX_BYTES:
        mb = settings.DEVICE_IMPORT_MAX_BYTES // (1024 * 1024)
        raise _refuse(_("The file is larger than %(mb)s MB: split it into smaller files.") % {"mb": mb})
    lower = name.lower()
    if content.startswith(SPREADSHEET_MAGIC) and lower.endswith(SPREADSHEET_EXTENSIONS):
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
            grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception:  # any reader failure means the same to the user
            raise _refuse(_("This spreadsheet cannot be read: save it again as XLSX or CSV.")) from None
        rows = [[_cell(v) for v in row] for row in grid]
    elif lower.endswith(TEXT_EXTENSIONS) and b"\x00" not in content:
        rows = _csv_rows(content)
    else:
        raise _refuse(_("Upload a CSV, XLSX, XLS or ODS file."))
    while rows and not any(rows[-1]):
        rows.pop()
    if len(rows) - 1 > settings.DEVICE_IMPORT_MAX_ROWS:
        message = _("The file has more than %(n)s rows: split it into smaller files.")
        raise _refuse(message % {"n": settings.DEVICE_IMPORT_MAX_ROWS})
    return rows


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise _refuse(_("Save the CSV file as UTF-8 text.")) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _header(rows: list[list[str]]) -> dict[str, int]:
    if not rows:
        raise _refuse(_("The file is empty: the first row names the columns serial, imei, product_code."))
    names = [c.strip().lower() for c in rows[0]]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [c for c in names if c and c not in COLUMNS]
    if missing or unknown:
        detail = _("Row 1 must name the columns %(expected)s.") % {"expected": ", ".join(COLUMNS)}
        if missing:
            detail += " " + _("Missing: %(names)s.") % {"names": ", ".join(missing)}
        if unknown:
            detail += " " + _("Unknown: %(names)s.") % {"names": ", ".join(unknown)}
        raise _refuse(detail)
    return {c: names.index(c) for c in COLUMNS}


def check(scope: Scope, rows: list[list[str]]) -> Checked:
    """Check every row; the lines to load, or every error with its row and column."""
    where = _header(rows)
    raw = []
    for number, row in enumerate(rows[1:], start=2):
        values = {c: (row[i].strip() if i < len(row) else "") for c, i in where.items()}
        if any(values.values()):
            raw.append((number, values["serial"].upper(), values["imei"].replace(" ", ""), values["product_code"]))
    if not raw:
        raise _refuse(_("The file has no device rows under its header."))
    codes = {code.upper() for _n, _s, _i, code in raw if code}
    products = {p.code.upper(): p for p in selectors.products_for(scope).filter(code__in=codes)}
    serials = Counter(s for _n, s, _i, _c in raw if s)
    imeis = Counter(i for _n, _s, i, _c in raw if i)
    taken_serials = set(Device.objects.filter(serial__in=list(serials)).values_list("serial", flat=True))
    taken_imeis = set(Device.objects.filter(imei__in=list(imeis)).values_list("imei", flat=True))
    result = Checked()
    for number, serial, imei, code in raw:
        product = products.get(code.upper())
        errors = _row_errors(number, serial, imei, code, product)
        if serial and serials[serial] > 1:
            errors.append(RowError(number, "serial", _("This serial number is in the file more than once.")))
        elif serial in taken_serials:
            errors.append(RowError(number, "serial", _("A device with this serial number is already registered.")))
        if imei and imeis[imei] > 1:
            errors.append(RowError(number, "imei", _("This IMEI is in the file more than once.")))
        elif imei in taken_imeis:
            errors.append(RowError(number, "imei", _("A device with this IMEI is already registered.")))
        result.errors.extend(errors)
        if not errors and product is not None:
            result.lines.append(Line(number, serial, imei or None, product))
    return result


def _row_errors(number: int, serial: str, imei: str, code: str, product: Product | None) -> list[RowError]:
    errors = []
    if not serial:
        errors.append(RowError(number, "serial", _("The serial number is missing.")))
    if not code:
        errors.append(RowError(number, "product_code", _("The product code is missing.")))
    elif product is None:
        message = _("No product of yours has the code %(code)s.")
        errors.append(RowError(number, "product_code", message % {"code": code}))
    prefix = product.serial_prefix.upper() if product is not None else ""
    if serial and product is not None and prefix and not serial.startswith(prefix):
        message = _("Serial numbers of %(product)s start with %(prefix)s.")
        errors.append(RowError(number, "serial", message % {"product": product.name, "prefix": prefix}))
    if imei and not (len(imei) == 15 and imei.isdigit() and luhn_ok(imei)):
        errors.append(RowError(number, "imei", _("An IMEI has 15 digits with a valid check digit.")))
    elif not imei and product is not None and product.imei_required:
        errors.append(RowError(number, "imei", _("%(product)s needs an IMEI.") % {"product": product.name}))
    return errors


def devices_load(*, scope: Scope, checked: Checked, filename: str = "") -> int:
    """Save every checked line as a device in stock at the provider's warehouse, in one transaction."""
    scope.require_role(*STOCK_KEEPERS)
    if not checked.ok:
        raise ValidationError({"file": _("Correct the errors of the file first: nothing was loaded.")})
    devices = [
        Device(
            provider=scope.organisation,
            product=line.product,
            serial=line.serial,
            imei=line.imei,
            status=DeviceStatus.IN_STOCK,
        )
        for line in checked.lines
    ]
    try:
        with transaction.atomic():
            Device.objects.bulk_create(devices, batch_size=2000)
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=scope.organisation,
                action="device.import",
                data={"count": len(devices), "file": filename[:200]},
            )
    except IntegrityError:
        raise ValidationError(
            {"file": _("Some of these devices were registered meanwhile: check the file again.")}
        ) from None
    return len(devices)


def load_file(*, scope: Scope, name: str, content: bytes) -> tuple[Checked, int]:
    """Check a file and, when every row is right, load it (the API's one step)."""
    checked = check(scope, read_rows(name, content))
    if not checked.ok:
        return checked, 0
    return checked, devices_load(scope=scope, checked=checked, filename=name)
