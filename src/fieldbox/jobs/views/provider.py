"""The provider's screens: the job list (filters, chosen columns, sort, export), a new job, jobs from a spreadsheet.

The list is paged by keyset whatever the sort: newest or oldest first walks the id, "deadline" walks
(deadline, id) and so lists the jobs that have a deadline (assigned ones). Exports follow the filter, all pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts import selectors as accounts_selectors
from fieldbox.accounts.choices import PLANNERS, PROVIDER_ROLES
from fieldbox.core import uploads
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors as fleet_selectors
from fieldbox.jobs import filters, imports, queries, selectors, services
from fieldbox.jobs.forms import JobCreateForm, JobFilterForm, JobImportForm
from fieldbox.jobs.models import Job
from fieldbox.jobs.views.common import PAGE_SIZE

COLUMNS_KEY = "jobs.list.columns"
IMPORTS_KEY = "job-imports"
SORTS = {
    "-created": gettext_lazy("Newest first"),
    "created": gettext_lazy("Oldest first"),
    "deadline": gettext_lazy("Deadline, soonest first"),
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PREVIEW_ROWS = 200


def _filtered(request: AuthedRequest) -> tuple[JobFilterForm, QuerySet[Job]]:
    scope = request.scope
    companies = [(o.pk, str(o)) for o in accounts_selectors.accepted_installers_for(scope)]
    form = JobFilterForm(request.GET, companies=companies)
    qs = selectors.jobs_for(scope).select_related("provider")
    if form.is_valid():
        qs = filters.apply(qs, scope, form.cleaned_data)
    return form, qs


def _ordered(qs: QuerySet[Job], sort: str, cursor: str) -> QuerySet[Job]:
    """The list in the chosen order, from just after ``cursor`` (the key of the last row seen)."""
    if sort == "deadline":
        qs = qs.filter(deadline_at__isnull=False).order_by("deadline_at", "pk")
        when, _sep, pk = cursor.partition("_")
        if when.isdigit() and pk.isdigit():
            at = EPOCH + timedelta(microseconds=int(when))
            qs = qs.filter(Q(deadline_at__gt=at) | Q(deadline_at=at, pk__gt=int(pk)))
        return qs
    if sort == "created":
        return qs.filter(pk__gt=int(cursor)).order_by("pk") if cursor.isdigit() else qs.order_by("pk")
    return qs.filter(pk__lt=int(cursor)).order_by("-pk") if cursor.isdigit() else qs.order_by("-pk")


def _cursor_of(job: Job, sort: str) -> str:
    if sort == "deadline" and job.deadline_at is not None:
        return f"{(job.deadline_at - EPOCH) // timedelta(microseconds=1)}_{job.pk}"
    return str(job.pk)


@scope_required(*PROVIDER_ROLES)
def job_list(request: AuthedRequest) -> HttpResponse:
    """Every job of the provider by status, company, kind and deadline, with the columns the user chose."""
    scope = request.scope
    form, qs = _filtered(request)
    sort = request.GET.get("sort", "")
    sort = sort if sort in SORTS else "-created"
    columns = queries.chosen_columns(request.session.get(COLUMNS_KEY))
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(request, _ordered(qs, sort, ""), columns, fmt)
    cursor = request.GET.get("after", "") or request.GET.get("before", "")
    jobs = list(_ordered(qs, sort, cursor)[: PAGE_SIZE + 1])
    query = request.GET.copy()
    for key in ("after", "before", "format"):
        query.pop(key, None)
    context = {
        "form": form,
        "rows": [queries.row_of(scope, j) for j in jobs[:PAGE_SIZE]],
        "next_cursor": _cursor_of(jobs[PAGE_SIZE - 1], sort) if len(jobs) > PAGE_SIZE else "",
        "is_first": not cursor,
        "query": query.urlencode(),
        "columns": columns,
        "all_columns": queries.LIST_COLUMNS,
        "chosen": {c.key for c in columns},
        "sort": sort,
        "sorts": SORTS.items(),
    }
    return render(request, "jobs/job_list.html", context)


def _export(request: AuthedRequest, qs: QuerySet[Job], columns: list[queries.Column], fmt: str) -> HttpResponse:
    """The filtered list, every page, in the chosen columns; cells safe from spreadsheet formulas."""
    header = [h for c in columns for h in c.export_headers]
    jobs: Iterable[Job] = qs.iterator(chunk_size=1000)
    lines = ([cell for c in columns for cell in c.cells(queries.row_of(request.scope, j))] for j in jobs)
    return table_response("jobs", fmt, header, lines)


@scope_required(*PROVIDER_ROLES)
@require_POST
def job_list_columns(request: AuthedRequest) -> HttpResponse:
    """Remember the columns this person wants on the list (and in its exports)."""
    keys = [k for k in request.POST.getlist("columns") if k in queries.COLUMNS_BY_KEY]
    request.session[COLUMNS_KEY] = keys or list(queries.DEFAULT_COLUMNS)
    query = QueryDict(request.POST.get("query", "")).copy()
    query.pop("after", None)
    query.pop("before", None)
    messages.success(request, _("Columns saved."))
    target = reverse("jobs:list")
    return redirect(f"{target}?{query.urlencode()}" if query else target)


@scope_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def job_new(request: AuthedRequest) -> HttpResponse:
    """A draft job for the vehicle of one of the provider's subscriptions, found by its number."""
    form = JobCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        subscription_id = fleet_selectors.subscription_id_by_number(request.scope, data["subscription"])
        if subscription_id is None:
            form.add_error("subscription", _("No subscription of yours has this number."))
        else:
            spec = {k: data[k] for k in ("vehicle_model", "central_lock_type", "notes")}
            job = run_service(
                request,
                form,
                lambda: services.job_create(
                    scope=request.scope, subscription_id=subscription_id, kind=data["kind"], spec=spec
                ),
            )
            if job is not None:
                messages.success(request, _("Job %(number)s created as a draft.") % {"number": job.number})
                return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/job_new.html", {"form": form})


