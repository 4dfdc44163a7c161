"""/api/v1: hours (time entries, the worked-hours grid, planned vs worked); clock-in is ``api.clock``.

The same services and reads as the pages: a person reads and writes their own hours and clock events, an admin
everyone's (correcting someone else's hours with a reason); an organisation never sees another's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core import clock
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import (
    Count,
    QueryDay,
    WrittenAwareDateTime,
    errors_of,
)
from fieldbox.service import selectors_hours as hours
from fieldbox.service.choices import TimeKind
from fieldbox.service.models import TimeEntry
from fieldbox.service.selectors_hours import HOURS_PEOPLE
from fieldbox.service.services import timesheets

router = Router(tags=["hours and clock-in"])


# ---- Schemas --------------------------------------------------------------------------------------------------


class TimeEntryIn(Schema):
    starts_at: WrittenAwareDateTime = Field(description="With its offset; the entry's day is this one's")
    ends_at: WrittenAwareDateTime = Field(description="After the start, at most 24 hours later")
    type: TimeKind = Field(TimeKind.WORK, description="What the time was spent on")
    user_id: Count | None = Field(None, description="Whose hours (an admin only); empty: one's own")
    work_order_id: Count | None = None
    ticket_id: Count | None = Field(None, description="The call; a work order's call is taken with it")
    billable: bool = Field(True, strict=True)
    note: str = Field("", max_length=500)
    reason: str = Field("", max_length=500, description="Required for someone else's hours")


class TimeEntryPatch(Schema):
    """The entry's fields to change; the others stay. ``null`` empties the work order or the call."""

    starts_at: WrittenAwareDateTime | None = None
    ends_at: WrittenAwareDateTime | None = None
    type: TimeKind | None = None
    work_order_id: Count | None = None
    ticket_id: Count | None = None
    billable: bool | None = Field(None, strict=True)
    note: str | None = Field(None, max_length=500)
    reason: str = Field("", max_length=500, description="Required for someone else's hours or a signed report's")


class TimeEntryOut(Schema):
    id: int
    user_id: int
    day: date
    starts_at: datetime
    ends_at: datetime
    minutes: int
    type: TimeKind
    work_order_id: int | None
    ticket_id: int | None
    report_id: int | None
    billable: bool
    note: str
    created_by_id: int | None
    created_at: datetime


class TimeEntryPage(Schema):
    items: list[TimeEntryOut]
    next_cursor: int | None


class TimeEntryFilters(PageFilters):
    user_id: int | None = Field(None, description="One person's (an admin sees everyone's)")
    day_from: QueryDay | None = Field(None, alias="from", description="From this day (YYYY-MM-DD)")
    day_to: QueryDay | None = Field(None, alias="to", description="Until this day, included")
    work_order_id: int | None = None
    ticket_id: int | None = None


class TimeEntryDeleteQuery(Schema):
    reason: str = Field("", max_length=500, description="Required for someone else's hours or a signed report's")


class HoursGridFilters(Schema):
    period: Literal["week", "month"] = "week"
    day: QueryDay | None = Field(None, description="A day of the week or month; empty: today")


class HoursGridRow(Schema):
    user_id: int
    name: str
    minutes: list[int] = Field(description="One number per day of `days`")
    total: int


class HoursGridOut(Schema):
    start: date
    end: date
    days: list[date]
    rows: list[HoursGridRow]
    day_totals: list[int]
    total: int


class WorkedByPerson(Schema):
    name: str
    minutes: int


class WorkOrderHoursOut(Schema):
    work_order_id: int
    number: str
    planned_minutes: int
    worked_minutes: int
    billable_minutes: int
    difference_minutes: int
    people: list[WorkedByPerson]


class TicketOrderHours(Schema):
    work_order_id: int
    number: str
    planned_minutes: int
    worked_minutes: int
    billable_minutes: int
    difference_minutes: int


class TicketHoursOut(Schema):
    ticket_id: int
    number: str
    work_orders: list[TicketOrderHours]
    on_call_minutes: int = Field(description="Entered on the call itself, with no work order")
    planned_minutes: int
    worked_minutes: int
    billable_minutes: int
    difference_minutes: int


# ---- Rows ------------------------------------------------------------------------------------------------------


def _entry(e: TimeEntry) -> dict[str, Any]:
    names = ("user_id", "day", "starts_at", "ends_at", "minutes", "work_order_id", "ticket_id", "report_id")
    more = ("billable", "note", "created_by_id", "created_at")
    return {"id": e.pk, "type": e.kind, **{n: getattr(e, n) for n in (*names, *more)}}


