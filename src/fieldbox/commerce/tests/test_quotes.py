"""Quotes from the technician's finding to the work: asked on a work order, priced from a price list, sent by
e-mail with its PDF and link, answered, expired, converted into the work order's materials or a new work order;
and each bad input refused with a clear message, nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from fieldbox.commerce import links
from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import LineKind, OfferStatus, QuoteStatus
from fieldbox.commerce.models import LabourRate, Offer, Quote, QuoteLine
from fieldbox.commerce.services import quotes as services
from fieldbox.commerce.services import quotes_convert as converting
from fieldbox.commerce.services import quotes_sending as sending
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.core.errors import Conflict
from fieldbox.messaging.models import Notification, OutboxMessage
from fieldbox.service.models import Booking, Material, WorkOrder
from fieldbox.service.services.work_orders import work_order_create

pytestmark = pytest.mark.django_db
NOW = "2026-12-07 09:00:00+01:00"


def make_order(shop: Shop) -> WorkOrder:
    """A work order of the shop's customer with Marco as its lead."""
    made = work_order_create(
        scope=shop.scope(shop.office),
        customer_id=shop.customer.pk,
        site_id=shop.site.pk,
        description="Manutenzione caldaia",
        work_type_id=shop.work_type.pk,
        technician_id=shop.marco.pk,
    )
    Booking.objects.create(organisation=shop.org, work_order=made, user=shop.marco)
    return made


@pytest.fixture
def order(shop: Shop) -> WorkOrder:
    return make_order(shop)


def finding_lines(shop: Shop) -> list[dict[str, Any]]:
    return [
        {"item_code": "flt-100", "quantity": "2"},
        {"description": "Sostituzione scambiatore", "quantity": "1.5", "kind": "labour"},
        {"item_code": "R32", "quantity": "0,75"},
    ]


def ask(shop: Shop, order: WorkOrder) -> Quote:
    return services.quote_request(
        scope=shop.scope(shop.marco),
        work_order_id=order.pk,
        finding="Scambiatore incrostato, filtro da cambiare.",
        lines=finding_lines(shop),
    )


def priced(shop: Shop, order: WorkOrder) -> Quote:
    quote = ask(shop, order)
    LabourRate.objects.create(
        price_list=shop.public, work_type=shop.work_type, hourly_rate=Decimal("52.00"), valid_from=date(2026, 1, 1)
    )
    services.quote_apply_price_list(scope=shop.scope(shop.office), quote_id=quote.pk)
    return quote


def sent(shop: Shop, order: WorkOrder) -> Quote:
    quote = priced(shop, order)
    sending.quote_send(scope=shop.scope(shop.office), quote_id=quote.pk)
    quote.refresh_from_db()
    return quote


def token(quote: Quote) -> str:
    assert quote.sent_at is not None
    return links.token_for("quote", quote.pk, quote.sent_at)


# ---- Asking ---------------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_technician_asks_for_a_quote_from_the_work_order_and_the_office_is_told(shop: Shop, order: WorkOrder):
    quote = ask(shop, order)
    assert quote.status == QuoteStatus.DRAFT
    assert quote.number == "PR-2026/00001"
    assert (quote.customer_id, quote.site_id, quote.work_order_id) == (shop.customer.pk, shop.site.pk, order.pk)
    assert quote.contact_id == shop.contact.pk
    assert quote.requested_by_id == shop.marco.pk
    assert quote.price_list_id == shop.public.pk
    assert quote.valid_until == date(2026, 12, 7) + timedelta(days=30)
    lines = reads.lines_of(quote)
    assert [(x.item_id, x.kind, x.quantity, x.unit) for x in lines] == [
        (shop.filter_.pk, LineKind.PART, Decimal("2"), "pc"),
        (None, LineKind.LABOUR, Decimal("1.5"), "h"),
        (shop.gas.pk, LineKind.PART, Decimal("0.75"), "kg"),
    ]
    told = Notification.objects.filter(event="quote.asked")
    assert {n.user_id for n in told} >= {shop.office.pk, shop.admin.pk}
    assert shop.marco.pk not in {n.user_id for n in told}


def test_a_technician_not_on_the_work_order_cannot_ask(shop: Shop, order: WorkOrder):
    with pytest.raises(ValidationError) as refused:
        services.quote_request(scope=shop.scope(shop.luca), work_order_id=order.pk, finding="x", lines=[])
    assert "work_order_id" in refused.value.message_dict
    assert not Quote.objects.exists()


