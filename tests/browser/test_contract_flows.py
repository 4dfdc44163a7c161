"""A maintenance contract in the browser, on a 360 px phone: the office finds the customer, drafts the contract,
covers the boiler in January and July, is refused a second contract on the same boiler (naming the first),
activates it; at its end the daily run renews it, and the old contract's page points to the new one, which points
back. Screenshots at a phone's and a desktop's width go to /tmp."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.models import Customer
from fieldbox.service.models import Equipment, WorkType
from fieldbox.service.models.contracts import Contract
from fieldbox.service.tasks import renew_contracts
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = ((360, 740), (1280, 800))


def shots(page: Page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"/tmp/contract-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})


def draft(page: Page, base: str, customer: Customer, starts: str, ends: str) -> None:
    page.goto(f"{base}/desk/contracts/new/?customer={customer.pk}")
    page.get_by_label("Starts on").fill(starts)
    page.get_by_label("Ends on").fill(ends)
    page.get_by_label("Notice period in days").fill("60")
    page.get_by_label("Fee (€)").fill("1200")
    page.get_by_label("Included visits").fill("4")
    page.get_by_test_id("save-contract").click()


def test_the_office_drafts_activates_and_sees_a_contract_renewed(page: Page, live_server):
    org = make_tenant("alpha").company
    office = member(org, Role.OFFICE, email="ufficio@rossi.example", first_name="Anna", last_name="Ufficio")
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    boiler = Equipment.objects.create(organisation=org, customer=customer, name="Caldaia", serial="CA-1")
    WorkType.objects.create(organisation=org, name="Manutenzione ordinaria")
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, office.email)

    page.goto(f"{live_server.url}/desk/contracts/new/")
    page.get_by_label("Find the customer").fill("Aurora")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Condominio Aurora").click()
    draft(page, live_server.url, customer, "2026-01-01", "2026-12-31")
    expect(page.get_by_test_id("contract-status")).to_have_text("Draft")
    page.get_by_test_id("add-equipment").click()
    page.get_by_label("Equipment").select_option(str(boiler.pk))
    page.get_by_label("Service months").fill("1,7")
    page.get_by_label("Type of work").select_option(label="Manutenzione ordinaria")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_test_id("contract-line")).to_contain_text("January, July")
    shots(page, "draft")
    page.get_by_test_id("activate").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("Active")
    first = Contract.objects.get()

    # A second contract on the same boiler, overlapping: refused, naming the first.
    draft(page, live_server.url, customer, "2026-06-01", "2027-05-31")
    page.get_by_test_id("add-equipment").click()
    page.get_by_label("Equipment").select_option(str(boiler.pk))
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".errors").first).to_contain_text(f"already covered by contract {first.number}")
    shots(page, "overlap")

    # The year ends: the daily run renews it.
    with time_machine.travel(datetime(2027, 1, 1, 6, tzinfo=ZoneInfo("Europe/Rome")), tick=False):
        renew_contracts()
    renewal = Contract.objects.get(renews=first)
    page.goto(f"{live_server.url}/desk/contracts/{first.pk}/")
    expect(page.get_by_test_id("contract-status")).to_have_text("Renewed")
    page.get_by_test_id("renewed-by").click()
    expect(page).to_have_url(re.compile(rf"/desk/contracts/{renewal.pk}/$"))
    expect(page.get_by_test_id("contract-status")).to_have_text("Active")
    expect(page.get_by_test_id("renews")).to_have_text(first.number)
    expect(page.get_by_test_id("contract-term")).to_contain_text("2027")
    shots(page, "renewed")
    page.goto(f"{live_server.url}/desk/contracts/")
    expect(page.get_by_test_id("contract-row")).to_have_count(3)
    shots(page, "list")
