"""/api/v1: the requester's removal requests with their summary and lines; the remover's lines and their moves.

The two reads of ``/removal-requests`` go on the router that uploads them (``add_request_reads``): one path must
have one router, whatever its methods.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fieldbox.accounts.choices import INSTALLER_ROLES, PROVIDER_ROLES
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, WrittenDateTime, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.removals import selectors
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine, RemovalRequest
from fieldbox.removals.services import lines as services

router = Router(tags=["removals"])


class RemovalLineOut(Schema):
    id: int
    request_id: int
    request_number: str
    row: int
    status: str
    requester_name: str
    brand: str
    model: str
    vin: str | None
    subscription_number: str | None
    place: str | None
    comment: str | None
    wished_on: str
    company_id: int
    company_name: str
    company_code: str
    reason: str
    removed_at: datetime | None
    technician: str
    device_serial: str | None
    updated_at: datetime


class RemovalLinePage(Schema):
    items: list[RemovalLineOut]
    next_cursor: int | None


class SummaryOut(Schema):
    total: int
    accepted: int
    done: int


class RequestOut(Schema):
    id: int
    number: str
    created_at: datetime
    created_by: str | None
    follow_up_email: str
    description: str
    summary: SummaryOut


class RequestDetailOut(RequestOut):
    lines: list[RemovalLineOut]


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: int | None


class LineFilters(PageFilters):
    status: LineStatus | None = Field(None, description="Only the lines (or the requests with lines) in this status")


class RefuseIn(Schema):
    reason: str = Field(
        max_length=2000, description="Why the remover refuses: the requester reads it", json_schema_extra=NOT_BLANK
    )


class RemovalCancelIn(Schema):
    reason: str = Field("", max_length=2000, description="Why the removal is cancelled; may be empty")


class ReportIn(Schema):
    removed_at: WrittenDateTime
    serial_end: str
    technician: str


def _line(scope: Scope, line: RemovalLine) -> dict[str, Any]:
    """One line; a remover no longer sees the vehicle's VIN, subscription and place once the line ended."""
    sees = not line.masked  # the projection hid the vehicle of an ended line from its remover
    return {
        "id": line.pk,
        "request_id": line.request_id,
        "request_number": line.request.number,
        "row": line.row,
        "status": line.status,
        "requester_name": line.request.provider.name,
        "brand": line.vehicle.make,
        "model": line.vehicle.model,
        "vin": line.vehicle.vin if sees else None,
        "subscription_number": line.subscription.number if sees else None,
        "place": line.place if sees else None,
        "comment": line.comment if sees else None,
        "wished_on": line.wished_on.isoformat(),
        "company_id": line.company_id,
        "company_name": line.company.name,
        "company_code": line.company.installer_code or "",
        "reason": line.reason,
        "removed_at": line.removed_at,
        "technician": line.technician,
        "device_serial": line.device.serial if line.device else None,
        "updated_at": line.updated_at,
    }


def _request(removal: RemovalRequest, summary: selectors.Summary) -> dict[str, Any]:
    creator = removal.created_by
    return {
        "id": removal.pk,
        "number": removal.number,
        "created_at": removal.created_at,
        "created_by": creator.email if creator else None,
        "follow_up_email": removal.follow_up_email,
        "description": removal.description,
        "summary": {"total": summary.total, "accepted": summary.accepted, "done": summary.done},
    }


def request_list(request: HttpRequest, filters: Query[LineFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*PROVIDER_ROLES)
    qs = selectors.requests_for(scope)
    if filters.status:
        qs = qs.filter(lines__status=filters.status).distinct()
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    found = selectors.summaries([r.pk for r in rows])
    return {"items": [_request(r, found.get(r.pk, selectors.Summary())) for r in rows], "next_cursor": cursor}


def request_get(request: HttpRequest, request_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*PROVIDER_ROLES)
    removal = selectors.request_for(scope, request_id)
    lines = selectors.lines_for(scope).filter(request=removal).order_by("row")
    summary = selectors.summaries([removal.pk]).get(removal.pk, selectors.Summary())
    return {**_request(removal, summary), "lines": [_line(scope, line) for line in lines]}


def add_request_reads(requests_router: Router) -> None:
    """Put the list and the detail of saved requests on ``requests_router`` (before it is added to the API)."""
    requests_router.get(
        "/removal-requests",
        response={200: RequestPage, **errors_of(403, 422)},
        summary="My saved removal requests, newest first, with their summary (requesters)",
        description="The summary counts the lines: total, accepted (a done line was accepted too) and done.",
    )(request_list)
    requests_router.get(
        "/removal-requests/{request_id}",
        response={200: RequestDetailOut, **errors_of(403, 404)},
        summary="One saved removal request with its lines and their live statuses (requesters)",
    )(request_get)


@router.get(
    "/removals",
    response={200: RemovalLinePage, **errors_of(403, 422)},
    summary="The removal lines addressed to my company: open ones and those ended in the last 30 days (removers)",
)
def removal_list(request: HttpRequest, filters: Query[LineFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*INSTALLER_ROLES)
    qs = selectors.remover_lines(scope)
    if filters.status:
        qs = qs.filter(status=filters.status)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_line(scope, line) for line in rows], "next_cursor": cursor}


def _after(scope: Scope, line_id: int) -> dict[str, Any]:
    return _line(scope, selectors.line_for(scope, line_id))


@router.post(
    "/removals/{line_id}/accept",
    response={200: RemovalLineOut, **errors_of(403, 404, 409)},
    summary="Accept a removal (removers); its job is in progress with me",
)
def removal_accept(request: HttpRequest, line_id: int) -> Any:
    scope = scope_of(request)
    services.line_accept(scope=scope, line_id=line_id)
    return _after(scope, line_id)


@router.post(
    "/removals/{line_id}/refuse",
    response={200: RemovalLineOut, **errors_of(403, 404, 409, 422)},
    summary="Refuse a removal with a reason (removers); the requester is told why",
)
def removal_refuse(request: HttpRequest, line_id: int, payload: RefuseIn) -> Any:
    scope = scope_of(request)
    services.line_refuse(scope=scope, line_id=line_id, reason=payload.reason)
    return _after(scope, line_id)


@router.post(
    "/removals/{line_id}/report",
    response={200: RemovalLineOut, **errors_of(403, 404, 409, 422)},
    summary="Report that the box was removed (removers)",
    description=(
        "`serial_end` is the last 7 characters of the box installed in the vehicle; it must match. The box then "
        "leaves the vehicle and waits at the remover's for pick-up, and the subscription's service ends."
    ),
)
def removal_report(request: HttpRequest, line_id: int, payload: ReportIn) -> Any:
    scope = scope_of(request)
    removed_at = payload.removed_at
    if timezone.is_naive(removed_at):
        removed_at = timezone.make_aware(removed_at, ZoneInfo(scope.organisation.time_zone))
    services.line_report(
        scope=scope,
        line_id=line_id,
        removed_at=removed_at,
        serial_end=payload.serial_end,
        technician=payload.technician,
    )
    return _after(scope, line_id)


@router.post(
    "/removals/{line_id}/cancel",
    response={200: RemovalLineOut, **errors_of(403, 404, 409)},
    summary="Cancel a removal not done yet (requesters); the reason is optional",
)
def removal_cancel(request: HttpRequest, line_id: int, payload: RemovalCancelIn) -> Any:
    scope = scope_of(request)
    services.line_cancel(scope=scope, line_id=line_id, reason=payload.reason)
    return _after(scope, line_id)
