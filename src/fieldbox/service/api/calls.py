"""/api/v1: calls taken by phone or by the staff, the call's fields, its interventions and its charges.

The same services and scope as the call page: an organisation reads and changes its own calls only. ``POST
/tickets`` and ``PATCH /tickets/{ticket_id}`` sit on the tickets' router (one path, several methods)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, errors_of, fields_named
from fieldbox.service import selectors
from fieldbox.service import selectors_calls as calls
from fieldbox.service.api import tickets
from fieldbox.service.api.tickets import ReasonIn, TicketOut
from fieldbox.service.choices import ChargeKind, Priority, TicketKind, WorkOrderStatus
from fieldbox.service.models import Charge, WorkOrder
from fieldbox.service.services import calls as services
from fieldbox.service.services.calls import CALL_READERS

router = Router(tags=["service desk"])
# The API says "type" where the model says "kind" (a Python word).
NAMES = {"kind": "type"}


class CallIn(Schema):
    channel: Literal["phone", "staff"] = Field("phone", description="By phone from the customer, or from the staff")
    subject: str = Field(max_length=255, json_schema_extra=NOT_BLANK)
    description: str = Field(
        "", max_length=20_000, description="What the customer says (by phone), or the staff's note (staff)"
    )
    customer_id: Count | None = None
    contact_id: Count | None = Field(None, description="One of the customer's contacts")
    phone: str = Field("", max_length=40, description="To call back; empty: the contact's, else the customer's")
    site_id: Count | None = Field(None, description="One of the customer's sites; empty: the equipment's")
    equipment_id: Count | None = Field(None, description="One of the customer's equipment")
    type: TicketKind = TicketKind.REQUEST
    priority: Priority = Priority.NORMAL
    team_id: Count | None = Field(None, description="Required when the organisation has more than one team")
    assignee_id: Count | None = Field(None, description="A user of the desk")
    intervention: str = Field("", max_length=20_000, description="Work to do on site: an intervention to plan")


class CallPatch(Schema):
    """The call's fields to change; the others stay. ``null`` empties an optional one."""

    subject: str | None = Field(None, max_length=255, json_schema_extra=NOT_BLANK)
    customer_id: Count | None = None
    contact_id: Count | None = None
    phone: str | None = Field(None, max_length=40)
    site_id: Count | None = None
    equipment_id: Count | None = None
    type: TicketKind | None = None
    priority: Priority | None = None
    team_id: Count | None = None
    assignee_id: Count | None = None


class InterventionIn(Schema):
    description: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK)
    technician_id: Count | None = Field(None, description="A technician of the organisation")
    follows_id: Count | None = Field(None, description="The intervention of the same call this one follows up")


class OutcomeIn(Schema):
    outcome: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK)


class InterventionOut(Schema):
    id: int
    number: str
    ticket_id: int
    ticket_number: str
    status: WorkOrderStatus
    description: str
    technician_id: int | None
    follows_id: int | None
    outcome: str
    created_at: datetime
    changed_at: datetime
    closed_at: datetime | None


class InterventionPage(Schema):
    items: list[InterventionOut]
    next_cursor: int | None


class InterventionFilters(PageFilters):
    status: WorkOrderStatus | None = Field(None, description="Only the interventions in this status")


class ChargeIn(Schema):
    kind: ChargeKind
    description: str = Field(max_length=255, json_schema_extra=NOT_BLANK)
    minutes: Count | None = Field(None, description="Time only: the minutes worked (1 to 10,000)")
    quantity: Amount | None = Field(None, description="A fee or a part: how many (default 1; two decimals)")
    unit_price: Amount | None = Field(
        None, description="Euro, two decimals: a part's or fee's unit price, time's hourly rate; empty: not priced"
    )
    billable: bool = Field(True, strict=True)


class ChargeOut(Schema):
    id: int
    ticket_id: int
    kind: ChargeKind
    description: str
    minutes: int | None
    quantity: str = Field(description="A decimal, as text")
    unit_price: str | None = Field(description="Euro, as text")
    amount: str | None = Field(description="Euro, rounded once to the cent (half up), as text; none without a price")
    billable: bool
    created_at: datetime


class ChargeTotals(Schema):
    minutes: int
    amount: str
    billable: str
    unpriced: int


class ChargeList(Schema):
    items: list[ChargeOut]
    totals: ChargeTotals


def _intervention(i: WorkOrder) -> dict[str, Any]:
    fields = ("number", "ticket_id", "status", "description", "technician_id", "follows_id", "outcome")
    return {
        "id": i.pk,
        **{f: getattr(i, f) for f in fields},
        "ticket_number": i.ticket.number if i.ticket else "",
        "created_at": i.created_at,
        "changed_at": i.changed_at,
        "closed_at": i.closed_at,
    }


def _charge(line: calls.Line) -> dict[str, Any]:
    c = line.charge
    return {
        "id": c.pk,
        "ticket_id": c.ticket_id,
        "kind": c.kind,
        "description": c.description,
        "minutes": c.minutes,
        "quantity": str(c.quantity),
        "unit_price": None if c.unit_price is None else str(c.unit_price),
        "amount": None if line.amount is None else str(line.amount),
        "billable": c.billable,
        "created_at": c.created_at,
    }


def _call_data(payload: Schema, *, unset: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=unset)
    if "type" in data:
        data["kind"] = data.pop("type")
    return data


# ---- The call (on the tickets' router: the same paths as their reads) ------------------------------------------


