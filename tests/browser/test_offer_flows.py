"""The office in the browser: a spare-parts offer for a customer's serial, its cart filled from the items, its prices
hidden, sent; its PDF downloads; the customer accepts it through the link of the e-mail in the outbox; the office
sees the order with the offer's number. Screenshots at a phone's and a desktop's width go to /tmp."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.commerce.models import Item, Offer, Price, PriceList
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Contact, Equipment
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SIZES = ((360, 740), (1280, 800))


def shots(page: Page, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"/tmp/offer-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def test_an_offer_with_hidden_prices_becomes_an_order_by_the_customers_link(page: Page, live_server):
    org = make_tenant("alpha").company
    office = member(org, Role.OFFICE, email="ufficio@rossi.example", first_name="Anna", last_name="Ufficio")
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", language="en"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    Contact.objects.create(
        organisation=org, customer=customer, name="Giulia Verdi", email="giulia@aurora.example", is_default=True
    )
    Equipment.objects.create(organisation=org, customer=customer, site=site, name="Caldaia", serial="CLD-0001")
    public = PriceList.objects.create(organisation=org, name="Listino pubblico", is_default=True)
    item = Item.objects.create(organisation=org, code="FLT-100", description="Filtro aria caldaia")
    Price.objects.create(price_list=public, item=item, price=Decimal("24.90"), valid_from=date(2026, 1, 1))

    sign_in(page, live_server.url, office.email)
    page.goto(f"{live_server.url}/sales/offers/")
    expect(page.get_by_test_id("no-offers")).to_be_visible()
    page.get_by_test_id("new-offer").click()
    page.get_by_label("Find the customer").fill("Aurora")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Condominio Aurora").click()
    page.get_by_label("For the serial").select_option(label="Caldaia (CLD-0001)")
    shots(page, "new")
    page.get_by_test_id("create-offer").click()
    expect(page.get_by_test_id("offer-status")).to_have_text("Draft offer")
    number = page.get_by_test_id("offer-number").inner_text()
    assert re.fullmatch(r"OF-\d{4}/00001", number)

    page.get_by_label("Code, description or barcode").fill("filtro")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_test_id("found-items").get_by_label("Quantity").fill("2")
    page.get_by_test_id("add-item").click()
    expect(page.get_by_test_id("cart-line")).to_have_count(1)
    expect(page.get_by_test_id("total-net")).to_have_text("49.80 €")

    page.get_by_test_id("offer-data").click()
    page.get_by_label("Show the prices on the offer").uncheck()
    page.get_by_label("Delivery (days from the order)").fill("5")
    page.get_by_test_id("save-offer-data").click()
    expect(page.get_by_test_id("shows-prices")).to_have_text("Hidden")
    shots(page, "draft")

    page.get_by_test_id("move-send").click()
    expect(page.get_by_test_id("offer-status")).to_have_text("Offer sent")
    with page.expect_download() as download:
        page.get_by_test_id("offer-pdf").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    shots(page, "sent")

    mail = OutboxMessage.objects.get(kind="commerce.offer")
    assert mail.recipient == "giulia@aurora.example"
    link = re.search(r"https?://\S+/of/\S+/", mail.body).group(0)
    page.context.clear_cookies()
    page.goto(live_server.url + urlsplit(link).path)
    expect(page.get_by_test_id("link-number")).to_have_text(number)
    expect(page.get_by_test_id("link-lines")).to_contain_text("Filtro aria caldaia")
    expect(page.get_by_test_id("link-lines")).not_to_contain_text("€")
    shots(page, "customer")
    page.get_by_label("Your order reference").fill("ODA-2026-77")
    page.get_by_test_id("link-accept").click()
    expect(page.get_by_test_id("link-answered")).to_be_visible()
    expect(page.get_by_test_id("link-ordered")).to_be_visible()

    sign_in(page, live_server.url, office.email)
    offer = Offer.objects.get()
    page.goto(f"{live_server.url}/sales/offers/{offer.pk}/")
    expect(page.get_by_test_id("offer-title")).to_contain_text("Order")
    expect(page.get_by_test_id("offer-number")).to_have_text(number)
    expect(page.get_by_test_id("offer-status")).to_have_text("Order")
    expect(page.get_by_test_id("customer-reference")).to_have_text("ODA-2026-77")
    page.get_by_text("History").click()
    expect(page.get_by_test_id("history")).to_contain_text("Offer accepted: it is an order")
    shots(page, "order")
    page.goto(f"{live_server.url}/sales/offers/?status=order")
    expect(page.get_by_test_id("offer-row")).to_have_count(1)
    shots(page, "list")
