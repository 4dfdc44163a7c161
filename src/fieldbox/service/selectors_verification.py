"""Reads of the final verification (SYS "verifica intervento finale"), for admins only: the queue of done work
orders and resolved calls not yet verified, and the lines a work order or a call proposes — hours, parts, expenses,
call time as recorded, each marked covered when a contract covered its equipment that day — or, once verified,
the lines as the admin verified them. Scoped by ``visible_to``: another organisation's answers 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import VERIFIERS
from fieldbox.core import clock
from fieldbox.core.money import rounded
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ChargeKind, MaterialUse, ReportStatus, TicketStatus, WorkOrderStatus
from fieldbox.service.models import Booking, Charge, Expense, Material, Ticket, TimeEntry, WorkOrder
from fieldbox.service.models.contracts import Contract
from fieldbox.service.models.verification import Verification, VerifiedLine, VerifiedLineKind
from fieldbox.service.selectors_contracts import call_day, contract_covering

# Who opens the final verification: admins only (technicians and the office do not).
VERIFICATION_READERS = tuple(sorted(VERIFIERS))
# What waits for verification: a work order done (or done with a follow-up), a call resolved or closed.
WORK_TO_VERIFY = (WorkOrderStatus.DONE, WorkOrderStatus.FOLLOW_UP)
CALLS_TO_VERIFY = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
HOUR = Decimal(60)
# Lines measured in minutes (their quantity is the hours).
TIMED = (VerifiedLineKind.LABOUR, VerifiedLineKind.CALL_TIME)


class QueueKind:
    WORK_ORDER = "work_order"
    CALL = "call"


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to; ``None`` leaves a filter out."""

    kind: str = QueueKind.WORK_ORDER
    customer_id: int | None = None
    technician_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _range(scope: Scope, name: str, filters: Filters) -> Q:
    tz = scope.organisation.time_zone
    q = Q()
    if filters.date_from:
        q &= Q(**{f"{name}__gte": clock.start_of_day(filters.date_from, tz)})
    if filters.date_to:
        q &= Q(**{f"{name}__lt": clock.day_after(filters.date_to, tz)})
    return q


def work_orders_to_verify(scope: Scope, filters: Filters) -> QuerySet[WorkOrder]:
    """Done work orders not yet verified, by customer, person (lead or helper) and the day they ended."""
    qs = WorkOrder.objects.visible_to(scope).filter(status__in=WORK_TO_VERIFY)
    qs = qs.select_related("customer", "technician", "work_type", "ticket")
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.technician_id:
        helper = Booking.objects.filter(user_id=filters.technician_id).values("work_order_id")
        qs = qs.filter(Q(technician_id=filters.technician_id) | Q(pk__in=helper))
    return qs.filter(_range(scope, "closed_at", filters))


def calls_to_verify(scope: Scope, filters: Filters) -> QuerySet[Ticket]:
    """Resolved or closed calls with something charged, not yet verified, by customer, person (assignee or who
    charged) and the day they were resolved (or closed)."""
    done = Verification.objects.filter(ticket=OuterRef("pk"))
    charged = Charge.objects.filter(ticket=OuterRef("pk"))
    qs = Ticket.objects.visible_to(scope).filter(status__in=CALLS_TO_VERIFY).filter(Exists(charged), ~Exists(done))
    qs = qs.select_related("customer", "assignee")
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.technician_id:
        by = Charge.objects.filter(ticket=OuterRef("pk"), author_id=filters.technician_id)
        qs = qs.filter(Q(assignee_id=filters.technician_id) | Exists(by))
    if filters.date_from or filters.date_to:
        qs = qs.filter(
            _range(scope, "resolved_at", filters) | (Q(resolved_at__isnull=True) & _range(scope, "closed_at", filters))
        )
    return qs


def work_order_for(scope: Scope, pk: int) -> WorkOrder:
    found = WorkOrder.objects.visible_to(scope).select_related("customer", "equipment", "work_type", "technician")
    order = found.filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def call_for(scope: Scope, pk: int) -> Ticket:
    ticket = Ticket.objects.visible_to(scope).select_related("customer", "equipment", "assignee").filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


