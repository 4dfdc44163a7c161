"""Bulk load of devices from a spreadsheet (CSV, XLSX, XLS, ODS): columns ``serial``, ``imei``, ``product_code``.

Every row is checked at once and every error names its row and column; the checks run in sets (one query
per check, whatever the number of rows). The load is all-or-nothing: a file with any error saves nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from fieldbox.core import audit, transitions, uploads
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError
from fieldbox.fleet import selectors
from fieldbox.fleet.choices import DEVICE_TABLE
from fieldbox.fleet.models import Device, Product
from fieldbox.fleet.validators import luhn_ok

COLUMNS = ("serial", "imei", "product_code")
MAX_SHOWN_ERRORS = 500


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


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": message})


def read_file(file: IO[bytes], *, name: str, size: int | None) -> list[Row]:
    """The rows of an uploaded device file (see ``core.uploads.read_rows``)."""
    limits = {"max_bytes": settings.DEVICE_IMPORT_MAX_BYTES, "max_rows": settings.DEVICE_IMPORT_MAX_ROWS}
    return uploads.read_rows(file, name=name, size=size, **limits)


def _header(rows: list[Row]) -> dict[str, int]:
    if not rows:
        raise _refuse(_("The file is empty: the first row names the columns serial, imei, product_code."))
    names = [c.strip().lower() for c in rows[0].cells]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [c for c in names if c and c not in COLUMNS]
    if missing or unknown:
        detail = _("Row %(row)s must name the columns %(expected)s.") % {
            "row": rows[0].number,
            "expected": ", ".join(COLUMNS),
        }
        if missing:
            detail += " " + _("Missing: %(names)s.") % {"names": ", ".join(missing)}
        if unknown:
            detail += " " + _("Unknown: %(names)s.") % {"names": ", ".join(unknown)}
        raise _refuse(detail)
    return {c: names.index(c) for c in COLUMNS}


def check(scope: Scope, rows: list[Row]) -> Checked:
    """Check every row; the lines to load, or every error with its row and column."""
    where = _header(rows)
    raw = []
    for row in rows[1:]:
        values = {c: (row.cells[i] if i < len(row.cells) else "") for c, i in where.items()}
        if any(values.values()):
            raw.append((row.number, values["serial"].upper(), values["imei"].replace(" ", ""), values["product_code"]))
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
    DEVICE_TABLE.require("load", scope)
    if not checked.ok:
        raise ValidationError({"file": _("Correct the errors of the file first: nothing was loaded.")})
    devices = [
        Device(provider=scope.organisation, product=line.product, serial=line.serial, imei=line.imei)
        for line in checked.lines
    ]
    try:
        with transitions.atomic():
            DEVICE_TABLE.create_many(devices, "load", scope=scope, data=lambda d: {"file": filename[:200]})
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


def load_file(*, scope: Scope, file: IO[bytes], name: str, size: int | None) -> tuple[Checked, int]:
    """Check a file and, when every row is right, load it (the API's one step)."""
    checked = check(scope, read_file(file, name=name, size=size))
    if not checked.ok:
        return checked, 0
    return checked, devices_load(scope=scope, checked=checked, filename=name)
