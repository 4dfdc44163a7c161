"""Reads of buying: supplier orders, their deliveries, the received lines waiting for the month-end cost check,
the cost checks made, and the materials left with customers waiting to be billed (scoped to the organisation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from fieldbox.commerce.choices import BUYERS, SELLERS, PurchaseStatus
from fieldbox.commerce.models import Billable, CostCheck, PurchaseOrder, Receipt, ReceiptLine
from fieldbox.core.tenancy import Scope

BUYING_READERS = BUYERS
BILLABLE_READERS = SELLERS | BUYERS


def orders_for(scope: Scope) -> QuerySet[PurchaseOrder]:
    scope.require_role(*BUYING_READERS)
    return PurchaseOrder.objects.visible_to(scope).select_related("supplier", "location")


def orders_filtered(
    scope: Scope, *, status: str | None = None, supplier_id: int | None = None
) -> QuerySet[PurchaseOrder]:
    rows = orders_for(scope)
    if status in PurchaseStatus.values:
        rows = rows.filter(status=status)
    if supplier_id:
        rows = rows.filter(supplier_id=supplier_id)
    return rows


def order_for(scope: Scope, pk: int) -> PurchaseOrder:
    """One order of the organisation (404 outside it, like one that does not exist)."""
    found: PurchaseOrder | None = orders_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def lines_of(order: PurchaseOrder) -> list[Any]:
    return list(order.lines.select_related("item").order_by("pk"))


def receipts_of(order: PurchaseOrder) -> list[Receipt]:
    return list(Receipt.objects.filter(order=order).prefetch_related("lines", "lines__order_line__item").order_by("pk"))


def receipts_for(scope: Scope) -> QuerySet[Receipt]:
    scope.require_role(*BUYING_READERS)
    return Receipt.objects.visible_to(scope).select_related("order", "order__supplier")


def month_bounds(month: date | None) -> tuple[date, date] | None:
    if month is None:
        return None
    start = month.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def pending_cost_lines(scope: Scope, supplier_id: int | None, month: date | None = None) -> QuerySet[ReceiptLine]:
    """A supplier's received lines not checked against an invoice yet (of the month of their delivery note)."""
    scope.require_role(*BUYING_READERS)
    rows = ReceiptLine.objects.filter(
        receipt__organisation=scope.organisation, receipt__order__supplier_id=supplier_id or 0, cost_check__isnull=True
    )
    bounds = month_bounds(month)
    if bounds is not None:
        rows = rows.filter(receipt__supplier_ddt_date__gte=bounds[0], receipt__supplier_ddt_date__lt=bounds[1])
    return rows.select_related("receipt", "receipt__order", "order_line__item").order_by(
        "receipt__supplier_ddt_date", "pk"
    )


def cost_checks_for(scope: Scope) -> QuerySet[CostCheck]:
    scope.require_role(*BUYING_READERS)
    return CostCheck.objects.visible_to(scope).select_related("supplier").order_by("-pk")


def check_for(scope: Scope, pk: int) -> CostCheck:
    found: CostCheck | None = cost_checks_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def check_lines(run: CostCheck) -> tuple[list[Any], Decimal]:
    lines = list(
        run.lines.select_related("receipt_line", "receipt_line__receipt", "receipt_line__order_line__item").order_by(
            "pk"
        )
    )
    return lines, sum((line.difference for line in lines), Decimal(0))


@dataclass(frozen=True)
class BillableFilters:
    customer_id: int | None = None
    since: date | None = None
    until: date | None = None
    billed: bool = False


def billables(scope: Scope, wanted: BillableFilters) -> QuerySet[Billable]:
    """Materials left with customers: waiting to be billed (or billed, when asked)."""
    scope.require_role(*BILLABLE_READERS)
    rows = Billable.objects.visible_to(scope).filter(billed_at__isnull=not wanted.billed)
    if wanted.customer_id:
        rows = rows.filter(customer_id=wanted.customer_id)
    if wanted.since:
        rows = rows.filter(created_at__date__gte=wanted.since)
    if wanted.until:
        rows = rows.filter(created_at__date__lte=wanted.until)
    return rows.select_related("customer", "work_order", "item")