# ---- jobs from a spreadsheet ----------------------------------------------------------------------------


def _refused(request: AuthedRequest, form: JobImportForm, refused: imports.ImportRefused) -> HttpResponse:
    context = {"form": form, "errors": refused.errors, "max_rows": settings.JOB_IMPORT_MAX_ROWS}
    return render(request, "jobs/job_import.html", context, status=422)


@scope_required(*PLANNERS)
@require_http_methods(["GET", "POST"])
def job_import(request: AuthedRequest) -> HttpResponse:
    """Upload a file: every row is checked; errors are listed by row and column, or a preview asks to confirm."""
    form = JobImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_rows": settings.JOB_IMPORT_MAX_ROWS}
    if request.method != "POST" or not form.is_valid():
        return render(request, "jobs/job_import.html", context)
    upload = form.cleaned_data["file"]
    try:
        table = imports.read_table(upload, upload.name or "", upload.size or 0)
        planned = imports.plan(request.scope, table)
    except imports.ImportRefused as refused:
        return _refused(request, form, refused)
    name = uploads.upload_keep(request, upload, purpose=IMPORTS_KEY)
    context.update(
        planned=planned[:PREVIEW_ROWS],
        total=len(planned),
        more=max(len(planned) - PREVIEW_ROWS, 0),
        assigned=sum(1 for p in planned if p.company_id),
        file=name,
        filename=upload.name,
    )
    return render(request, "jobs/job_import_preview.html", context)


@scope_required(*PLANNERS)
@require_POST
def job_import_confirm(request: AuthedRequest) -> HttpResponse:
    """Create every job of the kept file, or none: the file is checked again at this moment."""
    kept = uploads.upload_kept(request, purpose=IMPORTS_KEY, path=request.POST.get("file", ""))
    if kept is None:
        messages.error(request, _("The uploaded file is no longer available: upload it again."))
        return redirect("jobs:import")
    try:
        with kept.open() as stream:
            table = imports.read_table(stream, kept.name, kept.size)
        jobs = run_service(request, None, lambda: imports.job_import(scope=request.scope, table=table))
    except imports.ImportRefused as refused:
        return _refused(request, JobImportForm(), refused)
    finally:
        uploads.upload_discard(request, kept, purpose=IMPORTS_KEY)
    if jobs is None:
        return redirect("jobs:import")
    assigned = sum(1 for _row, j in jobs if j.company_id)
    created = ngettext("%(n)s job created", "%(n)s jobs created", len(jobs)) % {"n": len(jobs)}
    messages.success(request, _("%(created)s, %(assigned)s assigned.") % {"created": created, "assigned": assigned})
    return redirect("jobs:list")


@scope_required(*PLANNERS)
def job_import_template(request: AuthedRequest) -> HttpResponse:
    """The file to fill in: its header, as XLSX or CSV."""
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    return table_response("jobs-import", fmt, imports.template_header(), [])
