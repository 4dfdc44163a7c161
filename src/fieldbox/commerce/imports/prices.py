"""The prices of one price list from a spreadsheet: ``item_code``, ``price``, ``valid_from`` and (optional)
``valid_to``. Every row checked at once — the items in one query, the list's prices of those items in one more —
and refused when two prices of an item (in the file, or in the file and on the list) cover the same day. All or
nothing, under the list's lock (the same rule as ``services.catalogue_prices.price_add``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fieldbox.commerce import pricing
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.imports.common import Checked, cell, day, header, optional_day, records, refuse
from fieldbox.commerce.models import Price, PriceList
from fieldbox.commerce.services.catalogue_prices import shown_day
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError

REQUIRED = ("item_code", "price", "valid_from")
OPTIONAL = ("valid_to",)
COLUMNS = REQUIRED + OPTIONAL


@dataclass(frozen=True)
class Line:
    row: int
    item_id: int
    code: str
    price: Decimal
    valid_from: date
    valid_to: date | None


def _overlaps(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or a_to >= b_from) and (b_to is None or b_to >= a_from)


def _clash(number: int, other: str, start: date, end: date | None) -> RowError:
    message = _("The validity overlaps %(other)s, valid from %(start)s to %(end)s.") % {
        "other": other,
        "start": shown_day(start),
        "end": shown_day(end),
    }
    return RowError(number, "valid_from", message)


def _read_row(errors: list[RowError], number: int, values: dict[str, str], ids: dict[str, int]) -> Line | None:
    before = len(errors)
    code = values["item_code"].strip()
    if not code:
        errors.append(RowError(number, "item_code", _("The item code is missing.")))
    elif code.lower() not in ids:
        errors.append(RowError(number, "item_code", _("No item of yours has the code %(code)s.") % {"code": code}))
    amount = cell(errors, number, "price", lambda: pricing.price(values["price"], "price"))
    start = cell(errors, number, "valid_from", lambda: day(values["valid_from"], "valid_from"))
    end = cell(errors, number, "valid_to", lambda: optional_day(values.get("valid_to", ""), "valid_to"))
    if start is not None and end is not None and end < start:
        errors.append(RowError(number, "valid_to", _("The last day comes on or after the first one.")))
    if len(errors) > before:
        return None
    return Line(number, ids[code.lower()], code, amount, start, end)


@dataclass
class PricesChecked(Checked[Line]):
    """The lines, and the list's prices that end the day before a new price of the file starts (``close_current``)."""

    closes: dict[int, date] = field(default_factory=dict)


def _kept(price_list: PriceList, item_ids: set[int]) -> dict[int, list[tuple[int, date, date | None]]]:
    """The list's prices of those items, in one query."""
    on_list: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    rows = Price.objects.filter(price_list=price_list, item_id__in=item_ids)
    for pk, item_id, start, end in rows.values_list("pk", "item_id", "valid_from", "valid_to"):
        on_list[item_id].append((pk, start, end))
    return on_list


def _closing(result: PricesChecked, on_list: dict[int, list[tuple[int, date, date | None]]]) -> None:
    """The price in force when an item's first new price starts, begun before it, ends the day before."""
    first: dict[int, date] = {}
    for line in result.lines:
        first[line.item_id] = min(first.get(line.item_id, line.valid_from), line.valid_from)
    for item_id, start_new in first.items():
        kept = []
        for pk, start, end in on_list[item_id]:
            if start < start_new and (end is None or end >= start_new):
                end = start_new - timedelta(days=1)
                result.closes[pk] = end
            kept.append((pk, start, end))
        on_list[item_id] = kept


def check(scope: Scope, price_list: PriceList, rows: list[Row], *, close_current: bool = False) -> PricesChecked:
    where = header(rows, REQUIRED, OPTIONAL)
    found = records(rows, where, _("The file has no price rows under its header."))
    codes = {values["item_code"].strip() for _n, values in found if values["item_code"].strip()}
    ids = {code.lower(): pk for pk, code in reads.items_for(scope).filter(code__in=codes).values_list("pk", "code")}
    result = PricesChecked()
    for number, values in found:
        line = _read_row(result.errors, number, values, ids)
        if line is not None:
            result.lines.append(line)
    on_list = _kept(price_list, set(ids.values()))
    if close_current:
        _closing(result, on_list)
    seen: dict[int, list[Line]] = defaultdict(list)
    for line in result.lines:
        for _pk, start, end in on_list[line.item_id]:
            if _overlaps(line.valid_from, line.valid_to, start, end):
                what = _("a price of %(code)s on the list") % {"code": line.code}
                result.errors.append(_clash(line.row, what, start, end))
                break
        for other in seen[line.item_id]:
            if _overlaps(line.valid_from, line.valid_to, other.valid_from, other.valid_to):
                what = _("the price of row %(row)s") % {"row": other.row}
                result.errors.append(_clash(line.row, what, other.valid_from, other.valid_to))
                break
        seen[line.item_id].append(line)
    result.errors.sort(key=lambda e: e.row)
    return result


def load(*, scope: Scope, price_list_id: int, rows: list[Row], filename: str = "", close_current: bool = False) -> int:
    """Check the rows again under the list's lock and write every price (all or none), ending the prices in force
    the day before the new ones start when ``close_current``."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    with transaction.atomic():
        price_list = reads.price_lists_for(scope).select_for_update().get(pk=price_list_id)
        checked = check(scope, price_list, rows, close_current=close_current)
        if not checked.ok:
            raise refuse(_("Correct the errors of the file first: nothing was loaded."))
        closing = list(Price.objects.filter(pk__in=list(checked.closes)))
        for price in closing:
            price.valid_to = checked.closes[price.pk]
        Price.objects.bulk_update(closing, ["valid_to"])
        Price.objects.bulk_create(
            [
                Price(
                    price_list=price_list,
                    item_id=line.item_id,
                    price=line.price,
                    valid_from=line.valid_from,
                    valid_to=line.valid_to,
                )
                for line in checked.lines
            ],
            batch_size=1000,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=price_list,
            action="price.import",
            data={"count": len(checked.lines), "closed": len(closing), "file": filename[:200]},
        )
    return len(checked.lines)
