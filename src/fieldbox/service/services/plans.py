"""Maintenance plans (Appsistance "programmazione"): a customer's plan for a year, its lines (equipment, type of
work, months), a plan taken from a contract, and the generation of the work orders due in a month for one customer,
several or all.

Never twice. A generation first inserts the visits it means to make (plan line, due date) with
``INSERT … ON CONFLICT DO NOTHING RETURNING``, under the unique constraint ``planvisit_line_date_once``; it makes a
work order only for the rows it inserted itself. A second run (by hand, by the scheduler) finds the rows there; a run
at the same moment waits on the first one's rows and, once it commits, skips them. Work orders land in "to plan"
through the work-order table's ``create`` (``SYSTEM`` for the scheduler), in sets: one query per step whatever the
number of lines (numbers are taken in one block, rows and audit rows in multi-row inserts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, clock, numbering, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer
from fieldbox.messaging import events
from fieldbox.service.choices import WORK_ORDER_TABLE, ContractStatus, numbered
from fieldbox.service.models import Equipment, WorkOrder, WorkType
from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.models.plans import MaintenancePlan, PlanLine, PlanVisit

PLANNERS = WORK_PLANNERS
FIRST_YEAR, LAST_YEAR = 2000, 2100
BATCH = 200  # visits per INSERT (4 parameters each: within SQLite's limit)
# The contracts whose covered equipment makes a plan.
PLANNABLE_CONTRACTS = (ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.RENEWED)

audit.label_actions(
    {
        "plan.create": gettext_lazy("Maintenance plan created"),
        "plan.edit": gettext_lazy("Maintenance plan changed"),
        "plan.line_add": gettext_lazy("Equipment added to the plan"),
        "plan.line_edit": gettext_lazy("Plan line changed"),
        "plan.line_remove": gettext_lazy("Equipment taken off the plan"),
        "plan.generate": gettext_lazy("Work orders generated from the plans"),
    }
)


# ---- Checks -------------------------------------------------------------------------------------------------


def parse_months(value: str | Iterable[int] | None) -> str:
    """Months as stored, "1,4,7,10": ascending, each once, 1 to 12; otherwise a ``ValidationError`` on ``months``."""
    parts = value.replace(";", ",").replace(" ", ",").split(",") if isinstance(value, str) else list(value or [])
    words = [str(p).strip() for p in parts if str(p).strip()]
    if not words:
        raise ValidationError({"months": _("Choose at least one month.")})
    if not all(w.isdigit() and 1 <= int(w) <= 12 for w in words):
        raise ValidationError({"months": _("Months are numbers from 1 to 12, e.g. 1,4,7,10.")})
    return ",".join(str(m) for m in sorted({int(w) for w in words}))


def _year(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError({"year": _("A year between %(a)s and %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR}})
    return value


def _customer(scope: Scope, pk: int | None) -> Customer:
    found = Customer.objects.visible_to(scope).filter(pk=pk or 0).first()
    if found is None:
        raise ValidationError({"customer_id": _("Choose one of your customers.")})
    return found


def _contract(scope: Scope, pk: int | None, customer_id: int) -> Contract | None:
    if not pk:
        return None
    found = Contract.objects.visible_to(scope).filter(pk=pk, customer_id=customer_id).first()
    if found is None:
        raise ValidationError({"contract_id": _("Choose a contract of this customer.")})
    return found


def _equipment(scope: Scope, pk: int | None, customer_id: int) -> Equipment:
    found = Equipment.objects.visible_to(scope).filter(pk=pk or 0, customer_id=customer_id).first()
    if found is None:
        raise ValidationError({"equipment_id": _("Choose equipment of this plan's customer.")})
    return found


def _work_type(scope: Scope, pk: int | None) -> WorkType | None:
    if not pk:
        return None
    found = WorkType.objects.visible_to(scope).filter(pk=pk, active=True).first()
    if found is None:
        raise ValidationError({"work_type_id": _("Choose one of your types of work.")})
    return found


def _locked_plan(scope: Scope, pk: int) -> MaintenancePlan:
    return MaintenancePlan.objects.visible_to(scope).select_for_update().get(pk=pk)


def _audit(scope: Scope, obj: Any, action: str, data: dict[str, Any]) -> None:
    audit.record(actor=scope.user, organisation=scope.organisation, obj=obj, action=action, data=data)


# ---- Plans and their lines ------------------------------------------------------------------------------------


def plan_create(
    *,
    scope: Scope,
    customer_id: int,
    name: str,
    year: int,
    contract_id: int | None = None,
    active: bool = True,
    notes: str = "",
) -> MaintenancePlan:
    """A customer's maintenance plan for a year (optionally the plan of one of their contracts), without lines."""
    scope.require_role(*PLANNERS)
    words = typed_text(name, "name", 200, required=True, lines=False)
    remarks = typed_text(notes, "notes", 5000)
    with transitions.atomic():
        customer = _customer(scope, customer_id)
        plan = MaintenancePlan.objects.create(
            organisation=scope.organisation,
            customer=customer,
            contract=_contract(scope, contract_id, customer.pk),
            name=words,
            year=_year(year),
            active=bool(active),
            notes=remarks,
        )
        _audit(scope, plan, "plan.create", {"customer": str(customer), "year": plan.year})
    return plan


