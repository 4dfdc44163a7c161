"""The technician's phone (mobile first, 360 px): "My day" with the next action of each work order at the top, a work
order's page (next action first, details and history folded), the report form, the signature screen, and the
signed report with its PDF and "send again".

Buttons come from ``WORK_ORDER_TABLE.allowed`` and the person's own answer; every change goes through the services
(``work_orders`` for accept, decline, start and finish; ``reports`` for the report), the same the API calls.
Forms are marked ``data-offline`` for the bad-signal layer (``service/offline.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.forms import formset_factory
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import DESK, WORK_DOERS
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import call_sections
from fieldbox.service import selectors_checklists as checklist_reads
from fieldbox.service import selectors_work_orders as reads
from fieldbox.service.choices import WORK_ORDER_TABLE, Answer, ExpenseKind, MaterialUse, ReportStatus, WorkOrderStatus
from fieldbox.service.models import Booking, WorkOrder, WorkReport
from fieldbox.service.services import reports
from fieldbox.service.services import work_orders as services

W = WorkOrderStatus
FIELD = tuple(sorted(WORK_DOERS))
READERS = tuple(sorted(DESK | WORK_DOERS))
HIDDEN = (W.TO_PLAN, W.CANCELLED)  # not on anyone's day
ON_THE_WAY = (W.SENT, W.ACCEPTED, W.IN_PROGRESS)  # the site's address is worth a tap
MOVES = ("start", "finish")
LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=clock.DATETIME_LOCAL)
LOCAL_FORMATS = [clock.DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


# ---- What comes next ------------------------------------------------------------------------------------------


@dataclass
class Card:
    """One work order as the phone shows it: what the person does next, and how to get there."""

    order: WorkOrder
    mine: Booking | None
    report: WorkReport | None
    step: str  # answer, wait, start, report, sign, done, none
    moves: set[str]

    @property
    def geo(self) -> str:
        return geo_link(self.order)

    @property
    def on_the_way(self) -> bool:
        return self.order.status in ON_THE_WAY

    @property
    def acts(self) -> bool:
        return self.step in ("answer", "start", "report", "sign")


def geo_link(order: WorkOrder) -> str:
    """A ``geo:`` link to the site (its coordinates when known, else its address), which phones open in their map."""
    site = order.site
    if site is None:
        return ""
    where = f"{site.street}, {site.postcode} {site.city}".replace("  ", " ")
    if site.latitude is not None and site.longitude is not None:
        return f"geo:{site.latitude},{site.longitude}?q={site.latitude},{site.longitude}({quote(where)})"
    return f"geo:0,0?q={quote(where)}"


def ready_to_sign(report: WorkReport | None) -> bool:
    return bool(report and report.arrived_at and report.left_at and report.work_done.strip())


def next_step(order: WorkOrder, mine: Booking | None, report: WorkReport | None, moves: set[str]) -> str:
    """What the person does next on this work order (a correction's draft counts too, whatever the order's state)."""
    if order.status == W.SENT:
        return "answer" if mine is not None and mine.answer == Answer.PENDING else "wait"
    if report is not None and report.status == ReportStatus.DRAFT and order.status != W.CANCELLED:
        return "sign" if ready_to_sign(report) else "report"
    if order.status == W.ACCEPTED and report is None:
        return "start" if "start" in moves else "wait"
    if order.status == W.IN_PROGRESS and report is None:
        return "report"
    if report is not None and report.status == ReportStatus.SIGNED:
        return "done"
    return "none"


def cards(scope: Scope, orders: list[WorkOrder]) -> list[Card]:
    """The cards of these work orders, in three queries whatever their number."""
    ids = [o.pk for o in orders]
    mine = {b.work_order_id: b for b in Booking.objects.filter(work_order_id__in=ids, user=scope.user)}
    current: dict[int, WorkReport] = {}
    for report in (
        WorkReport.objects.filter(work_order_id__in=ids).exclude(status=ReportStatus.CORRECTED).order_by("version")
    ):
        if current.get(report.work_order_id) is None or current[report.work_order_id].status != ReportStatus.DRAFT:
            current[report.work_order_id] = report
    found = []
    for order in orders:
        moves = WORK_ORDER_TABLE.allowed(order, scope, MOVES)
        report = current.get(order.pk)
        found.append(
            Card(order, mine.get(order.pk), report, next_step(order, mine.get(order.pk), report, moves), moves)
        )
    return found


# ---- My day --------------------------------------------------------------------------------------------------


def _day(request: AuthedRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return clock.today()


@scope_required(*FIELD)
def my_day(request: AuthedRequest) -> HttpResponse:
    """Today's work orders of the signed-in person in time order (and any still in progress from another day), the
    first one with something to do on top."""
    scope = request.scope
    day, today = _day(request), clock.today()
    start, end = clock.start_of_day(day), clock.day_after(day)
    rows = WorkOrder.objects.assigned_to(scope).visible_to(scope).exclude(status__in=HIDDEN)
    on_day = rows.filter(starts_at__gte=start, starts_at__lt=end)
    if day == today:
        on_day = on_day | rows.filter(status=W.IN_PROGRESS)
    orders = list(on_day.select_related("customer", "site", "work_type").order_by("starts_at", "pk")[:50])
    day_cards = cards(scope, orders)
    first = next((c for c in day_cards if c.acts), None)
    context = {
        "day": day,
        "is_today": day == today,
        "cards": day_cards,
        "first": first,
        "decline_form": DeclineForm(),
        "before": (day - timedelta(days=1)).isoformat(),
        "after": (day + timedelta(days=1)).isoformat(),
    }
    return render(request, "service/field/day.html", context)


# ---- A work order on the phone --------------------------------------------------------------------------------


def _card(request: AuthedRequest, pk: int) -> Card:
    order = reads.work_order_for(request.scope, pk)
    return cards(request.scope, [order])[0]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why you cannot go"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


@scope_required(*FIELD)
def order_page(request: AuthedRequest, pk: int) -> HttpResponse:
    card = _card(request, pk)
    order = card.order
    context = {
        "card": card,
        "order": order,
        "decline_form": DeclineForm(),
        "people": reads.people_of(order),
        "resources": reads.resources_of(order),
        "to_bring": reads.materials_of(order, MaterialUse.TO_BRING),
        "history": reads.history_of(order),
        **checklist_reads.field_block(
            request.scope, order, on_it=card.mine is not None, errors=getattr(request, "checklist_errors", None)
        ),
    }
    context["from_apps"] = call_sections.parts_of(request, order, ("field_order",))  # ask for a quote (commerce)
    return render(request, "service/field/order.html", context)


@require_POST
@scope_required(*FIELD)
def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    """Accept, or decline with a reason (the planner is told)."""
    accept = request.POST.get("answer") == "accept"
    done = run_service(
        request,
        None,
        lambda: services.work_order_answer(
            scope=request.scope, work_order_id=pk, accept=accept, reason=request.POST.get("reason", "")
        ),
    )
    if done is not None:
        messages.success(request, _("Accepted.") if accept else _("Declined: the planner is told."))
    return redirect("service:field_order", pk=pk)


@require_POST
@scope_required(*FIELD)
def move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in MOVES:
        raise Http404
    done = run_service(
        request, None, lambda: services.work_order_move(scope=request.scope, work_order_id=pk, action=action)
    )
    if done is not None:
        messages.success(request, _("Work started.") if action == "start" else _("Work done."))
    return redirect("service:field_order", pk=pk)


@require_POST
@scope_required(*FIELD)
def report_open(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open the work order's report: its draft, made now if needed."""
    report = run_service(request, None, lambda: reports.report_draft(scope=request.scope, work_order_id=pk))
    if report is None:
        return redirect("service:field_order", pk=pk)
    return redirect("service:field_report", pk=report.pk)