def test_another_organisations_work_order_is_not_found(shop: Shop, order: WorkOrder, other_tenant):
    from fieldbox.accounts.choices import Role
    from fieldbox.accounts.tests.factories import member
    from fieldbox.accounts.tests.fixtures import scope_of

    stranger = member(other_tenant.company, Role.OFFICE, email="office@beta.example")
    with pytest.raises(WorkOrder.DoesNotExist):
        services.quote_request(
            scope=scope_of(stranger, other_tenant.company), work_order_id=order.pk, finding="", lines=[{"quantity": -1}]
        )
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ({"description": "Filtro", "quantity": "-2"}, "cannot be negative"),
        ({"description": "Filtro", "quantity": "0"}, "more than zero"),
        ({"description": "Filtro", "quantity": "1.2345"}, "At most 3 decimals"),
        ({"item_code": "NOPE"}, "No item has the code NOPE"),
        ({"quantity": "1"}, "Name the part or the work"),
    ],
)
def test_bad_lines_are_refused_naming_the_line_and_nothing_is_written(shop: Shop, order: WorkOrder, line, words):
    lines = [{"item_code": "FLT-100", "quantity": "1"}, line]
    with pytest.raises(ValidationError) as refused:
        services.quote_request(scope=shop.scope(shop.marco), work_order_id=order.pk, finding="Guasto", lines=lines)
    message = refused.value.message_dict["lines"][0]
    assert message.startswith("Line 2:") and words in message
    assert not Quote.objects.exists() and not QuoteLine.objects.exists()


def test_a_finding_is_required(shop: Shop, order: WorkOrder):
    with pytest.raises(ValidationError) as refused:
        services.quote_request(scope=shop.scope(shop.marco), work_order_id=order.pk, finding="  ", lines=[])
    assert "finding" in refused.value.message_dict


# ---- Pricing --------------------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_price_list_prices_parts_and_labour_and_the_totals_round_once(shop: Shop, order: WorkOrder):
    quote = priced(shop, order)
    lines = reads.lines_of(quote)
    assert [x.unit_price for x in lines] == [Decimal("24.90"), Decimal("52.00"), Decimal("38.00")]
    totals = reads.totals(quote)
    # 2 x 24.90 + 1.5 x 52 + 0.75 x 38 = 49.80 + 78.00 + 28.50
    assert totals.net == Decimal("156.30")
    assert totals.vat == Decimal("34.39")  # 22% of 156.30 = 34.386, rounded once
    assert totals.total == Decimal("190.69")
    assert totals.priced


def test_the_office_changes_a_line_and_bad_amounts_change_nothing(shop: Shop, order: WorkOrder):
    quote = priced(shop, order)
    office = shop.scope(shop.office)
    line = reads.lines_of(quote)[0]
    services.quote_line_edit(
        scope=office, line_id=line.pk, description="Filtro", quantity="3", unit_price="20,5", discount="10"
    )
    line.refresh_from_db()
    assert (line.quantity, line.unit_price, line.discount) == (Decimal(3), Decimal("20.5"), Decimal(10))
    for field, value, words in (
        ("unit_price", "1.23456", "At most 4 decimals"),
        ("unit_price", "-1", "cannot be negative"),
        ("quantity", "-3", "cannot be negative"),
        ("discount", "120", "At most 100"),
    ):
        values = {"description": "Filtro", "quantity": "3", "unit_price": "20.5", "discount": "10", field: value}
        with pytest.raises(ValidationError) as refused:
            services.quote_line_edit(scope=office, line_id=line.pk, **values)
        assert words in refused.value.message_dict[field][0]
        line.refresh_from_db()
        assert (line.quantity, line.unit_price, line.discount) == (Decimal(3), Decimal("20.5"), Decimal(10))


