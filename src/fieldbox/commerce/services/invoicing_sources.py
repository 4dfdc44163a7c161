"""What an invoice run collects: one collector per source, each set-based (a fixed number of queries, whatever the
number of customers, work orders or notes), each returning priced ``Candidate`` lines.

Sources and their ids (``InvoiceLine.source_kind`` / ``source_id``, billed once per organisation):

- ``billable``: a material left with the customer (``Billable``, its id), not billed yet, left by the end of the
  run's day; priced from the customer's list on the day it was left. Materials of a work order that an issued
  delivery note lists, or of a verified work order, are billed through that note or its verified lines instead;
- ``ddt_line``: a line of an issued delivery note not invoiced yet (``DeliveryNoteLine``, its id), dated by the end
  of the run's day; priced from the customer's list on the note's date. An invoice with such lines is deferred
  (TD24) and lists its notes;
- ``verified_line``: a line of verified work (``VerifiedLine``: billable, not covered by a contract, not dropped),
  verified by the end of the run's day: time at its own price or the hourly rate of its type of work, a visit at
  the call-out fee, a part at its own price or its item's, an expense at its amount; the list is the contract's
  (``ContractTerms``: work outside what it includes) or the customer's. The materials left of a verified work
  order are billed through its verified lines (marked billed with them), not as ``billable``;
- ``prepaid_package``: a package of prepaid minutes sold (``PrepaidPackage``, its id) by the end of the run's day;
- ``contract_fee``: a period's fee of an active or renewed service contract, due from its start up to the run's
  day; the id is ``contract id * 10_000 + the period's index`` (0 for the period starting on ``starts_on``, 1 for
  the next, …), stable whatever the run.

Prices: the customer's list (``CustomerTerms``) or the organisation's default one; an item without a price on
that list on that day is billed at zero, for the office to write in the draft.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fieldbox.commerce.choices import DeliveryNoteStatus, SourceKind, VatTreatment
from fieldbox.commerce.models import (
    Billable,
    CustomerTerms,
    DeliveryNote,
    DeliveryNoteLine,
    Item,
    LabourRate,
    Price,
    PriceList,
)
from fieldbox.commerce.models.invoicing import ContractTerms, InvoiceLine
from fieldbox.commerce.models.prepaid import PrepaidPackage
from fieldbox.core import clock
from fieldbox.service.models.contracts import Contract
from fieldbox.service.models.verification import Verification, VerifiedLine

FEE_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
FEE_ID_BASE = 10_000


@dataclass
class Candidate:
    """A line a run would bill."""

    customer_id: int
    source_kind: str
    source_id: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    vat: str = VatTreatment.STANDARD
    reference: str = ""
    work_order_id: int | None = None
    ticket_id: int | None = None
    delivery_note: dict[str, str] = field(default_factory=dict)  # {"number": …, "date": …} of a DDT line


class Prices:
    """The price lists of a set of customers and the prices of a set of items on them, read in three queries."""

    def __init__(
        self,
        organisation_id: int,
        customer_ids: Iterable[int],
        item_ids: Iterable[int],
        other_lists: Iterable[int] = (),
        labour: bool = False,
    ) -> None:
        customers = set(customer_ids)
        default = (
            PriceList.objects.filter(organisation_id=organisation_id, is_default=True, active=True)
            .values_list("pk", flat=True)
            .first()
        )
        own = dict(
            CustomerTerms.objects.filter(
                organisation_id=organisation_id, customer_id__in=customers, price_list__isnull=False
            ).values_list("customer_id", "price_list_id")
        )
        self.lists = {c: own.get(c, default) for c in customers}
        self.rows: dict[tuple[int, int], list[tuple[date, date | None, Decimal]]] = defaultdict(list)
        wanted = {pk for pk in self.lists.values() if pk is not None} | set(other_lists)
        items = set(item_ids)
        self.rates: dict[tuple[int, int | None], list[tuple[date, date | None, Decimal, Decimal]]] = defaultdict(list)
        if labour and wanted:
            rates = LabourRate.objects.filter(price_list_id__in=wanted).order_by("-valid_from")
            for list_id, work_type_id, since, until, rate, fee in rates.values_list(
                "price_list_id", "work_type_id", "valid_from", "valid_to", "hourly_rate", "call_out_fee"
            ):
                self.rates[(list_id, work_type_id)].append((since, until, rate, fee))
        if wanted and items:
            rows = Price.objects.filter(price_list_id__in=wanted, item_id__in=items).order_by("-valid_from")
            for list_id, item_id, since, until, price in rows.values_list(
                "price_list_id", "item_id", "valid_from", "valid_to", "price"
            ):
                self.rows[(list_id, item_id)].append((since, until, price))

    def rate(
        self, customer_id: int, work_type_id: int | None, day: date, list_id: int | None = None
    ) -> tuple[Decimal, Decimal]:
        """The hourly rate and the call-out fee of a type of work (or of any work) on the customer's list (or
        ``list_id``) on ``day``; zero when the list has none."""
        chosen = list_id or self.lists.get(customer_id)
        if chosen is None:  # no list: no rate either (the rates are read for lists only)
            return Decimal(0), Decimal(0)
        for key in ((chosen, work_type_id), (chosen, None)):
            for since, until, rate, fee in self.rates.get(key, ()):
                if since <= day and (until is None or until >= day):
                    return rate, fee
        return Decimal(0), Decimal(0)

    def of(self, customer_id: int, item_id: int | None, day: date, list_id: int | None = None) -> Decimal:
        list_id = list_id or self.lists.get(customer_id)
        if list_id is None or item_id is None:
            return Decimal(0)
        for since, until, price in self.rows.get((list_id, item_id), ()):
            if since <= day and (until is None or until >= day):
                return price
        return Decimal(0)


def _not_billed(organisation_id: int, kind: str) -> Exists:
    """The sources of ``kind`` already on an invoice line (a draft's or an issued one's)."""
    return Exists(
        InvoiceLine.objects.filter(organisation_id=organisation_id, source_kind=kind, source_id=OuterRef("pk"))
    )


def _customers(rows: Q, customer_ids: list[int] | None, path: str = "customer_id") -> Q:
    return rows & Q(**{f"{path}__in": customer_ids}) if customer_ids is not None else rows


def billables(*, organisation_id: int, tz: str, period_end: date, customer_ids: list[int] | None) -> list[Candidate]:
    """Materials left with customers and not billed yet."""
    noted = DeliveryNote.objects.filter(
        organisation_id=organisation_id, status=DeliveryNoteStatus.ISSUED, work_order_id=OuterRef("work_order_id")
    )
    verified = Verification.objects.filter(work_order_id=OuterRef("work_order_id"))
    where = _customers(
        Q(organisation_id=organisation_id, billed_at__isnull=True, created_at__lt=clock.day_after(period_end, tz)),
        customer_ids,
    )
    rows = list(
        Billable.objects.filter(where)
        .exclude(_not_billed(organisation_id, SourceKind.BILLABLE))
        .exclude(Q(work_order_id__isnull=False) & Exists(noted))
        .exclude(Q(work_order_id__isnull=False) & Exists(verified))
        .select_related("work_order")
        .order_by("customer_id", "created_at", "pk")
    )
    codes = {row.code for row in rows if row.item_id is None and row.code}
    by_code = dict(Item.objects.filter(organisation_id=organisation_id, code__in=codes).values_list("code", "pk"))
    items = {row.pk: row.item_id or by_code.get(row.code) for row in rows}
    prices = Prices(organisation_id, {row.customer_id for row in rows}, {i for i in items.values() if i})
    return [
        Candidate(
            customer_id=row.customer_id,
            source_kind=SourceKind.BILLABLE,
            source_id=row.pk,
            description=row.description,
            quantity=row.quantity,
            unit=row.unit,
            unit_price=prices.of(row.customer_id, items[row.pk], clock.day_of(row.created_at, tz)),
            reference=row.work_order.number if row.work_order else "",
            work_order_id=row.work_order_id,
            ticket_id=getattr(row.work_order, "ticket_id", None) if row.work_order else None,
        )
        for row in rows
    ]


def delivery_note_lines(
    *, organisation_id: int, tz: str, period_end: date, customer_ids: list[int] | None
) -> list[Candidate]:
    """The lines of issued delivery notes not invoiced yet."""
    where = _customers(
        Q(
            note__organisation_id=organisation_id,
            note__status=DeliveryNoteStatus.ISSUED,
            note__invoiced_at__isnull=True,
            note__issued_on__lte=period_end,
        ),
        customer_ids,
        "note__customer_id",
    )
    rows = list(
        DeliveryNoteLine.objects.filter(where)
        .exclude(_not_billed(organisation_id, SourceKind.DELIVERY_NOTE_LINE))
        .select_related("note")
        .order_by("note__customer_id", "note__issued_on", "note_id", "position", "pk")
    )
    prices = Prices(organisation_id, {r.note.customer_id for r in rows}, {r.item_id for r in rows if r.item_id})
    return [
        Candidate(
            customer_id=row.note.customer_id,
            source_kind=SourceKind.DELIVERY_NOTE_LINE,
            source_id=row.pk,
            description=row.description,
            quantity=row.quantity,
            unit=row.unit,
            unit_price=prices.of(row.note.customer_id, row.item_id, row.note.issued_on or period_end),
            reference=row.note.number,
            work_order_id=row.note.work_order_id,
            delivery_note={"number": row.note.number, "date": (row.note.issued_on or period_end).isoformat()},
        )
        for row in rows
    ]


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def fee_periods(starts_on: date, ends_on: date, months: int, until: date) -> list[tuple[int, date, date]]:
    """The fee periods of a contract that have started by ``until``: (index, first day, last day)."""
    periods: list[tuple[int, date, date]] = []
    index = 0
    while True:
        start = _add_months(starts_on, months * index)
        if start > until or start > ends_on or index >= 1200:
            return periods
        end = min(_add_months(starts_on, months * (index + 1)) - timedelta(days=1), ends_on)
        periods.append((index, start, end))
        index += 1


def contract_fees(
    *, organisation_id: int, tz: str, period_end: date, customer_ids: list[int] | None
) -> list[Candidate]:
    """The fees of active (or renewed) contracts for the periods started by the run's day and not billed yet."""
    where = _customers(
        Q(organisation_id=organisation_id, status__in=("active", "renewed", "terminated", "expired"))
        & Q(fee__gt=0, starts_on__lte=period_end),
        customer_ids,
    )
    contracts = list(Contract.objects.filter(where).order_by("customer_id", "starts_on", "pk"))
    if not contracts:
        return []
    ids = [c.pk for c in contracts]  # the fees billed of these contracts: those in their range of source ids
    billed = set(
        InvoiceLine.objects.filter(
            organisation_id=organisation_id,
            source_kind=SourceKind.CONTRACT_FEE,
            source_id__gte=min(ids) * FEE_ID_BASE,
            source_id__lt=(max(ids) + 1) * FEE_ID_BASE,
        ).values_list("source_id", flat=True)
    )
    days: dict[date, str] = {}  # the same few days, written once each
    found = []
    for c in contracts:
        last = getattr(c, "terminated_on", None) or c.ends_on
        for index, start, end in fee_periods(c.starts_on, last, FEE_PERIOD_MONTHS.get(c.fee_period, 12), period_end):
            source_id = c.pk * FEE_ID_BASE + index
            if source_id in billed:
                continue
            words = _("Contract %(number)s fee, %(start)s to %(end)s")
            for day in (start, end):
                if day not in days:
                    days[day] = _day(day)
            found.append(
                Candidate(
                    customer_id=c.customer_id,
                    source_kind=SourceKind.CONTRACT_FEE,
                    source_id=source_id,
                    description=words % {"number": c.number, "start": days[start], "end": days[end]},
                    quantity=Decimal(1),
                    unit="svc",
                    unit_price=c.fee,
                    reference=c.number,
                )
            )
    return found