def plan_edit(
    *,
    scope: Scope,
    plan_id: int,
    name: str,
    year: int,
    active: bool,
    notes: str = "",
    contract_id: int | None = None,
) -> MaintenancePlan:
    """Change a plan's name, year, contract, notes, or whether it generates work orders (``active``). Visits already
    generated stay."""
    scope.require_role(*PLANNERS)
    words = typed_text(name, "name", 200, required=True, lines=False)
    remarks = typed_text(notes, "notes", 5000)
    with transitions.atomic():
        plan = _locked_plan(scope, plan_id)
        plan.name, plan.year, plan.active, plan.notes = words, _year(year), bool(active), remarks
        plan.contract = _contract(scope, contract_id, plan.customer_id)
        plan.changed_at = timezone.now()
        plan.save(update_fields=["name", "year", "active", "notes", "contract", "changed_at"])
        _audit(scope, plan, "plan.edit", {"year": plan.year, "active": plan.active})
    return plan


def plan_line_add(
    *, scope: Scope, plan_id: int, equipment_id: int, months: str | Iterable[int], work_type_id: int | None = None
) -> PlanLine:
    """A piece of the plan's customer's equipment, the type of work it gets and in which months."""
    scope.require_role(*PLANNERS)
    with transitions.atomic():
        plan = _locked_plan(scope, plan_id)
        errors: dict[str, Any] = {}
        checks: dict[str, Callable[[], Any]] = {
            "equipment": lambda: _equipment(scope, equipment_id, plan.customer_id),
            "work_type": lambda: _work_type(scope, work_type_id),
            "months": lambda: parse_months(months),
        }
        found: dict[str, Any] = {}
        for name, check in checks.items():
            try:
                found[name] = check()
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        line = PlanLine.objects.create(plan=plan, **found)
        data = {"equipment": str(found["equipment"]), "months": line.months}
        _audit(scope, plan, "plan.line_add", data)
    return line


def plan_line_edit(
    *, scope: Scope, line_id: int, months: str | Iterable[int], work_type_id: int | None = None
) -> PlanLine:
    """Change a line's months or type of work (what was generated stays)."""
    scope.require_role(*PLANNERS)
    with transitions.atomic():
        line = _line(scope, line_id)
        line.months = parse_months(months)
        line.work_type = _work_type(scope, work_type_id)
        line.save(update_fields=["months", "work_type"])
        _audit(scope, line.plan, "plan.line_edit", {"line": line.pk, "months": line.months})
    return line


def plan_line_remove(*, scope: Scope, line_id: int) -> None:
    """Take a piece of equipment off the plan; the work orders it generated stay."""
    scope.require_role(*PLANNERS)
    with transitions.atomic():
        line = _line(scope, line_id)
        plan = line.plan
        _audit(scope, plan, "plan.line_remove", {"equipment": str(line.equipment), "months": line.months})
        line.delete()


def _line(scope: Scope, pk: int) -> PlanLine:
    plans = MaintenancePlan.objects.visible_to(scope)
    line = PlanLine.objects.select_related("plan", "equipment").filter(plan__in=plans).get(pk=pk)
    MaintenancePlan.objects.select_for_update().filter(pk=line.plan_id).first()  # one change of a plan at a time
    return line


