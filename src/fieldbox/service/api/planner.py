"""/api/v1: the planners' calendars (busy work orders and activities in a range, work orders to plan, who is free
on a day) and the activities of the activity planner (office, training, leave, meeting; a resource's upkeep).

The same selectors and services as the planner's pages: everyone of the back office reads, the planners change;
another organisation's team, person, resource or activity answers 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.accounts.choices import BACK_OFFICE
from fieldbox.core.http import scope_of
from fieldbox.core.problems import Count, QueryDay, WrittenAwareDateTime, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_planner as planner
from fieldbox.service.choices import ActivityKind, WorkOrderStatus
from fieldbox.service.models import Activity, Booking
from fieldbox.service.services.activities import activity_delete, activity_save

router = Router(tags=["planner"])
LONGEST_RANGE = timedelta(days=62)


class EventFilters(Schema):
    start: QueryDay = Field(description="The first day (the organisation's clock), YYYY-MM-DD")
    end: QueryDay = Field(description="The day after the last one, YYYY-MM-DD (at most 62 days are read)")
    team_id: int | None = Field(None, description="A team's members and the organisation's resources")
    user_id: int | None = Field(None, description="One person's calendar")
    resource_id: int | None = Field(None, description="One resource's calendar")


class EventOut(Schema):
    id: str = Field(description="`wo-<id>` for a work order, `act-<id>` for an activity")
    kind: Literal["work_order", "activity"]
    pk: int
    title: str
    start: datetime
    end: datetime
    people: list[int] = Field(description="The people it books")
    resources: list[int] = Field(description="The resources it books")
    movable: bool = Field(description="Whether a planner may still move it")
    number: str | None = None
    status: WorkOrderStatus | None = None
    lead_id: int | None = None
    activity_kind: ActivityKind | None = None


class ToPlanOut(Schema):
    pk: int
    number: str
    status: WorkOrderStatus
    description: str
    minutes: int
    technician_id: int | None
    customer: str
    city: str
    created_at: datetime
    declined: list[str] = Field(description="Who declined it, with their reason")


class FreeFilters(Schema):
    day: QueryDay = Field(description="The day (the organisation's clock), YYYY-MM-DD")
    team_id: int | None = Field(None, description="A team's members (default: the field people) and the resources")


class Window(Schema):
    start: datetime
    end: datetime


class FreeOut(Schema):
    lane: str = Field(description="`u-<id>` for a person, `r-<id>` for a resource")
    kind: Literal["person", "resource"]
    pk: int
    title: str
    free: list[Window] = Field(description="The free windows of the working day, 08:00 to 18:00")
    free_minutes: int


class ActivityIn(Schema):
    kind: ActivityKind
    title: str = Field("", max_length=200)
    starts_at: WrittenAwareDateTime = Field(description="With its offset, e.g. 2026-12-07T09:00:00+01:00")
    ends_at: WrittenAwareDateTime = Field(description="After the start, at most 31 days later")
    user_id: Count | None = Field(None, description="The person it takes (or a resource, not both)")
    resource_id: Count | None = Field(None, description="The resource it takes (upkeep or other)")
    notes: str = Field("", max_length=20_000)


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    title: str
    starts_at: datetime
    ends_at: datetime
    user_id: int | None
    resource_id: int | None
    notes: str
    created_at: datetime


def _filters(scope: Scope, query: EventFilters) -> dict[str, Any]:
    if query.team_id is not None:
        planner.team_for(scope, query.team_id)
        return {"team_id": query.team_id}
    if query.user_id is not None:
        planner.person_for(scope, query.user_id)
        return {"user_ids": [query.user_id], "resource_ids": []}
    if query.resource_id is not None:
        planner.resource_for(scope, query.resource_id)
        return {"user_ids": [], "resource_ids": [query.resource_id]}
    return {}


def _span(start: date, end: date) -> tuple[date, date]:
    """The range asked for, at most 62 days of it, within the calendar's years (an end before the start:
    nothing)."""
    start = max(start, planner.FIRST_DAY)
    if start > planner.LAST_DAY:
        return start, start
    return start, max(start, min(end, start + LONGEST_RANGE))


@router.get(
    "/planner/events",
    response={200: list[EventOut], **errors_of(403, 404)},
    summary="The busy work orders and activities of a range: a team's, a person's, a resource's or everyone's",
)
def planner_events(request: HttpRequest, query: Query[EventFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*BACK_OFFICE)
    start, end = _span(query.start, query.end)
    filters = _filters(scope, query)
    rows = planner.events(scope, start, end, **filters) if start < end else []
    return [{f: row.get(f) for f in EventOut.model_fields} for row in rows]


@router.get(
    "/planner/to-plan",
    response={200: list[ToPlanOut], **errors_of(403)},
    summary="The work orders waiting for a time: declined ones first (who declined and why), then the oldest",
)
def planner_to_plan(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*BACK_OFFICE)
    return planner.to_plan(scope)


@router.get(
    "/planner/free",
    response={200: list[FreeOut], **errors_of(403, 404)},
    summary="Who is free on a day: each person's and resource's free windows of the working day",
)
def planner_free(request: HttpRequest, query: Query[FreeFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*BACK_OFFICE)
    if not planner.in_calendar(query.day):
        return []
    rows = planner.free(scope, query.day, query.team_id)
    return [
        {
            "lane": row["id"],
            "kind": row["kind"],
            "pk": row["pk"],
            "title": row["title"],
            "free": [{"start": a, "end": b} for a, b in row["free"]],
            "free_minutes": row["free_minutes"],
        }
        for row in rows
    ]


def _activity(scope: Scope, pk: int) -> dict[str, Any]:
    activity: Activity = planner.activity_for(scope, pk)
    booking = Booking.objects.filter(activity=activity).values("user_id", "resource_id").order_by("pk").first() or {}
    return {
        "id": activity.pk,
        "kind": activity.kind,
        "title": activity.title,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "user_id": booking.get("user_id"),
        "resource_id": booking.get("resource_id"),
        "notes": activity.notes,
        "created_at": activity.created_at,
    }


@router.get(
    "/activities/{activity_id}",
    response={200: ActivityOut, **errors_of(403, 404)},
    summary="An activity of the activity planner",
)
def activity_get(request: HttpRequest, activity_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*BACK_OFFICE)
    return _activity(scope, activity_id)


@router.post(
    "/activities",
    response={201: ActivityOut, **errors_of(403, 422)},
    summary="Add an activity (office, training, leave, meeting; a resource's upkeep) that books its person or resource",
    description="Refused (422, naming who is busy with what) when the person or resource is busy meanwhile.",
)
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    scope = scope_of(request)
    made = activity_save(scope=scope, **payload.dict())
    return Status(201, _activity(scope, made.pk))


@router.put(
    "/activities/{activity_id}",
    response={200: ActivityOut, **errors_of(403, 404, 422)},
    summary="Change an activity: its kind, time, person or resource, title and notes",
)
def activity_update(request: HttpRequest, activity_id: int, payload: ActivityIn) -> Any:
    scope = scope_of(request)
    activity_save(scope=scope, activity_id=activity_id, **payload.dict())
    return _activity(scope, activity_id)


@router.delete(
    "/activities/{activity_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Delete an activity: its person or resource is free again",
)
def activity_remove(request: HttpRequest, activity_id: int) -> Any:
    activity_delete(scope=scope_of(request), activity_id=activity_id)
    return Status(204, None)
