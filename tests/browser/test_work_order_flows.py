"""The office in the browser: a new work order for a customer, planned with a technician and the van, sent; the
technician accepts it on their phone. Screenshots of the pages at a phone's and a desktop's width go to /tmp."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.models import Resource, WorkOrder
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = ((360, 740), (1280, 800))


def shots(page: Page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"/tmp/work-order-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def test_the_office_plans_and_sends_a_work_order_that_the_technician_accepts(page: Page, live_server):
    org = make_tenant("alpha").company
    office = member(org, Role.OFFICE, email="ufficio@rossi.example", first_name="Anna", last_name="Ufficio")
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    Resource.objects.create(organisation=org, name="Furgone 1", code="FG123AB")
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    CustomerAddress.objects.create(
        customer=customer,
        kind="plant",
        street="Via Roma 1",
        city="Bologna",
        latitude=Decimal("44.494887"),
        longitude=Decimal("11.342616"),
    )

    sign_in(page, live_server.url, office.email)
    page.goto(f"{live_server.url}/desk/work-orders/")
    expect(page.get_by_test_id("no-work-orders")).to_be_visible()
    shots(page, "list-empty")
    page.get_by_test_id("new-work-order").click()
    page.get_by_label("Find the customer").fill("Aurora")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Condominio Aurora").click()
    page.get_by_label("Site").select_option(label="Via Roma 1,  Bologna")
    page.get_by_label("Work to do").fill("Manutenzione caldaia: pulizia bruciatore e controllo fumi.")
    page.get_by_test_id("save-work-order").click()
    expect(page.get_by_test_id("work-order-status")).to_have_text("To plan")
    maps = "https://www.google.com/maps/dir/?api=1&destination=44.494887%2C11.342616"
    expect(page.get_by_test_id("navigate")).to_have_attribute("href", maps)

    page.get_by_test_id("add-material").click()
    page.get_by_label("Material").fill("Filtro aria")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_test_id("material")).to_contain_text("Filtro aria")

    page.get_by_test_id("move-plan").click()
    page.get_by_label("Day").fill("2026-12-14")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Lead technician").select_option(label="Marco Bianchi")
    page.get_by_label("Furgone 1").check()
    shots(page, "plan")
    page.get_by_test_id("save-plan").click()
    expect(page.get_by_test_id("work-order-status")).to_have_text("Planned")
    page.get_by_test_id("move-send").click()
    expect(page.get_by_test_id("work-order-status")).to_have_text("Sent")
    expect(page.get_by_test_id("answer")).to_have_text("Not answered yet")
    shots(page, "detail")
    page.goto(f"{live_server.url}/desk/work-orders/setup/")
    page.get_by_text("Add a type of work").click()
    page.get_by_label("Name", exact=True).last.fill("Manutenzione ordinaria")
    page.get_by_test_id("save-work-type").click()
    expect(page.get_by_test_id("work-type")).to_contain_text("Manutenzione ordinaria")
    shots(page, "setup")

    page.context.clear_cookies()
    sign_in(page, live_server.url, marco.email)
    order = WorkOrder.objects.get()
    page.goto(f"{live_server.url}/desk/work-orders/{order.pk}/")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("work-order-status")).to_have_text("Accepted")
    expect(page.get_by_test_id("answer")).to_have_text("Accepted")
    shots(page, "accepted")
    page.goto(f"{live_server.url}/desk/work-orders/?status=accepted")
    expect(page.get_by_test_id("work-order-row")).to_have_count(1)
    shots(page, "list")
