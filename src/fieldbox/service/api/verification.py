"""/api/v1: the final verification (SYS "verifica intervento finale"), for admins only — the queue of done work
orders and resolved calls not yet verified, the lines one proposes (as recorded, covered where a contract covers
its equipment) or, once verified, the lines as verified, and verifying it with the admin's corrections.

The same services and rules as the screen: a technician or the office gets 403, another organisation's record 404,
a work order not done or a call verified already 409, a correction without a reason or a negative quantity 422
(field ``lines``, naming the line)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Amount, Count, QueryDay, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_verification as reads
from fieldbox.service.models.verification import VerifiedLineKind
from fieldbox.service.selectors_verification import Line, Proposal, QueueKind
from fieldbox.service.services import verification as services
from fieldbox.service.services.verification import Correction

router = Router(tags=["final verification"])
Kind = Literal["work_order", "call"]


# ---- Schemas ------------------------------------------------------------------------------------------------


class QueueFilters(PageFilters):
    kind: Kind = Field("work_order", description="Work orders done, or calls resolved or closed")
    customer_id: int | None = Field(None, description="Only this customer's")
    technician_id: int | None = Field(None, description="Only those of this person (lead, helper, assignee)")
    date_from: QueryDay | None = Field(None, description="Ended on this day or later (the organisation's clock)")
    date_to: QueryDay | None = Field(None, description="Ended on this day or earlier")


class QueueRow(Schema):
    kind: Kind
    id: int
    number: str
    status: str
    customer_id: int | None
    person_id: int | None = Field(description="The lead technician of a work order, the assignee of a call")
    ended_at: datetime | None


class QueuePage(Schema):
    items: list[QueueRow]
    next_cursor: int | None


class VerifiedLineOut(Schema):
    key: str = Field(description="The recorded line it comes from (`time_entry:12`, `material:3`, `expense:5`, "
                     "`charge:7`) or `added:<id>`")  # fmt: skip
    kind: VerifiedLineKind
    description: str
    day: date | None
    quantity: str = Field(description="A decimal, as text (the hours of a timed line)")
    unit: str
    minutes: int | None
    unit_price: str | None = Field(description="Its own price; empty: the price list's")
    amount: str | None = Field(description="At its own price, rounded once; empty without one")
    covered: bool = Field(description="Covered by the contract: not billed")
    billable: bool
    dropped: bool
    reason: str = Field(description="Why it differs from what was recorded")
    recorded: dict[str, Any] = Field(description="What was recorded, when the admin changed it")
    work_type_id: int | None
    item_code: str


class TotalsOut(Schema):
    minutes: int
    billable_minutes: int
    parts: str
    expenses: str
    billable_amount: str
    unpriced: int = Field(description="Billable lines without a price of their own (priced from the price list)")


class LinesOut(Schema):
    lines: list[VerifiedLineOut]
    totals: TotalsOut


class VerificationOut(Schema):
    kind: Kind
    id: int
    number: str
    status: str
    customer_id: int | None
    contract_id: int | None = Field(description="The contract covering the equipment, if any")
    contract_number: str | None
    recorded: LinesOut = Field(description="The lines as recorded (proposed)")
    verified: LinesOut | None = Field(description="The lines as verified; empty until verified")
    verification_id: int | None
    verified_by_id: int | None
    verified_at: datetime | None
    note: str


class CorrectionIn(Schema):
    """A change to a proposed line (``key``), or a line added (no ``key``: ``kind`` and ``description``)."""

    key: str = Field("", max_length=40)
    quantity: Amount | None = None
    minutes: Count | None = Field(None, description="For labour and call time: the quantity follows (hours)")
    unit_price: Amount | None = None
    covered: bool | None = Field(None, strict=True)
    billable: bool | None = Field(None, strict=True)
    drop: bool = Field(False, strict=True)
    reason: str = Field("", max_length=500, description="Required when the line differs from what was recorded")
    kind: VerifiedLineKind | Literal[""] = ""
    description: str = Field("", max_length=255)
    item_code: str = Field("", max_length=40)


class VerifyIn(Schema):
    note: str = Field("", max_length=5000)
    lines: list[CorrectionIn] = Field(default_factory=list, max_length=services.MOST_LINES)


# ---- Answers ------------------------------------------------------------------------------------------------


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.VERIFICATION_READERS)
    return scope


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _line(line: Line) -> dict[str, Any]:
    return {
        "key": line.key,
        "kind": line.kind,
        "description": line.description,
        "day": line.day,
        "quantity": f"{line.quantity:.2f}",
        "unit": line.unit,
        "minutes": line.minutes,
        "unit_price": _money(line.unit_price),
        "amount": _money(line.amount),
        "covered": line.covered,
        "billable": line.billable,
        "dropped": line.dropped,
        "reason": line.reason,
        "recorded": line.recorded,
        "work_type_id": line.work_type_id,
        "item_code": line.item_code,
    }


def _lines(proposal: Proposal) -> dict[str, Any]:
    t = proposal.totals
    totals = {
        "minutes": t.minutes,
        "billable_minutes": t.billable_minutes,
        "parts": f"{t.parts:.2f}",
        "expenses": f"{t.expenses:.2f}",
        "billable_amount": f"{t.billable_amount:.2f}",
        "unpriced": t.unpriced,
    }
    return {"lines": [_line(line) for line in proposal.lines], "totals": totals}


def _answer(kind: str, record: Any, recorded: Proposal, verified: Proposal | None) -> dict[str, Any]:
    v = verified.verification if verified else None
    contract = verified.contract if verified else recorded.contract
    return {
        "kind": kind,
        "id": record.pk,
        "number": record.number,
        "status": record.status,
        "customer_id": record.customer_id,
        "contract_id": contract.pk if contract else None,
        "contract_number": contract.number if contract else None,
        "recorded": _lines(recorded),
        "verified": _lines(verified) if verified else None,
        "verification_id": v.pk if v else None,
        "verified_by_id": v.verified_by_id if v else None,
        "verified_at": v.verified_at if v else None,
        "note": v.note if v else "",
    }


def _work_order(scope: Scope, pk: int) -> dict[str, Any]:
    order = reads.work_order_for(scope, pk)
    return _answer(QueueKind.WORK_ORDER, order, *reads.screen_of_work_order(order))


def _call(scope: Scope, pk: int) -> dict[str, Any]:
    ticket = reads.call_for(scope, pk)
    return _answer(QueueKind.CALL, ticket, *reads.screen_of_call(ticket))


def _corrections(payload: VerifyIn) -> list[Correction]:
    return [Correction(**c.dict()) for c in payload.lines]


# ---- Operations ---------------------------------------------------------------------------------------------


@router.get(
    "/verification/queue",
    response={200: QueuePage, **errors_of(403, 422)},
    summary="Done work orders (or resolved calls) not yet verified, newest first",
    description="Admins only. Narrowed to a customer, a person and the days they ended; keyset pages.",
)
def verification_queue(request: HttpRequest, filters: Query[QueueFilters]) -> Any:
    scope = _reader(request)
    wanted = reads.Filters(
        kind=filters.kind,
        customer_id=filters.customer_id,
        technician_id=filters.technician_id,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    if filters.kind == QueueKind.CALL:
        tickets, cursor = keyset_page(reads.calls_to_verify(scope, wanted), filters.cursor, filters.limit)
        items = [
            {
                "kind": "call",
                "id": t.pk,
                "number": t.number,
                "status": t.status,
                "customer_id": t.customer_id,
                "person_id": t.assignee_id,
                "ended_at": t.resolved_at or t.closed_at,
            }
            for t in tickets
        ]
    else:
        orders, cursor = keyset_page(reads.work_orders_to_verify(scope, wanted), filters.cursor, filters.limit)
        items = [
            {
                "kind": "work_order",
                "id": o.pk,
                "number": o.number,
                "status": o.status,
                "customer_id": o.customer_id,
                "person_id": o.technician_id,
                "ended_at": o.closed_at,
            }
            for o in orders
        ]
    return {"items": items, "next_cursor": cursor}


@router.get(
    "/verification/work-orders/{work_order_id}",
    response={200: VerificationOut, **errors_of(403, 404)},
    summary="A work order's lines: as recorded (proposed) and, once verified, as verified",
)
def verification_work_order_get(request: HttpRequest, work_order_id: int) -> Any:
    return _work_order(_reader(request), work_order_id)


@router.post(
    "/verification/work-orders/{work_order_id}",
    response={201: VerificationOut, **errors_of(403, 404, 409, 422)},
    summary="Verify a done work order, with the admin's corrections",
    description="`lines` lists only what changes: a proposed line by its `key`, or a line added (no key). Every "
    "change needs a `reason`. The work order becomes verified, ready to bill; what was recorded never changes.",
)
def verification_work_order_verify(request: HttpRequest, work_order_id: int, payload: VerifyIn) -> Any:
    scope = _reader(request)
    services.verify_work_order(
        scope=scope, work_order_id=work_order_id, corrections=_corrections(payload), note=payload.note
    )
    return Status(201, _work_order(scope, work_order_id))


@router.get(
    "/verification/calls/{ticket_id}",
    response={200: VerificationOut, **errors_of(403, 404)},
    summary="A call's lines (its charges): as recorded and, once verified, as verified",
)
def verification_call_get(request: HttpRequest, ticket_id: int) -> Any:
    return _call(_reader(request), ticket_id)


@router.post(
    "/verification/calls/{ticket_id}",
    response={201: VerificationOut, **errors_of(403, 404, 409, 422)},
    summary="Verify a resolved or closed call, with the admin's corrections (once only)",
)
def verification_call_verify(request: HttpRequest, ticket_id: int, payload: VerifyIn) -> Any:
    scope = _reader(request)
    services.verify_call(scope=scope, ticket_id=ticket_id, corrections=_corrections(payload), note=payload.note)
    return Status(201, _call(scope, ticket_id))
