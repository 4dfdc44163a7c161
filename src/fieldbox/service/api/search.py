"""/api/v1: the call search (SYS "Chiamata"), the same filters as the desk's page, a keyset page at a time, and every
match as CSV or XLSX."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters
from fieldbox.core.problems import QueryDay, errors_of
from fieldbox.core.spreadsheets import table_response
from fieldbox.service import search
from fieldbox.service.choices import TicketKind, TicketStatus
from fieldbox.service.models import Ticket
from fieldbox.service.services.calls import CALL_READERS

router = Router(tags=["service desk"])


class CallSearch(Schema):
    created_from: QueryDay | None = Field(None, description="Created on or after this day (the organisation's clock)")
    created_to: QueryDay | None = Field(None, description="Created on or before this day (the organisation's clock)")
    number: str | None = Field(
        None, max_length=20, description='The call\'s number ("T0000042", "42"), or its start with the zeros ("T00004")'
    )
    intervention: str | None = Field(None, max_length=20, description="The number of one of the call's interventions")
    status: list[TicketStatus] = Field([], description="Any of these statuses (repeat the parameter)")
    kind: TicketKind | None = Field(None, description="The call's type")
    team_id: int | None = Field(None, description="The call's team")
    customer: str | None = Field(None, max_length=100, description="The customer's id, or words of its name")
    technician_id: int | None = Field(None, description="The call's assignee or an intervention's technician")
    serial: str | None = Field(None, max_length=64, description="The serial of the equipment or of its device")

    def filters(self) -> dict[str, Any]:
        given = self.dict(exclude={"cursor", "limit", "format"})
        given["team"], given["technician"] = given.pop("team_id"), given.pop("technician_id")
        return given


class CallFilters(CallSearch, PageFilters):
    pass


class ExportFilters(CallSearch):
    format: Literal["csv", "xlsx"] = Field("csv", description="csv or xlsx")


class CallOut(Schema):
    id: int
    number: str
    subject: str
    created_at: datetime
    status: TicketStatus
    kind: TicketKind
    channel: str
    priority: str
    team_id: int
    team_name: str
    customer_id: int | None
    customer_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    equipment_serial: str | None
    interventions: int


class CallPage(Schema):
    items: list[CallOut]
    next_cursor: int | None


def _call(call: Ticket) -> dict[str, Any]:
    return {
        **{f: getattr(call, f) for f in ("id", "number", "subject", "created_at", "status", "kind", "channel")},
        "priority": call.priority,
        "team_id": call.team_id,
        "team_name": call.team.name,
        "customer_id": call.customer_id,
        "customer_name": call.customer.display_name if call.customer else None,
        "assignee_id": call.assignee_id,
        "assignee_name": str(call.assignee) if call.assignee else None,
        "equipment_serial": call.equipment.serial if call.equipment else None,
        "interventions": call.interventions_count,  # type: ignore[attr-defined]
    }


@router.get(
    "/calls",
    response={200: CallPage, **errors_of(403, 422)},
    summary="Search the calls, newest first",
    description="Every filter given narrows the calls; `next_cursor` is the `cursor` of the next page.",
)
def call_search(request: HttpRequest, filters: Query[CallFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*CALL_READERS)
    qs = search.call_search(scope, filters.filters())
    page = search.call_page(scope, qs, before=filters.cursor, limit=filters.limit)
    return {"items": [_call(c) for c in page.calls], "next_cursor": page.older}


@router.get(
    "/calls/export",
    response={200: None, **errors_of(403, 422)},
    summary="Every call that matches, as CSV or XLSX",
    description=f"At most {search.EXPORT_MAX} calls: beyond, a 422 asks for narrower filters.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                },
            }
        }
    },
)
def call_export(request: HttpRequest, filters: Query[ExportFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*CALL_READERS)
    rows = search.export_rows(scope, search.call_search(scope, filters.filters()))
    return table_response("calls", filters.format, [str(h) for h in search.EXPORT_HEADER], rows)
