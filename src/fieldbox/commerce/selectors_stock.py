"""Reads of the warehouse: the locations a person sees (the office every one of its organisation; a technician
the warehouses and their own van), the stock of one location (keyset pages by item code, read with ``.values()``),
the moves of a location or an item (newest first, keyset pages by id), the items below their reorder level."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from fieldbox.commerce.choices import COUNTED_LOCATIONS, STOCK_KEEPERS, LocationKind
from fieldbox.commerce.models import Item, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services.stock import STOCK_MOVERS
from fieldbox.core.money import rounded
from fieldbox.core.pagination import MAX_LIMIT
from fieldbox.core.tenancy import Scope

STOCK_READERS = STOCK_MOVERS
# The columns of a stock row (the page, the export and the API read the same).
STOCK_COLUMNS = (
    "item_id",
    "item__code",
    "item__description",
    "item__unit",
    "item__barcode",
    "item__last_cost",
    "item__reorder_level",
    "quantity",
)
MOVE_COLUMNS = (
    "id",
    "kind",
    "item_id",
    "item__code",
    "item__description",
    "quantity",
    "source_id",
    "source__name",
    "target_id",
    "target__name",
    "unit_cost",
    "serial",
    "document",
    "document_id",
    "reverses_id",
    "reversed_by__id",
    "note",
    "created_by__email",
    "created_at",
)
ZERO = Decimal(0)


def _reader(scope: Scope) -> None:
    if scope.role not in STOCK_READERS:
        raise PermissionDenied


def locations_for(scope: Scope) -> QuerySet[StockLocation]:
    """The locations a person sees: every one of the organisation for the office; for a technician the
    warehouses and their own van."""
    _reader(scope)
    rows = StockLocation.objects.visible_to(scope)
    if scope.role not in STOCK_KEEPERS:
        rows = rows.filter(Q(kind=LocationKind.WAREHOUSE) | Q(kind=LocationKind.VAN, keeper=scope.user))
    return rows


def location_for(scope: Scope, location_id: int) -> StockLocation:
    """One location the person sees (``DoesNotExist`` otherwise: 404)."""
    return locations_for(scope).select_related("keeper", "resource").get(pk=location_id)


def locations_with_totals(scope: Scope, kinds: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The locations with how many items they hold and their value at last cost, warehouses and vans first."""
    value = ExpressionWrapper(F("balances__quantity") * F("balances__item__last_cost"), output_field=DecimalField())
    rows = locations_for(scope)
    if kinds:
        rows = rows.filter(kind__in=kinds)
    held = Q(balances__quantity__gt=0)
    found: list[dict[str, Any]] = [
        dict(row)
        for row in rows.annotate(
            items=Coalesce(Sum(Value(1), filter=held), 0),
            value=Coalesce(Sum(value, filter=held), Value(ZERO), output_field=DecimalField()),
        ).values(
            "id",
            "kind",
            "name",
            "code",
            "keeper_id",
            "keeper__first_name",
            "keeper__last_name",
            "keeper__email",
            "active",
            "items",
            "value",
        )
    ]
    order = {kind: n for n, kind in enumerate(COUNTED_LOCATIONS)}
    for row in found:
        row["value"] = rounded(Decimal(row["value"] or 0))
        keeper = f"{row['keeper__first_name'] or ''} {row['keeper__last_name'] or ''}".strip()
        row["kind_label"] = str(LocationKind(row["kind"]).label)
        row["keeper"] = keeper or row["keeper__email"] or ""
    found.sort(key=lambda r: (order.get(r["kind"], 9), not r["active"], r["name"].lower()))
    return found


@dataclass(frozen=True)
class StockFilters:
    text: str = ""
    below: bool = False  # only the items at or below their reorder level
    descending: bool = False
    with_zero: bool = False  # also the items whose balance is zero


def stock_rows(location: StockLocation, filters: StockFilters) -> QuerySet[StockBalance]:
    """The balances of one location (the caller found it through ``location_for``), sorted by item code."""
    # The item's organisation named too: PostgreSQL then walks the items by code (index ``item_code_once``) and
    # stops after a page, instead of sorting every item of a big warehouse.
    rows = StockBalance.objects.filter(location=location, item__organisation_id=location.organisation_id)
    if not filters.with_zero:
        rows = rows.exclude(quantity=0)
    text = filters.text.strip()
    if text:
        rows = rows.filter(Q(item__code__icontains=text) | Q(item__description__icontains=text) | Q(item__barcode=text))
    if filters.below:
        rows = rows.filter(item__reorder_level__isnull=False, quantity__lte=F("item__reorder_level"))
    return rows.order_by("-item__code" if filters.descending else "item__code")


def stock_page(
    location: StockLocation, filters: StockFilters, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of a location's stock: rows after the item code ``after`` and the code of the next page's
    start (None on the last page). Each row also carries ``value`` (at last cost) and ``low`` (reorder level)."""
    limit = max(1, min(limit, MAX_LIMIT))
    rows = stock_rows(location, filters)
    if after:
        rows = rows.filter(item__code__lt=after) if filters.descending else rows.filter(item__code__gt=after)
    found = [described(row) for row in rows.values(*STOCK_COLUMNS)[: limit + 1]]
    if len(found) <= limit:
        return found, None
    return found[:limit], str(found[limit - 1]["item__code"])


def described(row: dict[str, Any]) -> dict[str, Any]:
    cost, level, quantity = row["item__last_cost"], row["item__reorder_level"], row["quantity"]
    row["value"] = rounded(quantity * cost) if cost is not None else None
    row["low"] = level is not None and quantity <= level
    return row


def moves_for(
    scope: Scope, *, location_id: int | None = None, item_id: int | None = None, kind: str = ""
) -> QuerySet[StockMove]:
    """The moves a person sees (those of the locations they see), of one location or one item, newest first by id
    (``core.pagination.keyset_page``)."""
    rows = StockMove.objects.visible_to(scope)
    if scope.role not in STOCK_KEEPERS:
        seen = locations_for(scope).values("pk")
        rows = rows.filter(Q(source__in=seen) | Q(target__in=seen))
    if location_id is not None:
        rows = rows.filter(Q(source_id=location_id) | Q(target_id=location_id))
    if item_id is not None:
        rows = rows.filter(item_id=item_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def below_reorder(scope: Scope) -> QuerySet[Item]:
    """The items kept in stock whose stock in the warehouses and vans is at or below their reorder level."""
    _reader(scope)
    held = Q(balances__location__kind__in=COUNTED_LOCATIONS)
    return (
        Item.objects.visible_to(scope)
        .filter(tracked=True, active=True, reorder_level__isnull=False)
        .annotate(on_hand=Coalesce(Sum("balances__quantity", filter=held), Value(ZERO), output_field=DecimalField()))
        .filter(on_hand__lte=F("reorder_level"))
        .order_by("code")
    )


def items_for_moves(scope: Scope, text: str, limit: int = 20) -> QuerySet[Item]:
    """Items kept in stock found by code, barcode or description (the move forms)."""
    rows = Item.objects.visible_to(scope).filter(tracked=True, active=True)
    text = text.strip()
    if text:
        rows = rows.filter(
            Q(code__iexact=text) | Q(barcode=text) | Q(code__icontains=text) | Q(description__icontains=text)
        )
    return rows.order_by("code")[:limit]


def item_by_code(scope: Scope, text: str) -> Item | None:
    """The item with this code (any case) or barcode, as typed or scanned."""
    text = text.strip()
    if not text:
        return None
    rows = Item.objects.visible_to(scope)
    return rows.filter(code__iexact=text).first() or rows.filter(barcode=text).first()