TIMED = ("labour", "call_time")
HOUR = Decimal(60)
THOUSANDTH = Decimal("0.001")


def verified_lines(
    *, organisation_id: int, tz: str, period_end: date, customer_ids: list[int] | None
) -> list[Candidate]:
    """The verified work not covered by a contract: time at its own price or the type of work's hourly rate
    (from the contract's list for work outside it, else the customer's), parts at their own price or the item's,
    a visit at the call-out fee, expenses at their amount."""
    where = _customers(
        Q(
            organisation_id=organisation_id,
            billable=True,
            covered=False,
            dropped=False,
            verification__verified_at__lt=clock.day_after(period_end, tz),
            verification__customer_id__isnull=False,
        ),
        customer_ids,
        "verification__customer_id",
    )
    rows = [
        Verified._make(row)
        for row in VerifiedLine.objects.filter(where)
        .exclude(_not_billed(organisation_id, SourceKind.VERIFIED_LINE))
        .order_by("verification__customer_id", "verification__verified_at", "verification_id", "pk")
        .annotate(**_verified_paths(tz))
        .values_list(*Verified._fields)
    ]
    contracts = {r.contract_id for r in rows if r.contract_id}
    terms = dict(
        ContractTerms.objects.filter(contract_id__in=contracts, price_list__isnull=False).values_list(
            "contract_id", "price_list_id"
        )
    )
    codes = {r.item_code for r in rows if r.item_code}
    items = dict(Item.objects.filter(organisation_id=organisation_id, code__in=codes).values_list("code", "pk"))
    customers = {r.customer for r in rows}
    prices = Prices(organisation_id, customers, set(items.values()), set(terms.values()), labour=True)
    return [_verified(row, prices, terms, items) for row in rows]


