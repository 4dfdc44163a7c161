"""/api/v1 of sales and stock: buying — supplier orders (list, read, create, edit, send, cancel), the goods received
against them (create, list), the month-end cost check (the lines waiting for it, a check against an invoice) and
the materials left with customers waiting to be billed.

The same services as the office's pages: another organisation's order answers 404, a state that does not allow the
move 409, a role that may not buy 403, bad input 422 naming the field (a line is named in the message)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from fieldbox.commerce import selectors_buying as reads
from fieldbox.commerce.choices import PURCHASE_TABLE, PurchaseStatus
from fieldbox.commerce.models import Billable, CostCheck, PurchaseOrder, Receipt, ReceiptLine
from fieldbox.commerce.services import buying as services
from fieldbox.commerce.services import buying_mail
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Amount, Count, QueryDay, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["buying"])


# ---- Schemas ------------------------------------------------------------------------------------------------


class PurchaseLineIn(Schema):
    item_id: Count
    quantity: Amount = Field(description="Above zero, at most three decimals")
    unit_cost: Amount | None = Field(None, description="Empty: the item's last cost from this supplier")


class PurchaseIn(Schema):
    supplier_id: Count
    location_id: Count = Field(description="The warehouse (or van) the goods are delivered to")
    expected_on: WrittenDate | None = None
    notes: str = Field("", max_length=5000)
    lines: list[PurchaseLineIn]


class PurchaseEditIn(Schema):
    location_id: Count
    expected_on: WrittenDate | None = None
    notes: str = Field("", max_length=5000)
    lines: list[PurchaseLineIn] = Field(description="Replace the order's lines")


class PurchaseLineOut(Schema):
    id: int
    item_id: int
    item_code: str
    description: str
    quantity: str
    received: str
    unit_cost: str


class PurchaseRow(Schema):
    id: int
    number: str
    status: PurchaseStatus
    supplier_id: int
    location_id: int
    expected_on: date | None
    sent_at: datetime | None
    created_at: datetime
    changed_at: datetime


class PurchaseOut(PurchaseRow):
    notes: str
    lines: list[PurchaseLineOut]
    actions: list[str] = Field(description="The moves the caller may make now (PURCHASE_TABLE)")


class PurchasePage(Schema):
    items: list[PurchaseRow]
    next_cursor: int | None


class PurchaseFilters(PageFilters):
    status: PurchaseStatus | None = None
    supplier_id: int | None = None


class PurchaseCancelIn(Schema):
    reason: str = Field("", max_length=500)


class ReceivedLineIn(Schema):
    order_line_id: Count
    quantity: Amount = Field(description="Above zero; at most what is still to receive of the line")
    unit_cost: Amount | None = Field(None, description="The provisional cost; empty: the order line's")
    serials: list[str] = Field(
        default_factory=list, description="For an item tracked by serial number: one serial for each unit"
    )


class ReceiptIn(Schema):
    supplier_ddt: str = Field(max_length=40, description="The number of the supplier's delivery note")
    supplier_ddt_date: WrittenDate
    lines: list[ReceivedLineIn]


class ReceiptLineOut(Schema):
    id: int
    order_line_id: int
    item_code: str
    quantity: str
    unit_cost: str = Field(description="Provisional, until the month-end cost check")
    move_id: int | None = Field(description="The stock move (none for items not kept in stock)")
    checked: bool


class ReceiptOut(Schema):
    id: int
    order_id: int
    supplier_ddt: str
    supplier_ddt_date: date
    received_at: datetime
    lines: list[ReceiptLineOut]


class PendingLineOut(Schema):
    receipt_line_id: int
    order_number: str
    supplier_ddt: str
    supplier_ddt_date: date
    item_code: str
    quantity: str
    provisional_cost: str


class PendingFilters(Schema):
    supplier_id: int
    month: QueryDay | None = Field(None, description="Any day of the month of the delivery notes")


class CheckedLineIn(Schema):
    receipt_line_id: Count
    final_cost: Amount = Field(description="The unit cost on the supplier's invoice")


class CostCheckIn(Schema):
    supplier_id: Count
    invoice_number: str = Field(max_length=40)
    invoice_date: WrittenDate
    lines: list[CheckedLineIn]


class CostCheckLineOut(Schema):
    receipt_line_id: int
    item_code: str
    quantity: str
    provisional_cost: str
    final_cost: str
    difference: str = Field(description="(final - provisional) x quantity, rounded to the cent")


class CostCheckOut(Schema):
    id: int
    supplier_id: int
    invoice_number: str
    invoice_date: date
    checked_at: datetime
    lines: list[CostCheckLineOut]
    total_difference: str


class BillableOut(Schema):
    id: int
    customer_id: int
    work_order_id: int | None
    item_id: int | None
    code: str
    description: str
    quantity: str
    unit: str
    created_at: datetime
    billed_at: datetime | None


class BillablePage(Schema):
    items: list[BillableOut]
    next_cursor: int | None


class BillableFilters(PageFilters):
    customer_id: int | None = None
    since: QueryDay | None = None
    until: QueryDay | None = None
    billed: bool = Field(False, description="true: the ones already billed")


# ---- Answers ------------------------------------------------------------------------------------------------


def _row(order: PurchaseOrder) -> dict[str, Any]:
    fields = ("number", "status", "supplier_id", "location_id", "expected_on", "sent_at", "created_at", "changed_at")
    return {"id": order.pk, **{f: getattr(order, f) for f in fields}}


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    order = reads.order_for(scope, pk)
    lines = [
        {
            "id": line.pk,
            "item_id": line.item_id,
            "item_code": line.item.code,
            "description": line.item.description,
            "quantity": services.shown(line.quantity),
            "received": services.shown(line.received),
            "unit_cost": str(line.unit_cost),
        }
        for line in reads.lines_of(order)
    ]
    return {
        **_row(order),
        "notes": order.notes,
        "lines": lines,
        "actions": sorted(PURCHASE_TABLE.allowed(order, scope)),
    }


def _receipt(receipt: Receipt) -> dict[str, Any]:
    checked = set(receipt.lines.filter(cost_check__isnull=False).values_list("pk", flat=True))
    return {
        "id": receipt.pk,
        "order_id": receipt.order_id,
        "supplier_ddt": receipt.supplier_ddt,
        "supplier_ddt_date": receipt.supplier_ddt_date,
        "received_at": receipt.received_at,
        "lines": [
            {
                "id": line.pk,
                "order_line_id": line.order_line_id,
                "item_code": line.order_line.item.code,
                "quantity": services.shown(line.quantity),
                "unit_cost": str(line.unit_cost),
                "move_id": line.move_id,
                "checked": line.pk in checked,
            }
            for line in receipt.lines.select_related("order_line__item").order_by("pk")
        ],
    }


def _pending(line: ReceiptLine) -> dict[str, Any]:
    return {
        "receipt_line_id": line.pk,
        "order_number": line.receipt.order.number,
        "supplier_ddt": line.receipt.supplier_ddt,
        "supplier_ddt_date": line.receipt.supplier_ddt_date,
        "item_code": line.order_line.item.code,
        "quantity": services.shown(line.quantity),
        "provisional_cost": str(line.unit_cost),
    }


def _check(run: CostCheck) -> dict[str, Any]:
    lines, total = reads.check_lines(run)
    return {
        "id": run.pk,
        "supplier_id": run.supplier_id,
        "invoice_number": run.invoice_number,
        "invoice_date": run.invoice_date,
        "checked_at": run.checked_at,
        "total_difference": str(total),
        "lines": [
            {
                "receipt_line_id": line.receipt_line_id,
                "item_code": line.receipt_line.order_line.item.code,
                "quantity": services.shown(line.receipt_line.quantity),
                "provisional_cost": str(line.provisional_cost),
                "final_cost": str(line.final_cost),
                "difference": str(line.difference),
            }
            for line in lines
        ],
    }


def _billable(row: Billable) -> dict[str, Any]:
    fields = ("customer_id", "work_order_id", "item_id", "code", "description", "unit", "created_at", "billed_at")
    return {"id": row.pk, **{f: getattr(row, f) for f in fields}, "quantity": services.shown(row.quantity)}


def _order_lines(lines: list[PurchaseLineIn]) -> list[services.OrderLine]:
    return [services.OrderLine(line.item_id, line.quantity, line.unit_cost) for line in lines]


# ---- Supplier orders ----------------------------------------------------------------------------------------


@router.get(
    "/supplier-orders",
    response={200: PurchasePage, **errors_of(403, 422)},
    summary="The organisation's supplier orders, newest first",
)
def purchase_list(request: HttpRequest, filters: Query[PurchaseFilters]) -> Any:
    scope = scope_of(request)
    rows = reads.orders_filtered(scope, status=filters.status, supplier_id=filters.supplier_id)
    items, cursor = keyset_page(rows, filters.cursor, filters.limit)
    return {"items": [_row(o) for o in items], "next_cursor": cursor}


@router.get(
    "/supplier-orders/{order_id}",
    response={200: PurchaseOut, **errors_of(403, 404)},
    summary="One supplier order with its lines (ordered, received) and the moves the caller may make",
)
def purchase_get(request: HttpRequest, order_id: int) -> Any:
    return _detail(scope_of(request), order_id)


@router.post(
    "/supplier-orders",
    response={201: PurchaseOut, **errors_of(403, 422)},
    summary="Draft an order to a supplier (numbered now)",
    description="Each line's `unit_cost`, when empty, is what the supplier last charged for the item, else the "
    "item's last cost.",
)
def purchase_create(request: HttpRequest, payload: PurchaseIn) -> Any:
    scope = scope_of(request)
    order = services.purchase_create(
        scope=scope,
        supplier_id=payload.supplier_id,
        location_id=payload.location_id,
        lines=_order_lines(payload.lines),
        expected_on=payload.expected_on,
        notes=payload.notes,
    )
    return Status(201, _detail(scope, order.pk))


@router.put(
    "/supplier-orders/{order_id}",
    response={200: PurchaseOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft order (its lines are replaced); 409 once sent",
)
def purchase_edit(request: HttpRequest, order_id: int, payload: PurchaseEditIn) -> Any:
    scope = scope_of(request)
    services.purchase_edit(
        scope=scope,
        order_id=order_id,
        location_id=payload.location_id,
        lines=_order_lines(payload.lines),
        expected_on=payload.expected_on,
        notes=payload.notes,
    )
    return _detail(scope, order_id)


@router.post(
    "/supplier-orders/{order_id}/send",
    response={200: PurchaseOut, **errors_of(403, 404, 409)},
    summary="The order goes to the supplier: it cannot change any more",
    description="Its PDF is e-mailed to the supplier through the outbox when the supplier has an address.",
)
def purchase_send(request: HttpRequest, order_id: int) -> Any:
    scope = scope_of(request)
    services.purchase_send(scope=scope, order_id=order_id)
    return _detail(scope, order_id)


@router.post(
    "/supplier-orders/{order_id}/cancel",
    response={200: PurchaseOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel an order nothing arrived for",
)
def purchase_cancel(request: HttpRequest, order_id: int, payload: PurchaseCancelIn) -> Any:
    scope = scope_of(request)
    services.purchase_cancel(scope=scope, order_id=order_id, reason=payload.reason)
    return _detail(scope, order_id)


@router.get(
    "/supplier-orders/{order_id}/pdf",
    response={200: None, **errors_of(403, 404)},
    summary="The supplier order's PDF",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {buying_mail.PDF: {"schema": {"type": "string"}}}}}
    },
)
def purchase_pdf(request: HttpRequest, order_id: int) -> Any:
    order = reads.order_for(scope_of(request), order_id)
    response = HttpResponse(buying_mail.render(order), content_type=buying_mail.PDF)
    response["Content-Disposition"] = f'attachment; filename="{buying_mail.filename(order)}"'
    return response


# ---- Goods received -------------------------------------------------------------------------------------------


@router.get(
    "/supplier-orders/{order_id}/receipts",
    response={200: list[ReceiptOut], **errors_of(403, 404)},
    summary="The deliveries received against an order",
)
def receipt_list(request: HttpRequest, order_id: int) -> Any:
    order = reads.order_for(scope_of(request), order_id)
    return [_receipt(r) for r in reads.receipts_of(order)]


@router.post(
    "/supplier-orders/{order_id}/receipts",
    response={201: ReceiptOut, **errors_of(403, 404, 409, 422)},
    summary="Goods received with the supplier's delivery note",
    description="Each line: the quantity received of an order line at a provisional cost (empty: the order "
    "line's). Receiving more than is still to receive answers 422 naming the item, and nothing is written. The "
    "goods move from the supplier to the order's location; the order becomes partly or fully received.",
)
def receipt_create(request: HttpRequest, order_id: int, payload: ReceiptIn) -> Any:
    scope = scope_of(request)
    receipt = services.receipt_create(
        scope=scope,
        order_id=order_id,
        supplier_ddt=payload.supplier_ddt,
        supplier_ddt_date=payload.supplier_ddt_date,
        lines=[
            services.ReceivedLine(line.order_line_id, line.quantity, line.unit_cost, tuple(line.serials))
            for line in payload.lines
        ],
    )
    return Status(201, _receipt(receipt))


# ---- Cost check -----------------------------------------------------------------------------------------------


@router.get(
    "/cost-checks/pending",
    response={200: list[PendingLineOut], **errors_of(403, 422)},
    summary="A supplier's received lines waiting for the month-end cost check",
)
def pending_list(request: HttpRequest, filters: Query[PendingFilters]) -> Any:
    rows = reads.pending_cost_lines(scope_of(request), filters.supplier_id, filters.month)
    return [_pending(line) for line in rows[:500]]


@router.get(
    "/cost-checks",
    response={200: list[CostCheckOut], **errors_of(403)},
    summary="The cost checks made, newest first (the last 100)",
)
def cost_check_list(request: HttpRequest) -> Any:
    return [_check(run) for run in reads.cost_checks_for(scope_of(request))[:100]]


@router.post(
    "/cost-checks",
    response={201: CostCheckOut, **errors_of(403, 422)},
    summary="Check received lines against the supplier's invoice",
    description="Records each line's invoiced cost and the difference from its provisional cost; the receipt and "
    "its stock move are never changed; the item's last cost becomes the invoiced one. A line is checked once.",
)
def cost_check_create(request: HttpRequest, payload: CostCheckIn) -> Any:
    scope = scope_of(request)
    run = services.cost_check_create(
        scope=scope,
        supplier_id=payload.supplier_id,
        invoice_number=payload.invoice_number,
        invoice_date=payload.invoice_date,
        lines=[services.CheckedLine(line.receipt_line_id, line.final_cost) for line in payload.lines],
    )
    return Status(201, _check(run))


# ---- Materials to bill ------------------------------------------------------------------------------------------


@router.get(
    "/billables",
    response={200: BillablePage, **errors_of(403, 422)},
    summary="Materials left with customers, waiting to be billed",
)
def billable_list(request: HttpRequest, filters: Query[BillableFilters]) -> Any:
    wanted = reads.BillableFilters(
        customer_id=filters.customer_id, since=filters.since, until=filters.until, billed=filters.billed
    )
    rows, cursor = keyset_page(reads.billables(scope_of(request), wanted), filters.cursor, filters.limit)
    return {"items": [_billable(b) for b in rows], "next_cursor": cursor}
