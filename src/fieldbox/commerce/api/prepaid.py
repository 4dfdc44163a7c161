"""/api/v1 of prepaid pay-per-call minutes: packages (list, read, sell), their moves (the ledger), minutes used by
hand, a move reversed.

The office sells, uses and reverses; the back office reads. The balance is the sum of the moves. Another
organisation's package answers 404; an expired package refuses a use with 409; bad input answers 422 naming the
field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import selectors_prepaid as reads
from fieldbox.commerce.choices import MinuteMoveKind
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services import prepaid as services
from fieldbox.core import clock
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NUMBER, Amount, Count, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["prepaid"])


Minutes = Annotated[int, Field(ge=1, le=services.MAX_MINUTES), NUMBER]
Block = Annotated[int, Field(ge=1, le=services.MAX_BLOCK), NUMBER]
Least = Annotated[int, Field(ge=0, le=services.MAX_BLOCK), NUMBER]
Low = Annotated[int, Field(ge=0, le=services.MAX_MINUTES), NUMBER]


class PackageIn(Schema):
    customer_id: Count
    minutes: Minutes = Field(description="Minutes bought")
    price: Amount = Field(description="What the customer pays, VAT excluded (at most two decimals)")
    rounding_minutes: Block = Field(15, description="Calls use minutes in blocks of")
    minimum_minutes: Least = Field(15, description="At least this many per call")
    valid_from: WrittenDate | None = Field(None, description="Empty: today")
    valid_until: WrittenDate | None = Field(None, description="Empty: no end")
    low_minutes: Low = Field(60, description="At or below it the office is told")
    tell_customer: bool = Field(False, strict=True, description="Tell the customer's contact too")
    contact_id: Count | None = Field(None, description="The contact told; empty: the customer's default one")
    allow_overdraft: bool = Field(False, strict=True, description="Without it a call beyond the balance is billed")
    notes: str = Field("", max_length=500)


class UseIn(Schema):
    minutes: Minutes = Field(description="Taken as written (no rounding)")
    reason: str = Field(max_length=500)


class MinuteReverseIn(Schema):
    reason: str = Field(max_length=500)


class PackageOut(Schema):
    id: int
    number: str
    customer_id: int
    minutes: int
    price: str
    rounding_minutes: int
    minimum_minutes: int
    valid_from: date
    valid_until: date | None
    low_minutes: int
    tell_customer: bool
    allow_overdraft: bool
    contact_id: int | None
    notes: str
    balance: int = Field(description="The minutes left: the sum of the moves")
    valid: bool = Field(description="Valid today")
    created_at: datetime


class MinuteMoveOut(Schema):
    id: int
    package_id: int
    kind: MinuteMoveKind
    minutes: int = Field(description="+ bought, - used")
    ticket_id: int | None
    charge_id: int | None
    billed_id: int | None = Field(description="The charge billed for the minutes beyond the balance")
    reverses_id: int | None
    note: str
    at: datetime
    by_id: int | None


class PackagePage(Schema):
    items: list[PackageOut]
    next_cursor: int | None


class MinuteMovePage(Schema):
    items: list[MinuteMoveOut]
    next_cursor: int | None


class PackageFilters(PageFilters):
    customer_id: int | None = None
    valid: bool | None = Field(None, description="Valid today (true) or not (false)")
    low: bool = Field(False, description="Only those at or below their low threshold")


PACKAGE = (
    "number",
    "customer_id",
    "minutes",
    "rounding_minutes",
    "minimum_minutes",
    "valid_from",
    "valid_until",
    "low_minutes",
    "tell_customer",
    "allow_overdraft",
    "contact_id",
    "notes",
    "created_at",
)
MOVE = ("package_id", "kind", "minutes", "ticket_id", "charge_id", "billed_id", "reverses_id", "note", "at", "by_id")


def _today(scope: Scope) -> date:
    return clock.today(scope.organisation.time_zone)


def _package(package: PrepaidPackage, today: date) -> dict[str, Any]:
    return {
        "id": package.pk,
        **{f: getattr(package, f) for f in PACKAGE},
        "price": f"{package.price:.2f}",
        "balance": package.balance,  # type: ignore[attr-defined]
        "valid": services.is_valid(package, today),
    }


def _move(move: MinuteMove) -> dict[str, Any]:
    return {"id": move.pk, **{f: getattr(move, f) for f in MOVE}}


@router.get(
    "/prepaid-packages",
    response={200: PackagePage, **errors_of(403, 422)},
    summary="The prepaid packages, newest first, with their balance",
)
def package_list(request: HttpRequest, filters: Query[PackageFilters]) -> Any:
    scope = scope_of(request)
    today = _today(scope)
    customers = [filters.customer_id] if filters.customer_id else None
    rows = reads.packages_filtered(scope, customer_ids=customers, valid=filters.valid, low=filters.low, day=today)
    items, cursor = keyset_page(rows, filters.cursor, filters.limit)
    return {"items": [_package(p, today) for p in items], "next_cursor": cursor}


@router.get(
    "/prepaid-packages/{int:package_id}",
    response={200: PackageOut, **errors_of(403, 404)},
    summary="One prepaid package with its balance",
)
def package_get(request: HttpRequest, package_id: int) -> Any:
    scope = scope_of(request)
    return _package(reads.package_for(scope, package_id), _today(scope))


@router.post(
    "/prepaid-packages",
    response={201: PackageOut, **errors_of(403, 422)},
    summary="Sell a package of minutes to a customer (numbered; its purchase is the first move)",
)
def package_create(request: HttpRequest, payload: PackageIn) -> Any:
    scope = scope_of(request)
    data = payload.dict(exclude={"customer_id"})
    package = services.package_create(scope=scope, customer_id=payload.customer_id, data=data)
    return Status(201, _package(reads.package_for(scope, package.pk), _today(scope)))


@router.get(
    "/prepaid-packages/{int:package_id}/moves",
    response={200: MinuteMovePage, **errors_of(403, 404, 422)},
    summary="The package's ledger, newest first",
)
def move_list(request: HttpRequest, package_id: int, filters: Query[PageFilters]) -> Any:
    rows = reads.moves_for(scope_of(request), package_id)
    items, cursor = keyset_page(rows, filters.cursor, filters.limit)
    return {"items": [_move(m) for m in items], "next_cursor": cursor}


@router.post(
    "/prepaid-packages/{int:package_id}/use",
    response={201: MinuteMoveOut, **errors_of(403, 404, 409, 422)},
    summary="Use minutes by hand, with a reason (409 on an expired package; 422 beyond the balance)",
)
def package_use(request: HttpRequest, package_id: int, payload: UseIn) -> Any:
    move = services.minutes_use(
        scope=scope_of(request), package_id=package_id, minutes=payload.minutes, reason=payload.reason
    )
    return Status(201, _move(move))


@router.post(
    "/prepaid-moves/{int:move_id}/reverse",
    response={201: MinuteMoveOut, **errors_of(403, 404, 409, 422)},
    summary="Reverse one move with a reason: a new move of the opposite minutes pointing to it",
)
def move_reverse(request: HttpRequest, move_id: int, payload: MinuteReverseIn) -> Any:
    move = services.move_reverse(scope=scope_of(request), move_id=move_id, reason=payload.reason)
    return Status(201, _move(move))
