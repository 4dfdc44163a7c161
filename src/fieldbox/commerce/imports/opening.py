"""Opening stock from a spreadsheet: ``item_code``, ``location`` (a warehouse's or a van's code or name),
``quantity``, and optional ``unit_cost`` and ``serial`` (required, one unit a row, for items tracked by serial
number). Every row checked at once (items, locations and serial numbers: one query each), then posted to the
ledger as opening moves from the organisation's inventory-adjustments location — all rows or none."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from fieldbox.commerce import pricing
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import COUNTED_LOCATIONS, STOCK_KEEPERS, MoveKind
from fieldbox.commerce.imports.common import Checked, cell, header, records, refuse
from fieldbox.commerce.models import Item, SerialNumber, StockLocation
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services.catalogue import inventory_location
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError

REQUIRED = ("item_code", "location", "quantity")
OPTIONAL = ("unit_cost", "serial")
COLUMNS = REQUIRED + OPTIONAL


@dataclass(frozen=True)
class Line:
    row: int
    item_id: int
    location_id: int
    quantity: Decimal
    unit_cost: Decimal | None
    serial: str
    code: str = ""
    location: str = ""


def _locations(scope: Scope) -> dict[str, StockLocation]:
    """The warehouses and vans by code and by name (lower case), in one query."""
    found: dict[str, StockLocation] = {}
    for location in StockLocation.objects.visible_to(scope).filter(kind__in=COUNTED_LOCATIONS, active=True):
        found.setdefault(location.name.strip().lower(), location)
        if location.code.strip():
            found[location.code.strip().lower()] = location
    return found


def _item(errors: list[RowError], number: int, code: str, items: dict[str, Item]) -> Item | None:
    if not code:
        errors.append(RowError(number, "item_code", _("The item code is missing.")))
        return None
    item = items.get(code.lower())
    if item is None:
        errors.append(RowError(number, "item_code", _("No item of yours has the code %(code)s.") % {"code": code}))
    elif not item.tracked:
        errors.append(RowError(number, "item_code", _("%(code)s is not kept in stock.") % {"code": item.code}))
        return None
    return item


def _serial(errors: list[RowError], number: int, item: Item | None, serial: str, quantity: Decimal | None) -> None:
    if item is None:
        return
    if item.serialised and not serial:
        errors.append(
            RowError(number, "serial", _("%(code)s is tracked by serial number: write it.") % {"code": item.code})
        )
    elif item.serialised and quantity is not None and quantity != 1:
        errors.append(RowError(number, "quantity", _("One unit a row for an item tracked by serial number.")))
    elif serial and not item.serialised:
        errors.append(RowError(number, "serial", _("%(code)s is not tracked by serial number.") % {"code": item.code}))


def _cost(text: str) -> Decimal | None:
    return pricing.price(text, "unit_cost") if text.strip() else None


def check(scope: Scope, rows: list[Row]) -> Checked[Line]:
    where = header(rows, REQUIRED, OPTIONAL)
    found = records(rows, where, _("The file has no stock rows under its header."))
    codes = {values["item_code"].strip() for _n, values in found if values["item_code"].strip()}
    items = {i.code.lower(): i for i in reads.items_for(scope).filter(code__in=codes)}
    places = _locations(scope)
    serials = Counter(
        (values["item_code"].strip().lower(), values.get("serial", "").strip())
        for _n, values in found
        if values.get("serial", "").strip()
    )
    known = set(
        SerialNumber.objects.filter(
            organisation=scope.organisation, serial__in={s for _c, s in serials}, item__in=list(items.values())
        ).values_list("item__code", "serial")
    )
    known = {(code.lower(), serial) for code, serial in known}
    result: Checked[Line] = Checked()
    for number, values in found:
        before = len(result.errors)
        item = _item(result.errors, number, values["item_code"].strip(), items)
        place = places.get(values["location"].strip().lower())
        if place is None:
            message = _("No warehouse or van of yours has the code or name %(name)s.") % {"name": values["location"]}
            result.errors.append(RowError(number, "location", message))
        quantity = cell(result.errors, number, "quantity", partial(pricing.quantity, values["quantity"], "quantity"))
        cost = cell(result.errors, number, "unit_cost", partial(_cost, values.get("unit_cost", "")))
        serial = values.get("serial", "").strip()[:64]
        _serial(result.errors, number, item, serial, quantity)
        key = (values["item_code"].strip().lower(), serial)
        if serial and serials[key] > 1:
            result.errors.append(RowError(number, "serial", _("This serial number is in the file more than once.")))
        elif serial and key in known:
            result.errors.append(RowError(number, "serial", _("This serial number is already in your stock.")))
        if len(result.errors) == before and item is not None and place is not None:
            result.lines.append(Line(number, item.pk, place.pk, quantity, cost, serial, item.code, place.name))
    return result


def load(*, scope: Scope, checked: Checked[Line], filename: str = "") -> int:
    """Post every line as an opening move from the inventory-adjustments location, in one ledger post."""
    scope.require_role(*STOCK_KEEPERS)
    if not checked.ok:
        raise refuse(_("Correct the errors of the file first: nothing was loaded."))
    with transaction.atomic():
        source = inventory_location(scope.organisation.pk)
        lines = [
            ledger.Line(
                item_id=line.item_id,
                quantity=line.quantity,
                source_id=source.pk,
                target_id=line.location_id,
                unit_cost=line.unit_cost,
                serial=line.serial,
                note=_("Opening stock"),
            )
            for line in checked.lines
        ]
        ledger.post(
            organisation_id=scope.organisation.pk,
            kind=MoveKind.OPENING,
            lines=lines,
            user_id=scope.user.pk,
            document="import",
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=source,
            action="stock.opening_import",
            data={"count": len(lines), "file": filename[:200]},
        )
    return len(lines)