# ---- The lines ------------------------------------------------------------------------------------------------


def line_amount(kind: str, quantity: Decimal, minutes: int | None, unit_price: Decimal | None) -> Decimal | None:
    """A line's amount at its own price, rounded once (``core.money``): time by its minutes at the hourly rate,
    the rest quantity times price; None when it has no price of its own (invoicing takes the price list's)."""
    if unit_price is None:
        return None
    if kind in TIMED and minutes is not None:
        return rounded(Decimal(minutes) / HOUR * unit_price)
    return rounded(quantity * unit_price)


def hours_of(minutes: int) -> Decimal:
    return rounded(Decimal(minutes) / HOUR)


@dataclass
class Line:
    """A line proposed from what was recorded (``key`` names its source) or as verified."""

    key: str
    kind: str
    description: str
    day: date | None
    quantity: Decimal
    unit: str = ""
    minutes: int | None = None
    unit_price: Decimal | None = None
    covered: bool = False
    billable: bool = True
    work_type_id: int | None = None
    work_type: str = ""
    item_code: str = ""
    dropped: bool = False
    reason: str = ""
    recorded: dict[str, Any] = field(default_factory=dict)

    @property
    def source_kind(self) -> str:
        return self.key.split(":", 1)[0] if ":" in self.key else "added"

    @property
    def source_id(self) -> int | None:
        return int(self.key.split(":", 1)[1]) if ":" in self.key else None

    @property
    def amount(self) -> Decimal | None:
        return line_amount(self.kind, self.quantity, self.minutes, self.unit_price)

    @property
    def kind_label(self) -> str:
        return str(VerifiedLineKind(self.kind).label)

    @property
    def billing(self) -> str:
        return "covered" if self.covered else ("billable" if self.billable else "not_billable")

    def facts(self) -> dict[str, Any]:
        """What may be corrected, as recorded (kept on the verified line when it changes)."""
        return {
            "quantity": f"{self.quantity:.2f}",
            "minutes": self.minutes,
            "unit_price": None if self.unit_price is None else f"{self.unit_price:.2f}",
            "covered": self.covered,
            "billable": self.billable,
        }


@dataclass
class Proposal:
    lines: list[Line]
    contract: Contract | None
    verification: Verification | None = None
    included: Allowance | None = None  # what the contract still included before this work (minutes, visits)

    @property
    def totals(self) -> Totals:
        return totals_of(self.lines)


@dataclass(frozen=True)
class Totals:
    minutes: int
    billable_minutes: int
    parts: Decimal
    expenses: Decimal
    billable_amount: Decimal
    unpriced: int


def totals_of(lines: list[Line]) -> Totals:
    kept = [line for line in lines if not line.dropped]
    timed = [line for line in kept if line.kind in TIMED]
    billed = [line for line in kept if line.billable and not line.covered]
    amounts = [line.amount for line in billed]
    return Totals(
        minutes=sum(line.minutes or 0 for line in timed),
        billable_minutes=sum(line.minutes or 0 for line in timed if line.billable and not line.covered),
        parts=sum((line.quantity for line in kept if line.kind == VerifiedLineKind.PART), Decimal("0.00")),
        expenses=sum(
            (line.amount or Decimal(0) for line in kept if line.kind == VerifiedLineKind.EXPENSE), Decimal("0.00")
        ),
        billable_amount=sum((a for a in amounts if a is not None), Decimal("0.00")),
        unpriced=sum(1 for a in amounts if a is None),
    )


@dataclass
class Allowance:
    """What a contract with included minutes or visits still includes before the work being verified."""

    contract: Contract
    minutes: int  # minutes of work left (included_minutes 0: not counted)
    visits: int  # visits left (included_visits 0: not counted)


def allowance_of(contract: Contract, *, besides: Q) -> Allowance:
    """What ``contract`` still includes: its included minutes less the covered time of the work verified under it,
    its included visits less the verified work with covered time (one visit each); ``besides`` leaves out the
    verification of the work being verified again. One query."""
    used = (
        VerifiedLine.objects.filter(verification__contract=contract, covered=True, dropped=False, kind__in=TIMED)
        .exclude(besides)
        .aggregate(minutes=Sum("minutes", default=0), visits=Count("verification", distinct=True))
    )
    return Allowance(contract, contract.included_minutes - used["minutes"], contract.included_visits - used["visits"])


