"""Devices: the provider's stock with filters, export and "Ship to company"; the company's "Confirm receipt".

Every move goes through the device transition table, in the job services (``device_ship``/``device_receive``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import INSTALLER_ROLES, LOGISTICS, PLANNERS, PROVIDER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.spreadsheets import table_response
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet import selectors, services
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.forms import DeviceFilterForm, ShipForm
from fieldbox.fleet.models import Device
from fieldbox.fleet.views.common import companies, export_format, page, products

# A shipped box reaches the company within 5 or 6 days (IOINSTALLER "Spedizione/ricevimento merce").
SHIPPING_DAYS = 6


def _filtered(qs: QuerySet[Device], f: dict[str, Any]) -> QuerySet[Device]:
    text = "".join(f.get("q", "").split()).upper()
    if text:
        qs = qs.filter(Q(serial__startswith=text) | Q(imei__startswith=text) | Q(imei__endswith=text))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("product"):
        qs = qs.filter(product_id=f["product"])
    if f.get("where") == "warehouse":
        qs = qs.filter(company__isnull=True)
    elif (f.get("where") or "").isdigit():
        qs = qs.filter(company_id=int(f["where"]))
    return qs


def _rows(devices: list[Device]) -> list[dict[str, Any]]:
    rows = []
    for d in devices:
        at = d.status_since
        expected = at + timedelta(days=SHIPPING_DAYS) if d.status == DeviceStatus.SHIPPED else None
        rows.append({"device": d, "since": at, "expected": expected})
    return rows


@scope_required(*PROVIDER_ROLES, *INSTALLER_ROLES)
def device_list(request: AuthedRequest) -> HttpResponse:
    """The provider's devices (in stock, shipped, on vehicles); for a company, those shipped to it or received."""
    scope = request.scope
    is_provider = scope.organisation.is_provider
    partner = companies(request) if is_provider else []
    form = DeviceFilterForm(request.GET, products=products(request), companies=partner)
    qs = selectors.devices_for(scope).select_related("product", "company", "vehicle")
    if not is_provider:
        qs = qs.filter(status__in=(DeviceStatus.SHIPPED, DeviceStatus.RECEIVED))
    qs = _filtered(qs, form.cleaned_data if form.is_valid() else {})
    fmt = export_format(request)
    if fmt:
        return _export(qs.order_by("-pk").iterator(chunk_size=1000), fmt)
    context = page(request, qs)
    context.update(
        form=form,
        rows=_rows(context["items"]),
        is_provider=is_provider,
        ship_form=ShipForm(companies=partner) if partner else None,
        can_ship=scope.role in PLANNERS,
        can_load=scope.role in LOGISTICS,
        can_receive=scope.role in INSTALLER_ROLES,
        expected_on=timezone.localdate() + timedelta(days=SHIPPING_DAYS),
    )
    return render(request, "fleet/device_list.html", context)


def _export(devices: Iterable[Device], fmt: str) -> HttpResponse:
    header = [_("Serial number"), _("IMEI"), _("Product"), _("Status"), _("Where"), _("Vehicle")]
    rows = (
        [
            d.serial,
            d.imei or "",
            d.product.name if d.product else "",
            d.get_status_display(),
            d.company.name if d.company else _("Warehouse"),
            d.vehicle.plate if d.vehicle else "",
        ]
        for d in devices
    )
    return table_response("devices", fmt, header, rows)


def _selected(request: AuthedRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("device") if v.isdigit()]


@scope_required(*PLANNERS)
@require_POST
def device_ship(request: AuthedRequest) -> HttpResponse:
    """Ship the selected devices in stock to a partner company: all of them or, on any refusal, none."""
    form = ShipForm(request.POST, companies=companies(request))
    if not form.is_valid():
        messages.error(request, _("Choose an installer company that accepted your partnership."))
        return redirect("fleet:devices")
    ids = _selected(request)
    company = form.cleaned_data["company"]
    shipped = run_service(
        request, None, lambda: services.devices_ship(scope=request.scope, device_ids=ids, company_id=company)
    )
    if shipped:
        expected = timezone.localdate() + timedelta(days=SHIPPING_DAYS)
        messages.success(
            request,
            ngettext(
                "%(n)s device shipped to %(company)s, expected there by %(date)s.",
                "%(n)s devices shipped to %(company)s, expected there by %(date)s.",
                len(shipped),
            )
            % {"n": len(shipped), "company": shipped[0].company, "date": expected.strftime("%d/%m/%Y")},
        )
    return redirect("fleet:devices")


@scope_required(*INSTALLER_ROLES)
@require_POST
def device_receive(request: AuthedRequest) -> HttpResponse:
    """The company confirms the selected shipped devices arrived."""
    ids = _selected(request)
    received = run_service(request, None, lambda: services.devices_receive(scope=request.scope, device_ids=ids))
    if received:
        n = len(received)
        done = ngettext("Receipt confirmed for %(n)s device.", "Receipt confirmed for %(n)s devices.", n)
        messages.success(request, done % {"n": n})
    return redirect("fleet:devices")
