"""From done work to an issued e-invoice in the browser, on a 360 px phone: the admin finds the done work order in
the final verification, reviews and verifies it; the office's invoice run collects it into a draft for the
customer, issues it, and the issued invoice has its number, what is still due and its FatturaPA XML, valid against
the official schema."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice, InvoicingSettings
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import WorkOrderStatus
from fieldbox.service.models import Equipment, Team, WorkType
from fieldbox.service.tests.test_verification import World, done_work
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
ROME = ZoneInfo("Europe/Rome")


def world() -> World:
    tenant = make_tenant("alpha")
    org = tenant.company
    InvoicingSettings.objects.create(
        organisation=org, vat_number="01234560033", street="Via Emilia 10", postcode="40100", town="Bologna"
    )
    customer = Customer.objects.create(
        organisation=org,
        kind="company",
        company_name="Condominio Aurora",
        email="amministrazione@aurora.example",
        vat_number="04567890126",
        sdi_code="ABC1234",
    )
    site = CustomerAddress.objects.create(
        customer=customer, kind="plant", street="Via Roma 1", city="Bologna", postcode="40121"
    )
    Team.objects.create(organisation=org, name="Assistenza tecnica")
    return World(
        org=org,
        admin=tenant.company_admin,
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi"),
        customer=customer,
        boiler=Equipment.objects.create(organisation=org, customer=customer, site=site, name="Caldaia", serial="CX"),
        work_type=WorkType.objects.create(organisation=org, name="Manutenzione ordinaria"),
    )


def test_the_admin_verifies_done_work_and_the_office_issues_its_e_invoice(page: Page, live_server):
    w = world()
    order = done_work(w)  # signed on 7 December
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_viewport_size({"width": 360, "height": 740})
    with time_machine.travel(datetime(2026, 12, 9, 10, 0, tzinfo=ROME), tick=True):
        sign_in(page, live_server.url, w.admin.email)
        page.goto(f"{live_server.url}/desk/verification/")
        page.get_by_test_id("verification-row").filter(has_text=order.number).get_by_role("link").first.click()
        expect(page.get_by_test_id("proposed-lines")).to_contain_text("Valvola di sicurezza 3 bar")
        page.get_by_test_id("review").click()
        expect(page.get_by_test_id("confirmation")).to_be_visible()
        page.get_by_test_id("confirm").click()
        expect(page.get_by_test_id("verified-lines")).to_be_visible()
        order.refresh_from_db()
        assert order.status == WorkOrderStatus.VERIFIED

        page.context.clear_cookies()  # the office signs in on the same phone
        sign_in(page, live_server.url, w.office.email)
        page.goto(f"{live_server.url}/invoice-runs/new/")
        page.get_by_test_id("run-create").click()
        expect(page.get_by_test_id("run-invoices")).to_contain_text("Condominio Aurora")
        page.get_by_test_id("run-issue").click()
        expect(page.get_by_test_id("run-invoices")).to_contain_text("FT-2026/00001")
        page.screenshot(path="/tmp/invoice-run-issued-360.png", full_page=True)

        invoice = Invoice.objects.get(number="FT-2026/00001")
        page.goto(f"{live_server.url}/invoices/{invoice.pk}/")
        expect(page.get_by_test_id("invoice-status")).to_contain_text("Issued")
        expect(page.get_by_test_id("invoice-lines")).to_contain_text("Valvola di sicurezza 3 bar")
        expect(page.get_by_test_id("invoice-xml")).to_contain_text("IT01234560033_00001.xml")
        page.screenshot(path="/tmp/invoice-issued-360.png", full_page=True)
        xml = page.request.get(f"{live_server.url}/invoices/{invoice.pk}/xml/")
        assert xml.ok and fatturapa.validate(xml.body()) == []
        assert b"<CodiceDestinatario>ABC1234</CodiceDestinatario>" in xml.body()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.total > 0
