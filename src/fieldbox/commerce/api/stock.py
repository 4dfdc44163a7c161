"""/api/v1 of sales and stock: stock — the locations (list, create, edit), the stock of a location (keyset pages by
item code), the moves (list with filters, a transfer, scrap, an inventory count, a correction) and the caller's
own van.

The same services and reads as the pages: the office sees and moves everything of its organisation; a
technician sees the warehouses and their own van and moves stock only from or to it. Another organisation's
location or move answers 404; bad input 422 naming the field; a role that may not act 403."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import selectors_stock as reads
from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import StockLocation, StockMove
from fieldbox.commerce.services import stock as locations
from fieldbox.commerce.services import stock_moves as moves
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import MAX_LIMIT, PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, errors_of

router = Router(tags=["stock"])


# ---- Schemas ------------------------------------------------------------------------------------------------


class LocationOut(Schema):
    id: int
    kind: LocationKind
    name: str
    code: str
    address: str
    keeper_id: int | None = Field(description="A van's technician")
    resource_id: int | None = Field(description="A van's resource on the calendars")
    customer_id: int | None
    supplier_id: int | None
    active: bool


class LocationTotalsOut(Schema):
    id: int
    kind: LocationKind
    name: str
    code: str
    keeper: str
    active: bool
    items: int = Field(description="How many items it holds (above zero)")
    value: str = Field(description="Their value at each item's last cost, in euro (a decimal, as text)")


class LocationIn(Schema):
    kind: Literal["warehouse", "van"] = "warehouse"
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    code: str = Field("", max_length=20)
    address: str = Field("", max_length=255)
    keeper_id: Count | None = Field(None, description="A van's technician (one van each)")
    resource_id: Count | None = Field(None, description="A van's resource on the calendars")
    active: bool = Field(True, strict=True)


class LocationPatch(Schema):
    name: str | None = Field(None, max_length=100, json_schema_extra=NOT_BLANK)
    code: str | None = Field(None, max_length=20)
    address: str | None = Field(None, max_length=255)
    keeper_id: Count | None = None
    resource_id: Count | None = None
    active: bool | None = Field(None, strict=True)


class BalanceOut(Schema):
    item_id: int
    code: str
    description: str
    unit: str
    barcode: str
    quantity: str = Field(description="A decimal with three places, as text")
    last_cost: str | None = Field(description="Euro, a decimal as text")
    value: str | None = Field(description="Quantity at last cost, rounded to the cent (as text)")
    reorder_level: str | None
    low: bool = Field(description="At or below the item's reorder level")


class BalancePage(Schema):
    location: LocationOut
    items: list[BalanceOut]
    next_cursor: str | None = Field(description="Give it as `cursor` for the next page")


class BalanceFilters(Schema):
    cursor: str | None = Field(None, max_length=40, description="`next_cursor` of the page before (an item code)")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    q: str = Field("", max_length=100, description="Code, description or barcode")
    below: bool = Field(False, description="Only the items at or below their reorder level")
    order: Literal["code", "-code"] = "code"


class MoveOut(Schema):
    id: int
    kind: MoveKind
    item_id: int
    item_code: str
    quantity: str = Field(description="A decimal with three places, as text")
    source_id: int
    source: str
    target_id: int
    target: str
    unit_cost: str | None = Field(description="Euro, a decimal as text")
    serial: str
    document: str = Field(description="What caused it: report, receipt, ddt… (empty: by hand)")
    document_id: int | None
    reverses_id: int | None = Field(description="The move this one corrects")
    reversed_by_id: int | None = Field(description="The correction of this move")
    note: str
    created_by: str | None
    created_at: datetime


class MovePage(Schema):
    items: list[MoveOut]
    next_cursor: int | None


class MoveFilters(PageFilters):
    location_id: int | None = Field(None, description="Only the moves from or to this location")
    item_id: int | None = Field(None, description="Only this item's")
    kind: MoveKind | None = None


class MoveIn(Schema):
    kind: Literal["transfer", "scrap", "adjustment"] = Field(
        description="transfer: from `source_id` to `target_id`; scrap: from `source_id`; adjustment: a count of "
        "`item_id` at `location_id` (`counted`)"
    )
    item_id: Count
    quantity: Amount | None = Field(None, description="Above zero, at most three decimals (transfer, scrap)")
    source_id: Count | None = None
    target_id: Count | None = None
    location_id: Count | None = Field(None, description="The counted location (adjustment)")
    counted: Amount | None = Field(None, description="What the count found, zero or more (adjustment)")
    serial: str = Field("", max_length=64, description="Required for an item tracked by serial number")
    note: str = Field("", max_length=255)


class ReverseIn(Schema):
    note: str = Field(max_length=255, json_schema_extra=NOT_BLANK, description="Why the move is corrected")


class MyVanOut(Schema):
    location: LocationOut | None = Field(description="None: the caller keeps no van")
    items: list[BalanceOut]
    next_cursor: str | None


# ---- Answers ------------------------------------------------------------------------------------------------


def _location(loc: StockLocation) -> dict[str, Any]:
    fields = ("kind", "name", "code", "address", "keeper_id", "resource_id", "customer_id", "supplier_id", "active")
    return {"id": loc.pk, **{f: getattr(loc, f) for f in fields}}


def text(value: Decimal | None) -> str | None:
    """A decimal as the API writes it: its digits as text (exact, never a float)."""
    return None if value is None else f"{value:f}"


def _balance(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "item_id": row["item_id"],
        "code": row["item__code"],
        "description": row["item__description"],
        "unit": row["item__unit"],
        "barcode": row["item__barcode"],
        "quantity": text(row["quantity"]),
        "last_cost": text(row["item__last_cost"]),
        "value": text(row["value"]),
        "reorder_level": text(row["item__reorder_level"]),
        "low": row["low"],
    }


def _move(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("id", "kind", "item_id", "source_id", "target_id", "serial")},
        "quantity": text(row["quantity"]),
        "unit_cost": text(row["unit_cost"]),
        **{k: row[k] for k in ("document", "document_id", "reverses_id", "note", "created_at")},
        "item_code": row["item__code"],
        "source": row["source__name"],
        "target": row["target__name"],
        "reversed_by_id": row["reversed_by__id"],
        "created_by": row["created_by__email"],
    }


def _move_out(request: HttpRequest, move: StockMove) -> dict[str, Any]:
    row = reads.moves_for(scope_of(request)).filter(pk=move.pk).values(*reads.MOVE_COLUMNS).get()
    return _move(row)


def _stock(location: StockLocation, filters: BalanceFilters) -> tuple[list[dict[str, Any]], str | None]:
    wanted = reads.StockFilters(text=filters.q, below=filters.below, descending=filters.order == "-code")
    rows, cursor = reads.stock_page(location, wanted, filters.cursor, filters.limit)
    return [_balance(r) for r in rows], cursor


# ---- Locations ----------------------------------------------------------------------------------------------


@router.get(
    "/stock/locations",
    response={200: list[LocationTotalsOut], **errors_of(403)},
    summary="The stock locations the caller sees, with how many items each holds and their value",
    description="The office: every location of its organisation; a technician: the warehouses and their own van.",
)
def stock_location_list(request: HttpRequest, kind: LocationKind | None = None) -> Any:
    rows = reads.locations_with_totals(scope_of(request), (kind,) if kind else ())
    return [{**r, "value": text(r["value"])} for r in rows]


@router.post(
    "/stock/locations",
    response={201: LocationOut, **errors_of(403, 422)},
    summary="Create a warehouse or a technician's van (the office)",
)
def stock_location_create(request: HttpRequest, payload: LocationIn) -> Any:
    data = payload.dict()
    made = locations.location_create(scope=scope_of(request), kind=data.pop("kind"), data=data)
    return Status(201, _location(made))


@router.patch(
    "/stock/locations/{location_id}",
    response={200: LocationOut, **errors_of(403, 404, 422)},
    summary="Change a warehouse or a van (the office); the fields left out stay",
)
def stock_location_edit(request: HttpRequest, location_id: int, payload: LocationPatch) -> Any:
    changed = locations.location_edit(
        scope=scope_of(request), location_id=location_id, data=payload.dict(exclude_unset=True)
    )
    return _location(changed)


@router.get(
    "/stock/locations/{location_id}/balances",
    response={200: BalancePage, **errors_of(403, 404)},
    summary="The stock of one location, by item code",
    description="Keyset pages: give `next_cursor` as `cursor`. Items with nothing there are left out.",
)
def stock_balance_list(request: HttpRequest, location_id: int, filters: Query[BalanceFilters]) -> Any:
    location = reads.location_for(scope_of(request), location_id)
    items, cursor = _stock(location, filters)
    return {"location": _location(location), "items": items, "next_cursor": cursor}


@router.get(
    "/stock/my-van",
    response={200: MyVanOut, **errors_of(403)},
    summary="The stock of the caller's own van",
)
def stock_my_van(request: HttpRequest, filters: Query[BalanceFilters]) -> Any:
    scope = scope_of(request)
    van = reads.locations_for(scope).filter(kind=LocationKind.VAN, keeper=scope.user).first()
    if van is None:
        return {"location": None, "items": [], "next_cursor": None}
    items, cursor = _stock(van, filters)
    return {"location": _location(van), "items": items, "next_cursor": cursor}


# ---- Moves --------------------------------------------------------------------------------------------------


@router.get(
    "/stock/moves",
    response={200: MovePage, **errors_of(403, 404)},
    summary="Stock moves, newest first",
    description="Of a location (from or to it), an item, a kind; keyset pages (`next_cursor`).",
)
def stock_move_list(request: HttpRequest, filters: Query[MoveFilters]) -> Any:
    scope = scope_of(request)
    if filters.location_id is not None:
        reads.location_for(scope, filters.location_id)
    else:
        reads.locations_for(scope)  # the role check
    qs = reads.moves_for(scope, location_id=filters.location_id, item_id=filters.item_id, kind=filters.kind or "")
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit, values=reads.MOVE_COLUMNS)
    return {"items": [_move(r) for r in rows], "next_cursor": cursor}


@router.post(
    "/stock/moves",
    response={201: MoveOut | None, **errors_of(403, 422)},
    summary="Move stock by hand: a transfer, scrap or an inventory count",
    description="A technician moves stock only from or to their own van (taking stock from a warehouse "
    "included); counts are the office's. Where the organisation forbids stock below zero, a move that would "
    "leave a warehouse or a van below zero is refused (422 on `quantity`). A count that agrees with the stock "
    "answers 201 with no body (`null`).",
)
def stock_move_create(request: HttpRequest, payload: MoveIn) -> Any:
    scope = scope_of(request)
    common: dict[str, Any] = {
        "scope": scope,
        "item_id": payload.item_id,
        "serial": payload.serial,
        "note": payload.note,
    }
    if payload.kind == "transfer":
        made = moves.transfer(
            **common, quantity=payload.quantity, source_id=payload.source_id, target_id=payload.target_id
        )
    elif payload.kind == "scrap":
        made = moves.scrap(**common, quantity=payload.quantity, source_id=payload.source_id)
    else:
        found = moves.adjust(**common, location_id=payload.location_id, counted=payload.counted)
        if found is None:
            return Status(201, None)
        made = found
    return Status(201, _move_out(request, made))


@router.post(
    "/stock/moves/{move_id}/reverse",
    response={201: MoveOut, **errors_of(403, 404, 422)},
    summary="Correct a move: a reverse move with its reason (the office)",
    description="A move is corrected once; a correction is not corrected (post the move again instead).",
)
def stock_move_reverse(request: HttpRequest, move_id: int, payload: ReverseIn) -> Any:
    made = moves.correct(scope=scope_of(request), move_id=move_id, note=payload.note)
    return Status(201, _move_out(request, made))