def test_lines_are_added_and_removed_only_while_a_draft(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    office = shop.scope(shop.office)
    with pytest.raises(Conflict):
        services.quote_line_add(scope=office, quote_id=quote.pk, description="Extra", quantity="1")
    with pytest.raises(Conflict):
        services.quote_line_remove(scope=office, line_id=reads.lines_of(quote)[0].pk)
    assert len(reads.lines_of(quote)) == 3


# ---- Sending and the customer's answer -------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_sending_e_mails_the_pdf_and_the_link_to_the_contact(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    assert quote.status == QuoteStatus.SENT and quote.sent_at is not None
    mail = OutboxMessage.objects.get(kind=sending.KIND)
    assert mail.recipient == "giulia@aurora.example"
    assert quote.number in mail.subject
    assert f"/q/{token(quote)}/" in mail.body
    attachment = mail.data["attachments"][0]
    assert attachment["name"] == "quote-PR-2026-00001.pdf" and attachment["mimetype"] == "application/pdf"
    from django.core.files.storage import default_storage

    with default_storage.open(attachment["path"], "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_quote_with_lines_without_price_is_not_sent(shop: Shop, order: WorkOrder):
    quote = ask(shop, order)
    with pytest.raises(Conflict):
        sending.quote_send(scope=shop.scope(shop.office), quote_id=quote.pk)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT and not OutboxMessage.objects.filter(kind=sending.KIND).exists()


def test_the_customer_accepts_by_the_link_once(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    done = sending.quote_answer_by_link(token=token(quote), accept=True, note="Procedete pure")
    assert done.status == QuoteStatus.ACCEPTED and done.answer_note == "Procedete pure"
    with pytest.raises(sending.BadLink) as again:
        sending.quote_answer_by_link(token=token(quote), accept=False)
    assert again.value.reason == "answered"
    assert Notification.objects.filter(event="quote.answered", user=shop.office).exists()


def test_a_resent_quote_kills_the_old_link_and_a_tampered_one_opens_nothing(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    old = token(quote)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        sending.quote_resend(scope=shop.scope(shop.office), quote_id=quote.pk)
    quote.refresh_from_db()
    with pytest.raises(sending.BadLink) as dead:
        sending.quote_answer_by_link(token=old, accept=True)
    assert dead.value.reason == "old"
    with pytest.raises(sending.BadLink):
        sending.quote_by_link(token(quote)[:-2] + "xx")
    assert OutboxMessage.objects.filter(kind=sending.KIND).count() == 2
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_an_expired_quote_cannot_be_accepted_and_nothing_changes(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    assert quote.valid_until is not None
    with time_machine.travel(timezone.now() + timedelta(days=45)):
        with pytest.raises(Conflict) as refused:
            sending.quote_answer_by_link(token=token(quote), accept=True)
        assert "can no longer be accepted" in refused.value.message
        with pytest.raises(Conflict):
            sending.quote_answer(scope=shop.scope(shop.office), quote_id=quote.pk, accept=True)
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT and quote.answered_at is None
        expired = sending.quote_expire_due()
    assert expired.count == 1 and expired.numbers == [quote.number]
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.EXPIRED


def test_the_expiry_leaves_quotes_in_date(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    assert sending.quote_expire_due().count == 0
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.SENT


def test_the_office_records_a_refusal_and_cancels_another(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    office = shop.scope(shop.office)
    sending.quote_answer(scope=office, quote_id=quote.pk, accept=False, note="Troppo caro")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REFUSED
    other = ask(shop, order)
    sending.quote_cancel(scope=office, quote_id=other.pk)
    other.refresh_from_db()
    assert other.status == QuoteStatus.CANCELLED


def test_a_technician_cannot_send_or_answer(shop: Shop, order: WorkOrder):
    from django.core.exceptions import PermissionDenied

    quote = priced(shop, order)
    with pytest.raises(PermissionDenied):
        sending.quote_send(scope=shop.scope(shop.marco), quote_id=quote.pk)


# ---- Converting -------------------------------------------------------------------------------------------------


def accepted(shop: Shop, order: WorkOrder) -> Quote:
    quote = sent(shop, order)
    sending.quote_answer_by_link(token=token(quote), accept=True)
    return quote


def test_an_accepted_quote_adds_its_parts_to_its_work_order(shop: Shop, order: WorkOrder):
    quote = accepted(shop, order)
    made = converting.quote_convert(scope=shop.scope(shop.office), quote_id=quote.pk, into="work_order")
    assert made.pk == order.pk
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.CONVERTED and quote.converted_to_id == order.pk
    materials = Material.objects.filter(work_order=order).order_by("pk")
    assert [(m.code, m.description, m.quantity, m.use) for m in materials] == [
        ("FLT-100", "Filtro aria caldaia", Decimal("2.00"), "to_bring"),
        ("R32", "Gas refrigerante R32", Decimal("0.75"), "to_bring"),
    ]


def test_an_accepted_quote_becomes_a_new_work_order_with_its_materials(shop: Shop, order: WorkOrder):
    quote = accepted(shop, order)
    made = converting.quote_convert(scope=shop.scope(shop.office), quote_id=quote.pk, into="new")
    assert made.pk != order.pk
    assert (made.customer_id, made.site_id, made.work_type_id) == (shop.customer.pk, shop.site.pk, shop.work_type.pk)
    assert quote.number in made.description and "Sostituzione scambiatore" in made.description
    assert Material.objects.filter(work_order=made).count() == 2
    assert not Material.objects.filter(work_order=order).exists()


def test_only_an_accepted_quote_is_converted(shop: Shop, order: WorkOrder):
    quote = sent(shop, order)
    with pytest.raises(Conflict):
        converting.quote_convert(scope=shop.scope(shop.office), quote_id=quote.pk, into="new")
    assert WorkOrder.objects.count() == 1


def test_a_spare_parts_offer_from_the_quote_has_its_parts(shop: Shop, order: WorkOrder):
    quote = priced(shop, order)
    offer = converting.offer_from_quote(scope=shop.scope(shop.office), quote_id=quote.pk)
    assert offer.status == OfferStatus.DRAFT and offer.quote_id == quote.pk
    assert offer.number.startswith("OF-")
    assert [(x.item_id, x.quantity, x.unit_price) for x in offer.lines.order_by("position")] == [
        (shop.filter_.pk, Decimal(2), Decimal("24.90")),
        (shop.gas.pk, Decimal("0.75"), Decimal("38.00")),
    ]
    assert Offer.objects.count() == 1
