"""Reads of the maintenance contracts: the office's list with its filters, one contract with its covered
equipment, its renewal chain and its history, and ``contract_covering``: which contract covers a piece of
equipment on a day (final verification and invoicing read it; ``cover_of`` adds its line for the equipment and
call pages, ``call_day`` is the day a call is read on). Each read for a person is scoped by the model's
``visible_to``: another organisation's contract answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.dates import MONTHS

from fieldbox.accounts.choices import OFFICE
from fieldbox.core import clock
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ContractStatus
from fieldbox.service.models import Ticket
from fieldbox.service.models.contracts import Contract, ContractEquipment

HISTORY_LIMIT = 200
# Who reads the contracts: the office (admins and office staff).
CONTRACT_READERS = OFFICE
# States in which a contract covered its days: it was (or is) in force then.
IN_FORCE = (ContractStatus.ACTIVE, ContractStatus.RENEWED, ContractStatus.EXPIRED, ContractStatus.TERMINATED)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; ``None`` leaves a filter out."""

    status: str | None = None
    customer_id: int | None = None
    ending_before: date | None = None
    notice_due: bool = False


def contracts_for(scope: Scope) -> QuerySet[Contract]:
    return Contract.objects.visible_to(scope).select_related("customer", "renews")


def contracts_filtered(scope: Scope, filters: Filters) -> QuerySet[Contract]:
    """The organisation's contracts narrowed to a status, a customer, an end before a day, or those active whose
    notice deadline (end - notice days) falls within the next 30 days or has passed."""
    qs = contracts_for(scope)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.ending_before:
        qs = qs.filter(ends_on__lt=filters.ending_before)
    if filters.notice_due:
        qs = notice_due(qs, clock.today(scope.organisation.time_zone), days=30)
    return qs


def notice_due(qs: QuerySet[Contract], today: date, *, days: int) -> QuerySet[Contract]:
    """Active contracts whose notice deadline (end - notice days) is at most ``days`` away (or passed) and whose
    end has not come yet."""
    return qs.filter(status=ContractStatus.ACTIVE, ends_on__gte=today, notice_by__lte=today + timedelta(days=days))


def contract_for(scope: Scope, pk: int) -> Contract:
    found = contracts_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def lines_of(contract: Contract) -> list[ContractEquipment]:
    """The covered equipment, by name."""
    return list(
        ContractEquipment.objects.filter(contract=contract)
        .select_related("equipment", "equipment__site", "work_type")
        .order_by("equipment__name", "pk")
    )


def month_labels(line: ContractEquipment) -> str:
    """A line's service months in the reader's words ("January, July"); empty when covered on call only."""
    return ", ".join(str(MONTHS[m]) for m in line.month_numbers)


def renewed_by(contract: Contract) -> Contract | None:
    """The contract that renewed this one, if any."""
    return Contract.objects.filter(renews=contract).first()


def history_of(contract: Contract) -> list[AuditEvent]:
    """The contract's changes, first to last (its own organisation's log only)."""
    rows = AuditEvent.objects.filter(
        object_type=Contract._meta.label_lower, object_id=str(contract.pk), organisation_id=contract.organisation_id
    ).select_related("actor")
    return list(rows.order_by("at", "id")[:HISTORY_LIMIT])


def contract_covering(*, organisation_id: int, equipment_id: int | None, on: date) -> Contract | None:
    """The contract of the organisation that covered ``equipment_id`` on the day ``on``: one in force then (active,
    or since renewed, expired, or terminated no earlier than that day). Never two (overlaps are refused); a renewal
    starts the day after the contract it renews ends. Work without equipment (a call about none) has no contract:
    it is billed from the price list."""
    if equipment_id is None:
        return None
    lines = ContractEquipment.objects.filter(equipment_id=equipment_id).values("contract_id")
    return (
        Contract.objects.filter(
            organisation_id=organisation_id,
            pk__in=lines,
            status__in=IN_FORCE,
            starts_on__lte=on,
            ends_on__gte=on,
        )
        .exclude(Q(terminated_on__isnull=False) & Q(terminated_on__lt=on))
        .order_by("-starts_on", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Cover:
    """The contract covering a piece of equipment, with its line: the service months and the type of work."""

    contract: Contract
    line: ContractEquipment

    @property
    def months(self) -> str:
        return month_labels(self.line)


def cover_of(*, organisation_id: int, equipment_id: int | None, on: date) -> Cover | None:
    """``contract_covering`` with the equipment's line (two queries at most); None when no contract covers it."""
    contract = contract_covering(organisation_id=organisation_id, equipment_id=equipment_id, on=on)
    if contract is None or equipment_id is None:
        return None
    line = ContractEquipment.objects.select_related("work_type").get(contract=contract, equipment_id=equipment_id)
    return Cover(contract, line)


def call_day(ticket: Ticket, tz: str) -> date:
    """The day a call's contract is read on: the day it was resolved (or closed), today while it is open."""
    when = ticket.resolved_at or ticket.closed_at
    return clock.day_of(when, tz) if when else clock.today(tz)
