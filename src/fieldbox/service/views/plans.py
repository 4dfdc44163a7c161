"""The office's maintenance-plan pages (Appsistance "programmazione"): the plans, one plan as a grid of its equipment
by the twelve months with the work orders generated, a new plan (empty or from a contract), its lines, and the
generation of a month's work orders for one customer, several or all.

Every change goes through ``services.plans`` (the same the API and the scheduler call)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.service import selectors_calls as calls
from fieldbox.service import selectors_plans as reads
from fieldbox.service import selectors_work_orders as work_reads
from fieldbox.service.forms_plans import MONTH_NAMES, FromContractForm, GenerateForm, LineForm, PlanForm
from fieldbox.service.models.plans import MaintenancePlan
from fieldbox.service.services import plans as services
from fieldbox.service.services.plans import Generated

READERS = reads.PLAN_READERS
PAGE_SIZE = 50
FOUND_AT_MOST = 20


def _today(request: AuthedRequest) -> date:
    return clock.today(request.scope.organisation.time_zone)


@scope_required(*READERS)
def plans(request: AuthedRequest) -> HttpResponse:
    """The organisation's plans, newest first, by year."""
    scope = request.scope
    year = id_of(request.GET.get("year"))
    qs = reads.plans_filtered(scope, year=year)
    context = {"year": year or "", "today": _today(request), **request_page(request, qs, PAGE_SIZE, key="plans")}
    return render(request, "service/plans/list.html", context)


@scope_required(*READERS)
def plan_new(request: AuthedRequest) -> HttpResponse:
    """A new plan: find the customer, then name it and its year (or take it from one of their contracts)."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer")))
    contracts = reads.contracts_of(scope, customer.pk) if customer else []
    year = _today(request).year
    form = PlanForm(request.POST or None, contracts=contracts, initial={"year": year, "active": True})
    if request.method == "POST" and customer is not None and form.is_valid():
        made = run_service(
            request, form, lambda: services.plan_create(scope=scope, customer_id=customer.pk, **form.cleaned_data)
        )
        if made is not None:
            messages.success(request, _("Plan saved. Add the equipment and its months."))
            return redirect("service:plan", pk=made.pk)
    text = (request.GET.get("q") or "").strip()[:100]
    context = {
        "form": form,
        "from_contract": FromContractForm(contracts=contracts, initial={"year": year}) if contracts else None,
        "customer": customer,
        "q": text,
        "found": calls.find_customers(scope, text, FOUND_AT_MOST) if text and customer is None else [],
    }
    return render(request, "service/plans/form.html", context, status=400 if form.is_bound else 200)


@require_POST
@scope_required(*READERS)
def plan_from_contract(request: AuthedRequest) -> HttpResponse:
    """A plan with the contract's covered equipment and months."""
    scope = request.scope
    customer = calls.customer_for(scope, id_of(request.POST.get("customer")))
    contracts = reads.contracts_of(scope, customer.pk) if customer else []
    form = FromContractForm(request.POST, contracts=contracts)
    if form.is_valid():
        made = run_service(request, form, lambda: services.plan_from_contract(scope=scope, **form.cleaned_data))
        if made is not None:
            messages.success(request, _("Plan made from the contract."))
            return redirect("service:plan", pk=made.pk)
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    back = f"?customer={customer.pk}" if customer else ""
    return redirect(reverse("service:plan_new") + back)


@scope_required(*READERS)
def plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """One plan: its equipment by the twelve months, the work orders generated, a line to add."""
    scope = request.scope
    found = reads.plan_for(scope, pk)
    return _plan_page(request, found, _line_form(request, found, None))


def _line_form(request: AuthedRequest, found: MaintenancePlan, data: QueryDict | None) -> LineForm:
    scope = request.scope
    return LineForm(
        data,
        equipment=work_reads.choices(calls.equipment_of(scope, found.customer_id)),
        work_types=work_reads.choices(work_reads.work_types_for(scope, active_only=True)),
    )


def _plan_page(request: AuthedRequest, found: MaintenancePlan, form: LineForm, status: int = 200) -> HttpResponse:
    context = {
        "plan": found,
        "grid": reads.grid_of(found),
        "month_names": MONTH_NAMES,
        "form": form,
    }
    return render(request, "service/plans/detail.html", context, status=status)


@scope_required(*READERS)
def plan_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.plan_for(scope, pk)
    initial = {
        "name": found.name,
        "year": found.year,
        "contract_id": found.contract_id,
        "active": found.active,
        "notes": found.notes,
    }
    form = PlanForm(request.POST or None, contracts=reads.contracts_of(scope, found.customer_id), initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: services.plan_edit(scope=scope, plan_id=pk, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:plan", pk=pk)
    context = {"form": form, "customer": found.customer, "plan": found, "editing": True}
    return render(request, "service/plans/form.html", context, status=400 if form.is_bound else 200)


@require_POST
@scope_required(*READERS)
def plan_line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.plan_for(scope, pk)
    form = _line_form(request, found, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        d["months"] = ",".join(d["months"])
        done = run_service(request, form, lambda: services.plan_line_add(scope=scope, plan_id=pk, **d))
        if done is not None:
            messages.success(request, _("Equipment added to the plan."))
            return redirect("service:plan", pk=pk)
    return _plan_page(request, found, form, status=400)


@require_POST
@scope_required(*READERS)
def plan_line_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    line = reads.line_for(scope, pk)

    def remove() -> bool:
        services.plan_line_remove(scope=scope, line_id=pk)
        return True

    if run_service(request, None, remove):
        messages.success(request, _("Taken off the plan; its work orders stay."))
    return redirect("service:plan", pk=line.plan_id)


def said(done: Generated) -> str:
    """ "3 work orders made, 2 already existed": what a generation did, in the user's words."""
    made = ngettext("%(n)s work order made", "%(n)s work orders made", done.made) % {"n": done.made}
    existing = ngettext("%(n)s already existed", "%(n)s already existed", done.existing) % {"n": done.existing}
    return f"{made}, {existing}."


@scope_required(*READERS)
def plans_generate(request: AuthedRequest) -> HttpResponse:
    """Generate the work orders of a month for every customer with a plan, or the ones chosen."""
    scope = request.scope
    today = _today(request)
    customers = [(c.pk, c.display_name) for c in reads.customers_with_plans(scope)[:500]]
    initial = {"month": f"{today:%Y-%m}", "every_customer": True}
    chosen = id_of(request.GET.get("customer"))
    if chosen:
        initial.update(every_customer=False, customers=[chosen])
    form = GenerateForm(request.POST or None, customers=customers, initial=initial)
    done = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        year, month = (int(p) for p in d["month"].split("-"))
        ids = None if d["every_customer"] else d["customers"]
        done = run_service(
            request, form, lambda: services.plan_generate(scope=scope, month=date(year, month, 1), customer_ids=ids)
        )
        if done is not None:
            (messages.success if done.made else messages.info)(request, said(done))
            if not done.made and done.existing:
                messages.info(request, _("Nothing new: this month was already generated."))
            return redirect("service:plans_generate")
    context = {"form": form, "customers": customers}
    return render(request, "service/plans/generate.html", context, status=400 if form.is_bound else 200)
