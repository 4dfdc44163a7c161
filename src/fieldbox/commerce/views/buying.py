"""Pages of sales and stock: buying — supplier orders (list, new, one order with its deliveries and the form to
receive goods, change a draft, send, cancel), the month-end cost check, the materials left with customers waiting
to be billed (with their export) and the vans' shortfalls found when reports were signed.

Buttons come from ``PURCHASE_TABLE.allowed``; every change goes through ``services.buying``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.commerce import selectors_buying as reads
from fieldbox.commerce.choices import COUNTED_LOCATIONS, PURCHASE_TABLE
from fieldbox.commerce.forms_buying import (
    LINE_ROWS,
    BillableFilterForm,
    Choices,
    CostCheckChoiceForm,
    InvoiceForm,
    PurchaseFilterForm,
    PurchaseForm,
    ReasonForm,
    ReceiptForm,
    order_rows,
)
from fieldbox.commerce.models import Billable, Item, PurchaseOrder, StockLocation, Supplier
from fieldbox.commerce.services import buying as services
from fieldbox.commerce.services import buying_mail, field
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet.models import Customer

BUYERS = tuple(sorted(reads.BUYING_READERS))
BILLERS = tuple(sorted(reads.BILLABLE_READERS))
PAGE_SIZE = 50


def _suppliers(scope: Scope) -> Choices:
    return [(s.pk, s.name) for s in Supplier.objects.visible_to(scope).filter(active=True).order_by("name")]


def _locations(scope: Scope) -> Choices:
    rows = StockLocation.objects.visible_to(scope).filter(kind__in=COUNTED_LOCATIONS, active=True)
    return [(loc.pk, f"{loc.name} ({loc.get_kind_display()})") for loc in rows.order_by("kind", "name")]


@scope_required(*BUYERS)
def purchases(request: AuthedRequest) -> HttpResponse:
    """The supplier orders, newest first, by status and supplier."""
    scope = request.scope
    form = PurchaseFilterForm(request.GET or None, suppliers=_suppliers(scope))
    status, supplier = None, None
    if form.is_bound and form.is_valid():
        status, supplier = form.cleaned_data["status"] or None, form.cleaned_data["supplier"]
    rows = reads.orders_filtered(scope, status=status, supplier_id=supplier)
    context = {
        "form": form,
        "filtered": bool(status or supplier),
        **request_page(request, rows, PAGE_SIZE, key="orders"),
    }
    return render(request, "commerce/buying/list.html", context)


def _lines_of(scope: Scope, rows: list[dict[str, str]]) -> list[services.OrderLine]:
    """The typed rows as order lines: an unknown code is named (nothing is saved)."""
    codes = {row["code"] for row in rows}
    items = dict(Item.objects.visible_to(scope).filter(code__in=codes).values_list("code", "pk"))
    unknown = sorted(codes - set(items))
    if unknown:
        raise ValidationError({"lines": _("No item has the code %(code)s.") % {"code": ", ".join(unknown)}})
    return [services.OrderLine(items[row["code"]], row["quantity"], row["cost"] or None) for row in rows]


def _order_form(request: AuthedRequest, order: PurchaseOrder | None) -> HttpResponse:
    scope = request.scope
    posted = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {}
    rows: list[dict[str, str]] = []
    if order is not None:
        initial = {"location_id": order.location_id, "expected_on": order.expected_on, "notes": order.notes}
        rows = [
            {"code": line.item.code, "quantity": services.shown(line.quantity), "cost": str(line.unit_cost)}
            for line in reads.lines_of(order)
        ]
    form = PurchaseForm(
        posted, suppliers=_suppliers(scope), locations=_locations(scope), initial=initial, editing=order is not None
    )
    if posted is not None:
        rows = order_rows(posted, LINE_ROWS + len(rows))
    if posted is not None and form.is_valid():
        d = form.cleaned_data
        header = {"location_id": d["location_id"], "expected_on": d["expected_on"], "notes": d["notes"]}
        if order is None:
            call: Any = lambda: services.purchase_create(  # noqa: E731
                scope=scope, supplier_id=d["supplier_id"], lines=_lines_of(scope, rows), **header
            )
        else:
            call = lambda: services.purchase_edit(  # noqa: E731
                scope=scope, order_id=order.pk, lines=_lines_of(scope, rows), **header
            )
        done = run_service(request, form, call)
        if done is not None:
            messages.success(request, _("Supplier order %(number)s saved.") % {"number": done.number})
            return redirect("commerce:purchase", pk=done.pk)
    padded = rows + [{"code": "", "quantity": "", "cost": ""}] * LINE_ROWS
    codes = Item.objects.visible_to(scope).filter(active=True).values_list("code", "description")[:1000]
    context = {"form": form, "order": order, "rows": padded[: max(LINE_ROWS, len(rows) + 2)], "codes": codes}
    return render(request, "commerce/buying/form.html", context, status=400 if form.is_bound else 200)


@scope_required(*BUYERS)
def purchase_new(request: AuthedRequest) -> HttpResponse:
    """A new order to a supplier: the warehouse it goes to and its lines (by item code)."""
    return _order_form(request, None)


@scope_required(*BUYERS)
def purchase_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a draft order (the service refuses a sent one)."""
    order = reads.order_for(request.scope, pk)
    return _order_form(request, order)


