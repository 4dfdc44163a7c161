"""/api/v1: maintenance contracts — the list, one contract with its covered equipment and renewal chain, a draft
created and changed, equipment added and removed, activated, terminated.

The same services and scope as the office's pages: an organisation reads and changes its own only (another's
contract answers 404). A contract that is no longer a draft answers 409 to a change, a role that may not act 403,
bad input 422 naming the field (an overlap with another contract names that contract)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, Amount, Count, QueryDay, WrittenDate, errors_of
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_contracts as reads
from fieldbox.service.choices import CONTRACT_TABLE, ContractStatus, FeePeriod, Renewal
from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.services import contracts as services
from fieldbox.service.services.contracts import Terms

router = Router(tags=["contracts"])


# ---- Schemas ------------------------------------------------------------------------------------------------


class ContractRow(Schema):
    id: int
    number: str
    status: ContractStatus
    customer_id: int
    starts_on: date
    ends_on: date
    notice_days: int
    notice_by: date = Field(description="The notice deadline: `ends_on` minus `notice_days`")
    renewal: Renewal
    renewal_months: int
    fee: str = Field(description="A decimal, as text, per `fee_period`")
    fee_period: FeePeriod
    included_minutes: int
    included_visits: int
    renews_id: int | None = Field(description="The contract this one renewed")
    terminated_on: date | None = Field(description="The last day covered, when terminated early")
    end_reason: str
    notes: str
    created_at: datetime
    changed_at: datetime


class ContractLineOut(Schema):
    id: int
    equipment_id: int
    equipment: str
    months: list[int] = Field(description="The months (1-12) in which its maintenance is planned")
    work_type_id: int | None


class ContractOut(ContractRow):
    equipment: list[ContractLineOut]
    renewed_by_id: int | None = Field(description="The contract that renewed this one")
    actions: list[str] = Field(description="The moves the caller may make now (CONTRACT_TABLE)")


class ContractPage(Schema):
    items: list[ContractRow]
    next_cursor: int | None


class ContractFilters(PageFilters):
    status: ContractStatus | None = Field(None, description="Only the contracts in this status")
    customer_id: int | None = Field(None, description="Only this customer's")
    ending_before: QueryDay | None = Field(None, description="Only those ending before this day")
    notice_due: bool = Field(False, description="Only active ones whose notice deadline is at most 30 days away")


class ContractIn(Schema):
    customer_id: Count
    starts_on: WrittenDate
    ends_on: WrittenDate
    notice_days: Count = 30
    renewal: Renewal = Renewal.AUTOMATIC
    renewal_months: Count = Field(12, description="The length of an automatic renewal, in months")
    fee: Amount = Field(default=Decimal(0), description="Not negative, two decimals")
    fee_period: FeePeriod = FeePeriod.YEAR
    included_minutes: Count = 0
    included_visits: Count = 0
    notes: str = Field("", max_length=services.NOTES_LIMIT)


class ContractPatch(Schema):
    """The terms to change (a draft only); the others stay."""

    starts_on: WrittenDate | None = None
    ends_on: WrittenDate | None = None
    notice_days: Count | None = None
    renewal: Renewal | None = None
    renewal_months: Count | None = None
    fee: Amount | None = None
    fee_period: FeePeriod | None = None
    included_minutes: Count | None = None
    included_visits: Count | None = None
    notes: str | None = Field(None, max_length=services.NOTES_LIMIT)


class ContractEquipmentIn(Schema):
    equipment_id: Count = Field(description="One of the contract customer's equipment")
    months: list[Count] = Field(default_factory=list, description="Months 1-12; empty: covered on call only")
    work_type_id: Count | None = None


class ContractTerminateIn(Schema):
    reason: str = Field(max_length=services.REASON_LIMIT, json_schema_extra=NOT_BLANK)
    on: WrittenDate | None = Field(None, description="The last day covered; empty: today")


# ---- Answers ------------------------------------------------------------------------------------------------

TERMS = tuple(ContractPatch.model_fields)
ROW_FIELDS = (
    "number",
    "status",
    "customer_id",
    "notice_by",
    "renews_id",
    "terminated_on",
    "end_reason",
    "created_at",
    "changed_at",
    *TERMS,
)


def _row(contract: Contract) -> dict[str, Any]:
    row = {"id": contract.pk, **{f: getattr(contract, f) for f in ROW_FIELDS}}
    row["fee"] = f"{contract.fee:.2f}"
    return row


def _line(line: ContractEquipment) -> dict[str, Any]:
    return {
        "id": line.pk,
        "equipment_id": line.equipment_id,
        "equipment": str(line.equipment),
        "months": line.month_numbers,
        "work_type_id": line.work_type_id,
    }


def _detail(scope: Scope, pk: int) -> dict[str, Any]:
    contract = reads.contract_for(scope, pk)
    after = reads.renewed_by(contract)
    return {
        **_row(contract),
        "equipment": [_line(x) for x in reads.lines_of(contract)],
        "renewed_by_id": after.pk if after else None,
        "actions": sorted(CONTRACT_TABLE.allowed(contract, scope)),
    }


def _reader(request: HttpRequest) -> Scope:
    scope = scope_of(request)
    scope.require_role(*reads.CONTRACT_READERS)
    return scope


# ---- Contracts ----------------------------------------------------------------------------------------------


@router.get(
    "/contracts",
    response={200: ContractPage, **errors_of(403, 422)},
    summary="The organisation's maintenance contracts, newest first",
    description="Narrowed to a status, a customer, an end before a day, a notice deadline near; keyset pages.",
)
def contract_list(request: HttpRequest, filters: Query[ContractFilters]) -> Any:
    scope = _reader(request)
    wanted = reads.Filters(
        status=filters.status,
        customer_id=filters.customer_id,
        ending_before=filters.ending_before,
        notice_due=filters.notice_due,
    )
    rows, cursor = keyset_page(reads.contracts_filtered(scope, wanted), filters.cursor, filters.limit)
    return {"items": [_row(c) for c in rows], "next_cursor": cursor}


@router.get(
    "/contracts/{contract_id}",
    response={200: ContractOut, **errors_of(403, 404)},
    summary="One contract, with its covered equipment, its renewal chain and the moves the caller may make",
)
def contract_get(request: HttpRequest, contract_id: int) -> Any:
    return _detail(_reader(request), contract_id)


@router.post(
    "/contracts",
    response={201: ContractOut, **errors_of(403, 422)},
    summary="Draft a contract for one of the organisation's customers",
)
def contract_create(request: HttpRequest, payload: ContractIn) -> Any:
    scope = _reader(request)
    fields = payload.dict()
    customer_id = fields.pop("customer_id")
    made = services.contract_create(scope=scope, customer_id=customer_id, terms=Terms(**fields))
    return Status(201, _detail(scope, made.pk))


@router.patch(
    "/contracts/{contract_id}",
    response={200: ContractOut, **errors_of(403, 404, 409, 422)},
    summary="Change a draft's terms (an active contract never changes: 409)",
)
def contract_edit(request: HttpRequest, contract_id: int, payload: ContractPatch) -> Any:
    scope = _reader(request)
    contract = reads.contract_for(scope, contract_id)
    current = {name: getattr(contract, name) for name in TERMS}
    terms = Terms(**{**current, **payload.dict(exclude_unset=True)})
    services.contract_edit(scope=scope, contract_id=contract_id, terms=terms)
    return _detail(scope, contract_id)


@router.post(
    "/contracts/{contract_id}/equipment",
    response={201: ContractOut, **errors_of(403, 404, 409, 422)},
    summary="Cover a piece of the customer's equipment by a draft, with its service months and type of work",
    description="Refused (422) when another draft or active contract covers it on overlapping dates, naming it.",
)
def contract_equipment_add(request: HttpRequest, contract_id: int, payload: ContractEquipmentIn) -> Any:
    scope = _reader(request)
    services.contract_equipment_add(scope=scope, contract_id=contract_id, **payload.dict())
    return Status(201, _detail(scope, contract_id))


@router.delete(
    "/contracts/{contract_id}/equipment/{line_id}",
    response={200: ContractOut, **errors_of(403, 404, 409, 422)},
    summary="A draft no longer covers a piece of equipment (`line_id`: the id of its line in `equipment`)",
)
def contract_equipment_remove(request: HttpRequest, contract_id: int, line_id: int) -> Any:
    scope = _reader(request)
    services.contract_equipment_remove(scope=scope, contract_id=contract_id, line_id=line_id)
    return _detail(scope, contract_id)


@router.post(
    "/contracts/{contract_id}/activate",
    response={200: ContractOut, **errors_of(403, 404, 409, 422)},
    summary="A draft comes into force (from then on it never changes)",
)
def contract_activate(request: HttpRequest, contract_id: int) -> Any:
    scope = _reader(request)
    services.contract_activate(scope=scope, contract_id=contract_id)
    return _detail(scope, contract_id)


@router.post(
    "/contracts/{contract_id}/terminate",
    response={200: ContractOut, **errors_of(403, 404, 409, 422)},
    summary="End an active contract early, with the reason; it covers up to `on` and is never renewed",
)
def contract_terminate(request: HttpRequest, contract_id: int, payload: ContractTerminateIn) -> Any:
    scope = _reader(request)
    services.contract_terminate(scope=scope, contract_id=contract_id, reason=payload.reason, on=payload.on)
    return _detail(scope, contract_id)
