"""A quote in the browser, from the technician's finding to the work: the technician asks for it on a 360 px
phone from the work order; the office applies the price list and sends it; the customer opens the link of the
e-mail and accepts it; the office turns it into a new work order, which has the quote's parts as materials.
Screenshots at a phone's and a desktop's width go to /tmp."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant, scope_of
from fieldbox.commerce.models import Item, LabourRate, Price, PriceList
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Contact, Material, WorkOrder, WorkType
from fieldbox.service.services.work_orders import work_order_create
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = ((360, 740), (1280, 800))


def shots(page: Page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"/tmp/quote-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})


def test_a_finding_becomes_a_quote_the_customer_accepts_and_a_new_work_order(page: Page, live_server):
    org = make_tenant("alpha").company
    office = member(org, Role.OFFICE, email="ufficio@rossi.example", first_name="Anna", last_name="Ufficio")
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    Contact.objects.create(organisation=org, customer=customer, name="Giulia Verdi", email="giulia@aurora.example")
    work_type = WorkType.objects.create(organisation=org, name="Manutenzione ordinaria")
    public = PriceList.objects.create(organisation=org, name="Listino pubblico", is_default=True)
    filter_ = Item.objects.create(organisation=org, code="FLT-100", description="Filtro aria caldaia")
    Price.objects.create(price_list=public, item=filter_, price=Decimal("24.90"), valid_from=date(2026, 1, 1))
    LabourRate.objects.create(
        price_list=public, work_type=work_type, hourly_rate=Decimal("50.00"), valid_from=date(2026, 1, 1)
    )
    order = work_order_create(
        scope=scope_of(office, org),
        customer_id=customer.pk,
        site_id=site.pk,
        description="Manutenzione caldaia",
        work_type_id=work_type.pk,
        technician_id=marco.pk,
    )

    # The technician, on the phone, asks for a quote from the work order.
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, marco.email)
    page.goto(f"{live_server.url}/field/work-orders/{order.pk}/")
    page.get_by_test_id("ask-for-quote").click()
    page.get_by_label("What you found").fill("Scambiatore incrostato, filtro aria da sostituire.")
    page.locator("#id_lines-0-item_code").fill("FLT-100")
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-1-description").fill("Pulizia scambiatore")
    page.locator("#id_lines-1-quantity").fill("1,5")
    page.locator("#id_lines-1-kind").select_option("labour")
    shots(page, "ask")
    page.get_by_test_id("ask-quote").click()
    expect(page).to_have_url(re.compile(rf"/field/work-orders/{order.pk}/$"))
    expect(page.get_by_test_id("quote-item")).to_contain_text("PR-")
    shots(page, "field-order")

    # The office prices it from the price list and sends it.
    page.context.clear_cookies()
    sign_in(page, live_server.url, office.email)
    page.goto(f"{live_server.url}/commerce/quotes/")
    shots(page, "list")
    page.get_by_test_id("quote-row").get_by_role("link").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Draft")
    page.get_by_test_id("apply-price-list").click()
    # 2 x 24.90 + 1.5 h x 50.00 = 124.80 net, 27.46 VAT (22%), 152.26
    expect(page.get_by_test_id("total")).to_have_text("152.26 €")
    shots(page, "priced")
    page.get_by_test_id("send-quote").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Sent")

    # The customer opens the link of the e-mail and accepts.
    mail = OutboxMessage.objects.get(kind="commerce.quote")
    assert mail.recipient == "giulia@aurora.example"
    link = re.search(r"/q/[^/\s]+/", mail.body)
    assert link is not None
    page.context.clear_cookies()
    page.goto(live_server.url + link.group(0))
    expect(page.get_by_test_id("total")).to_have_text("152,26 €")  # in the customer's language (Italian)
    shots(page, "customer")
    page.get_by_test_id("accept-quote").click()
    expect(page.get_by_test_id("answer-done")).to_be_visible()

    # The office turns it into a new work order, which has the quote's parts.
    sign_in(page, live_server.url, office.email)
    page.goto(f"{live_server.url}/commerce/quotes/")
    page.get_by_test_id("quote-row").get_by_role("link").click()
    expect(page.get_by_test_id("quote-status")).to_have_text("Accepted")
    page.get_by_label("A new work order").check()
    shots(page, "accepted")
    page.get_by_test_id("convert").click()
    made = WorkOrder.objects.exclude(pk=order.pk).get()
    expect(page).to_have_url(re.compile(rf"/desk/work-orders/{made.pk}/$"))
    expect(page.get_by_test_id("material")).to_contain_text("Filtro aria caldaia")
    expect(page.get_by_test_id("materials-from")).to_be_visible()
    shots(page, "new-work-order")
    assert list(Material.objects.filter(work_order=made).values_list("code", "quantity")) == [
        ("FLT-100", Decimal("2.00"))
    ]