@scope_required(*BUYERS)
def purchase(request: AuthedRequest, pk: int, receipt_form: ReceiptForm | None = None) -> HttpResponse:
    """One order: its lines (ordered, received), its deliveries, the form to receive goods, its buttons."""
    scope = request.scope
    order = reads.order_for(scope, pk)
    allowed = PURCHASE_TABLE.allowed(order, scope)
    context = {
        "order": order,
        "lines": reads.lines_of(order),
        "receipts": reads.receipts_of(order),
        "allowed": allowed,
        "can_receive": "receive_part" in allowed,
        "receipt_form": receipt_form or ReceiptForm(),
        "reason_form": ReasonForm(),
        "posted": request.POST if request.method == "POST" else {},
    }
    return render(request, "commerce/buying/detail.html", context, status=400 if receipt_form else 200)


@require_POST
@scope_required(*BUYERS)
def purchase_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    scope = request.scope
    if action not in ("send", "cancel"):
        raise Http404
    if action == "send":
        done = run_service(request, None, lambda: services.purchase_send(scope=scope, order_id=pk))
    else:
        reason = (request.POST.get("reason") or "")[:500]
        done = run_service(request, None, lambda: services.purchase_cancel(scope=scope, order_id=pk, reason=reason))
    if done is not None:
        words = _("Sent to the supplier.") if done.supplier.email else _("Marked as sent: the supplier has no e-mail.")
        messages.success(request, words if action == "send" else _("Order cancelled."))
    return redirect("commerce:purchase", pk=pk)


@scope_required(*BUYERS)
def purchase_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    order = reads.order_for(request.scope, pk)
    response = HttpResponse(buying_mail.render(order), content_type=buying_mail.PDF)
    response["Content-Disposition"] = f'inline; filename="{buying_mail.filename(order)}"'
    return response


@require_POST
@scope_required(*BUYERS)
def purchase_receive(request: AuthedRequest, pk: int) -> HttpResponse:
    """Goods received: the quantities of the lines that arrived, at their provisional cost."""
    scope = request.scope
    order = reads.order_for(scope, pk)
    form = ReceiptForm(request.POST)
    lines = []
    for line in reads.lines_of(order):
        quantity = (request.POST.get(f"qty_{line.pk}") or "").strip()
        if quantity and quantity not in ("0", "0.0", "0,0"):
            serials = tuple((request.POST.get(f"serials_{line.pk}") or "").replace(",", "\n").split("\n"))
            cost = (request.POST.get(f"cost_{line.pk}") or "") or None
            lines.append(services.ReceivedLine(line.pk, quantity, cost, serials))
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.receipt_create(
                scope=scope,
                order_id=pk,
                supplier_ddt=d["supplier_ddt"],
                supplier_ddt_date=d["supplier_ddt_date"],
                lines=lines,
            ),
        )
        if done is not None:
            messages.success(request, _("Goods received: the stock is updated."))
            return redirect("commerce:purchase", pk=pk)
    return purchase(request, pk, receipt_form=form)


# ---- Cost check ---------------------------------------------------------------------------------------------------


