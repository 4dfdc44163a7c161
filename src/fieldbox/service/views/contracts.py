"""The office's pages of maintenance contracts (Appsistance "gestione contratti"): the list with its filters and
its export, a new contract, one contract with its covered equipment, its renewal chain, its history and its
buttons, and the form of its terms.

Every button comes from ``CONTRACT_TABLE.allowed``; every change goes through ``services.contracts`` (the same the
API and the daily run call), so a page never decides a rule of its own.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.service import contract_sections
from fieldbox.service import selectors_calls as calls
from fieldbox.service import selectors_contracts as reads
from fieldbox.service import selectors_work_orders as work_reads
from fieldbox.service.choices import CONTRACT_TABLE, ContractStatus
from fieldbox.service.forms_contracts import ContractFilterForm, ContractForm, CoveredForm, TerminateForm
from fieldbox.service.models.contracts import Contract
from fieldbox.service.services import contracts as services

READERS = tuple(sorted(reads.CONTRACT_READERS))
PAGE_SIZE = 50
FOUND_AT_MOST = 20
EXPORT_MAX = 10_000


# ---- The list -----------------------------------------------------------------------------------------------


@scope_required(*READERS)
def contracts(request: AuthedRequest) -> HttpResponse:
    """The organisation's contracts, newest first, by status, customer, end and notice due; CSV or XLSX."""
    scope = request.scope
    form = ContractFilterForm(request.GET or None)
    filters = reads.Filters()
    text = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = reads.Filters(
            status=d["status"] or None, ending_before=d["ending_before"], notice_due=bool(d["notice_due"])
        )
        text = d["customer"].strip()
    qs = reads.contracts_filtered(scope, filters)
    if text:
        qs = qs.filter(customer__in=calls.find_customers(scope, text, 200))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(qs, fmt)
    context = {
        "form": form,
        "filtered": any((filters.status, filters.ending_before, filters.notice_due, text)),
        "can_create": CONTRACT_TABLE.may_act("create", scope),
        **request_page(request, qs, PAGE_SIZE, key="contracts"),
    }
    return render(request, "service/contracts/list.html", context)


def _export(qs: Any, fmt: str) -> HttpResponse:
    header = [
        _("Number"),
        _("Status"),
        _("Customer"),
        _("Starts on"),
        _("Ends on"),
        _("Notice deadline"),
        _("Renewal"),
        _("Fee"),
        _("Fee period"),
        _("Renews"),
    ]
    rows = (
        [
            c.number,
            c.get_status_display(),
            c.customer.display_name,
            c.starts_on,
            c.ends_on,
            c.notice_by,
            c.get_renewal_display(),
            c.fee,
            c.get_fee_period_display(),
            c.renews.number if c.renews else "",
        ]
        for c in qs.order_by("-pk")[:EXPORT_MAX]
    )
    return table_response("contracts", fmt, header, rows)


# ---- Creating and changing ------------------------------------------------------------------------------------


@scope_required(*READERS)
def contract_new(request: AuthedRequest) -> HttpResponse:
    """A new draft: find the customer, then write the terms (the equipment is added on the contract's page)."""
    scope = request.scope
    CONTRACT_TABLE.require("create", scope)
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer")))
    form = ContractForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and customer is not None and form.is_valid():
        made = run_service(
            request,
            form,
            lambda: services.contract_create(scope=scope, customer_id=customer.pk, terms=form.terms()),
        )
        if made is not None:
            messages.success(
                request, _("Contract %(number)s is a draft: add the equipment it covers.") % {"number": made.number}
            )
            return redirect("service:contract", pk=made.pk)
    text = (request.GET.get("q") or "").strip()[:100]
    context = {
        "form": form,
        "customer": customer,
        "q": text,
        "found": calls.find_customers(scope, text, FOUND_AT_MOST) if text and customer is None else [],
    }
    return render(request, "service/contracts/form.html", context, status=400 if form.is_bound else 200)


@scope_required(*READERS)
def contract_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A draft's terms."""
    scope = request.scope
    contract = reads.contract_for(scope, pk)
    initial = {name: getattr(contract, name) for name in ContractForm.base_fields}
    form = ContractForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request, form, lambda: services.contract_edit(scope=scope, contract_id=pk, terms=form.terms())
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:contract", pk=pk)
        if not form.errors:
            return redirect("service:contract", pk=pk)
    context = {"form": form, "customer": contract.customer, "contract": contract, "editing": True}
    return render(request, "service/contracts/form.html", context, status=400 if form.is_bound else 200)


