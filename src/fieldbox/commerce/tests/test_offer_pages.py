"""The office's offer pages, the customer's public page (``/of/<token>/``) and the call page's "parts" section: what
a person sees and what each click changes; bad input answered with the message and nothing written; another
organisation's offer is 404 on every page."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.choices import OfferStatus
from fieldbox.commerce.models import Offer, OfferLine
from fieldbox.commerce.services import offers as services
from fieldbox.commerce.services import offers_answers as answers
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.commerce.tests.test_offers import draft, equipment, sent, with_cart
from fieldbox.fleet.models import Customer
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Material, Team, Ticket, WorkOrder

pytestmark = pytest.mark.django_db
NOW = "2026-12-03 10:00:00+01:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, *args) -> str:
    return reverse(f"commerce:{name}", args=args)


def token_of(offer: Offer) -> str:
    return answers.link_of(offer).rstrip("/").rsplit("/", 1)[1]


def test_the_list_filters_searches_and_exports(shop):
    with_cart(shop)
    order = sent(shop)
    answers.offer_answer(scope=shop.scope(shop.office), offer_id=order.pk, accept=True)
    client = signed_in(shop.office)
    page = client.get(url("offers"))
    assert page.status_code == 200 and page.content.decode().count('data-testid="offer-row"') == 2
    orders = client.get(url("offers"), {"status": "order"}).content.decode()
    assert orders.count('data-testid="offer-row"') == 1 and order.number in orders
    found = client.get(url("offers"), {"number": "00001"}).content.decode()
    assert found.count('data-testid="offer-row"') == 1
    none = client.get(url("offers"), {"customer": "Nessuno"}).content.decode()
    assert 'data-testid="no-offers"' in none
    csv = client.get(url("offers"), {"format": "csv", "status": "order"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert order.number in text and "123.34" in text and text.count("\n") == 2
    xlsx = client.get(url("offers"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_technicians_do_not_see_offers(shop):
    offer = draft(shop)
    client = signed_in(shop.marco)
    assert client.get(url("offers")).status_code == 403
    assert client.get(url("offer", offer.pk)).status_code == 403


def test_a_new_offer_from_the_customer_search(shop):
    serial = equipment(shop)
    client = signed_in(shop.office)
    found = client.get(url("offer_new"), {"q": "Aurora"}).content.decode()
    assert f"?customer={shop.customer.pk}" in found
    page = client.get(url("offer_new"), {"customer": shop.customer.pk}).content.decode()
    assert "CLD-0001" in page
    answer = client.post(url("offer_new"), {"customer": shop.customer.pk, "equipment_id": serial.pk})
    offer = Offer.objects.get()
    assert answer.status_code == 302 and answer["Location"] == url("offer", offer.pk)
    assert offer.equipment == serial and offer.number == "OF-2026/00001"


def test_another_customers_serial_is_refused_on_the_page(shop):
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Hotel Sole")
    theirs = equipment(shop, other, "CLD-9")
    client = signed_in(shop.office)
    # The form offers only the customer's serials: a forged choice is refused by the form, nothing written.
    answer = client.post(url("offer_new"), {"customer": shop.customer.pk, "equipment_id": theirs.pk})
    assert answer.status_code == 400 and not Offer.objects.exists()
    assert 'id="id_equipment_id-errors"' in answer.content.decode()


def test_the_cart_on_the_page(shop):
    offer = draft(shop)
    client = signed_in(shop.office)
    found = client.get(url("offer", offer.pk), {"item_q": "flt"}).content.decode()
    assert "FLT-100" in found and 'data-testid="add-item"' in found
    barcode = client.get(url("offer", offer.pk), {"item_q": "Gas"}).content.decode()
    assert "R32" in barcode
    answer = client.post(url("offer_line_add", offer.pk), {"item_id": shop.filter_.pk, "quantity": "2"})
    assert answer.status_code == 302
    page = client.get(url("offer", offer.pk)).content.decode()
    assert "49.80" in page.replace(",", ".") and "60.76" in page.replace(",", ".")  # 49.80 + 22% VAT
    line = OfferLine.objects.get()
    changed = client.post(
        url("offer_line_change", line.pk),
        {f"line-{line.pk}-quantity": "3", f"line-{line.pk}-unit_price": "20", f"line-{line.pk}-discount": ""},
    )
    assert changed.status_code == 302
    line.refresh_from_db()
    assert line.quantity == Decimal(3) and line.unit_price == Decimal(20)


@pytest.mark.parametrize(("quantity", "price"), [("-1", ""), ("1.2345", ""), ("1", "2.123456"), ("1", "-5")])
def test_bad_numbers_in_the_cart_are_said_and_nothing_is_written(shop, quantity, price):
    offer = draft(shop)
    client = signed_in(shop.office)
    answer = client.post(
        url("offer_line_add", offer.pk), {"item_id": shop.filter_.pk, "quantity": quantity, "unit_price": price}
    )
    assert answer.status_code == 400
    assert 'data-testid="error-summary"' in answer.content.decode()
    assert not OfferLine.objects.exists()


def test_the_data_hides_the_prices_and_the_pdf_downloads(shop):
    offer = with_cart(shop)
    client = signed_in(shop.office)
    data = {
        "billing_customer_id": shop.customer.pk,
        "delivery_days": "5",
        "payment": "advance",
        "vat": "22",
        "delivery_terms": "porto_assegnato",
        "transport": "yours",
        "valid_until": "2026-12-20",
        "notes": "Consegna al magazzino",
    }
    answer = client.post(url("offer_data", offer.pk), data)
    assert answer.status_code == 302
    offer.refresh_from_db()
    assert not offer.show_prices and not offer.packing_included and offer.payment == "advance"
    pdf = client.get(url("offer_pdf", offer.pk))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    bad = client.post(url("offer_data", offer.pk), {**data, "valid_until": "2026-11-01"})
    assert bad.status_code == 400 and "A day from today on." in bad.content.decode()


def test_sending_then_no_more_changes_then_the_order(shop):
    offer = with_cart(shop)
    client = signed_in(shop.office)
    assert client.post(url("offer_move", offer.pk, "send")).status_code == 302
    assert OutboxMessage.objects.filter(kind=answers.KIND).count() == 1
    page = client.get(url("offer", offer.pk)).content.decode()
    assert 'data-testid="move-resend"' in page and 'data-testid="add-free-line"' not in page
    refused = client.post(url("offer_line_add", offer.pk), {"item_id": shop.filter_.pk, "quantity": "1"}, follow=True)
    assert "The offer was sent: its cart cannot change any more." in refused.content.decode()
    assert offer.lines.count() == 2
    answer = client.post(url("offer_answer", offer.pk, "accept"), {"customer_reference": "ODA-1"})
    assert answer.status_code == 302
    page = client.get(url("offer", offer.pk)).content.decode()
    assert 'data-testid="offer-title">Order' in page and offer.number in page
    assert 'data-testid="expected-delivery">12/10/2026' in page  # 7 days from the order, the office's format
    assert "Offer accepted: it is an order" in page and "Offer sent to the customer" in page


def test_another_organisations_offer_is_404_everywhere(shop, other_tenant):
    offer = with_cart(shop)
    line = offer.lines.first()
    client = signed_in(other_tenant.company_admin)
    for name, args in (("offer", (offer.pk,)), ("offer_pdf", (offer.pk,))):
        assert client.get(url(name, *args)).status_code == 404
    assert client.post(url("offer_line_add", offer.pk), {"description": "x", "quantity": "1"}).status_code == 404
    assert client.post(url("offer_line_remove", line.pk)).status_code == 404
    assert client.post(url("offer_move", offer.pk, "send")).status_code == 404
    assert client.post(url("offer_cancel", offer.pk)).status_code == 404
    assert client.post(url("offer_answer", offer.pk, "accept")).status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT and offer.lines.count() == 2


# ---- The customer's page --------------------------------------------------------------------------------------------


def test_the_customer_sees_and_accepts_the_offer_by_the_link(shop, client):
    offer = sent(shop)
    page = client.get(url("offer_link", token_of(offer)))
    text = page.content.decode()
    assert page.status_code == 200 and offer.number in text and "Filtro aria caldaia" in text
    assert client.get(url("offer_link_pdf", token_of(offer))).content.startswith(b"%PDF")
    answer = client.post(url("offer_link", token_of(offer)), {"answer": "accept", "customer_reference": "PO-9"})
    assert answer.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ORDERED and offer.customer_reference == "PO-9"
    after = client.get(answer["Location"]).content.decode()
    assert 'data-testid="link-answered"' in after and 'data-testid="link-ordered"' in after


def test_hidden_prices_stay_hidden_on_the_customers_page(shop, client):
    offer = with_cart(shop)
    services.offer_edit(
        scope=shop.scope(shop.office), offer_id=offer.pk, billing_customer_id=shop.customer.pk, show_prices=False
    )
    answers.offer_send(scope=shop.scope(shop.office), offer_id=offer.pk)
    offer.refresh_from_db()
    text = client.get(url("offer_link", token_of(offer))).content.decode()
    assert "Filtro aria caldaia" in text and "€" not in text


def test_the_customer_refuses(shop, client):
    offer = sent(shop)
    client.post(url("offer_link", token_of(offer)), {"answer": "refuse", "note": "Troppo caro"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.REFUSED and offer.answer_note == "Troppo caro"


def test_a_bad_or_old_link_gets_a_clear_page(shop, client):
    offer = sent(shop)
    old = token_of(offer)
    assert client.get(url("offer_link", "offer.1.abc.bad")).status_code == 410
    answers.offer_send(scope=shop.scope(shop.office), offer_id=offer.pk, again=True)
    gone = client.get(url("offer_link", old))
    assert gone.status_code == 410 and 'data-testid="offer-link-invalid"' in gone.content.decode()
    assert client.post(url("offer_link", old), {"answer": "accept"}).status_code == 410
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT


def test_an_expired_offer_cannot_be_accepted_by_the_link(shop, client):
    shop.customer.language = "en"  # the page speaks the customer's language
    shop.customer.save()
    offer = sent(shop)
    with time_machine.travel("2027-01-10 10:00:00+01:00", tick=False):
        page = client.get(url("offer_link", token_of(offer))).content.decode()
        assert 'data-testid="link-expired"' in page
        refused = client.post(url("offer_link", token_of(offer)), {"answer": "accept"})
        assert refused.status_code == 409 and "can no longer be accepted" in refused.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT


def test_the_link_is_rate_limited(shop, client, settings):
    settings.OWNER_LINK_RATE = "2/m"
    offer = sent(shop)
    for _ in range(2):
        assert client.get(url("offer_link", token_of(offer))).status_code == 200
    assert client.get(url("offer_link", token_of(offer))).status_code == 429


# ---- The call page ------------------------------------------------------------------------------------------------


def test_the_call_page_shows_its_offers_and_priced_materials(shop: Shop):
    serial = equipment(shop)
    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org,
        team=team,
        customer=shop.customer,
        site=shop.site,
        contact=shop.contact,
        equipment=serial,
        number="T0000001",
        subject="Caldaia in blocco",
    )
    offer = with_cart(shop, ticket_id=ticket.pk)
    assert offer.equipment == serial and offer.ticket == ticket  # the call's serial by default
    order = WorkOrder.objects.create(
        organisation=shop.org, ticket=ticket, customer=shop.customer, number="I0000001", description="Riparazione"
    )
    Material.objects.create(
        organisation=shop.org, work_order=order, use="used", code="FLT-100", description="Filtro", quantity=2
    )
    Material.objects.create(organisation=shop.org, work_order=order, use="used", description="Nastro", quantity=1)
    page = signed_in(shop.office).get(reverse("service:ticket", args=[ticket.pk])).content.decode()
    assert offer.number in page and 'data-testid="call-new-offer"' in page
    assert f"site={shop.site.pk}" in page and f"equipment={serial.pk}" in page
    assert page.count('data-testid="call-material"') == 2
    assert 'data-testid="materials-total">49.80' in page.replace(",", ".")


def test_the_calls_link_fills_the_new_offer(shop: Shop):
    from fieldbox.commerce.call_parts import new_offer_url

    serial = equipment(shop)
    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org,
        team=team,
        customer=shop.customer,
        site=shop.site,
        contact=shop.contact,
        equipment=serial,
        number="T0000002",
        subject="Ricambi",
    )
    client = signed_in(shop.office)
    page = client.get(new_offer_url(ticket)).content.decode()
    assert "T0000002" in page and f'value="{serial.pk}" selected' in page
    answer = client.post(
        url("offer_new"),
        {"customer": shop.customer.pk, "ticket": ticket.pk, "site_id": shop.site.pk, "equipment_id": serial.pk},
    )
    assert answer.status_code == 302
    offer = Offer.objects.get()
    assert offer.ticket == ticket and offer.equipment == serial
