"""The remover's screen ("Gérer les demandes de déposes"): the lines sent to its company; accept, refuse, report."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import Model, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import INSTALLER_ROLES
from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.removals import selectors
from fieldbox.removals.choices import OPEN_LINE, LineStatus
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import lines as services
from fieldbox.removals.services import pickups

M = TypeVar("M", bound=Model)
PAGE_SIZE = 50


def keyset(request: AuthedRequest, qs: QuerySet[M]) -> dict[str, Any]:
    """One keyset page (newest first) with what the pager links need."""
    return request_page(request, qs, PAGE_SIZE)


class RemoverFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *LineStatus.choices[1:]]
    )
    requester = forms.TypedChoiceField(label=gettext_lazy("Requester"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=gettext_lazy("VIN or subscription"), required=False, max_length=40)

    def __init__(self, *args: Any, requesters: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester"].choices = [("", "—"), *requesters]  # type: ignore[attr-defined]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReportForm(forms.Form):
    removed_at = forms.DateTimeField(
        label=gettext_lazy("Removal date and time"),
        input_formats=[clock.DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=clock.DATETIME_LOCAL),
    )
    serial_end = forms.CharField(
        label=gettext_lazy("Last 7 characters of the box number"),
        min_length=7,
        max_length=7,
        # Scannable: the box's barcode gives its serial number, of which the field keeps the last 7 characters.
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "data-scan": "last7"}
        ),
    )
    technician = forms.CharField(label=gettext_lazy("Technician's name"), max_length=100)


def report_initial(technician: str = "") -> dict[str, Any]:
    """What the report form starts with: now (to the minute, on the reader's clock) and, signed in, who reports."""
    return {"removed_at": timezone.localtime().replace(second=0, microsecond=0), "technician": technician}


def _filtered(qs: QuerySet[RemovalLine], f: dict[str, Any]) -> QuerySet[RemovalLine]:
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("requester"):
        qs = qs.filter(request__provider_id=f["requester"])
    text = "".join((f.get("q") or "").split()).upper()
    if text:
        # Only open lines: the vehicle of an ended line is no longer the remover's to look up.
        match = Q(vehicle__vin__icontains=text) | Q(subscription__number__icontains=text)
        qs = qs.filter(match, status__in=OPEN_LINE)
    return qs


def _requesters(scope: Any) -> list[tuple[int, str]]:
    rows = selectors.lines_for(scope).order_by().values_list("request__provider_id", "request__provider__name")
    return sorted(set(rows), key=lambda r: r[1].lower())


@scope_required(*INSTALLER_ROLES)
def manage(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = RemoverFilterForm(request.GET, requesters=_requesters(scope))
    qs = _filtered(selectors.remover_lines(scope), form.cleaned_data if form.is_valid() else {})
    context = keyset(request, qs)
    context.update(
        form=form,
        rows=[(line, not line.masked) for line in context["items"]],
        refuse_form=RefuseForm(),
    )
    return render(request, "removals/manage.html", context)


@scope_required(*INSTALLER_ROLES)
@require_POST
def accept(request: AuthedRequest, pk: int) -> HttpResponse:
    line = selectors.line_for(request.scope, pk)
    if run_service(request, None, lambda: services.line_accept(scope=request.scope, line_id=line.pk)):
        messages.success(request, _("Removal accepted: report it once the box is removed."))
    return redirect("removals:manage")


@scope_required(*INSTALLER_ROLES)
@require_http_methods(["GET", "POST"])
def refuse(request: AuthedRequest, pk: int) -> HttpResponse:
    line = selectors.line_for(request.scope, pk)
    form = RefuseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if run_service(
            request, form, lambda: services.line_refuse(scope=request.scope, line_id=line.pk, reason=reason)
        ):
            messages.success(request, _("Removal refused: the requester is told why."))
            return redirect("removals:manage")
    return render(request, "removals/refuse.html", {"line": line, "form": form, "sees": _sees(request, line)})


@scope_required(*INSTALLER_ROLES)
@require_http_methods(["GET", "POST"])
def report(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "Signaler une dépose": date and time, the box's last 7 characters, the technician; the IT removal follows."""
    line = selectors.line_for(request.scope, pk)
    initial = report_initial(request.user.get_full_name())
    form = ReportForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.line_report(
                scope=request.scope,
                line_id=line.pk,
                removed_at=data["removed_at"],
                serial_end=data["serial_end"],
                technician=data["technician"],
            ),
        )
        if done is not None:
            messages.success(request, _("Removal reported: the box waits at your company for its pick-up."))
            return redirect("removals:manage")
    waiting = pickups.waiting_of(request.scope, line.request.provider)
    context = {"line": line, "form": form, "sees": _sees(request, line), "waiting": waiting}
    return render(request, "removals/report.html", context)


def _sees(request: AuthedRequest, line: RemovalLine) -> bool:
    return not line.masked
