"""The quote pages as people use them: the technician asks from the work order and the phone, the office prices
and sends, the customer opens the link (GET changes nothing), accepts once; bad links answer a clear page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce import links
from fieldbox.commerce.choices import QuoteStatus
from fieldbox.commerce.models import Quote, QuoteLine
from fieldbox.commerce.services import quotes_sending as sending
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.commerce.tests.test_quotes import ask, make_order, priced, sent, token
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Material, Team, Ticket, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop: Shop) -> WorkOrder:
    return make_order(shop)


def lines(*rows: tuple[str, str, str, str]) -> dict[str, str]:
    data = {"lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0"}
    for n, (code, words, quantity, kind) in enumerate(rows):
        data |= {
            f"lines-{n}-item_code": code,
            f"lines-{n}-description": words,
            f"lines-{n}-quantity": quantity,
            f"lines-{n}-kind": kind,
        }
    return data


def test_the_technician_asks_from_the_phone_and_sees_the_quote_on_it(shop: Shop, order: WorkOrder):
    client = signed_in(shop.marco)
    phone = client.get(f"/field/work-orders/{order.pk}/")
    assert b'data-testid="ask-for-quote"' in phone.content
    url = f"/commerce/quotes/ask/?work_order={order.pk}&from=field"
    assert client.get(url).status_code == 200
    data = {"finding": "Scambiatore incrostato"} | lines(
        ("FLT-100", "", "2", "part"), ("", "Pulizia scambiatore", "1", "labour"), ("", "", "1", "part")
    )
    answer = client.post(url, data)
    assert answer.status_code == 302 and answer["Location"] == f"/field/work-orders/{order.pk}/"
    quote = Quote.objects.get()
    assert quote.requested_by_id == shop.marco.pk and QuoteLine.objects.filter(quote=quote).count() == 2
    assert quote.number.encode() in client.get(f"/field/work-orders/{order.pk}/").content
    office = signed_in(shop.office).get(f"/desk/work-orders/{order.pk}/")
    assert quote.number.encode() in office.content


def test_a_bad_quantity_is_shown_on_the_form_and_nothing_is_written(shop: Shop, order: WorkOrder):
    client = signed_in(shop.marco)
    data = {"finding": "Guasto"} | lines(("FLT-100", "", "-1", "part"))
    answer = client.post(f"/commerce/quotes/ask/?work_order={order.pk}", data)
    assert answer.status_code == 400
    assert "Line 1: It cannot be negative." in answer.content.decode()
    assert not Quote.objects.exists()


def test_a_technician_cannot_open_the_office_pages(shop: Shop, order: WorkOrder):
    quote = ask(shop, order)
    client = signed_in(shop.marco)
    assert client.get("/commerce/quotes/").status_code == 403
    assert client.get(f"/commerce/quotes/{quote.pk}/").status_code == 403


def test_the_call_page_shows_its_quotes_in_section_3(shop: Shop):
    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org, number="T0000001", subject="Caldaia", team=team, customer=shop.customer
    )
    client = signed_in(shop.office)
    data = {"finding": "Da sostituire la pompa"} | lines(("", "Pompa", "1", "part"))
    answer = client.post(f"/commerce/quotes/ask/?ticket={ticket.pk}", data)
    quote = Quote.objects.get()
    assert answer["Location"] == f"/commerce/quotes/{quote.pk}/"
    assert quote.ticket_id == ticket.pk
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="section-quote"' in page and quote.number in page


def test_the_office_prices_and_sends_from_the_quote_page(shop: Shop, order: WorkOrder):
    quote = ask(shop, order)
    client = signed_in(shop.office)
    page = client.get(f"/commerce/quotes/{quote.pk}/")
    assert page.status_code == 200 and b"Apply the price list" in page.content
    client.post(f"/commerce/quotes/{quote.pk}/price/")
    labour = QuoteLine.objects.get(quote=quote, kind="labour")
    client.post(
        f"/commerce/quotes/{quote.pk}/lines/{labour.pk}/",
        {
            f"line{labour.pk}-description": "Manodopera",
            f"line{labour.pk}-quantity": "1,5",
            f"line{labour.pk}-unit_price": "45",
            f"line{labour.pk}-discount": "0",
            f"line{labour.pk}-kind": "labour",
        },
    )
    labour.refresh_from_db()
    assert labour.unit_price == Decimal(45) and labour.quantity == Decimal("1.5")
    answer = client.post(f"/commerce/quotes/{quote.pk}/send/", {"to": ""})
    assert answer.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT
    assert OutboxMessage.objects.filter(kind=sending.KIND, recipient="giulia@aurora.example").exists()
    assert client.get(f"/commerce/quotes/{quote.pk}/pdf/")["Content-Type"] == "application/pdf"
    listed = client.get("/commerce/quotes/?status=sent")
    assert quote.number.encode() in listed.content


def test_a_price_with_too_many_decimals_is_refused_on_the_page(shop: Shop, order: WorkOrder):
    quote = ask(shop, order)
    client = signed_in(shop.office)
    answer = client.post(
        f"/commerce/quotes/{quote.pk}/lines/",
        {"add-description": "Valvola", "add-quantity": "1", "add-kind": "part", "add-unit_price": "1.23456"},
    )
    assert answer.status_code == 400 and "At most 4 decimals." in answer.content.decode()
    assert QuoteLine.objects.filter(quote=quote).count() == 3


# ---- The customer's link -------------------------------------------------------------------------------------


def test_opening_the_link_changes_nothing_and_accepting_works_once(shop: Shop, order: WorkOrder, client):
    quote = sent(shop, order)
    url = f"/q/{token(quote)}/"
    shown = client.get(url)
    assert shown.status_code == 200 and quote.number.encode() in shown.content
    assert b'data-testid="accept-quote"' in shown.content
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT and quote.answered_at is None
    assert client.get(f"/q/{token(quote)}/pdf/")["Content-Type"] == "application/pdf"
    answer = client.post(url, {"answer": "accept", "note": "Va bene"})
    assert answer.status_code == 303
    assert b'data-testid="answer-done"' in client.get(answer["Location"]).content
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED and quote.answer_note == "Va bene"
    again = client.post(url, {"answer": "refuse"})
    assert again.status_code == 409 and "Questo preventivo è stato accettato." in again.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED


def test_bad_and_old_links_answer_a_clear_page(shop: Shop, order: WorkOrder, client):
    quote = sent(shop, order)
    old = token(quote)
    assert client.get("/q/nonsense/").status_code == 404
    tampered = client.post(f"/q/{old[:-3]}abc/", {"answer": "accept"})
    assert tampered.status_code == 404 and b"This link is not valid" in tampered.content
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        sending.quote_resend(scope=shop.scope(shop.office), quote_id=quote.pk)
    gone = client.post(f"/q/{old}/", {"answer": "accept"})
    assert gone.status_code == 410 and b"no longer valid" in gone.content
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_an_expired_quote_cannot_be_accepted_by_the_link(shop: Shop, order: WorkOrder, client):
    quote = sent(shop, order)
    with time_machine.travel(timezone.now() + timedelta(days=40)):
        page = client.get(f"/q/{token(quote)}/")
        assert b'data-testid="quote-past"' in page.content and b"accept-quote" not in page.content
        answer = client.post(f"/q/{token(quote)}/", {"answer": "accept"})
    assert answer.status_code == 409 and "non si può più accettare" in answer.content.decode()
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_the_link_of_a_cancelled_quote_says_so(shop: Shop, order: WorkOrder, client):
    quote = sent(shop, order)
    sending.quote_cancel(scope=shop.scope(shop.office), quote_id=quote.pk)
    page = client.get(f"/q/{token(quote)}/")
    assert page.status_code == 200 and "Questo preventivo è stato ritirato" in page.content.decode()


def test_the_office_converts_from_the_page_into_a_new_work_order(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    sending.quote_answer_by_link(token=links.token_for("quote", quote.pk, quote.sent_at), accept=True)
    client = signed_in(shop.office)
    answer = client.post(f"/commerce/quotes/{quote.pk}/convert/", {"into": "new", "description": ""})
    made = WorkOrder.objects.exclude(pk=order.pk).get()
    assert answer["Location"] == f"/desk/work-orders/{made.pk}/"
    assert Material.objects.filter(work_order=made).count() == 2
    page = client.get(f"/desk/work-orders/{made.pk}/").content.decode()
    assert 'data-testid="materials-from"' in page and quote.number in page


def test_another_organisations_quote_is_not_found(shop: Shop, order: WorkOrder, other_tenant):
    quote = priced(shop, order)
    stranger = member(other_tenant.company, Role.OFFICE, email="office@beta.example")
    client = signed_in(stranger)
    assert client.get(f"/commerce/quotes/{quote.pk}/").status_code == 404
    assert client.post(f"/commerce/quotes/{quote.pk}/send/", {"to": ""}).status_code == 404
    assert client.get(f"/commerce/quotes/ask/?work_order={order.pk}").status_code == 404
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT
