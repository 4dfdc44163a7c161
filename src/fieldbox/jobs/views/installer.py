"""The installer company's lists: "Installations" (open and completed), "Available jobs", "My jobs".

Sorting: lists are paged by keyset on the id (newest first, ``core.pagination.keyset_page``), so a page
never costs an OFFSET. The chosen sort column (a whitelist per tab) orders the rows *within the page*;
the filters, not the sort, are how a long list is narrowed. Exports follow the current filter, all pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import INSTALLER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import run_service, scope_required
from fieldbox.jobs import filters, queries, selectors, services, steps
from fieldbox.jobs.forms import CompletedFilterForm, OpenFilterForm
from fieldbox.jobs.models import Job
from fieldbox.jobs.queries import Row
from fieldbox.jobs.views.common import page

LAST = (1, "")  # sorts rows without a value after the others


def _key(value: Any) -> tuple[int, Any]:
    return LAST if value is None or value == "" else (0, value)


OPEN_SORTS: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: r.job.pk,
    "subscription": lambda r: r.job.subscription.number,
    "assigned": lambda r: _key(r.days_assigned),
    "plate": lambda r: r.plate,
    "customer": lambda r: r.job.customer.display_name.lower(),
    "vehicle_type": lambda r: r.job.vehicle.vehicle_type,
    "product": lambda r: r.job.product.name,
    "deadline": lambda r: _key(r.days_left),
}
COMPLETED_SORTS: dict[str, Callable[[Row], Any]] = {
    "id": lambda r: r.job.pk,
    "serial": lambda r: _key(r.job.device.serial if r.job.device else ""),
    "done_on": lambda r: _key(r.job.paired_at),
    "done_in": lambda r: _key(r.done_in),
    "plate": lambda r: r.plate,
}


# What each tab reads of a job and its relations: the row (queries.row_of), the cells, the export, the sorts and the
# masked projection (status, provider). A column left out here costs a query per row: the query budget test sees it.
JOB_COLUMNS = (
    *("number", "kind", "status", "provider", "company", "installer", "vehicle"),
    *("assigned_at", "deadline_at", "paired_at"),
)
OPEN_RELATED = ("vehicle", "customer", "product", "subscription")
OPEN_COLUMNS = (
    *JOB_COLUMNS,
    "customer",
    "product",
    "subscription",
    "vehicle__plate",
    "vehicle__vehicle_type",
    "customer__kind",
    "customer__first_name",
    "customer__last_name",
    "customer__company_name",
    "customer__phone",
    "customer__language",
    "product__name",
    "subscription__number",
)
COMPLETED_RELATED = ("vehicle", "device")
COMPLETED_COLUMNS = (*JOB_COLUMNS, "device", "vehicle__plate", "device__serial")


def _sorted(rows: list[Row], sorts: dict[str, Callable[[Row], Any]], sort: str) -> tuple[list[Row], str]:
    name = sort.lstrip("-")
    if name not in sorts or name == "id":
        return rows, "-id"
    return sorted(rows, key=sorts[name], reverse=sort.startswith("-")), sort


@scope_required(*INSTALLER_ROLES)
def installations(request: AuthedRequest) -> HttpResponse:
    """IOINSTALLER "Installazioni": the open and the completed jobs of the company, filtered on every column."""
    scope = request.scope
    tab = "completed" if request.GET.get("tab") == "completed" else "open"
    form: forms.Form
    if tab == "open":
        form = OpenFilterForm(request.GET)
        qs = selectors.open_jobs(scope)
        sorts = OPEN_SORTS
    else:
        form = CompletedFilterForm(request.GET)
        qs = selectors.completed_jobs(scope)
        sorts = COMPLETED_SORTS
    qs = filters.apply(qs, scope, form.cleaned_data if form.is_valid() else {})
    # Only the tables and columns the tab shows: fewer joins plan faster on a company with many jobs, and the
    # rest of each record (the job's spec, the owner's addresses…) is neither sent nor decoded.
    shown, columns = (OPEN_RELATED, OPEN_COLUMNS) if tab == "open" else (COMPLETED_RELATED, COMPLETED_COLUMNS)
    qs = qs.select_related(None).select_related(*shown).only(*columns)
    export = request.GET.get("format", "")
    if export in ("csv", "xlsx"):
        return _export(scope, tab, qs, export)
    context = page(request, qs)
    rows, sort = _sorted([queries.row_of(scope, j) for j in context["jobs"]], sorts, request.GET.get("sort", ""))
    query = request.GET.copy()
    for key in ("before", "format", "sort"):
        query.pop(key, None)
    context.update(
        {
            "tab": tab,
            "form": form,
            "rows": rows,
            "sort": sort,
            "sort_query": query.urlencode(),
            "totals": queries.company_totals(scope),
        }
    )
    template = "jobs/_installations_table.html" if request.htmx else "jobs/installations.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _open_line(row: Row) -> list[Any]:
    job = row.job
    return [
        job.number,
        job.subscription.number,
        row.days_assigned,
        row.plate,
        job.customer.display_name,
        job.customer.phone,
        job.vehicle.get_vehicle_type_display(),
        job.product.name,
        timezone.localtime(job.deadline_at).date().isoformat() if job.deadline_at else "",
        row.days_left,
    ]


def _completed_line(row: Row) -> list[Any]:
    job = row.job
    return [
        job.number,
        job.device.serial if job.device else "",
        timezone.localtime(job.paired_at).date().isoformat() if job.paired_at else "",
        row.done_in,
        row.plate,
        job.get_status_display(),
    ]


def _export(scope: Any, tab: str, qs: QuerySet[Job], fmt: str) -> HttpResponse:
    """The current filter, every page, each cell made safe from spreadsheet formulas."""
    if tab == "open":
        header = [
            _("Job"),
            _("Subscription"),
            _("Days since assignment"),
            _("Plate"),
            _("Customer"),
            _("Phone"),
            _("Vehicle type"),
            _("Product"),
            _("Deadline"),
            _("Days left"),
        ]
        line = _open_line
    else:
        header = [_("Job"), _("Serial number"), _("Done on"), _("Done in (days)"), _("Plate"), _("Status")]
        line = _completed_line
    jobs: Iterable[Job] = qs.order_by("-pk").iterator(chunk_size=1000)
    return table_response(f"installations-{tab}", fmt, header, (line(queries.row_of(scope, job)) for job in jobs))


@scope_required(*INSTALLER_ROLES)
def available(request: AuthedRequest) -> HttpResponse:
    """INVERS "Available jobs": the company's jobs nobody works on yet."""
    context = page(request, selectors.available_jobs(request.scope))
    context["rows"] = [queries.row_of(request.scope, j) for j in context["jobs"]]
    return render(request, "jobs/available.html", context)


