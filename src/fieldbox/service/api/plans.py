"""/api/v1: maintenance plans — the list, one plan with its lines and the visits generated, creating and changing a
plan (or making it from a contract), adding and removing lines, and generating the work orders due in a month for
one customer, several or all.

The same services and scope as the office's pages: another organisation's plan answers 404; bad input 422 naming the
field; a generation run twice makes nothing new and says how many already existed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Count, Ids, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_plans as reads
from fieldbox.service.models.plans import MaintenancePlan, PlanLine
from fieldbox.service.services import plans as services

router = Router(tags=["maintenance plans"])
MONTHS_HELP = "The months the work is due, 1 to 12, e.g. [1, 4, 7, 10]"


class PlanLineOut(Schema):
    id: int
    equipment_id: int
    equipment: str
    work_type_id: int | None
    months: list[int] = Field(description=MONTHS_HELP)


class PlanVisitOut(Schema):
    id: int
    line_id: int
    due_on: date
    work_order_id: int | None
    work_order_number: str | None


class PlanRow(Schema):
    id: int
    customer_id: int
    contract_id: int | None
    name: str
    year: int
    active: bool
    notes: str
    created_at: datetime
    changed_at: datetime


class PlanOut(PlanRow):
    lines: list[PlanLineOut]
    visits: list[PlanVisitOut] = Field(description="The visits generated, each with its work order")


class PlanPage(Schema):
    items: list[PlanRow]
    next_cursor: int | None


class PlanFilters(PageFilters):
    year: int | None = Field(None, ge=2000, le=2100, description="Only the plans of this year")
    customer_id: int | None = Field(None, description="Only this customer's")


class PlanIn(Schema):
    customer_id: Count
    name: str = Field(max_length=200, json_schema_extra=NOT_BLANK)
    year: Count = Field(description="2000 to 2100")
    contract_id: Count | None = Field(None, description="One of the customer's contracts")
    active: bool = Field(True, strict=True, description="Only an active plan generates work orders")
    notes: str = Field("", max_length=5000)


class PlanPatch(Schema):
    """The fields to change; the others stay. ``null`` empties the contract."""

    name: str | None = Field(None, max_length=200, json_schema_extra=NOT_BLANK)
    year: Count | None = None
    contract_id: Count | None = None
    active: bool | None = Field(None, strict=True)
    notes: str | None = Field(None, max_length=5000)


class PlanFromContractIn(Schema):
    contract_id: Count = Field(description="A contract in draft or in force; its covered equipment with months")
    year: Count
    name: str = Field("", max_length=200, description="Empty: “Plan of contract C…”")


class PlanLineIn(Schema):
    equipment_id: Count = Field(description="Equipment of the plan's customer")
    work_type_id: Count | None = Field(None, description="One of the organisation's types of work (its checklists)")
    months: Ids = Field(description=MONTHS_HELP)


class GenerateIn(Schema):
    month: WrittenDate = Field(description="Any day of the month to generate (e.g. 2026-12-01)")
    customer_ids: Ids | None = Field(None, description="One customer, several; null: every customer with a plan")


class GenerateOut(Schema):
    made: int = Field(description="Work orders made now, in “to plan”")
    existing: int = Field(description="Plan lines of that month generated before: nothing new made")
    work_order_ids: list[int]


def _row(plan: MaintenancePlan) -> dict[str, Any]:
    fields = ("customer_id", "contract_id", "name", "year", "active", "notes", "created_at", "changed_at")
    return {"id": plan.pk, **{f: getattr(plan, f) for f in fields}}


def _line(line: PlanLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "equipment_id": line.equipment_id,
        "equipment": line.equipment.name,
        "work_type_id": line.work_type_id,
        "months": line.month_numbers,
    }


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    plan = reads.plan_for(scope, pk)
    visits = [
        {
            "id": v["id"],
            "line_id": v["line_id"],
            "due_on": v["due_on"],
            "work_order_id": v["work_order_id"],
            "work_order_number": v["work_order__number"],
        }
        for v in reads.visits_of(plan)
    ]
    return {**_row(plan), "lines": [_line(x) for x in reads.lines_of(plan)], "visits": visits}


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.PLAN_READERS)
    return scope


@router.get("/plans", response={200: PlanPage, **errors_of(403, 422)}, summary="The organisation's maintenance plans")
def plan_list(request: HttpRequest, filters: Query[PlanFilters]) -> Any:
    scope = _reader(request)
    qs = reads.plans_filtered(scope, year=filters.year, customer_id=filters.customer_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_row(p) for p in rows], "next_cursor": cursor}


@router.get(
    "/plans/{int:plan_id}",
    response={200: PlanOut, **errors_of(403, 404)},
    summary="One plan, with its lines and the visits generated",
)
def plan_get(request: HttpRequest, plan_id: int) -> Any:
    return _detail(_reader(request), plan_id)


@router.post("/plans", response={201: PlanOut, **errors_of(403, 422)}, summary="Create a customer's plan for a year")
def plan_create(request: HttpRequest, payload: PlanIn) -> Any:
    scope = scope_of(request)
    made = services.plan_create(scope=scope, **payload.dict())
    return Status(201, _detail(scope, made.pk))


@router.post(
    "/plans/from-contract",
    response={201: PlanOut, **errors_of(403, 422)},
    summary="Make a plan from a contract: a line for each covered piece of equipment with its months",
)
def plan_from_contract(request: HttpRequest, payload: PlanFromContractIn) -> Any:
    scope = scope_of(request)
    made = services.plan_from_contract(scope=scope, **payload.dict())
    return Status(201, _detail(scope, made.pk))


@router.patch(
    "/plans/{int:plan_id}",
    response={200: PlanOut, **errors_of(403, 404, 422)},
    summary="Change a plan (name, year, contract, notes, active)",
)
def plan_update(request: HttpRequest, plan_id: int, payload: PlanPatch) -> Any:
    scope = _reader(request)
    plan = reads.plan_for(scope, plan_id)
    current = {
        "name": plan.name,
        "year": plan.year,
        "contract_id": plan.contract_id,
        "active": plan.active,
        "notes": plan.notes,
    }
    services.plan_edit(scope=scope, plan_id=plan_id, **{**current, **payload.dict(exclude_unset=True)})
    return _detail(scope, plan_id)


@router.post(
    "/plans/{int:plan_id}/lines",
    response={201: PlanLineOut, **errors_of(403, 404, 422)},
    summary="Add a piece of the customer's equipment with its type of work and months",
)
def plan_line_add(request: HttpRequest, plan_id: int, payload: PlanLineIn) -> Any:
    line = services.plan_line_add(scope=scope_of(request), plan_id=plan_id, **payload.dict())
    return Status(201, _line(line))


@router.delete(
    "/plan-lines/{int:line_id}",
    response={204: None, **errors_of(403, 404)},
    summary="Take a line off its plan (the work orders it generated stay)",
)
def plan_line_remove(request: HttpRequest, line_id: int) -> Any:
    services.plan_line_remove(scope=scope_of(request), line_id=line_id)
    return Status(204, None)


@router.post(
    "/plans/generate",
    response={200: GenerateOut, **errors_of(403, 422)},
    summary="Generate the work orders due in a month for one customer, several or all",
    description="From the active plans of that year; each lands in “to plan”. A plan line and month already "
    "generated (by hand, by the daily scheduler, or by a run at the same moment) is never made again: it is counted "
    "in `existing`.",
)
def plan_generate(request: HttpRequest, payload: GenerateIn) -> Any:
    done = services.plan_generate(scope=scope_of(request), month=payload.month, customer_ids=payload.customer_ids)
    return {"made": done.made, "existing": done.existing, "work_order_ids": done.work_order_ids}
