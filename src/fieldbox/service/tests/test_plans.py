"""Maintenance plans: a customer's equipment by month and type of work; the work orders due in a month generated
for one customer, several or all, landing "to plan" — never twice for a plan line and date, by hand, by the
scheduler or twice at once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import WorkOrderStatus
from fieldbox.service.models import Equipment, WorkOrder, WorkType
from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.models.plans import MaintenancePlan, PlanLine, PlanVisit
from fieldbox.service.services import plans as services
from fieldbox.service.tasks import generate_plan_work_orders

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
DEC = date(2026, 12, 1)


@dataclass
class Shop:
    office: User
    technician: User
    aurora: Customer
    borgo: Customer
    boiler: Equipment
    chiller: Equipment
    other_boiler: Equipment
    service: WorkType

    def scope(self, user: User | None = None):
        return scope_of(user or self.office, self.aurora.organisation)


def make_shop(org) -> Shop:
    aurora = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    borgo = Customer.objects.create(organisation=org, kind="company", company_name="Hotel Borgo")
    site = CustomerAddress.objects.create(customer=aurora, kind="plant", street="Via Roma 1", city="Bologna")
    service = WorkType.objects.create(organisation=org, name="Manutenzione ordinaria", minutes=90)
    return Shop(
        office=member(org, Role.OFFICE, email=f"ufficio@{org.pk}.example"),
        technician=member(org, Role.TECHNICIAN, email=f"tecnico@{org.pk}.example"),
        aurora=aurora,
        borgo=borgo,
        boiler=Equipment.objects.create(organisation=org, customer=aurora, site=site, name="Caldaia centrale"),
        chiller=Equipment.objects.create(organisation=org, customer=aurora, site=site, name="Gruppo frigo"),
        other_boiler=Equipment.objects.create(organisation=org, customer=borgo, name="Caldaia hotel"),
        service=service,
    )


@pytest.fixture
def shop(tenant) -> Shop:
    return make_shop(tenant.company)


def a_plan(shop: Shop, customer: Customer | None = None, *, year: int = 2026) -> MaintenancePlan:
    customer = customer or shop.aurora
    return services.plan_create(scope=shop.scope(), customer_id=customer.pk, name=f"Piano {customer}", year=year)


def line(shop: Shop, plan: MaintenancePlan, equipment: Equipment, months: str = "3,6,9,12") -> PlanLine:
    return services.plan_line_add(
        scope=shop.scope(), plan_id=plan.pk, equipment_id=equipment.pk, work_type_id=shop.service.pk, months=months
    )


def test_generating_a_month_makes_its_work_orders_to_plan_with_the_type_of_work_and_again_makes_nothing(shop):
    plan = a_plan(shop)
    line(shop, plan, shop.boiler, "12")
    line(shop, plan, shop.chiller, "6")  # not due in December
    made = services.plan_generate(scope=shop.scope(), month=date(2026, 12, 15), customer_ids=None)
    assert (made.made, made.existing) == (1, 0)
    order = WorkOrder.objects.get()
    assert order.status == WorkOrderStatus.TO_PLAN
    assert (order.customer, order.equipment, order.work_type) == (shop.aurora, shop.boiler, shop.service)
    assert order.site == shop.boiler.site and order.minutes == 90
    assert "Caldaia centrale" in order.description and order.number.startswith("I")
    assert PlanVisit.objects.get().work_order == order and PlanVisit.objects.get().due_on == DEC
    assert AuditEvent.objects.filter(action="work_order.create", object_id=str(order.pk)).exists()

    again = services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=None)
    assert (again.made, again.existing) == (0, 1)
    assert WorkOrder.objects.count() == 1


def test_the_scheduler_after_a_generation_by_hand_makes_nothing_new_and_is_idempotent(shop):
    plan = a_plan(shop)
    line(shop, plan, shop.boiler, "1,12")
    services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=[shop.aurora.pk])
    assert services.plans_generate_due(month=DEC).made == 0
    with time_machine.travel(datetime(2026, 12, 20, 3, tzinfo=ROME), tick=False):
        first = generate_plan_work_orders()  # the coming month: January 2027 (the plan is for 2026: nothing)
        assert first == {"made": 0, "existing": 0}
    services.plan_edit(scope=shop.scope(), plan_id=plan.pk, name=plan.name, year=2027, active=True)
    with time_machine.travel(datetime(2026, 12, 20, 3, tzinfo=ROME), tick=False):
        assert generate_plan_work_orders() == {"made": 1, "existing": 0}
        assert generate_plan_work_orders() == {"made": 0, "existing": 1}
    january = WorkOrder.objects.exclude(pk=PlanVisit.objects.get(due_on=DEC).work_order_id).get()
    assert january.status == WorkOrderStatus.TO_PLAN and january.plan_visit.due_on == date(2027, 1, 1)
    assert AuditEvent.objects.get(action="work_order.create", object_id=str(january.pk)).actor is None  # SYSTEM


def test_one_customer_several_or_all(shop):
    for customer, equipment in ((shop.aurora, shop.boiler), (shop.borgo, shop.other_boiler)):
        line(shop, a_plan(shop, customer), equipment, "12")
    one = services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=[shop.borgo.pk])
    assert one.made == 1 and WorkOrder.objects.get().customer == shop.borgo
    both = services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=[shop.aurora.pk, shop.borgo.pk])
    assert (both.made, both.existing) == (1, 1)
    assert services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=None).made == 0
    assert WorkOrder.objects.count() == 2


def test_an_inactive_plan_or_another_year_generates_nothing(shop):
    plan = a_plan(shop, year=2027)
    line(shop, plan, shop.boiler, "12")
    assert services.plan_generate(scope=shop.scope(), month=DEC).made == 0
    services.plan_edit(scope=shop.scope(), plan_id=plan.pk, name="Piano", year=2026, active=False)
    assert services.plan_generate(scope=shop.scope(), month=DEC).made == 0
    assert not WorkOrder.objects.exists() and not PlanVisit.objects.exists()


def test_months_outside_1_to_12_are_refused_and_nothing_is_added(shop):
    plan = a_plan(shop)
    for months in ("0,6", "13", "gennaio", "", "1,,x"):
        with pytest.raises(ValidationError) as refused:
            line(shop, plan, shop.boiler, months)
        assert "months" in refused.value.message_dict
    assert not PlanLine.objects.exists()
    assert line(shop, plan, shop.boiler, " 12, 3,3 ;6").months == "3,6,12"


def test_equipment_of_another_customer_is_refused(shop):
    plan = a_plan(shop)
    with pytest.raises(ValidationError) as refused:
        line(shop, plan, shop.other_boiler)
    assert refused.value.message_dict["equipment_id"] == ["Choose equipment of this plan's customer."]
    assert not PlanLine.objects.exists()


def test_a_type_of_work_of_another_organisation_and_their_customer_are_refused(shop, other_tenant):
    theirs = make_shop(other_tenant.company)
    plan = a_plan(shop)
    with pytest.raises(ValidationError) as refused:
        services.plan_line_add(
            scope=shop.scope(), plan_id=plan.pk, equipment_id=shop.boiler.pk, work_type_id=theirs.service.pk, months="1"
        )
    assert refused.value.message_dict["work_type_id"] == ["Choose one of your types of work."]
    with pytest.raises(ValidationError, match="your customers"):
        a_plan(shop, theirs.aurora)
    with pytest.raises(ValidationError, match="your customers"):
        services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=[theirs.aurora.pk])
    with pytest.raises(MaintenancePlan.DoesNotExist):  # another's plan: as one that does not exist
        services.plan_line_add(scope=shop.scope(), plan_id=a_plan(theirs).pk, equipment_id=shop.boiler.pk, months="1")
    assert not PlanLine.objects.exists() and MaintenancePlan.objects.count() == 2


def test_a_technician_neither_plans_nor_generates(shop):
    with pytest.raises(PermissionDenied):
        services.plan_create(scope=shop.scope(shop.technician), customer_id=shop.aurora.pk, name="X", year=2026)
    with pytest.raises(PermissionDenied):
        services.plan_generate(scope=shop.scope(shop.technician), month=DEC)


def test_a_plan_from_the_contract_takes_its_covered_equipment_and_months(shop):
    contract = Contract.objects.create(
        organisation=shop.aurora.organisation,
        customer=shop.aurora,
        number="C0000001",
        status="active",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        notice_by=date(2026, 12, 1),
    )
    ContractEquipment.objects.create(contract=contract, equipment=shop.boiler, months="6,12", work_type=shop.service)
    ContractEquipment.objects.create(contract=contract, equipment=shop.chiller, months="")  # on call only
    plan = services.plan_from_contract(scope=shop.scope(), contract_id=contract.pk, year=2026)
    assert plan.contract == contract and plan.customer == shop.aurora
    assert [(pl.equipment, pl.months, pl.work_type) for pl in plan.lines.all()] == [(shop.boiler, "6,12", shop.service)]
    assert services.plan_generate(scope=shop.scope(), month=DEC).made == 1


def test_removing_a_line_keeps_its_work_orders(shop):
    plan = a_plan(shop)
    planned = line(shop, plan, shop.boiler, "12")
    services.plan_generate(scope=shop.scope(), month=DEC)
    services.plan_line_remove(scope=shop.scope(), line_id=planned.pk)
    assert WorkOrder.objects.count() == 1 and not PlanLine.objects.exists()


def _queries_for(shop: Shop, lines: int) -> int:
    WorkOrder.objects.all().delete()
    PlanVisit.objects.all().delete()
    MaintenancePlan.objects.all().delete()
    plan = a_plan(shop)
    PlanLine.objects.bulk_create(
        [PlanLine(plan=plan, equipment=shop.boiler, work_type=shop.service, months="12") for _ in range(lines)]
    )
    with CaptureQueriesContext(connection) as seen:
        made = services.plan_generate(scope=shop.scope(), month=DEC)
    assert made.made == lines
    return len(seen.captured_queries)


def test_the_queries_of_a_generation_do_not_grow_with_its_lines(shop):
    _queries_for(shop, 1)  # warm the caches (webhook subscriptions, the content types of the audit rows, …)
    assert _queries_for(shop, 3) == _queries_for(shop, 12)


@pytest.mark.postgres  # two connections at once: SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_make_each_work_order_once(tenant):
    shop = make_shop(tenant.company)
    plan = a_plan(shop)
    for equipment in (shop.boiler, shop.chiller):
        line(shop, plan, equipment, "12")
    ready = threading.Barrier(2, timeout=10)
    results: list[tuple[int, int]] = []
    failures: list[BaseException] = []

    def generate(by_hand: bool) -> None:
        try:
            ready.wait()
            if by_hand:
                done = services.plan_generate(scope=shop.scope(), month=DEC, customer_ids=[shop.aurora.pk])
            else:
                done = services.plans_generate_due(month=DEC)
            results.append((done.made, done.existing))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=generate, args=(hand,)) for hand in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures
    assert sorted(results) == [(0, 2), (2, 0)]
    assert WorkOrder.objects.count() == 2 and PlanVisit.objects.count() == 2
    assert set(PlanVisit.objects.values_list("work_order_id", flat=True)) == set(
        WorkOrder.objects.values_list("pk", flat=True)
    )


def test_equipment_removed_from_the_customers_records_leaves_the_plan_and_its_work_orders_stay(shop):
    from fieldbox.service.services.equipment import equipment_remove

    plan = a_plan(shop)
    line(shop, plan, shop.boiler, "12")
    line(shop, plan, shop.chiller, "12")
    services.plan_generate(scope=shop.scope(), month=DEC)
    equipment_remove(scope=shop.scope(), equipment_id=shop.chiller.pk)
    assert [pl.equipment for pl in plan.lines.all()] == [shop.boiler]
    assert WorkOrder.objects.count() == 2
    assert services.plan_generate(scope=shop.scope(), month=DEC).made == 0