@scope_required(*INSTALLER_ROLES)
def mine(request: AuthedRequest) -> HttpResponse:
    """The jobs I took and have not paired yet."""
    context = page(request, selectors.my_jobs(request.scope))
    context["rows"] = [queries.row_of(request.scope, j) for j in context["jobs"]]
    return render(request, "jobs/mine.html", context)


@scope_required()
@require_POST
def take(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "Assign to me": the job is mine and in progress, its page opens at the next step (or at the pair form, for
    "Pair" on a job nobody had taken); if a colleague was quicker, I am told so."""
    job = selectors.job_for(request.scope, pk)
    taken = run_service(request, None, lambda: services.job_take(scope=request.scope, job_id=job.pk))
    if taken is None:
        if request.POST.get("from") == "available":
            return redirect("jobs:available")
        return redirect("jobs:detail", pk=job.pk)
    page = reverse("jobs:detail", args=[job.pk])
    if request.POST.get("next") == steps.PAIR:
        messages.success(request, _("The job is yours: pair the device."))
        return redirect(f"{page}?step={steps.PAIR}")
    messages.success(request, _("The job is yours: call the customer to agree an appointment."))
    return redirect(page)


@scope_required(*INSTALLER_ROLES)
@require_POST
def take_next(request: AuthedRequest) -> HttpResponse:
    """ "Take next": the available job closest to its deadline becomes mine and opens."""
    job = run_service(request, None, lambda: services.job_take_next(scope=request.scope))
    if job is None:
        messages.info(request, _("No job is available right now."))
        return redirect("jobs:available")
    messages.success(request, _("The job is yours: call the customer to agree an appointment."))
    return redirect("jobs:detail", pk=job.pk)
