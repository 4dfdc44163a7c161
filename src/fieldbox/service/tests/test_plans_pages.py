"""Maintenance plans on the office's pages and in the API: a plan made, its equipment added month by month, the
grid showing the work orders generated, the generation form telling what it made and what already existed."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.service.models import WorkOrder
from fieldbox.service.models.plans import MaintenancePlan, PlanLine
from fieldbox.service.services import plans as services
from fieldbox.service.tests.test_plans import DEC, Shop, a_plan, make_shop
from fieldbox.service.tests.test_work_order_api import PROBLEM, Api

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 4, 10, tzinfo=ZoneInfo("Europe/Rome"))


@pytest.fixture
def shop(tenant) -> Shop:
    return make_shop(tenant.company)


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    return response.content.decode()


def test_the_office_makes_a_plan_adds_equipment_and_generates_this_months_work_orders(shop):
    office = signed_in(shop.office)
    assert "Maintenance plans" in text(office.get(reverse("service:plans")))
    found = office.get(reverse("service:plan_new"), {"q": "Aurora"})
    assert "Condominio Aurora" in text(found)
    made = office.post(
        reverse("service:plan_new"),
        {"customer": shop.aurora.pk, "name": "Manutenzione 2026", "year": 2026, "active": "on"},
    )
    plan = MaintenancePlan.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse("service:plan", args=[plan.pk])
    added = office.post(
        reverse("service:plan_line_add", args=[plan.pk]),
        {"equipment_id": shop.boiler.pk, "work_type_id": shop.service.pk, "months": ["6", "12"]},
    )
    assert added.status_code == 302
    page = text(office.get(reverse("service:plan", args=[plan.pk])))
    assert "Caldaia centrale" in page and "Manutenzione ordinaria" in page and page.count('class="due"') == 2

    result = office.post(reverse("service:plans_generate"), {"month": "2026-12", "every_customer": "on"}, follow=True)
    assert "1 work order made, 0 already existed." in text(result)
    order = WorkOrder.objects.get()
    page = text(office.get(reverse("service:plan", args=[plan.pk])))
    assert order.number in page and reverse("service:work_order", args=[order.pk]) in page

    again = office.post(
        reverse("service:plans_generate"), {"month": "2026-12", "customers": [shop.aurora.pk]}, follow=True
    )
    assert "0 work orders made, 1 already existed." in text(again)
    assert "Nothing new: this month was already generated." in text(again)
    assert WorkOrder.objects.count() == 1


def test_the_forms_refuse_bad_months_equipment_of_another_customer_and_no_customer_chosen(shop):
    office = signed_in(shop.office)
    plan = a_plan(shop)
    no_month = office.post(
        reverse("service:plan_line_add", args=[plan.pk]), {"equipment_id": shop.boiler.pk, "months": []}
    )
    assert no_month.status_code == 400 and "Choose at least one month." in text(no_month)
    wrong = office.post(
        reverse("service:plan_line_add", args=[plan.pk]), {"equipment_id": shop.other_boiler.pk, "months": ["1"]}
    )
    assert wrong.status_code == 400 and not PlanLine.objects.exists()
    nobody = office.post(reverse("service:plans_generate"), {"month": "2026-12"})
    assert nobody.status_code == 400 and "Choose at least one customer, or all." in text(nobody)
    bad_month = office.post(reverse("service:plans_generate"), {"month": "2026-13", "every_customer": "on"})
    assert bad_month.status_code == 400 and "Give the month as YYYY-MM." in text(bad_month)
    assert not WorkOrder.objects.exists()


def test_a_technician_has_no_plan_pages_and_another_organisations_plan_is_not_found(shop, other_tenant):
    plan = a_plan(shop)
    assert signed_in(shop.technician).get(reverse("service:plans")).status_code == 403
    theirs = make_shop(other_tenant.company)
    outsider = signed_in(theirs.office)
    assert outsider.get(reverse("service:plan", args=[plan.pk])).status_code == 404
    assert "Maintenance plans" not in text(signed_in(shop.technician).get(reverse("service:field_day")))


def test_the_api_creates_a_plan_adds_lines_generates_and_tells_a_second_run_made_nothing(shop, other_tenant):
    api = Api(shop.office, shop.aurora.organisation)
    made = api.post("/plans", {"customer_id": shop.aurora.pk, "name": "Piano", "year": 2026})
    assert made.status_code == 201, made.content
    plan_id = made.json()["id"]
    bad = api.post(f"/plans/{plan_id}/lines", {"equipment_id": shop.boiler.pk, "months": [0, 13]})
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert {e["field"] for e in bad.json()["errors"]} == {"months"}
    other = api.post(f"/plans/{plan_id}/lines", {"equipment_id": shop.other_boiler.pk, "months": [12]})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "equipment_id"
    theirs = make_shop(other_tenant.company)
    foreign = api.post(
        f"/plans/{plan_id}/lines", {"equipment_id": shop.boiler.pk, "work_type_id": theirs.service.pk, "months": [12]}
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "work_type_id"
    added = api.post(
        f"/plans/{plan_id}/lines", {"equipment_id": shop.boiler.pk, "work_type_id": shop.service.pk, "months": [12, 6]}
    )
    assert added.status_code == 201 and added.json()["months"] == [6, 12]

    first = api.post("/plans/generate", {"month": "2026-12-01", "customer_ids": [shop.aurora.pk]})
    assert first.status_code == 200 and first.json()["made"] == 1 and first.json()["existing"] == 0
    second = api.post("/plans/generate", {"month": "2026-12-15"})
    assert second.json() == {"made": 0, "existing": 1, "work_order_ids": []}
    detail = api.get(f"/plans/{plan_id}").json()
    assert detail["visits"][0]["work_order_id"] == first.json()["work_order_ids"][0]
    assert api.call("patch", f"/plans/{plan_id}", {"active": False}).json()["active"] is False
    assert [p["id"] for p in api.get("/plans", year=2026).json()["items"]] == [plan_id]

    outsider = Api(theirs.office, theirs.aurora.organisation)
    assert outsider.get(f"/plans/{plan_id}").status_code == 404
    assert outsider.call("delete", f"/plan-lines/{added.json()['id']}").status_code == 404
    assert api.call("delete", f"/plan-lines/{added.json()['id']}").status_code == 204
    assert WorkOrder.objects.count() == 1


def test_the_demo_plan_generated_this_months_work_orders(shop):
    from fieldbox.service.demo_plans import demo_plan

    plan = demo_plan(shop.aurora.organisation)
    assert plan.lines.exists()
    assert WorkOrder.objects.filter(plan_visit__line__plan=plan, plan_visit__due_on=DEC).exists()
    assert services.plan_generate(scope=shop.scope(), month=date(2026, 12, 1)).made == 0  # already there
