"""Vehicles: the provider's list, create and edit; the vehicle page with its devices and its jobs.

An installer company sees a vehicle page only while it has an open job on that vehicle (404 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors, services
from fieldbox.fleet.forms import VehicleFilterForm, VehicleForm
from fieldbox.fleet.models import Vehicle
from fieldbox.fleet.views.common import PROVIDER_ROLES, page


@scope_required(*PROVIDER_ROLES)
def vehicle_list(request: AuthedRequest) -> HttpResponse:
    form = VehicleFilterForm(request.GET)
    qs = selectors.vehicles_for(request.scope)
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            qs = qs.filter(plate__icontains=services.normalise_plate(text)) | qs.filter(vin__iexact=text)
        if form.cleaned_data["vehicle_type"]:
            qs = qs.filter(vehicle_type=form.cleaned_data["vehicle_type"])
    context = page(request, qs)
    context.update(form=form, can_edit=request.scope.role in PROVIDER_ROLES)
    return render(request, "fleet/vehicle_list.html", context)


@scope_required()
def vehicle_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The vehicle with its devices (serial, IMEI, status, since) and its jobs, linked to their pages."""
    scope = request.scope
    vehicle = selectors.vehicle_for(scope, pk)
    devices = list(selectors.vehicle_devices(scope, vehicle)[:100])
    jobs = list(selectors.vehicle_jobs(scope, vehicle).select_related("company")[:100])
    context = {
        "vehicle": vehicle,
        "devices": [(d, d.status_since) for d in devices],
        "jobs": jobs,
        "is_provider": scope.organisation.is_provider,
        "can_edit": scope.role in PROVIDER_ROLES,
    }
    return render(request, "fleet/vehicle_detail.html", context)


def _edit(request: AuthedRequest, vehicle: Vehicle | None) -> HttpResponse:
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.VEHICLE_FIELDS}
        saved = run_service(
            request,
            form,
            lambda: services.vehicle_save(scope=request.scope, data=data, vehicle_id=vehicle.pk if vehicle else None),
        )
        if saved is not None:
            messages.success(request, _("Vehicle %(plate)s saved.") % {"plate": saved.plate})
            return redirect("fleet:vehicle_detail", pk=saved.pk)
    return render(request, "fleet/vehicle_form.html", {"form": form, "vehicle": vehicle})


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def vehicle_new(request: AuthedRequest) -> HttpResponse:
    return _edit(request, None)


@scope_required(*PROVIDER_ROLES)
@require_http_methods(["GET", "POST"])
def vehicle_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _edit(request, selectors.vehicle_for(request.scope, pk))