@tickets.router.post(
    "/tickets",
    response={201: TicketOut, **errors_of(403, 422)},
    summary="Take a call by phone, or open one from the staff",
    description="The call's customer, contact, site and equipment must be the organisation's; the contact, site "
    "and equipment that customer's. With `intervention`, an intervention to plan is made with the call.",
)
def ticket_create(request: HttpRequest, payload: CallIn) -> Any:
    with fields_named(**NAMES):
        ticket = services.ticket_create(scope=scope_of(request), data=_call_data(payload, unset=False))
    return Status(201, tickets._ticket(selectors.ticket_for(scope_of(request), ticket.pk)))


@tickets.router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **errors_of(403, 404, 409, 422)},
    summary="Change the call's fields (a new priority moves its dues)",
)
def ticket_update(request: HttpRequest, ticket_id: int, payload: CallPatch) -> Any:
    data = _call_data(payload, unset=True)
    with fields_named(**NAMES):
        services.ticket_update(scope=scope_of(request), ticket_id=ticket_id, data=data)
    return tickets._ticket(selectors.ticket_for(scope_of(request), ticket_id))


# ---- Interventions ------------------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/interventions",
    response={200: list[InterventionOut], **errors_of(403, 404)},
    summary="A call's interventions, first to last",
)
def intervention_list_of_ticket(request: HttpRequest, ticket_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*CALL_READERS)
    ticket = selectors.ticket_for(scope, ticket_id)
    return [_intervention(i) for i in calls.interventions_of(ticket)]


@router.post(
    "/tickets/{ticket_id}/interventions",
    response={201: InterventionOut, **errors_of(403, 404, 409, 422)},
    summary="Add an intervention to plan to a call, or a follow-up of one of its interventions",
)
def intervention_create(request: HttpRequest, ticket_id: int, payload: InterventionIn) -> Any:
    made = services.intervention_create(
        scope=scope_of(request),
        ticket_id=ticket_id,
        description=payload.description,
        technician_id=payload.technician_id,
        follows_id=payload.follows_id,
    )
    return Status(201, _intervention(calls.intervention_for(scope_of(request), made.pk)))


@router.get(
    "/interventions",
    response={200: InterventionPage, **errors_of(403, 422)},
    summary="The organisation's interventions, newest first",
)
def intervention_list(request: HttpRequest, filters: Query[InterventionFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*CALL_READERS)
    qs = calls.interventions_for(scope)
    if filters.status:
        qs = qs.filter(status=filters.status)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_intervention(i) for i in rows], "next_cursor": cursor}


@router.post(
    "/interventions/{intervention_id}/by-phone",
    response={200: InterventionOut, **errors_of(403, 404, 409, 422)},
    summary="Done by phone: it stays for the statistics and is never planned",
)
def intervention_by_phone(request: HttpRequest, intervention_id: int, payload: OutcomeIn) -> Any:
    services.intervention_by_phone(scope=scope_of(request), intervention_id=intervention_id, outcome=payload.outcome)
    return _intervention(calls.intervention_for(scope_of(request), intervention_id))


@router.post(
    "/interventions/{intervention_id}/cancel",
    response={200: InterventionOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel an intervention to plan, with the reason",
)
def intervention_cancel(request: HttpRequest, intervention_id: int, payload: ReasonIn) -> Any:
    services.intervention_cancel(scope=scope_of(request), intervention_id=intervention_id, reason=payload.reason)
    return _intervention(calls.intervention_for(scope_of(request), intervention_id))


# ---- Charges ------------------------------------------------------------------------------------------------


def _charges(ticket_id: int, request: HttpRequest) -> dict[str, Any]:
    ticket = selectors.ticket_for(scope_of(request), ticket_id)
    lines = calls.lines(calls.charges_of(ticket))
    totals = calls.totals(lines)
    return {
        "items": [_charge(line) for line in lines],
        "totals": {
            "minutes": totals.minutes,
            "amount": str(totals.amount),
            "billable": str(totals.billable),
            "unpriced": totals.unpriced,
        },
    }


@router.get(
    "/tickets/{ticket_id}/charges",
    response={200: ChargeList, **errors_of(403, 404)},
    summary="A call's charges (time, fees, parts) and what they add up to",
)
def charge_list(request: HttpRequest, ticket_id: int) -> Any:
    scope_of(request).require_role(*CALL_READERS)
    return _charges(ticket_id, request)


@router.post(
    "/tickets/{ticket_id}/charges",
    response={201: ChargeOut, **errors_of(403, 404, 409, 422)},
    summary="Charge time, a fee or a part on a call (not closed or cancelled)",
)
def charge_add(request: HttpRequest, ticket_id: int, payload: ChargeIn) -> Any:
    charge: Charge = services.charge_add(
        scope=scope_of(request),
        ticket_id=ticket_id,
        kind=payload.kind,
        description=payload.description,
        minutes=payload.minutes,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        billable=payload.billable,
    )
    saved = calls.charge_for(scope_of(request), charge.pk)  # as stored: the quantity with its two decimals
    return Status(201, _charge(calls.Line(saved, calls.amount(saved))))


@router.delete(
    "/charges/{charge_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Take a charge off its call (not closed or cancelled)",
)
def charge_remove(request: HttpRequest, charge_id: int) -> Any:
    services.charge_remove(scope=scope_of(request), charge_id=charge_id)
    return Status(204, None)