# ---- Time entries ----------------------------------------------------------------------------------------------


@router.get(
    "/hours/entries",
    response={200: TimeEntryPage, **errors_of(403, 422)},
    summary="Time entries, newest first: one's own, or everyone's for an admin",
)
def entry_list(request: HttpRequest, filters: Query[TimeEntryFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_PEOPLE)
    qs = hours.entries_for(scope)
    if filters.user_id:
        qs = qs.filter(user_id=filters.user_id)
    if filters.day_from:
        qs = qs.filter(day__gte=filters.day_from)
    if filters.day_to:
        qs = qs.filter(day__lte=filters.day_to)
    if filters.work_order_id:
        qs = qs.filter(work_order_id=filters.work_order_id)
    if filters.ticket_id:
        qs = qs.filter(ticket_id=filters.ticket_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_entry(e) for e in rows], "next_cursor": cursor}


@router.post(
    "/hours/entries",
    response={201: TimeEntryOut, **errors_of(403, 422)},
    summary="Enter hours: one's own, or someone else's (an admin, with a reason)",
    description="Refused with nothing written when the end is not after the start, the entry lasts more than a "
    "day, or it overlaps the person's other hours.",
)
def entry_create(request: HttpRequest, payload: TimeEntryIn) -> Any:
    data = payload.dict()
    data["kind"] = data.pop("type")
    entry = timesheets.entry_add(scope=scope_of(request), **data)
    return Status(201, _entry(entry))


@router.patch(
    "/hours/entries/{entry_id}",
    response={200: TimeEntryOut, **errors_of(403, 404, 422)},
    summary="Correct hours: one's own, or someone else's (an admin, with a reason)",
)
def entry_update(request: HttpRequest, entry_id: int, payload: TimeEntryPatch) -> Any:
    data = payload.dict(exclude_unset=True)
    reason = data.pop("reason", "")
    if "type" in data:
        data["kind"] = data.pop("type")
    for name in ("starts_at", "ends_at", "kind", "billable", "note"):
        if name in data and data[name] is None:
            data.pop(name)
    entry = timesheets.entry_change(scope=scope_of(request), entry_id=entry_id, reason=reason, **data)
    return _entry(entry)


@router.delete(
    "/hours/entries/{entry_id}",
    response={204: None, **errors_of(403, 404, 422)},
    summary="Delete hours: one's own, or someone else's (an admin, with `reason`)",
)
def entry_remove(request: HttpRequest, entry_id: int, filters: Query[TimeEntryDeleteQuery]) -> Any:
    timesheets.entry_delete(scope=scope_of(request), entry_id=entry_id, reason=filters.reason)
    return Status(204, None)


@router.get(
    "/hours/grid",
    response={200: HoursGridOut, **errors_of(403, 422)},
    summary="Minutes worked per person and day of a week or a month, with the totals",
)
def hours_grid(request: HttpRequest, filters: Query[HoursGridFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_PEOPLE)
    table = hours.grid(scope, filters.period, filters.day or clock.today(scope.organisation.time_zone))
    return {
        "start": table.start,
        "end": table.end,
        "days": table.days,
        "rows": [
            {"user_id": r.person.pk, "name": str(r.person), "minutes": [c.minutes for c in r.cells], "total": r.total}
            for r in table.rows
        ],
        "day_totals": [c.minutes for c in table.day_totals],
        "total": table.total,
    }


@router.get(
    "/hours/work-orders/{work_order_id}",
    response={200: WorkOrderHoursOut, **errors_of(403, 404)},
    summary="A work order's planned minutes against the minutes entered on it",
)
def work_order_hours(request: HttpRequest, work_order_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_PEOPLE)
    order, worked = hours.work_order_hours(scope, work_order_id)
    people = [{"name": n, "minutes": m} for n, m in worked.people]
    return {"work_order_id": order.pk, "number": order.number, **worked.as_dict(), "people": people}


@router.get(
    "/hours/tickets/{ticket_id}",
    response={200: TicketHoursOut, **errors_of(403, 404)},
    summary="A call's planned and worked minutes, per work order and across all of them",
)
def ticket_hours(request: HttpRequest, ticket_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*HOURS_PEOPLE)
    report = hours.ticket_hours(scope, ticket_id)
    orders = [{"work_order_id": o.pk, "number": o.number, **w.as_dict()} for o, w in report.orders]
    return {
        "ticket_id": report.ticket.pk,
        "number": report.ticket.number,
        "work_orders": orders,
        "on_call_minutes": report.on_call,
        **report.total.as_dict(),
    }
