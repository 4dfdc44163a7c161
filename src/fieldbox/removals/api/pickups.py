"""/api/v1: removed boxes waiting at the removers', their pick-ups and receipt, and "Is this vehicle equipped?"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import keyset_page
from fieldbox.core.problems import NOT_BLANK, Count, Ids, WrittenDate, errors_of, problem
from fieldbox.fleet.models import Device
from fieldbox.removals.choices import PickupStatus
from fieldbox.removals.equipment import equipped, limited
from fieldbox.removals.models import BoxPickup
from fieldbox.removals.services import pickups

router = Router(tags=["box pick-ups"])


class PickupFilters(Schema):
    cursor: int | None = Field(None, description="`next_cursor` of the previous page; omit for the first page")
    limit: int = Field(50, ge=1, le=200, description="Items per page")
    status: PickupStatus | None = Field(None, description="Only pick-ups in this status")
    company_id: int | None = Field(None, description="Only pick-ups at this remover company (providers)")


class WaitingFilters(Schema):
    cursor: int | None = Field(None, description="`next_cursor` of the previous page; omit for the first page")
    limit: int = Field(50, ge=1, le=200, description="Items per page")
    company_id: int | None = Field(None, description="Only the boxes at this remover company (providers)")


class BoxOut(Schema):
    id: int
    serial: str
    product_name: str | None
    status: str
    provider_id: int
    company_id: int | None
    removed_vin: str | None = Field(None, description="VIN of the vehicle the box was removed from")
    removed_at: datetime | None = Field(None, description="When it was removed")


class WaitingPage(Schema):
    items: list[BoxOut]
    next_cursor: int | None


class PickupIn(Schema):
    company_id: Count = Field(description="The remover company where the carrier collected the boxes")
    carrier: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    picked_up_on: WrittenDate
    device_ids: Ids = Field(description="The boxes collected, among those waiting at that company")


class PickupOut(Schema):
    id: int
    status: PickupStatus
    provider_id: int
    company_id: int
    company_name: str
    carrier: str
    picked_up_on: date
    received_at: datetime | None
    device_ids: list[int]


class PickupPage(Schema):
    items: list[PickupOut]
    next_cursor: int | None


class EquippedDevice(Schema):
    serial: str
    product_name: str | None
    since: datetime | None = Field(None, description="When the device reported its activation")
    vehicle_id: int


class EquippedOut(Schema):
    answer: str = Field(description="`yes`, `no` (a vehicle of your fleet without an active device) or `unknown`")
    vehicle_ids: list[int]
    devices: list[EquippedDevice]


def _box(box: Device) -> dict[str, Any]:
    return {
        "id": box.pk,
        "serial": box.serial,
        "product_name": box.product.name if box.product else None,
        "status": box.status,
        "provider_id": box.provider_id,
        "company_id": box.company_id,
        "removed_vin": getattr(box, "removed_vin", None),
        "removed_at": getattr(box, "removed_at", None),
    }


def _pickup(pickup: BoxPickup) -> dict[str, Any]:
    return {
        "id": pickup.pk,
        "status": pickup.status,
        "provider_id": pickup.provider_id,
        "company_id": pickup.company_id,
        "company_name": pickup.company.name,
        "carrier": pickup.carrier,
        "picked_up_on": pickup.picked_up_on,
        "received_at": pickup.received_at,
        "device_ids": sorted(d.pk for d in pickup.devices.all()),
    }


@router.get(
    "/removals/waiting-boxes",
    response={200: WaitingPage, **errors_of(422)},
    summary="Removed boxes waiting for a pick-up, newest first",
    description="A remover company sees the boxes at its premises; a provider its boxes at every remover.",
)
def waiting_list(request: HttpRequest, filters: Query[WaitingFilters]) -> Any:
    scope = scope_of(request)
    company_id = filters.company_id if scope.organisation.is_provider else None
    rows, cursor = keyset_page(pickups.waiting_boxes(scope, company_id), filters.cursor, filters.limit)
    return {"items": [_box(b) for b in rows], "next_cursor": cursor}


@router.get(
    "/box-pickups",
    response={200: PickupPage, **errors_of(422)},
    summary="Box pick-ups, newest first",
    description="A provider sees its pick-ups; a remover company the pick-ups made at its premises.",
)
def pickup_list(request: HttpRequest, filters: Query[PickupFilters]) -> Any:
    scope = scope_of(request)
    qs = pickups.pickups_for(scope).prefetch_related("devices")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.company_id is not None:
        qs = qs.filter(company_id=filters.company_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_pickup(p) for p in rows], "next_cursor": cursor}


@router.post(
    "/box-pickups",
    response={201: PickupOut, **errors_of(403, 422)},
    summary="Record boxes a carrier collected at a remover's (provider admins and dispatchers)",
)
def pickup_create(request: HttpRequest, payload: PickupIn) -> Any:
    scope = scope_of(request)
    pickup = pickups.pickup_record(
        scope=scope,
        company_id=payload.company_id,
        carrier=payload.carrier,
        picked_up_on=payload.picked_up_on,
        device_ids=payload.device_ids,
    )
    return Status(201, _pickup(pickups.pickup_for(scope, pickup.pk)))


@router.post(
    "/box-pickups/{pickup_id}/receive",
    response={200: PickupOut, **errors_of(403, 404, 409)},
    summary="Received at the warehouse: the boxes become returned and back at the provider's",
)
def pickup_receive(request: HttpRequest, pickup_id: int) -> Any:
    scope = scope_of(request)
    pickups.pickup_receive(scope=scope, pickup_id=pickup_id)
    return _pickup(pickups.pickup_for(scope, pickup_id))


@router.get(
    "/vehicles/equipped",
    response={200: EquippedOut, **errors_of(403, 422)},
    summary="Is this used vehicle equipped with one of your active devices? (providers)",
)
def vehicle_equipped(request: HttpRequest, vin: str = "", plate: str = "") -> Any:
    scope = scope_of(request)
    if not scope.organisation.is_provider:
        return problem(403, _("Your role does not allow this."))
    if not vin.strip() and not plate.strip():
        return problem(
            422, _("The request has invalid fields."), errors=[{"field": "vin", "message": _("Give a VIN or a plate.")}]
        )
    if limited(request, scope):
        return problem(429, _("Too many requests."), _("Slow down and try again shortly."))
    found = equipped(scope, vin=vin[:32], plate=plate[:32])
    devices = [
        {
            "serial": d.serial,
            "product_name": d.product.name if d.product else None,
            "since": d.activated_at,
            "vehicle_id": d.vehicle_id,
        }
        for d in found.devices
    ]
    return {"answer": found.answer, "vehicle_ids": [v.pk for v in found.vehicles], "devices": devices}
