"""Reads of invoicing (the office's and the admins'): invoice runs with their totals per customer, invoices and
credit notes (filtered by status, customer, year and kind), one invoice with its lines, dues, payments and credit
notes, and the aged list of what is unpaid (not yet due, 1-30, 31-60, 61-90 and over 90 days overdue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from fieldbox.commerce.choices import BILLERS, InvoiceKind, InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice, InvoiceDue, InvoiceLine, InvoiceRun, Payment
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ZERO = Decimal(0)
MONEY = DecimalField(max_digits=14, decimal_places=2)
# The columns of the aged list, in days overdue: (key, label's first day, last day).
AGES = (("current", None, 0), ("d30", 1, 30), ("d60", 31, 60), ("d90", 61, 90), ("older", 91, None))


def runs_for(scope: Scope) -> QuerySet[InvoiceRun]:
    scope.require_role(*BILLERS)
    return InvoiceRun.objects.visible_to(scope).select_related("created_by")


def run_for(scope: Scope, pk: int) -> InvoiceRun:
    found: InvoiceRun | None = runs_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def invoices_for(scope: Scope) -> QuerySet[Invoice]:
    scope.require_role(*BILLERS)
    return Invoice.objects.visible_to(scope).select_related("customer", "corrects")


def invoices_filtered(
    scope: Scope,
    *,
    status: str | None = None,
    customer_id: int | None = None,
    year: int | None = None,
    kind: str | None = None,
    run_id: int | None = None,
) -> QuerySet[Invoice]:
    rows = invoices_for(scope)
    if status in InvoiceStatus.values:
        rows = rows.filter(status=status)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    if year:
        rows = rows.filter(issued_on__year=year)
    if kind in InvoiceKind.values:
        rows = rows.filter(kind=kind)
    if run_id:
        rows = rows.filter(run_id=run_id)
    return rows


def invoice_for(scope: Scope, pk: int) -> Invoice:
    """One invoice of the organisation (404 outside it, like one that does not exist)."""
    found: Invoice | None = invoices_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


class DraftTotals(TypedDict):
    lines_total: Decimal


def with_draft_totals(rows: QuerySet[Invoice]) -> QuerySet[WithAnnotations[Invoice, DraftTotals]]:
    """Each invoice with the sum of its lines (a draft's taxable amount before issue), in the same query."""
    lines = Subquery(
        Invoice.objects.filter(pk=OuterRef("pk")).values("pk").annotate(s=Sum("lines__amount")).values("s")[:1],
        output_field=MONEY,
    )
    annotated = rows.annotate(lines_total=Coalesce(lines, Value(ZERO), output_field=MONEY))
    return cast("QuerySet[WithAnnotations[Invoice, DraftTotals]]", annotated)


def paid_of(invoice: Invoice) -> Decimal:
    return invoice.payments.aggregate(s=Sum("amount"))["s"] or ZERO


@dataclass
class AgedRow:
    customer_id: int
    customer: str
    amounts: dict[str, Decimal] = field(default_factory=lambda: {key: ZERO for key, *_ in AGES})
    invoices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def age_of(due_on: date, today: date) -> str:
    days = (today - due_on).days
    for key, first, last in AGES:
        if (first is None or days >= first) and (last is None or days <= last):
            return key
    return "older"


def aged(scope: Scope, *, customer_id: int | None = None) -> list[AgedRow]:
    """What customers still owe on issued invoices, by how long it is overdue (an invoice's first due date not
    paid), per customer: three queries whatever the number of invoices."""
    today = clock.today(scope.organisation.time_zone)
    rows = invoices_for(scope).filter(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    paid = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount")).values("s")
    credited = (
        Invoice.objects.filter(corrects=OuterRef("pk"), status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PAID))
        .values("corrects")
        .annotate(s=Sum("payable"))
        .values("s")
    )
    first_due = InvoiceDue.objects.filter(invoice=OuterRef("pk")).order_by("due_on").values("due_on")[:1]
    rows = rows.annotate(
        paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY),
        credited=Coalesce(Subquery(credited, output_field=MONEY), Value(ZERO), output_field=MONEY),
        due_on=Subquery(first_due),
    ).annotate(open=F("payable") - F("paid") - F("credited"))
    found: dict[int, AgedRow] = {}
    for invoice in rows.filter(open__gt=0).order_by("customer__company_name", "customer_id", "issued_on", "pk"):
        row = found.setdefault(invoice.customer_id, AgedRow(invoice.customer_id, invoice.customer.display_name))
        due_on = invoice.due_on or invoice.issued_on
        assert due_on is not None  # issued, so dated
        key = age_of(due_on, today)
        row.amounts[key] += invoice.open
        row.invoices.append(
            {"id": invoice.pk, "number": invoice.number, "due_on": invoice.due_on, "open": invoice.open, "age": key}
        )
    return sorted(found.values(), key=lambda r: r.customer.lower())


def run_refusals(run: InvoiceRun) -> list[dict[str, Any]]:
    """The drafts the run's last issue refused, still drafts, with why (customer name, then reasons)."""
    if not run.refused:
        return []
    drafts = Invoice.objects.filter(run=run, status=InvoiceStatus.DRAFT, pk__in=[int(pk) for pk in run.refused])
    return [
        {"invoice": invoice, "customer": invoice.customer.display_name, "why": run.refused[str(invoice.pk)]}
        for invoice in drafts.select_related("customer").order_by("pk")[:200]
    ]


def run_invoices(scope: Scope, run: InvoiceRun) -> QuerySet[WithAnnotations[Invoice, DraftTotals]]:
    """A run's invoices by customer name, each with the sum of its lines (for a page of them)."""
    rows = invoices_filtered(scope, run_id=run.pk).order_by("customer__company_name", "customer__last_name", "pk")
    return with_draft_totals(rows)


def run_row(invoice: WithAnnotations[Invoice, DraftTotals]) -> dict[str, Any]:
    """One customer of a run: its invoice, its name and its taxable amount (as issued, or its draft's lines)."""
    return {
        "invoice": invoice,
        "customer": invoice.customer.display_name,
        "taxable": invoice.taxable if invoice.number else invoice.lines_total,
    }


def run_total(run: InvoiceRun) -> Decimal:
    """What the whole run bills: the issued invoices' taxable amounts and the drafts' lines (two sums)."""
    issued = Invoice.objects.filter(run=run).exclude(number="").aggregate(s=Sum("taxable"))["s"] or ZERO
    drafts = InvoiceLine.objects.filter(invoice__run=run, invoice__number="").aggregate(s=Sum("amount"))["s"]
    return issued + (drafts or ZERO)


def run_totals(scope: Scope, run: InvoiceRun) -> list[dict[str, Any]]:
    """Per customer of a run: its invoice and its taxable amount (all of them: the API's run)."""
    return [run_row(invoice) for invoice in run_invoices(scope, run)]
