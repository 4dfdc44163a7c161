"""Reading maintenance plans: the organisation's plans, one plan as a grid of its equipment by the twelve months
with the visits generated, and the customers that have plans (for the generation form)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.models.plans import MaintenancePlan, PlanLine, PlanVisit

PLAN_READERS = tuple(sorted(WORK_PLANNERS))
MONTHS = tuple(range(1, 13))


def plans_for(scope: Scope) -> QuerySet[MaintenancePlan]:
    return (
        MaintenancePlan.objects.visible_to(scope)
        .select_related("customer", "contract")
        .annotate(line_count=Count("lines"))
    )


def plans_filtered(
    scope: Scope, *, year: int | None = None, customer_id: int | None = None
) -> QuerySet[MaintenancePlan]:
    qs = plans_for(scope)
    if year:
        qs = qs.filter(year=year)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def plan_for(scope: Scope, pk: int) -> MaintenancePlan:
    """One of the organisation's plans (404 for another's, as for one that does not exist)."""
    found = MaintenancePlan.objects.visible_to(scope).select_related("customer", "contract").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def line_for(scope: Scope, pk: int) -> PlanLine:
    found = PlanLine.objects.filter(plan__in=MaintenancePlan.objects.visible_to(scope), pk=pk).first()
    if found is None:
        raise Http404
    return found


def lines_of(plan: MaintenancePlan) -> list[PlanLine]:
    return list(plan.lines.select_related("equipment", "work_type").order_by("equipment__name", "pk"))


@dataclass
class Cell:
    month: int
    due: bool
    visit: PlanVisit | None = None


@dataclass
class GridRow:
    line: PlanLine
    cells: list[Cell] = field(default_factory=list)


def grid_of(plan: MaintenancePlan) -> list[GridRow]:
    """The plan's lines by the twelve months: whether each month is due, and the visit generated there with its work
    order (two queries whatever the size)."""
    lines = lines_of(plan)
    visits = PlanVisit.objects.filter(line__plan=plan, due_on__year=plan.year).select_related("work_order")
    by_cell = {(v.line_id, v.due_on.month): v for v in visits}
    return [
        GridRow(
            line=line,
            cells=[Cell(m, m in line.month_numbers, by_cell.get((line.pk, m))) for m in MONTHS],
        )
        for line in lines
    ]


def visits_of(plan: MaintenancePlan) -> list[dict[str, Any]]:
    """The visits generated from the plan, as the API gives them."""
    return list(
        PlanVisit.objects.filter(line__plan=plan)
        .order_by("due_on", "line_id")
        .values("id", "line_id", "due_on", "work_order_id", "work_order__number", "work_order__status")
    )


def customers_with_plans(scope: Scope, year: int | None = None) -> QuerySet[Customer]:
    """The customers with an active plan (that year), for choosing whom to generate for."""
    plans = MaintenancePlan.objects.visible_to(scope).filter(active=True)
    if year:
        plans = plans.filter(year=year)
    return Customer.objects.visible_to(scope).filter(pk__in=plans.values("customer_id")).order_by("pk")


def contracts_of(scope: Scope, customer_id: int) -> list[tuple[int, str]]:
    """The customer's contracts a plan may belong to, as choices."""
    from fieldbox.service.models.contracts import Contract

    rows = Contract.objects.visible_to(scope).filter(customer_id=customer_id).order_by("-starts_on", "-pk")
    return [(c.pk, f"{c.number} · {c.starts_on:%d/%m/%Y} - {c.ends_on:%d/%m/%Y}") for c in rows[:50]]