class _Cover:
    """Which contract covered a piece of equipment on a day (asked once per day), and what each still includes.

    A contract without included minutes or visits includes all work on its equipment (time, parts, expenses): the
    fee pays for it. One with included minutes or visits includes time only, while they last: a line of time is
    covered when the minutes left hold it and a visit is left (each piece of work takes one); parts, expenses and
    the time beyond are billed."""

    def __init__(self, organisation_id: int, equipment_id: int | None, besides: Q) -> None:
        self.organisation_id, self.equipment_id, self.besides = organisation_id, equipment_id, besides
        self.days: dict[date, Contract | None] = {}
        self.left: dict[int, Allowance] = {}
        self.visited: set[int] = set()
        self.before: Allowance | None = None  # what the first counting contract had left before this work

    def on(self, day: date | None) -> Contract | None:
        if day is None:
            return None
        if day not in self.days:
            self.days[day] = contract_covering(
                organisation_id=self.organisation_id, equipment_id=self.equipment_id, on=day
            )
        return self.days[day]

    def first(self) -> Contract | None:
        return next((c for c in self.days.values() if c is not None), None)

    def allowance(self, contract: Contract) -> Allowance | None:
        """What a contract with included minutes or visits had left before this work (None: it includes all)."""
        if not (contract.included_minutes or contract.included_visits):
            return None
        if contract.pk not in self.left:
            found = allowance_of(contract, besides=self.besides)
            self.left[contract.pk] = found
            self.before = self.before or Allowance(contract, found.minutes, found.visits)
        return self.left[contract.pk]

    def covers(self, line: Line) -> bool:
        contract = self.on(line.day)
        if contract is None:
            return False
        left = self.allowance(contract)
        if left is None:
            return True
        if line.kind not in TIMED or not line.billable:
            return False
        minutes = line.minutes or 0
        visit = contract.included_visits > 0 and contract.pk not in self.visited
        if (contract.included_minutes and left.minutes < minutes) or (visit and left.visits < 1):
            return False
        left.minutes -= minutes if contract.included_minutes else 0
        if visit:
            left.visits -= 1
            self.visited.add(contract.pk)
        return True


def _covered(line: Line, cover: _Cover) -> Line:
    if cover.covers(line):
        line.covered, line.billable = True, False
    return line


def _work_day(order: WorkOrder, tz: str) -> date | None:
    when = order.closed_at or order.starts_at
    return clock.day_of(when, tz) if when else None


def propose_for_work_order(order: WorkOrder) -> Proposal:
    """The lines of a done work order as recorded: its hours (each time entry, by its type of work), the materials
    used or left with the customer, the expenses of its signed report."""
    tz = order.organisation.time_zone
    cover = _Cover(order.organisation_id, order.equipment_id, Q(verification__work_order=order))
    kind_name = order.work_type.name if order.work_type else _("Labour")
    lines: list[Line] = []
    entries = TimeEntry.objects.filter(work_order=order).select_related("user").order_by("starts_at", "pk")
    for e in entries:
        what = f"{kind_name} · {e.get_kind_display()} · {e.user}"
        lines.append(
            Line(f"time_entry:{e.pk}", VerifiedLineKind.LABOUR, what, e.day, hours_of(e.minutes), "h", e.minutes)
        )
        lines[-1].billable, lines[-1].work_type_id, lines[-1].work_type = e.billable, order.work_type_id, kind_name
    day = _work_day(order, tz)
    used = Material.objects.filter(work_order=order, use__in=(MaterialUse.USED, MaterialUse.LEFT)).order_by("pk")
    for m in used:
        line = Line(f"material:{m.pk}", VerifiedLineKind.PART, m.description, day, m.quantity, m.unit, item_code=m.code)
        line.billable = m.billable
        lines.append(line)
    spent = Expense.objects.filter(report__work_order=order, report__status=ReportStatus.SIGNED).order_by("pk")
    for x in spent.select_related("report"):
        what = f"{x.get_kind_display()}{' · ' + x.description if x.description else ''}"
        lines.append(Line(f"expense:{x.pk}", VerifiedLineKind.EXPENSE, what, day, Decimal(1), unit_price=x.amount))
    lines = [_covered(line, cover) for line in lines]
    return Proposal(lines, cover.first() or cover.on(day), included=cover.before)