# ---- One contract ---------------------------------------------------------------------------------------------


def _covered_form(contract: Contract, request: AuthedRequest, data: Any = None) -> CoveredForm:
    scope = request.scope
    equipment = work_reads.choices(calls.equipment_of(scope, contract.customer_id))
    work_types = work_reads.choices(work_reads.work_types_for(scope, active_only=True))
    return CoveredForm(data, equipment=equipment, work_types=work_types)


def page(request: AuthedRequest, pk: int, **bound: Any) -> HttpResponse:
    """The contract's page; ``bound`` holds a form sent back with its errors (then the answer is a 400), its own or
    one of the other apps' parts (``contract_sections``)."""
    scope = request.scope
    contract = reads.contract_for(scope, pk)
    allowed = CONTRACT_TABLE.allowed(contract, scope, ("edit", "activate", "terminate"))
    lines = reads.lines_of(contract)
    for line in lines:
        line.month_labels = reads.month_labels(line)  # type: ignore[attr-defined]
    context = {
        "contract": contract,
        "lines": lines,
        "renewed_by": reads.renewed_by(contract),
        "history": [(e, _change(e.from_state, e.to_state)) for e in reads.history_of(contract)],
        "allowed": allowed,
        "covered_form": bound.get("covered_form") or _covered_form(contract, request),
        "terminate_form": bound.get("terminate_form") or TerminateForm(),
        "from_apps": contract_sections.parts_of(request, contract, bound),  # its billing terms (commerce)
    }
    return render(request, "service/contracts/detail.html", context, status=400 if bound else 200)


def _change(old: str, new: str) -> str:
    """ "Active → Renewed", in the reader's words; empty when the state stayed."""
    if old == new:
        return ""
    labels = dict(ContractStatus.choices)
    return " → ".join(str(labels.get(state, state)) for state in (old, new) if state)


@scope_required(*READERS)
def contract(request: AuthedRequest, pk: int) -> HttpResponse:
    return page(request, pk)


@scope_required(*READERS)
@require_POST
def contract_equipment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    found = reads.contract_for(scope, pk)
    form = _covered_form(found, request, request.POST)
    if form.is_valid():
        done = run_service(
            request,
            form,
            lambda: services.contract_equipment_add(scope=scope, contract_id=pk, **form.cleaned_data),
        )
        if done is not None:
            messages.success(request, _("%(equipment)s is covered.") % {"equipment": done.equipment})
            return redirect("service:contract", pk=pk)
        if not form.errors:
            return redirect("service:contract", pk=pk)
    return page(request, pk, covered_form=form)


@scope_required(*READERS)
@require_POST
def contract_equipment_remove(request: AuthedRequest, pk: int, line_pk: int) -> HttpResponse:
    scope = request.scope
    reads.contract_for(scope, pk)

    def remove() -> bool:
        services.contract_equipment_remove(scope=scope, contract_id=pk, line_id=line_pk)
        return True

    if run_service(request, None, remove):
        messages.success(request, _("Removed."))
    return redirect("service:contract", pk=pk)


@scope_required(*READERS)
@require_POST
def contract_activate(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    reads.contract_for(scope, pk)
    done = run_service(request, None, lambda: services.contract_activate(scope=scope, contract_id=pk))
    if done is not None:
        messages.success(request, _("Contract %(number)s is active.") % {"number": done.number})
    return redirect("service:contract", pk=pk)


@scope_required(*READERS)
@require_POST
def contract_terminate(request: AuthedRequest, pk: int) -> HttpResponse:
    """End an active contract early, with the reason (the page asks for confirmation first)."""
    scope = request.scope
    reads.contract_for(scope, pk)
    form = TerminateForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.contract_terminate(scope=scope, contract_id=pk, reason=d["reason"], on=d["on"]),
        )
        if done is not None:
            messages.success(request, _("Contract %(number)s is terminated.") % {"number": done.number})
            return redirect("service:contract", pk=pk)
        if not form.errors:
            return redirect("service:contract", pk=pk)
    return page(request, pk, terminate_form=form)
