"""Box pick-ups: the remover sees the boxes waiting at its premises; the provider records what a carrier collected
and confirms it received them at its warehouse; the provider admin sets when a remover should call the logistics."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import INSTALLER_ROLES, LOGISTICS, PROVIDER_ROLES, Role
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet.models import Device
from fieldbox.removals.choices import PickupStatus
from fieldbox.removals.models import RemovalSettings
from fieldbox.removals.services import pickups

PAGE_SIZE = 50
WAITING_SHOWN = 500


class PickupFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", gettext_lazy("Any status")), *PickupStatus.choices]
    )
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=100, required=False)


class PickupForm(forms.Form):
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=100)
    picked_up_on = forms.DateField(label=gettext_lazy("Picked up on"), widget=forms.DateInput(attrs={"type": "date"}))
    devices = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Boxes collected"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, boxes: list[Device], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["devices"].choices = [(box.pk, box_label(box)) for box in boxes]  # type: ignore[attr-defined]


class RemovalSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RemovalSettings
        fields = ["pickup_threshold", "logistics_phone", "logistics_email"]
        help_texts = {
            "logistics_phone": gettext_lazy("Left empty: your organisation's phone."),
            "logistics_email": gettext_lazy("Left empty: your organisation's e-mail address."),
        }


def box_label(box: Device) -> str:
    removed = getattr(box, "removed_at", None)
    parts = [box.serial, getattr(box, "removed_vin", None) or "—"]
    parts.append(formats.date_format(removed, "SHORT_DATE_FORMAT") if removed else "—")
    return " · ".join(parts)


@scope_required(*PROVIDER_ROLES, *INSTALLER_ROLES)
def pickup_list(request: AuthedRequest) -> HttpResponse:
    """The provider: boxes waiting at each remover and the pick-ups; the remover: its boxes and its pick-ups."""
    scope = request.scope
    form = PickupFilterForm(request.GET)
    qs = pickups.pickups_for(scope)
    if form.is_valid():
        if form.cleaned_data["status"]:
            qs = qs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["carrier"].strip():
            qs = qs.filter(carrier__icontains=form.cleaned_data["carrier"].strip())
    company = request.GET.get("company", "")
    if scope.organisation.is_provider and company.isdigit():
        qs = qs.filter(company_id=int(company))
    context: dict[str, Any] = {"form": form, **request_page(request, qs, PAGE_SIZE, key="pickups")}
    if scope.organisation.is_provider:
        context["per_company"] = pickups.waiting_per_company(scope)
    else:
        context["waiting"] = pickups.waiting_by_provider(scope)
        context["boxes"] = list(pickups.waiting_boxes(scope)[:WAITING_SHOWN])
        context["shown"] = WAITING_SHOWN
    return render(request, "removals/pickups.html", context)


@scope_required(*LOGISTICS)
@require_http_methods(["GET", "POST"])
def pickup_new(request: AuthedRequest) -> HttpResponse:
    """Choose the remover company, then tick the boxes the carrier collected there."""
    scope = request.scope
    companies = pickups.waiting_per_company(scope)
    chosen = request.GET.get("company", "")
    company = next((c for c in companies if str(c["company_id"]) == chosen), None)
    context: dict[str, Any] = {"companies": companies, "company": company}
    if company is None:
        return render(request, "removals/pickup_new.html", context)
    boxes = list(pickups.waiting_boxes(scope, company["company_id"]))
    form = PickupForm(request.POST or None, boxes=boxes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        call = lambda: pickups.pickup_record(  # noqa: E731
            scope=scope,
            company_id=company["company_id"],
            carrier=data["carrier"],
            picked_up_on=data["picked_up_on"],
            device_ids=data["devices"],
        )
        pickup = run_service(request, form, call)
        if pickup is not None:
            messages.success(request, _("Pick-up recorded: confirm it once the boxes reach your warehouse."))
            return redirect("removals:pickup_detail", pk=pickup.pk)
    context["form"] = form
    return render(request, "removals/pickup_new.html", context)


@scope_required(*PROVIDER_ROLES, *INSTALLER_ROLES)
def pickup_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    pickup = pickups.pickup_for(request.scope, pk)
    can_receive = request.scope.role in LOGISTICS and pickup.status == PickupStatus.PICKED_UP
    context = {"pickup": pickup, "boxes": pickups.pickup_boxes(pickup), "can_receive": can_receive}
    return render(request, "removals/pickup_detail.html", context)


@scope_required(*LOGISTICS)
@require_POST
def pickup_receive(request: AuthedRequest, pk: int) -> HttpResponse:
    """ "Received at the warehouse": the boxes are returned and back at the provider's."""
    pickup = pickups.pickup_for(request.scope, pk)
    done = run_service(request, None, lambda: pickups.pickup_receive(scope=request.scope, pickup_id=pickup.pk))
    if done is not None:
        messages.success(request, _("Boxes received: they are back in your warehouse as returned."))
    return redirect("removals:pickup_detail", pk=pickup.pk)


@scope_required(Role.PROVIDER_ADMIN)
@require_http_methods(["GET", "POST"])
def pickup_settings(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = RemovalSettingsForm(request.POST or None, instance=pickups.settings_of(scope.organisation))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        call = lambda: pickups.removal_settings_save(  # noqa: E731
            scope=scope,
            threshold=data["pickup_threshold"],
            phone=data["logistics_phone"],
            email=data["logistics_email"],
        )
        if run_service(request, form, call) is not None:
            messages.success(request, _("Pick-up settings saved."))
            return redirect("removals:pickups")
    return render(request, "removals/pickup_settings.html", {"form": form, "organisation": scope.organisation})