def propose_for_call(ticket: Ticket) -> Proposal:
    """The lines of a resolved call as recorded: its charges (call time, parts, fees)."""
    tz = ticket.organisation.time_zone
    cover = _Cover(ticket.organisation_id, ticket.equipment_id, Q(verification__ticket=ticket))
    lines: list[Line] = []
    for c in Charge.objects.filter(ticket=ticket).order_by("created_at", "pk"):
        day = clock.day_of(c.created_at, tz)
        if c.kind == ChargeKind.TIME:
            minutes = c.minutes or 0
            line = Line(
                f"charge:{c.pk}", VerifiedLineKind.CALL_TIME, c.description, day, hours_of(minutes), "h", minutes
            )
        else:
            kind = VerifiedLineKind.PART if c.kind == ChargeKind.PART else VerifiedLineKind.EXPENSE
            line = Line(f"charge:{c.pk}", kind, c.description, day, c.quantity)
        line.unit_price, line.billable = c.unit_price, c.billable
        lines.append(_covered(line, cover))
    return Proposal(lines, cover.first() or cover.on(call_day(ticket, tz)), included=cover.before)


def _as_line(v: VerifiedLine) -> Line:
    key = f"{v.source_kind}:{v.source_id}" if v.source_id is not None else f"added:{v.pk}"
    line = Line(key, v.kind, v.description, v.day, v.quantity, v.unit, v.minutes, v.unit_price, v.covered)
    line.billable, line.work_type_id, line.item_code = v.billable, v.work_type_id, v.item_code
    line.work_type = v.work_type.name if v.work_type else ""
    line.dropped, line.reason, line.recorded = v.dropped, v.reason, v.recorded
    return line


def verified(verification: Verification) -> Proposal:
    """A verification's lines as the admin verified them (with what was recorded where they differ)."""
    rows = VerifiedLine.objects.filter(verification=verification).select_related("work_type").order_by("pk")
    return Proposal([_as_line(v) for v in rows], verification.contract, verification)


def verification_of(*, work_order: WorkOrder | None = None, ticket: Ticket | None = None) -> Verification | None:
    qs = Verification.objects.select_related("verified_by", "contract")
    if work_order is not None:
        return qs.filter(work_order=work_order).first()
    return qs.filter(ticket=ticket).first()


def screen_of_work_order(order: WorkOrder) -> tuple[Proposal, Proposal | None]:
    """What was recorded, and what was verified (None until it is)."""
    done = verification_of(work_order=order)
    return propose_for_work_order(order), (verified(done) if done else None)


def screen_of_call(ticket: Ticket) -> tuple[Proposal, Proposal | None]:
    done = verification_of(ticket=ticket)
    return propose_for_call(ticket), (verified(done) if done else None)


# ---- The call page's "verified" section -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    verification: Verification
    label: str
    minutes: int


def verified_on_call(ticket: Ticket) -> list[Verified]:
    """The call's verification and its work orders', each with the minutes verified (not dropped)."""
    orders = WorkOrder.objects.filter(ticket=ticket).values("pk")
    found = list(
        Verification.objects.filter(organisation_id=ticket.organisation_id)
        .filter(Q(ticket=ticket) | Q(work_order__in=orders))
        .select_related("verified_by", "work_order", "contract")
        .order_by("verified_at", "pk")
    )
    minutes: dict[int, int] = defaultdict(int)
    rows = VerifiedLine.objects.filter(verification__in=found, kind__in=TIMED, dropped=False)
    for vid, m in rows.values_list("verification_id", "minutes"):
        minutes[vid] += m or 0
    return [
        Verified(v, v.work_order.number if v.work_order else ticket.number, minutes[v.pk])
        for v in found  # the call first, then its work orders, by when they were verified
    ]