def plan_from_contract(*, scope: Scope, contract_id: int, year: int, name: str = "") -> MaintenancePlan:
    """A plan for the contract's customer and year with a line for each piece of equipment the contract covers in
    some months (its months and type of work)."""
    scope.require_role(*PLANNERS)
    with transitions.atomic():
        contract = Contract.objects.visible_to(scope).filter(pk=contract_id, status__in=PLANNABLE_CONTRACTS).first()
        if contract is None:
            raise ValidationError({"contract_id": _("Choose one of your contracts in force or in draft.")})
        covered = list(ContractEquipment.objects.filter(contract=contract).exclude(months="").order_by("pk"))
        if not covered:
            raise ValidationError({"contract_id": _("This contract plans no work in any month.")})
        plan = plan_create(
            scope=scope,
            customer_id=contract.customer_id,
            contract_id=contract.pk,
            name=name or _("Plan of contract %(number)s") % {"number": contract.number},
            year=year,
        )
        lines = [
            PlanLine(plan=plan, equipment_id=c.equipment_id, work_type_id=c.work_type_id, months=parse_months(c.months))
            for c in covered
        ]
        PlanLine.objects.bulk_create(lines)
        _audit(scope, plan, "plan.line_add", {"contract": contract.number, "lines": len(lines)})
    return plan


# ---- Generating the work orders -------------------------------------------------------------------------------


@dataclass
class Generated:
    """What a generation did: the work orders it made, and how many of the month's visits already had theirs."""

    made: int = 0
    existing: int = 0
    work_order_ids: list[int] = field(default_factory=list)

    def add(self, other: Generated) -> None:
        self.made += other.made
        self.existing += other.existing
        self.work_order_ids += other.work_order_ids


def first_of(month: date) -> date:
    return date(month.year, month.month, 1)


def plan_generate(*, scope: Scope, month: date, customer_ids: list[int] | None = None) -> Generated:
    """Generate the work orders due in ``month`` from the active plans of the chosen customers (``None``: all), each
    in "to plan"; a plan line and month already generated is counted in ``existing``, never made again."""
    scope.require_role(*PLANNERS)
    WORK_ORDER_TABLE.require("create", scope)
    if not isinstance(month, date):
        raise ValidationError({"month": _("Give the month.")})
    chosen = None
    if customer_ids is not None:
        chosen = sorted(set(customer_ids))
        if not chosen:
            raise ValidationError({"customer_ids": _("Choose at least one customer, or all.")})
        mine = Customer.objects.visible_to(scope).filter(pk__in=chosen).count()
        if mine != len(chosen):
            raise ValidationError({"customer_ids": _("Choose among your customers.")})
    with transitions.atomic():
        done = _generate(scope.organisation, first_of(month), chosen, scope=scope)
    return done


def plans_generate_due(*, month: date | None = None) -> Generated:
    """The scheduler's generation (no person, ``SYSTEM``): the work orders due in ``month`` (``None``: each
    organisation's coming month, on its own clock) for every customer of every organisation with an active plan.
    Idempotent: run it as often as wanted."""
    total = Generated()
    years = [month.year] if month else [clock.today().year - 1, clock.today().year, clock.today().year + 1]
    org_ids = MaintenancePlan.objects.filter(active=True, year__in=years).values("organisation_id")
    for organisation in Organisation.objects.filter(pk__in=org_ids, is_active=True).order_by("pk"):
        due = first_of(month) if month else coming_month(clock.today(organisation.time_zone))
        with transitions.atomic():
            total.add(_generate(organisation, due, None, scope=None))
    return total


def coming_month(today: date) -> date:
    """The first day of the month after ``today``'s."""
    return date(today.year + 1, 1, 1) if today.month == 12 else date(today.year, today.month + 1, 1)


def _due_lines(organisation_id: int, due: date, customer_ids: list[int] | None) -> list[dict[str, Any]]:
    """The lines of the active plans of that year due in that month (one query), for equipment still the
    customer's."""
    lines = PlanLine.objects.filter(
        plan__organisation_id=organisation_id,
        plan__active=True,
        plan__year=due.year,
        equipment__customer_id=F("plan__customer_id"),
    ).annotate(padded=Concat(Value(","), "months", Value(","), output_field=CharField()))
    lines = lines.filter(padded__contains=f",{due.month},")
    if customer_ids is not None:
        lines = lines.filter(plan__customer_id__in=customer_ids)
    rows: Any = lines.order_by("plan__customer_id", "pk").values(
        "pk",
        "plan_id",
        "plan__name",
        "plan__customer_id",
        "equipment_id",
        "equipment__name",
        "equipment__site_id",
        "work_type_id",
        "work_type__name",
        "work_type__minutes",
    )
    return list(rows)