# ---- The report form ------------------------------------------------------------------------------------------


class ReportForm(forms.Form):
    arrived_at = forms.DateTimeField(
        label=gettext_lazy("Arrival"), required=False, input_formats=LOCAL_FORMATS, widget=LOCAL
    )
    left_at = forms.DateTimeField(
        label=gettext_lazy("Departure"), required=False, input_formats=LOCAL_FORMATS, widget=LOCAL
    )
    work_done = forms.CharField(
        label=gettext_lazy("Work done"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    observations = forms.CharField(
        label=gettext_lazy("Customer's observations"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    travel_minutes = forms.IntegerField(
        label=gettext_lazy("Travel time (minutes)"), required=False, min_value=0, max_value=1440
    )
    travel_km = forms.DecimalField(
        label=gettext_lazy("Distance travelled (km)"), required=False, min_value=0, max_digits=8, decimal_places=1
    )


class MaterialForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Material"), required=False, max_length=255)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    unit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=10)
    code = forms.CharField(label=gettext_lazy("Code"), required=False, max_length=40)
    use = forms.ChoiceField(
        label=gettext_lazy("Use"),
        choices=[(MaterialUse.USED, MaterialUse.USED.label), (MaterialUse.LEFT, MaterialUse.LEFT.label)],
    )


class ExpenseForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Expense"), choices=[("", "—"), *ExpenseKind.choices], required=False)
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=255)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (€)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )


MaterialSet = formset_factory(MaterialForm, extra=1, max_num=reports.MAX_LINES, absolute_max=reports.MAX_LINES)
ExpenseSet = formset_factory(ExpenseForm, extra=1, max_num=reports.MAX_LINES, absolute_max=reports.MAX_LINES)


def _forms(report: WorkReport, data: Any = None) -> tuple[ReportForm, Any, Any]:
    materials = [
        {"description": m.description, "quantity": m.quantity, "unit": m.unit, "code": m.code, "use": m.use}
        for m in reports.report_materials(report.work_order)
    ]
    expenses = [
        {"kind": e.kind, "description": e.description, "amount": e.amount} for e in report.expenses.order_by("pk")
    ]
    initial = {
        f: getattr(report, f)
        for f in ("arrived_at", "left_at", "work_done", "observations", "travel_minutes", "travel_km")
    }
    return (
        ReportForm(data, initial=initial),
        MaterialSet(data, initial=materials, prefix="materials"),
        ExpenseSet(data, initial=expenses, prefix="expenses"),
    )


def _lines(materials: Any, expenses: Any) -> tuple[list[reports.MaterialLine], list[reports.ExpenseLine]]:
    """The filled rows (a row left empty, or emptied, is no line)."""
    used = [
        reports.MaterialLine(
            description=row["description"],
            quantity=row["quantity"] if row.get("quantity") is not None else 1,
            unit=row.get("unit") or "pc",
            code=row.get("code") or "",
            use=row["use"],
        )
        for row in materials.cleaned_data
        if row and (row.get("description") or "").strip()
    ]
    spent = [
        reports.ExpenseLine(kind=row.get("kind") or "", amount=row["amount"], description=row.get("description") or "")
        for row in expenses.cleaned_data
        if row and row.get("amount") is not None
    ]
    return used, spent


@scope_required(*READERS)
def report_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """A draft: the form (the work order's people and the office); signed or corrected: the report and its PDF."""
    report = _report(request, pk)
    if report.status != ReportStatus.DRAFT:
        return _signed_page(request, report)
    if request.scope.role not in FIELD:
        return _signed_page(request, report)
    form, materials, expenses = _forms(report, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and materials.is_valid() and expenses.is_valid():
        used, spent = _lines(materials, expenses)
        values = {**form.cleaned_data}
        values = {k: v for k, v in values.items() if v is not None or k in ("arrived_at", "left_at")}
        saved = run_service(
            request,
            form,
            lambda: reports.report_update(
                scope=request.scope, report_id=report.pk, materials=used, expenses=spent, **values
            ),
        )
        if saved is not None:
            go = request.POST.get("go", "")
            if go == "sign":
                return redirect("service:field_report_sign", pk=report.pk)
            if go.startswith("#"):
                return redirect(reverse("service:field_report", args=[report.pk]) + go)
            messages.success(request, _("Report saved."))
            return redirect("service:field_order", pk=report.work_order_id)
    status = 422 if request.method == "POST" else 200
    context = {
        "report": report,
        "order": report.work_order,
        "form": form,
        "materials": materials,
        "expenses": expenses,
        # Travel and expenses stay folded until there is something in them.
        "spent": bool(report.travel_minutes or report.travel_km or report.expenses.exists() or form.errors),
    }
    return render(request, "service/field/report_form.html", context, status=status)


def _report(request: AuthedRequest, pk: int) -> WorkReport:
    try:
        return reports.report_for(request.scope, pk)
    except WorkReport.DoesNotExist:
        raise Http404 from None


# ---- Signing --------------------------------------------------------------------------------------------------


class SignForm(forms.Form):
    technician_name = forms.CharField(label=gettext_lazy("Technician's name"), max_length=200, required=False)
    technician_signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=800_000)
    customer_name = forms.CharField(label=gettext_lazy("Customer's name"), max_length=200, required=False)
    customer_signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=800_000)


@scope_required(*FIELD)
def sign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Both signatures on the phone (signature_pad), the names typed; signing freezes the report."""
    report = _report(request, pk)
    if report.status != ReportStatus.DRAFT:
        messages.error(request, _("This report is already signed: it cannot change. Write a correction instead."))
        return redirect("service:field_report", pk=pk)
    initial = {"technician_name": report.technician_name, "customer_name": report.customer_name}
    form = SignForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        signed = run_service(
            request, form, lambda: reports.report_sign(scope=request.scope, report_id=pk, **form.cleaned_data)
        )
        if signed is not None:
            if signed.sent_to:
                messages.success(request, _("Signed. The report is on its way to %(to)s.") % {"to": signed.sent_to})
            else:
                messages.success(
                    request,
                    _("Signed. The customer has no e-mail address: add one, then send the report from here."),
                )
            return redirect("service:field_report", pk=pk)
    context = {
        "report": report,
        "order": report.work_order,
        "form": form,
        "materials": reports.report_materials(report.work_order),
        "expenses": list(report.expenses.order_by("pk")),
    }
    return render(request, "service/field/sign.html", context, status=422 if form.errors else 200)


# ---- The signed report ----------------------------------------------------------------------------------------


class SendForm(forms.Form):
    to = forms.EmailField(label=gettext_lazy("E-mail address"), required=False, max_length=254)


def _signed_page(request: AuthedRequest, report: WorkReport, send_form: SendForm | None = None) -> HttpResponse:
    order = report.work_order
    newer = WorkReport.objects.filter(replaces=report).only("pk", "version", "status").first()
    context = {
        "report": report,
        "order": order,
        "content": report.content,
        "send_form": send_form or SendForm(initial={"to": reports.recipient(order)}),
        "newer": newer,
        "may_act": request.scope.role in FIELD,
    }
    return render(request, "service/field/report.html", context)


@scope_required(*READERS)
def report_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if not report.pdf:
        raise Http404
    response = HttpResponse(reports.pdf_of(report), content_type=reports.PDF)
    response["Content-Disposition"] = f'attachment; filename="{reports.filename(report)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@scope_required(*FIELD)
def report_send(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    form = SendForm(request.POST)
    if form.is_valid():
        to = run_service(
            request, form, lambda: reports.report_send(scope=request.scope, report_id=pk, to=form.cleaned_data["to"])
        )
        if to is not None:
            messages.success(request, _("The report is on its way to %(to)s.") % {"to": to})
            return redirect("service:field_report", pk=pk)
    return _signed_page(request, report, form)


@require_POST
@scope_required(*FIELD)
def report_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    new = run_service(request, None, lambda: reports.report_correct(scope=request.scope, report_id=pk))
    if new is None:
        return redirect("service:field_report", pk=pk)
    messages.success(request, _("Correction started: the signed report stays in force until this one is signed."))
    return redirect("service:field_report", pk=new.pk)
