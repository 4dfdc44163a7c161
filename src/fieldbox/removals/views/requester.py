"""The requester's list ("Liste des demandes de déposes"): its requests with their summary, lines, cancel, export."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from fieldbox.accounts.choices import PLANNERS, PROVIDER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.removals import selectors
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine, RemovalRequest
from fieldbox.removals.services import lines as services
from fieldbox.removals.views.remover import RefuseForm, keyset

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DRAFTS_SHOWN = 20
LINES_PER_PAGE = 100


class RequestFilterForm(forms.Form):
    created_from = forms.DateField(label=gettext_lazy("Created from"), required=False, widget=DATE_INPUT)
    created_to = forms.DateField(label=gettext_lazy("Created until"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(
        label=gettext_lazy("With lines"), required=False, choices=[("", "—"), *LineStatus.choices[1:]]
    )
    q = forms.CharField(label=gettext_lazy("VIN"), required=False, max_length=17)


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _filtered(qs: QuerySet[RemovalRequest], f: dict[str, Any]) -> QuerySet[RemovalRequest]:
    if f.get("created_from"):
        qs = qs.filter(created_at__gte=_day_start(f["created_from"]))
    if f.get("created_to"):
        qs = qs.filter(created_at__lt=_day_start(f["created_to"] + timedelta(days=1)))
    if f.get("status"):
        qs = qs.filter(lines__status=f["status"])
    text = "".join((f.get("q") or "").split()).upper()
    if text:
        qs = qs.filter(lines__vehicle__vin__icontains=text)
    return qs.distinct() if f.get("status") or text else qs


@scope_required(*PROVIDER_ROLES)
def requests(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = RequestFilterForm(request.GET)
    qs = _filtered(selectors.requests_for(scope), form.cleaned_data if form.is_valid() else {})
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _export(scope, qs, fmt)
    context = keyset(request, qs)
    found = selectors.summaries([r.pk for r in context["items"]])
    context.update(form=form, rows=[(r, found.get(r.pk, selectors.Summary())) for r in context["items"]])
    context["can_upload"] = request.scope.role in PLANNERS
    if context["can_upload"]:
        context["drafts"] = list(selectors.drafts_for(scope)[:DRAFTS_SHOWN])
        context["keep_days"] = settings.REMOVAL_DRAFT_KEEP_DAYS
    return render(request, "removals/requests.html", context)


EXPORT_HEADER = (
    gettext_lazy("Request"),
    pgettext_lazy("removal request", "Created on"),
    gettext_lazy("Brand"),
    gettext_lazy("Model"),
    gettext_lazy("VIN"),
    gettext_lazy("Subscription"),
    gettext_lazy("Installer code"),
    gettext_lazy("Remover"),
    gettext_lazy("Place of removal"),
    gettext_lazy("Wished date"),
    gettext_lazy("Status"),
    gettext_lazy("Removed on"),
    gettext_lazy("Reason"),
    gettext_lazy("Comments"),
)


def _export_row(line: RemovalLine) -> list[Any]:
    removed = timezone.localtime(line.removed_at).strftime("%Y-%m-%d %H:%M") if line.removed_at else ""
    return [
        line.request.number,
        timezone.localtime(line.request.created_at).date().isoformat(),
        line.vehicle.make,
        line.vehicle.model,
        line.vehicle.vin,
        line.subscription.number,
        line.company.installer_code,
        line.company.name,
        line.place,
        line.wished_on.isoformat(),
        line.get_status_display(),
        removed,
        line.reason,
        line.comment,
    ]


def _export(scope: Scope, qs: QuerySet[RemovalRequest], fmt: str) -> HttpResponse:
    """One row per line of the filtered requests; places, comments and reasons made safe from formulas."""
    ids = qs.order_by().values("pk")
    lines: Iterable[RemovalLine] = (
        selectors.lines_for(scope).filter(request_id__in=ids).order_by("-request_id", "row").iterator(chunk_size=1000)
    )
    return table_response("removal-requests", fmt, [str(h) for h in EXPORT_HEADER], map(_export_row, lines))


@scope_required(*PROVIDER_ROLES)
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The lines of one request, 100 a page, with their live statuses (the page shown refreshes itself every
    20 seconds) and a filter by status."""
    scope = request.scope
    removal = selectors.request_for(scope, pk)
    lines = selectors.lines_for(scope).filter(request=removal).order_by("row")
    status = request.GET.get("status", "")
    if status in LineStatus.values:
        lines = lines.filter(status=status)
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "removal": removal,
        "lines": page,
        "status": status,
        "statuses": LineStatus.choices[1:],
        "summary": selectors.summaries([removal.pk]).get(removal.pk),
    }
    template = "removals/_request_lines.html" if request.htmx else "removals/request_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def line_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Confirm, then cancel a removal not done yet; the reason is optional."""
    line = selectors.line_for(request.scope, pk)
    form = RefuseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if run_service(
            request, form, lambda: services.line_cancel(scope=request.scope, line_id=line.pk, reason=reason)
        ):
            messages.success(request, _("Removal cancelled: the remover no longer sees it as open."))
            return redirect("removals:request_detail", pk=line.request_id)
    return render(request, "removals/cancel.html", {"line": line, "form": form, "sees": True})
