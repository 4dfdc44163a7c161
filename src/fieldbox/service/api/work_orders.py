"""/api/v1: work orders — the list, one work order with its people's answers, creating and changing it, planning
it on a time with people and resources, its moves, an assignee's answer, a follow-up, its materials to bring; the
organisation's resources and types of work.

The same services and scope as the office's pages: an organisation reads and changes its own only (another's work
order answers 404). A state that does not allow a move answers 409, a role that may not make it 403, bad input 422
naming the field."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, Ids, QueryDay, WrittenAwareDateTime, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_work_orders as reads
from fieldbox.service.choices import WORK_ORDER_TABLE, Answer, MaterialUse, ResourceKind, WorkOrderStatus
from fieldbox.service.models import Booking, Material, Resource, WorkOrder, WorkType
from fieldbox.service.services import materials as material_services
from fieldbox.service.services import resources as resource_services
from fieldbox.service.services import work_orders as services

router = Router(tags=["work orders"])
MoveName = Literal["send", "start", "hold", "resume", "finish", "cancel", "unplan"]


# ---- Schemas ------------------------------------------------------------------------------------------------


class WorkOrderPersonOut(Schema):
    user_id: int
    name: str
    lead: bool = Field(description="The lead technician (the others help)")
    answer: Answer
    answered_at: datetime | None
    reason: str = Field(description="Why they declined")


class WorkOrderRow(Schema):
    id: int
    number: str
    status: WorkOrderStatus
    ticket_id: int | None
    customer_id: int | None
    site_id: int | None
    equipment_id: int | None
    work_type_id: int | None
    description: str
    technician_id: int | None = Field(description="The lead technician")
    starts_at: datetime | None
    minutes: int
    ends_at: datetime | None
    follows_id: int | None
    outcome: str
    created_at: datetime
    changed_at: datetime
    closed_at: datetime | None


class WorkOrderOut(WorkOrderRow):
    people: list[WorkOrderPersonOut] = Field(description="The lead and the helpers, each with their answer")
    resource_ids: list[int]
    actions: list[str] = Field(description="The moves the caller may make now (WORK_ORDER_TABLE)")


class WorkOrderPage(Schema):
    items: list[WorkOrderRow]
    next_cursor: int | None


class WorkOrderFilters(PageFilters):
    status: WorkOrderStatus | None = Field(None, description="Only the work orders in this status")
    technician_id: int | None = Field(None, description="Only those this person is on (lead or helper)")
    customer_id: int | None = Field(None, description="Only this customer's")
    day: QueryDay | None = Field(None, description="Only those planned to start that day (the organisation's clock)")


class WorkOrderIn(Schema):
    customer_id: Count | None = Field(None, description="Required unless `ticket_id` names a call with a customer")
    site_id: Count | None = Field(None, description="One of the customer's sites; empty: the equipment's")
    equipment_id: Count | None = Field(None, description="One of the customer's equipment")
    ticket_id: Count | None = Field(None, description="The call it comes from (gives customer, site, equipment)")
    work_type_id: Count | None = Field(None, description="One of the organisation's types of work in use")
    description: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK, description="The work to do")
    minutes: Count | None = Field(None, description="5 to 1440; empty: the type of work's usual length (or 60)")


class WorkOrderPatch(Schema):
    """The fields to change (before the work order is sent); the others stay. ``null`` empties an optional one."""

    description: str | None = Field(None, max_length=20_000, json_schema_extra=NOT_BLANK)
    site_id: Count | None = None
    equipment_id: Count | None = None
    work_type_id: Count | None = None


class WorkOrderPlanIn(Schema):
    starts_at: WrittenAwareDateTime = Field(description="The start, with its offset (e.g. 2026-12-07T09:00:00+01:00)")
    minutes: Count | None = Field(None, description="5 to 1440; empty keeps the work order's length")
    technician_id: Count | None = Field(None, description="The lead technician; empty keeps the current one")
    helper_ids: Ids | None = Field(None, description="The helpers (replace the current ones); empty keeps them")
    resource_ids: Ids | None = Field(None, description="The resources (replace the current ones); empty keeps them")


class WorkOrderMoveIn(Schema):
    reason: str = Field("", max_length=500, description="Required to hold or cancel")


class WorkOrderAnswerIn(Schema):
    accept: bool = Field(strict=True, description="true accepts, false declines")
    reason: str = Field("", max_length=500, description="Required to decline")


class WorkOrderFollowUpIn(Schema):
    description: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK, description="What is left to do")


class WorkOrderMaterialIn(Schema):
    description: str = Field(max_length=255, json_schema_extra=NOT_BLANK)
    quantity: Amount = Field(default=Decimal(1), description="Above zero, two decimals")
    unit: str = Field("pc", max_length=10)
    code: str = Field("", max_length=40)


class WorkOrderMaterialOut(Schema):
    id: int
    work_order_id: int
    use: MaterialUse
    code: str
    description: str
    quantity: str = Field(description="A decimal, as text")
    unit: str
    created_at: datetime


class ResourceIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    kind: ResourceKind = ResourceKind.VAN
    code: str = Field("", max_length=40, description="A plate, a serial, an inventory code")
    notes: str = Field("", max_length=5000)


class ResourcePatch(Schema):
    name: str | None = Field(None, max_length=100, json_schema_extra=NOT_BLANK)
    kind: ResourceKind | None = None
    code: str | None = Field(None, max_length=40)
    notes: str | None = Field(None, max_length=5000)


class ResourceOut(Schema):
    id: int
    name: str
    kind: ResourceKind
    code: str
    notes: str
    active: bool


class WorkTypeIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    minutes: Count = Field(60, description="The usual length in minutes, 5 to 1440")
    active: bool = Field(True, strict=True, description="Offered when creating work orders")


class WorkTypePatch(Schema):
    name: str | None = Field(None, max_length=100, json_schema_extra=NOT_BLANK)
    minutes: Count | None = None
    active: bool | None = Field(None, strict=True)


class WorkTypeOut(Schema):
    id: int
    name: str
    minutes: int
    active: bool


# ---- Answers ------------------------------------------------------------------------------------------------

ROW_FIELDS = (
    "number",
    "status",
    "ticket_id",
    "customer_id",
    "site_id",
    "equipment_id",
    "work_type_id",
    "description",
    "technician_id",
    "starts_at",
    "minutes",
    "ends_at",
    "follows_id",
    "outcome",
    "created_at",
    "changed_at",
    "closed_at",
)


def _row(order: WorkOrder) -> dict[str, Any]:
    return {"id": order.pk, **{f: getattr(order, f) for f in ROW_FIELDS}}


def _person(order: WorkOrder, booking: Booking) -> dict[str, Any]:
    return {
        "user_id": booking.user_id,
        "name": str(booking.user),
        "lead": booking.user_id == order.technician_id,
        "answer": booking.answer,
        "answered_at": booking.answered_at,
        "reason": booking.reason,
    }


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    order = reads.work_order_for(scope, pk)
    return {
        **_row(order),
        "people": [_person(order, b) for b in reads.people_of(order)],
        "resource_ids": sorted(reads.resource_ids_of(order)),
        "actions": sorted(WORK_ORDER_TABLE.allowed(order, scope)),
    }


def _material(line: Material) -> dict[str, Any]:
    fields = ("work_order_id", "use", "code", "description", "unit", "created_at")
    return {"id": line.pk, **{f: getattr(line, f) for f in fields}, "quantity": f"{line.quantity:.2f}"}


def _resource(r: Resource) -> dict[str, Any]:
    return {"id": r.pk, "name": r.name, "kind": r.kind, "code": r.code, "notes": r.notes, "active": r.active}


def _work_type(t: WorkType) -> dict[str, Any]:
    return {"id": t.pk, "name": t.name, "minutes": t.minutes, "active": t.active}


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.WORK_READERS)
    return scope


# ---- Work orders --------------------------------------------------------------------------------------------


@router.get(
    "/work-orders",
    response={200: WorkOrderPage, **errors_of(403, 422)},
    summary="The organisation's work orders, newest first",
    description="Narrowed to a status, a person (lead or helper), a customer and a day; keyset pages (`next_cursor`).",
)
def work_order_list(request: HttpRequest, filters: Query[WorkOrderFilters]) -> Any:
    scope = _reader(request)
    wanted = reads.Filters(
        status=filters.status,
        technician_id=filters.technician_id,
        customer_id=filters.customer_id,
        day=filters.day,
    )
    rows, cursor = keyset_page(reads.work_orders_filtered(scope, wanted), filters.cursor, filters.limit)
    return {"items": [_row(o) for o in rows], "next_cursor": cursor}


@router.get(
    "/work-orders/{work_order_id}",
    response={200: WorkOrderOut, **errors_of(403, 404)},
    summary="One work order, with its people's answers, its resources and the moves the caller may make",
)
def work_order_get(request: HttpRequest, work_order_id: int) -> Any:
    return _detail(_reader(request), work_order_id)


@router.post(
    "/work-orders",
    response={201: WorkOrderOut, **errors_of(403, 422)},
    summary="Create a work order to plan",
    description="On its own (with `customer_id`) or from a call (`ticket_id`, which gives the customer, site and "
    "equipment unless they are named). The site and equipment must be the customer's.",
)
def work_order_create(request: HttpRequest, payload: WorkOrderIn) -> Any:
    scope = scope_of(request)
    made = services.work_order_create(scope=scope, **payload.dict())
    return Status(201, _detail(scope, made.pk))


@router.patch(
    "/work-orders/{work_order_id}",
    response={200: WorkOrderOut, **errors_of(403, 404, 409, 422)},
    summary="Change what is to be done and where (before it is sent)",
    description="The planning (time, people, resources) is `PUT /work-orders/{id}/plan`'s.",
)
def work_order_edit(request: HttpRequest, work_order_id: int, payload: WorkOrderPatch) -> Any:
    scope = scope_of(request)
    order = reads.work_order_for(scope, work_order_id)
    current = {
        "description": order.description,
        "site_id": order.site_id,
        "equipment_id": order.equipment_id,
        "work_type_id": order.work_type_id,
    }
    services.work_order_edit(
        scope=scope, work_order_id=work_order_id, **{**current, **payload.dict(exclude_unset=True)}
    )
    return _detail(scope, work_order_id)


def _plan(request: HttpRequest, work_order_id: int, payload: WorkOrderPlanIn) -> Any:
    scope = scope_of(request)
    services.work_order_plan(scope=scope, work_order_id=work_order_id, **payload.dict())
    return _detail(scope, work_order_id)


PLAN_SUMMARY = "Plan a work order: a start, a length, the lead, the helpers, the resources"
PLAN_DESCRIPTION = (
    "The one way to put a work order on a time (the forms and the calendars call the same service). Nobody and "
    "nothing may be in two places at once: a clash answers 422 on `starts_at` saying who is busy with what. A work "
    "order already sent goes back to its people, whose answers start again. Fields left out keep what the work "
    "order has. `POST` does the same as `PUT`."
)
PLAN_RESPONSES = {200: WorkOrderOut, **errors_of(403, 404, 409, 422)}
router.put(
    "/work-orders/{work_order_id}/plan",
    response=PLAN_RESPONSES,
    summary=PLAN_SUMMARY,
    description=PLAN_DESCRIPTION,
    operation_id="fieldbox_service_api_work_orders_work_order_plan",
)(_plan)
router.post(
    "/work-orders/{work_order_id}/plan",
    response=PLAN_RESPONSES,
    summary=PLAN_SUMMARY,
    description=PLAN_DESCRIPTION,
    operation_id="fieldbox_service_api_work_orders_work_order_plan_post",
)(_plan)


@router.post(
    "/work-orders/{work_order_id}/moves/{action}",
    response={200: WorkOrderOut, **errors_of(403, 404, 409, 422)},
    summary="Move a work order: send, start, hold, resume, finish, cancel, unplan",
    description="`send` e-mails each assignee the work order with links to accept or decline it; `hold` and "
    "`cancel` need a `reason`; verifying is `POST /verification/work-orders/{id}` (an admin's); `start`, `finish` "
    "and `hold` are made by a person on the work order (or the office). A move the state does not allow answers "
    "409. The body is a JSON object, `{}` when there is no reason to give.",
)
def work_order_move(request: HttpRequest, work_order_id: int, action: MoveName, payload: WorkOrderMoveIn) -> Any:
    scope = scope_of(request)
    services.work_order_move(scope=scope, work_order_id=work_order_id, action=action, reason=payload.reason)
    return _detail(scope, work_order_id)


@router.post(
    "/work-orders/{work_order_id}/answer",
    response={200: WorkOrderOut, **errors_of(403, 404, 409, 422)},
    summary="Accept or decline a work order sent to you",
    description="Only a person on the work order answers, while it is sent (or accepted, to decline). The last "
    "acceptance makes it accepted; a refusal (with its `reason`) sends it back to the planner.",
)
def work_order_answer(request: HttpRequest, work_order_id: int, payload: WorkOrderAnswerIn) -> Any:
    scope = scope_of(request)
    services.work_order_answer(scope=scope, work_order_id=work_order_id, accept=payload.accept, reason=payload.reason)
    return _detail(scope, work_order_id)


@router.post(
    "/work-orders/{work_order_id}/follow-up",
    response={201: WorkOrderOut, **errors_of(403, 404, 409, 422)},
    summary="The work could not be finished: leave a follow-up to plan",
    description="The work order becomes “needs a follow-up”; the answer is the new work order, on the same call, "
    "customer, site and equipment.",
)
def work_order_follow_up(request: HttpRequest, work_order_id: int, payload: WorkOrderFollowUpIn) -> Any:
    scope = scope_of(request)
    made = services.work_order_follow_up(scope=scope, work_order_id=work_order_id, description=payload.description)
    return Status(201, _detail(scope, made.pk))


# ---- Materials to bring -------------------------------------------------------------------------------------


@router.get(
    "/work-orders/{work_order_id}/materials",
    response={200: list[WorkOrderMaterialOut], **errors_of(403, 404)},
    summary="A work order's materials: to bring, used, left with the customer",
)
def material_list(request: HttpRequest, work_order_id: int) -> Any:
    order = reads.work_order_for(_reader(request), work_order_id)
    return [_material(m) for m in reads.materials_of(order, None)]


@router.post(
    "/work-orders/{work_order_id}/materials",
    response={201: WorkOrderMaterialOut, **errors_of(403, 404, 409, 422)},
    summary="Add a material to bring (not once the work order ended)",
)
def material_add(request: HttpRequest, work_order_id: int, payload: WorkOrderMaterialIn) -> Any:
    scope = scope_of(request)
    line = material_services.material_add(scope=scope, work_order_id=work_order_id, **payload.dict())
    return Status(201, _material(reads.material_for(scope, line.pk)))


@router.delete(
    "/materials/{material_id}",
    response={204: None, **errors_of(403, 404, 409, 422)},
    summary="Take a material off its work order (not once the work order ended)",
)
def material_remove(request: HttpRequest, material_id: int) -> Any:
    material_services.material_remove(scope=scope_of(request), material_id=material_id)
    return Status(204, None)


# ---- Resources and types of work ----------------------------------------------------------------------------


@router.get(
    "/resources",
    response={200: list[ResourceOut], **errors_of(403)},
    summary="The organisation's resources (vans, tools, instruments), those in use first",
)
def resource_list(request: HttpRequest) -> Any:
    return [_resource(r) for r in reads.resources_for(_reader(request))]


@router.post(
    "/resources",
    response={201: ResourceOut, **errors_of(403, 422)},
    summary="Add a resource (office and admins)",
)
def resource_create(request: HttpRequest, payload: ResourceIn) -> Any:
    return Status(201, _resource(resource_services.resource_save(scope=scope_of(request), **payload.dict())))


@router.patch(
    "/resources/{resource_id}",
    response={200: ResourceOut, **errors_of(403, 404, 422)},
    summary="Change a resource's name, kind, code or notes",
)
def resource_update(request: HttpRequest, resource_id: int, payload: ResourcePatch) -> Any:
    scope = scope_of(request)
    scope.require_role(*WORK_PLANNERS)
    current = _resource(reads.resource_for(scope, resource_id))
    fields = {k: current[k] for k in ("name", "kind", "code", "notes")}
    fields.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k == "name"})
    return _resource(resource_services.resource_save(scope=scope, resource_id=resource_id, **fields))


@router.post(
    "/resources/{resource_id}/retire",
    response={200: ResourceOut, **errors_of(403, 404, 422)},
    summary="Take a resource out of use",
    description="Refused (422) while it is booked on work to come: move that work first.",
)
def resource_retire(request: HttpRequest, resource_id: int) -> Any:
    return _resource(resource_services.resource_retire(scope=scope_of(request), resource_id=resource_id))


@router.post(
    "/resources/{resource_id}/restore",
    response={200: ResourceOut, **errors_of(403, 404)},
    summary="Bring a retired resource back into use",
)
def resource_restore(request: HttpRequest, resource_id: int) -> Any:
    scope = scope_of(request)
    return _resource(resource_services.resource_retire(scope=scope, resource_id=resource_id, retired=False))


@router.get(
    "/work-types",
    response={200: list[WorkTypeOut], **errors_of(403)},
    summary="The organisation's types of work, those offered first",
)
def work_type_list(request: HttpRequest) -> Any:
    return [_work_type(t) for t in reads.work_types_for(_reader(request))]


@router.post(
    "/work-types",
    response={201: WorkTypeOut, **errors_of(403, 422)},
    summary="Add a type of work (office and admins)",
)
def work_type_create(request: HttpRequest, payload: WorkTypeIn) -> Any:
    return Status(201, _work_type(resource_services.work_type_save(scope=scope_of(request), **payload.dict())))


@router.patch(
    "/work-types/{work_type_id}",
    response={200: WorkTypeOut, **errors_of(403, 404, 422)},
    summary="Change a type of work: its name, its usual length, whether it is offered",
)
def work_type_update(request: HttpRequest, work_type_id: int, payload: WorkTypePatch) -> Any:
    scope = scope_of(request)
    scope.require_role(*WORK_PLANNERS)
    fields = _work_type(reads.work_type_for(scope, work_type_id))
    fields.pop("id")
    fields.update({k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None or k == "name"})
    return _work_type(resource_services.work_type_save(scope=scope, work_type_id=work_type_id, **fields))