class Verified(NamedTuple):
    """What a verified line is billed from, its own fields and its verification's (tens of thousands in a run)."""

    pk: int
    kind: str
    description: str
    work_type_id: int | None
    item_code: str
    quantity: Decimal
    unit: str
    minutes: int | None
    unit_price: Decimal | None
    customer: int
    on: date  # its day, or the day it was verified
    contract_id: int | None
    work_order_id: int | None
    ticket_id: int | None
    order_number: str | None
    order_ticket_id: int | None
    ticket_number: str | None


def _verified_paths(tz: str) -> dict[str, Any]:
    return {
        "customer": F("verification__customer_id"),
        "on": Coalesce("day", TruncDate("verification__verified_at", tzinfo=clock.zone(tz))),
        "contract_id": F("verification__contract_id"),
        "work_order_id": F("verification__work_order_id"),
        "ticket_id": F("verification__ticket_id"),
        "order_number": F("verification__work_order__number"),
        "order_ticket_id": F("verification__work_order__ticket_id"),
        "ticket_number": F("verification__ticket__number"),
    }


def _verified(row: Verified, prices: Prices, terms: dict[int, int], items: dict[str, int]) -> Candidate:
    list_id = terms.get(row.contract_id or 0)
    quantity, unit, own = row.quantity, row.unit or "pc", row.unit_price
    if row.kind in TIMED:
        hours = Decimal(row.minutes) / HOUR if row.minutes is not None else quantity
        quantity, unit = hours.quantize(THOUSANDTH), "h"
        price = own if own is not None else prices.rate(row.customer, row.work_type_id, row.on, list_id)[0]
    elif row.kind == "visit":
        price = own if own is not None else prices.rate(row.customer, row.work_type_id, row.on, list_id)[1]
    elif row.kind == "part" and own is None:
        price = prices.of(row.customer, items.get(row.item_code), row.on, list_id)
    else:
        price = own or Decimal(0)
    return Candidate(
        customer_id=row.customer,
        source_kind=SourceKind.VERIFIED_LINE,
        source_id=row.pk,
        description=row.description,
        quantity=quantity if quantity > 0 else Decimal(1),
        unit=unit[:6],
        unit_price=price,
        reference=row.order_number or row.ticket_number or "",
        work_order_id=row.work_order_id,
        ticket_id=row.ticket_id or row.order_ticket_id,
    )


def prepaid_packages(
    *, organisation_id: int, tz: str, period_end: date, customer_ids: list[int] | None
) -> list[Candidate]:
    """The prepaid packages of minutes sold by the run's day."""
    where = _customers(
        Q(organisation_id=organisation_id, price__gt=0, created_at__lt=clock.day_after(period_end, tz)), customer_ids
    )
    rows = PrepaidPackage.objects.filter(where).exclude(_not_billed(organisation_id, SourceKind.PREPAID_PACKAGE))
    words = _("Prepaid package %(number)s: %(minutes)s minutes of support")
    return [
        Candidate(
            customer_id=p.customer_id,
            source_kind=SourceKind.PREPAID_PACKAGE,
            source_id=p.pk,
            description=words % {"number": p.number, "minutes": p.minutes},
            quantity=Decimal(1),
            unit="svc",
            unit_price=p.price,
            reference=p.number,
        )
        for p in rows.order_by("customer_id", "created_at", "pk")
    ]


COLLECTORS = (contract_fees, prepaid_packages, verified_lines, billables, delivery_note_lines)
