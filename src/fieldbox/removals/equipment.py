""" "Is this vehicle equipped?" (Traqueur "Vérifier qu'un VO est équipé"): a provider user types the VIN or the
plate of a used vehicle and learns whether it carries one of the provider's active devices. The page and the API
share the look-up and its rate limit (per person)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet_selectors
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device, Vehicle

YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass
class Equipped:
    answer: str  # yes, no or unknown
    vehicles: list[Vehicle] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)


def compact(text: str) -> str:
    return re.sub(r"[\s.-]", "", text).upper()[:32]


def equipped(scope: Scope, *, vin: str = "", plate: str = "") -> Equipped:
    """The provider's vehicles with this VIN or plate and the active devices they carry (its own only)."""
    vin, plate = compact(vin), compact(plate)
    match = Q(pk__in=[])
    if vin:
        match |= Q(vin__iexact=vin)
    if plate:
        match |= Q(plate__iexact=plate)
    vehicles = list(fleet_selectors.vehicles_for(scope).filter(match).order_by("pk")[:10])
    if not vehicles or not scope.organisation.is_provider:
        return Equipped(UNKNOWN)
    devices = list(
        fleet_selectors.devices_for(scope)
        .filter(vehicle__in=vehicles, status=DeviceStatus.ACTIVE)
        .select_related("product", "vehicle")
        .order_by("-activated_at", "pk")
    )
    return Equipped(YES if devices else NO, vehicles, devices)


def limited(request: HttpRequest, scope: Scope) -> bool:
    """Look-ups counted per person, in the browser and through the API alike."""
    return bool(
        is_ratelimited(
            request,
            group="vehicle-check",
            key=lambda _group, _request: str(scope.user.pk),
            rate=settings.VEHICLE_CHECK_RATE,
            increment=True,
        )
    )