def _claim(organisation_id: int, due: date, line_ids: list[int]) -> dict[int, int]:
    """Insert the visits (line, due date) not there yet; {line id: visit id} of the rows this call inserted (a row
    another run holds or made is skipped, after waiting for it to commit)."""
    table = PlanVisit._meta.db_table
    ops = connection.ops
    day, now = ops.adapt_datefield_value(due), ops.adapt_datetimefield_value(timezone.now())
    claimed: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(line_ids), BATCH):
            chunk = line_ids[start : start + BATCH]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for line_id in chunk:
                params += [organisation_id, line_id, day, now]
            cursor.execute(
                f"INSERT INTO {table} (organisation_id, line_id, due_on, created_at) VALUES {rows} "  # noqa: S608
                "ON CONFLICT (line_id, due_on) DO NOTHING RETURNING id, line_id",
                params,
            )
            claimed.update({line: visit for visit, line in cursor.fetchall()})
    return claimed


def _generate(
    organisation: Organisation, due: date, customer_ids: list[int] | None, *, scope: Scope | None
) -> Generated:
    lines = _due_lines(organisation.pk, due, customer_ids)
    if not lines:
        return Generated()
    claimed = _claim(organisation.pk, due, [row["pk"] for row in lines])
    todo = [row for row in lines if row["pk"] in claimed]
    result = Generated(made=len(todo), existing=len(lines) - len(todo))
    if not todo:
        return result
    first = numbering.take(f"service.intervention:{organisation.pk}", len(todo))  # the work orders' series
    with translation.override(organisation.language):
        orders = [_order(organisation.pk, row, due, numbered("I", first + i)) for i, row in enumerate(todo)]
    by_order = {id(o): row for o, row in zip(orders, todo, strict=True)}

    def data(order: WorkOrder) -> dict[str, Any]:
        row = by_order[id(order)]
        return {"plan": row["plan__name"], "plan_line": row["pk"], "due_on": due.isoformat()}

    saved = WORK_ORDER_TABLE.create_many(orders, "create", scope=scope, data=data)
    visits = [PlanVisit(pk=claimed[by_order[id(o)]["pk"]], work_order_id=o.pk) for o in saved]
    PlanVisit.objects.bulk_update(visits, ["work_order"], batch_size=500)
    _tell(organisation, saved, due)
    result.work_order_ids = [o.pk for o in saved]
    audit.record(
        actor=scope.user if scope else None,
        organisation=organisation,
        obj=organisation,
        action="plan.generate",
        data={"month": due.isoformat(), "made": result.made, "existing": result.existing},
    )
    return result


def _order(organisation_id: int, row: dict[str, Any], due: date, number: str) -> WorkOrder:
    what = row["work_type__name"] or _("Planned maintenance")
    words = _("%(work)s: %(equipment)s (plan “%(plan)s”, %(month)s)") % {
        "work": what,
        "equipment": row["equipment__name"],
        "plan": row["plan__name"],
        "month": f"{due:%m/%Y}",
    }
    return WorkOrder(
        organisation_id=organisation_id,
        number=number,
        customer_id=row["plan__customer_id"],
        site_id=row["equipment__site_id"],
        equipment_id=row["equipment_id"],
        work_type_id=row["work_type_id"],
        description=words,
        minutes=row["work_type__minutes"] or 60,
    )


def _tell(organisation: Organisation, orders: list[WorkOrder], due: date) -> None:
    """The webhooks of the work orders made (the table's bulk creation calls no hook): the same event as one made by
    hand, keyed by the work order (outbox rows only where someone listens)."""
    for order in orders:
        data = {
            "work_order_id": order.pk,
            "number": order.number,
            "ticket_id": None,
            "technician_id": None,
            "starts_at": None,
            "minutes": order.minutes,
            "from": "",
            "to": order.status,
            "action": "create",
            "due_on": due.isoformat(),
        }
        events.emit("work_order.created", organisation=organisation, key=f"work_order:{order.pk}:planned", data=data)
