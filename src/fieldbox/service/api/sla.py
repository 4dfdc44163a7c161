"""/api/v1: the service levels (the promise per priority, in working hours) and the at-risk list — the same
services and reads as the pages, in the same scope."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fieldbox.accounts.choices import DESK
from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import at_risk as risk
from fieldbox.service import sla
from fieldbox.service.choices import Priority
from fieldbox.service.services.sla import service_levels_save

router = Router(tags=["service levels"])


class LevelOut(Schema):
    priority: Priority
    response_hours: int = Field(description="First answer within so many working hours")
    resolution_hours: int = Field(description="Resolved within so many working hours")
    is_default: bool = Field(description="The product's default: the organisation has set none for this priority")


class LevelIn(Schema):
    priority: Priority
    response_hours: int = Field(ge=sla.MIN_HOURS, le=sla.MAX_HOURS)
    resolution_hours: int = Field(ge=sla.MIN_HOURS, le=sla.MAX_HOURS)


class LevelsIn(Schema):
    levels: list[LevelIn] = Field(max_length=len(Priority.values), description="The priorities to set; others stay")


class AtRiskFilters(Schema):
    hours: int = Field(sla.AT_RISK_HOURS, ge=1, le=risk.MAX_HORIZON, description="Due within so many working hours")
    kind: Literal["ticket", "job"] | None = Field(None, description="Only tickets, or only jobs")
    cursor: str | None = Field(None, max_length=64, description="`next_cursor` of the previous page")
    limit: int = Field(risk.PAGE_SIZE, ge=1, le=200)


class AtRiskOut(Schema):
    kind: Literal["ticket", "job"]
    id: int
    number: str
    title: str = Field(description="The ticket's subject, or the job's vehicle")
    customer: str
    group: str = Field(description="The ticket's team, or the job's installer company (its provider, for a company)")
    due_at: datetime
    late: bool
    left: str = Field(description="How long is left or how late, in the reader's language")
    url: str


class AtRiskPage(Schema):
    items: list[AtRiskOut]
    next_cursor: str | None


def _levels(levels: list[sla.Level]) -> list[dict[str, Any]]:
    return [
        {
            "priority": level.priority,
            "response_hours": level.response_hours,
            "resolution_hours": level.resolution_hours,
            "is_default": level.is_default,
        }
        for level in levels
    ]


@router.get(
    "/service-levels",
    response={200: list[LevelOut], **errors_of(403)},
    summary="My organisation's service levels, most pressing priority first",
)
def service_levels_get(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*DESK)
    return _levels(sla.levels_for(scope))


@router.put(
    "/service-levels",
    response={200: list[LevelOut], **errors_of(403, 422)},
    summary="Set the service levels of some priorities (admins)",
    description="Tickets already open keep their dues; the first answer cannot come after the resolution.",
)
def service_levels_put(request: HttpRequest, payload: LevelsIn) -> Any:
    rows = [{**level.model_dump(), "priority": str(level.priority)} for level in payload.levels]
    return _levels(service_levels_save(scope=scope_of(request), rows=rows))


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*risk.READERS)
    return scope


@router.get(
    "/at-risk",
    response={200: AtRiskPage, **errors_of(403, 422)},
    summary="Tickets and jobs about to break their promise, soonest first",
    description="Tickets (for the desk) whose first answer or resolution falls due within `hours` working hours or "
    "is late, and jobs (for customer care, planners, an installer company's admins) whose deadline is as close or "
    "passed: the rows the caller's role reads.",
)
def at_risk_list(request: HttpRequest, filters: Query[AtRiskFilters]) -> Any:
    scope = _reader(request)
    page = risk.at_risk(
        scope, hours=filters.hours, kind=filters.kind or "", cursor=filters.cursor or "", limit=filters.limit
    )
    items = [
        {
            "kind": r.kind,
            "id": r.pk,
            "number": r.number,
            "title": r.title,
            "customer": r.customer,
            "group": r.group,
            "due_at": r.due_at,
            "late": r.late,
            "left": r.left,
            "url": r.url,
        }
        for r in page.rows
    ]
    return {"items": items, "next_cursor": page.next_cursor}
