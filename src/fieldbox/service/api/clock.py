"""/api/v1 of clock-in: clocking in and out, the events and their corrections, the clock-in points and the
tolerance (``services.clock``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core import clock
from fieldbox.core.http import client_ip, scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import (
    NOT_BLANK,
    Count,
    QueryDay,
    WrittenAwareDateTime,
    errors_of,
)
from fieldbox.service import selectors_clock as clocks
from fieldbox.service.choices import ClockKind, ClockRule
from fieldbox.service.models import ClockEvent, ClockPoint
from fieldbox.service.selectors_hours import HOURS_ADMINS, HOURS_PEOPLE
from fieldbox.service.services import clock as clocking

router = Router(tags=["hours and clock-in"])


# ---- Schemas --------------------------------------------------------------------------------------------------------


class ClockPunchIn(Schema):
    latitude: float | None = Field(None, ge=-90, le=90, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, strict=True)
    accuracy: float | None = Field(None, ge=0, strict=True, description="Metres, as the browser reports it")
    work_order_id: Count | None = Field(None, description="At this work order's site; empty: at the office")


class ClockEventOut(Schema):
    id: int
    user_id: int
    type: ClockKind
    at: datetime
    work_order_id: int | None
    site_id: int | None
    latitude: str | None
    longitude: str | None
    accuracy: int | None
    distance: int | None = Field(description="Metres from the nearest place, when the position was known")
    address: str | None
    rule: ClockRule
    passed: bool
    corrects_id: int | None
    reason: str
    recorded_by_id: int | None
    recorded_at: datetime


class ClockEventPage(Schema):
    items: list[ClockEventOut]
    next_cursor: int | None


class ClockEventFilters(PageFilters):
    user_id: int | None = Field(None, description="One person's (an admin sees everyone's)")
    day: QueryDay | None = Field(None, description="Only this day, on the organisation's clock")


class ClockCorrectionIn(Schema):
    reason: str = Field(max_length=500, json_schema_extra=NOT_BLANK)
    event_id: Count | None = Field(None, description="The event it corrects; empty: a forgotten event of `user_id`")
    user_id: Count | None = None
    type: ClockKind | None = Field(None, description="Empty: the corrected event's")
    at: WrittenAwareDateTime | None = Field(None, description="Empty: the corrected event's")
    void: bool = Field(False, strict=True, description="The corrected event no longer counts")


class ClockPointIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    site_id: Count | None = Field(None, description="A customer's site; empty: the office")
    latitude: float | None = Field(None, ge=-90, le=90, strict=True)
    longitude: float | None = Field(None, ge=-180, le=180, strict=True)
    networks: list[str] = Field([], max_length=50, description="Addresses or CIDR ranges")


class ClockPointOut(Schema):
    id: int
    name: str
    site_id: int | None
    latitude: str | None
    longitude: str | None
    networks: list[str]


class ClockSettingsIn(Schema):
    clock_tolerance: Count = Field(description="Metres (10 to 5,000)")
    clock_accuracy: Count = Field(description="Metres (10 to 10,000): a less precise position proves nothing")


class ClockSettingsOut(Schema):
    clock_tolerance: int
    clock_accuracy: int


# ---- Rows -----------------------------------------------------------------------------------------------------------


def _event(e: ClockEvent) -> dict[str, Any]:
    names = ("user_id", "at", "work_order_id", "site_id", "accuracy", "distance", "address", "rule", "passed")
    more = ("corrects_id", "reason", "recorded_by_id", "recorded_at")
    return {
        "id": e.pk,
        "type": e.kind,
        "latitude": None if e.latitude is None else str(e.latitude),
        "longitude": None if e.longitude is None else str(e.longitude),
        **{n: getattr(e, n) for n in (*names, *more)},
    }


def _point(p: ClockPoint) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "site_id": p.site_id,
        "latitude": None if p.latitude is None else str(p.latitude),
        "longitude": None if p.longitude is None else str(p.longitude),
        "networks": p.networks.split(),
    }


# ---- Clock-in ----------------------------------------------------------------------------------------------------


def _punch(request: HttpRequest, payload: ClockPunchIn, kind: str) -> Any:
    punch = clocking.clock_out if kind == ClockKind.OUT else clocking.clock_in
    event = punch(
        scope=scope_of(request),
        latitude=payload.latitude,
        longitude=payload.longitude,
        accuracy=payload.accuracy,
        address=client_ip(request) or None,
        work_order_id=payload.work_order_id,
    )
    return Status(201, _event(event))


PUNCH_DESCRIPTION = (
    "Passes when the position (precise enough) lies within the organisation's tolerance of the work order's site "
    "or of a clock-in point of that site or of the office, or when the request comes from one of those points' "
    "networks. Refused with 422 (field `position`, saying how far the person is) otherwise: the refused attempt "
    "is recorded all the same and listed in `/clock/events`."
)


@router.post(
    "/clock/in",
    response={201: ClockEventOut, **errors_of(403, 422)},
    summary="Clock in",
    description=PUNCH_DESCRIPTION,
)
def clock_in(request: HttpRequest, payload: ClockPunchIn) -> Any:
    return _punch(request, payload, ClockKind.IN)


@router.post(
    "/clock/out",
    response={201: ClockEventOut, **errors_of(403, 422)},
    summary="Clock out",
    description=PUNCH_DESCRIPTION,
)
def clock_out(request: HttpRequest, payload: ClockPunchIn) -> Any:
    return _punch(request, payload, ClockKind.OUT)


@router.get(
    "/clock/events",
    response={200: ClockEventPage, **errors_of(403, 422)},
    summary="Clock events, newest first, refused ones and corrections included",
)
def clock_event_list(request: HttpRequest, filters: Query[ClockEventFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_PEOPLE)
    qs = clocks.clock_events_for(scope)
    if filters.user_id:
        qs = qs.filter(user_id=filters.user_id)
    if filters.day:
        tz = scope.organisation.time_zone
        qs = qs.filter(at__gte=clock.start_of_day(filters.day, tz), at__lt=clock.day_after(filters.day, tz))
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_event(e) for e in rows], "next_cursor": cursor}


@router.post(
    "/clock/corrections",
    response={201: ClockEventOut, **errors_of(403, 404, 422)},
    summary="Correct a clock event, or add a forgotten one (an admin, with a reason)",
    description="The correction is a new event pointing to the one it corrects, which then no longer counts.",
)
def clock_correction(request: HttpRequest, payload: ClockCorrectionIn) -> Any:
    event = clocking.clock_correct(
        scope=scope_of(request),
        reason=payload.reason,
        event_id=payload.event_id,
        user_id=payload.user_id,
        kind=payload.type,
        at=payload.at,
        void=payload.void,
    )
    return Status(201, _event(event))


# ---- Clock-in points and tolerance ------------------------------------------------------------------------------


def _admin(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_ADMINS)
    return scope


@router.get(
    "/clock/points",
    response={200: list[ClockPointOut], **errors_of(403)},
    summary="The organisation's clock-in points (an admin)",
)
def clock_point_list(request: HttpRequest) -> Any:
    return [_point(p) for p in clocks.clock_points_for(_admin(request))]


def _point_data(payload: ClockPointIn) -> dict[str, Any]:
    data = payload.dict()
    data["networks"] = "\n".join(data["networks"])
    return data


@router.post(
    "/clock/points",
    response={201: ClockPointOut, **errors_of(403, 422)},
    summary="Add a clock-in point (an admin): by position, by networks, or both",
)
def clock_point_create(request: HttpRequest, payload: ClockPointIn) -> Any:
    point = clocking.clock_point_save(scope=scope_of(request), **_point_data(payload))
    return Status(201, _point(point))


@router.put(
    "/clock/points/{point_id}",
    response={200: ClockPointOut, **errors_of(403, 404, 422)},
    summary="Change a clock-in point (an admin)",
)
def clock_point_update(request: HttpRequest, point_id: int, payload: ClockPointIn) -> Any:
    point = clocking.clock_point_save(scope=scope_of(request), point_id=point_id, **_point_data(payload))
    return _point(point)


@router.delete(
    "/clock/points/{point_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Remove a clock-in point (an admin)",
)
def clock_point_delete(request: HttpRequest, point_id: int) -> Any:
    clocking.clock_point_remove(scope=scope_of(request), point_id=point_id)
    return Status(204, None)


@router.get(
    "/clock/settings",
    response={200: ClockSettingsOut, **errors_of(403)},
    summary="The clock-in tolerance and least accuracy (an admin)",
)
def clock_settings(request: HttpRequest) -> Any:
    rules = clocks.field_settings_of(_admin(request).organisation.pk)
    return {"clock_tolerance": rules.clock_tolerance, "clock_accuracy": rules.clock_accuracy}


@router.put(
    "/clock/settings",
    response={200: ClockSettingsOut, **errors_of(403, 422)},
    summary="Set the clock-in tolerance and least accuracy (an admin)",
)
def clock_settings_save(request: HttpRequest, payload: ClockSettingsIn) -> Any:
    rules = clocking.field_settings_save(scope=scope_of(request), **payload.dict())
    return {"clock_tolerance": rules.clock_tolerance, "clock_accuracy": rules.clock_accuracy}
