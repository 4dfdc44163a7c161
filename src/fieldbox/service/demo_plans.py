"""Demo maintenance plan for the after-sales workshop: a customer's yearly plan (boiler and the other equipment at
its sites, each in this month and six months later) that generated this month's work orders, waiting "to plan".
Through the services, as the office's clicks would, on the day the demo is loaded."""

from __future__ import annotations

from django.db.models import QuerySet

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Membership, Organisation
from fieldbox.accounts.selectors import scope_for
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.service.models import Equipment, WorkType
from fieldbox.service.models.plans import MaintenancePlan
from fieldbox.service.services import plans as services

PLAN_NAME = "Manutenzione programmata"
WORK_TYPE = "Manutenzione ordinaria"
AT_MOST = 3  # pieces of equipment in the plan


def reset(companies: QuerySet[Organisation]) -> None:
    """Before the customers go (a plan keeps its customer): the plans, their lines and visits."""
    MaintenancePlan.objects.filter(organisation__in=companies).delete()


def _office(company: Organisation) -> Scope:
    """Someone of the company who plans work (the office rather than an admin)."""
    people = list(
        Membership.objects.filter(organisation=company, role__in=sorted(services.PLANNERS))
        .select_related("user")
        .order_by("pk")
    )
    assert people, "the demo company has someone in the office"
    chosen = next((m for m in people if m.role == Role.OFFICE), people[0])
    scope = scope_for(chosen.user, company.pk)
    assert scope is not None
    return scope


def demo_plan(company: Organisation) -> MaintenancePlan:
    """A plan for the customer with the most equipment at a site, for this year, that generated this month's work
    orders (called after the customers, their equipment and the types of work are loaded)."""
    office = _office(company)
    today = clock.today(company.time_zone)
    places = list(Equipment.objects.filter(organisation=company, parent=None).order_by("pk"))
    assert places, "the demo company's customers have equipment"
    customer_id = max({p.customer_id for p in places}, key=lambda c: sum(p.customer_id == c for p in places))
    work_type = WorkType.objects.filter(organisation=company, active=True).order_by("-name", "pk")
    chosen = work_type.filter(name=WORK_TYPE).first() or work_type.first()
    plan = services.plan_create(
        scope=office, customer_id=customer_id, name=f"{PLAN_NAME} {today.year}", year=today.year
    )
    later = (today.month + 5) % 12 + 1
    for place in [p for p in places if p.customer_id == customer_id][:AT_MOST]:
        services.plan_line_add(
            scope=office,
            plan_id=plan.pk,
            equipment_id=place.pk,
            work_type_id=chosen.pk if chosen else None,
            months=[today.month, later],
        )
    services.plan_generate(scope=office, month=today, customer_ids=[customer_id])
    return plan
