"""The ticket page's vehicle and job: which subscriber's vehicle the ticket is about (found by its plate), the job it
sent to a partner and how that job goes, and the form that sends one when none runs.

The call page includes ``service/_ticket_job.html`` with the ticket alone; the panel then loads its forms from
``ticket_job`` (HTMX). Its forms answer with the panel again when something is wrong, and with the whole ticket page
once the change is made (the ticket's status and conversation change with it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fieldbox.accounts.choices import CARE, DESK
from fieldbox.accounts.selectors import accepted_installers_for
from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet.models import Vehicle
from fieldbox.fleet.search import compact, plate_q
from fieldbox.fleet.selectors import vehicles_for
from fieldbox.jobs.choices import JobKind
from fieldbox.service import selectors
from fieldbox.service.choices import OPEN_TICKET
from fieldbox.service.services import telematics
from fieldbox.service.services.telematics import NOTE_LENGTH

MATCHES_SHOWN = 5  # the plates named when a search finds several vehicles


class VehicleForm(forms.Form):
    plate = forms.CharField(label=gettext_lazy("Plate"), max_length=20)


class JobSendForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Work to do"),
        choices=[(k.value, k.label) for k in telematics.KINDS],
        initial=JobKind.MAINTENANCE,
    )
    company = forms.TypedChoiceField(label=gettext_lazy("Installer company"), coerce=int)
    note = forms.CharField(
        label=gettext_lazy("Notes for the installer"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = companies  # type: ignore[attr-defined]


def _companies(scope: Scope) -> list[tuple[int, str]]:
    return list(accepted_installers_for(scope).values_list("pk", "name"))


def _panel(request: AuthedRequest, pk: int, **forms_: forms.Form) -> HttpResponse:
    scope = request.scope
    ticket = selectors.ticket_for(scope, pk)
    can_act = scope.role in CARE and ticket.status in OPEN_TICKET
    running = telematics.running_job(scope, ticket) if can_act else None
    companies = _companies(scope) if can_act and running is None and ticket.vehicle_id else []
    context = {
        "ticket": ticket,
        "panel": True,
        "can_act": can_act,
        "running": running,
        "companies": companies,
        "vehicle_form": forms_.get("vehicle_form") or VehicleForm(prefix="vehicle"),
        "send_form": forms_.get("send_form") or JobSendForm(prefix="job", companies=companies),
    }
    return render(request, "service/_ticket_job.html", context)


def _to_ticket(request: AuthedRequest, pk: int) -> HttpResponse:
    """Back to the whole ticket page (where the messages show): a plain redirect, or HTMX's."""
    url = reverse("service:ticket", args=[pk])
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(request: AuthedRequest, pk: int, name: str, form: forms.Form) -> HttpResponse:
    """A form with errors: the panel again under HTMX; without it, the ticket page with the errors as messages."""
    if request.htmx:  # type: ignore[attr-defined]
        return _panel(request, pk, **{name: form})
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _to_ticket(request, pk)


@scope_required(*DESK)
@require_GET
def ticket_job(request: AuthedRequest, pk: int) -> HttpResponse:
    """The panel of the ticket page, with its forms."""
    if not request.htmx:  # type: ignore[attr-defined]
        selectors.ticket_for(request.scope, pk)  # 404 outside the scope, like the panel
        return redirect("service:ticket", pk=pk)
    return _panel(request, pk)


def vehicle_by_plate(scope: Scope, plate: str) -> Vehicle | str:
    """The one vehicle of the scope with this plate (typed in any case, with or without spaces and dashes; part of
    it when only one vehicle matches), or why there is none."""
    match = plate_q(plate, path="")
    if match is None:
        return _("Type the plate.")
    found = list(vehicles_for(scope).filter(match).order_by("plate")[: MATCHES_SHOWN + 1])
    exact = [v for v in found if v.plate == compact(plate)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    if not found:
        return _("None of your vehicles has this plate.")
    plates = ", ".join(v.plate for v in found[:MATCHES_SHOWN])
    return _("Several vehicles match (%(plates)s): type the whole plate.") % {"plates": plates}


@scope_required(*CARE)
@require_POST
def ticket_vehicle(request: AuthedRequest, pk: int) -> HttpResponse:
    selectors.ticket_for(request.scope, pk)  # 404 outside the scope, whatever the form says
    form = VehicleForm(request.POST, prefix="vehicle")
    if not form.is_valid():
        return _refused(request, pk, "vehicle_form", form)
    found = vehicle_by_plate(request.scope, form.cleaned_data["plate"])
    if isinstance(found, str):
        form.add_error("plate", found)
        return _refused(request, pk, "vehicle_form", form)
    done = run_service(
        request,
        form,
        lambda: telematics.ticket_vehicle_set(scope=request.scope, ticket_id=pk, vehicle_id=found.pk),
    )
    if form.errors:
        return _refused(request, pk, "vehicle_form", form)
    if done is not None:
        messages.success(request, _("The ticket is about the vehicle %(plate)s.") % {"plate": found.plate})
    return _to_ticket(request, pk)


@scope_required(*CARE)
@require_POST
def ticket_job_send(request: AuthedRequest, pk: int) -> HttpResponse:
    selectors.ticket_for(request.scope, pk)  # 404 outside the scope, whatever the form says
    form = JobSendForm(request.POST, prefix="job", companies=_companies(request.scope))
    if not form.is_valid():
        return _refused(request, pk, "send_form", form)
    data = form.cleaned_data
    job = run_service(
        request,
        form,
        lambda: telematics.ticket_job_send(
            scope=request.scope, ticket_id=pk, kind=data["kind"], company_id=data["company"], note=data["note"]
        ),
    )
    if form.errors:
        return _refused(request, pk, "send_form", form)
    if job is not None:
        messages.success(request, _("Job %(job)s sent.") % {"job": job.number})
    return _to_ticket(request, pk)