@scope_required(*BUYERS)
def cost_check(request: AuthedRequest) -> HttpResponse:
    """The month-end check: a supplier's received lines not checked yet, the invoiced cost of each, the
    differences; the checks made."""
    scope = request.scope
    choice = CostCheckChoiceForm(request.GET or None, suppliers=_suppliers(scope))
    supplier_id, month, pending = None, None, []
    if choice.is_bound and choice.is_valid():
        supplier_id, month = choice.cleaned_data["supplier"], choice.cleaned_data["month"]
        pending = list(reads.pending_cost_lines(scope, supplier_id, month)[:300])
    invoice = InvoiceForm(request.POST or None)
    if request.method == "POST" and supplier_id and invoice.is_valid():
        lines = [
            services.CheckedLine(line.pk, request.POST.get(f"final_{line.pk}"))
            for line in pending
            if (request.POST.get(f"final_{line.pk}") or "").strip()
        ]
        d = invoice.cleaned_data
        run = run_service(
            request,
            invoice,
            lambda: services.cost_check_create(
                scope=scope,
                supplier_id=supplier_id,
                invoice_number=d["invoice_number"],
                invoice_date=d["invoice_date"],
                lines=lines,
            ),
        )
        if run is not None:
            messages.success(request, _("Costs checked against invoice %(number)s.") % {"number": run.invoice_number})
            return redirect("commerce:cost_check_detail", pk=run.pk)
    context = {
        "choice": choice,
        "invoice": invoice,
        "pending": pending,
        "supplier_id": supplier_id,
        "checks": reads.cost_checks_for(scope)[:20],
    }
    return render(request, "commerce/buying/cost_check.html", context, status=400 if invoice.errors else 200)


@scope_required(*BUYERS)
def cost_check_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = reads.check_for(request.scope, pk)
    lines, total = reads.check_lines(run)
    return render(request, "commerce/buying/cost_check_detail.html", {"run": run, "lines": lines, "total": total})


# ---- Materials to bill, shortfalls -----------------------------------------------------------------------------

EXPORT_HEADER = ("Left on", "Customer", "Work order", "Code", "Description", "Quantity", "Unit")


@scope_required(*BILLERS)
def billables(request: AuthedRequest) -> HttpResponse:
    """Materials left with customers, waiting to be billed: by customer and day; CSV or XLSX export."""
    scope = request.scope
    waiting = Billable.objects.visible_to(scope).filter(billed_at__isnull=True).values("customer_id")
    customers = [(c.pk, c.display_name) for c in Customer.objects.visible_to(scope).filter(pk__in=waiting)[:500]]
    form = BillableFilterForm(request.GET or None, customers=customers)
    wanted = reads.BillableFilters()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        wanted = reads.BillableFilters(customer_id=d["customer"], since=d["since"], until=d["until"])
    rows = reads.billables(scope, wanted)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        data = (
            (
                b.created_at.date().isoformat(),
                b.customer.display_name,
                b.work_order.number if b.work_order else "",
                b.code,
                b.description,
                services.shown(b.quantity),
                b.unit,
            )
            for b in rows.order_by("-pk")[:50_000]
        )
        return table_response("materials-to-bill", fmt, [_(h) for h in EXPORT_HEADER], data)
    filtered = any((wanted.customer_id, wanted.since, wanted.until))
    context = {"form": form, "filtered": filtered, **request_page(request, rows, PAGE_SIZE, key="rows")}
    return render(request, "commerce/buying/billables.html", context)


@scope_required(*BILLERS)
def shortfalls(request: AuthedRequest) -> HttpResponse:
    """What vans did not hold when reports were signed (posted from the inventory adjustments)."""
    rows = field.shortfalls(request.scope.organisation.pk).select_related("item", "target")
    return render(request, "commerce/buying/shortfalls.html", request_page(request, rows, PAGE_SIZE, key="rows"))


urlpatterns: list[URLPattern] = [
    path("buying/orders/", purchases, name="purchases"),
    path("buying/orders/new/", purchase_new, name="purchase_new"),
    path("buying/orders/<int:pk>/", purchase, name="purchase"),
    path("buying/orders/<int:pk>/edit/", purchase_edit, name="purchase_edit"),
    path("buying/orders/<int:pk>/receive/", purchase_receive, name="purchase_receive"),
    path("buying/orders/<int:pk>/pdf/", purchase_pdf, name="purchase_pdf"),
    path("buying/orders/<int:pk>/<str:action>/", purchase_move, name="purchase_move"),
    path("buying/cost-check/", cost_check, name="cost_check"),
    path("buying/cost-checks/<int:pk>/", cost_check_detail, name="cost_check_detail"),
    path("buying/to-bill/", billables, name="billables"),
    path("buying/shortfalls/", shortfalls, name="shortfalls"),
]
