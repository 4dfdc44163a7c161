"""Spare-parts offers → orders (SYS "Ordini/Offerte"): a new offer for a customer's serial, its cart priced from the
customer's list, its data; sent with its PDF and link; accepted into an order with the same number and history;
and every bad input refused with a clear message, nothing written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.choices import OfferStatus, VatTreatment
from fieldbox.commerce.models import CommerceSettings, Offer, OfferLine
from fieldbox.commerce.services import offers as services
from fieldbox.commerce.services import offers_answers as answers
from fieldbox.commerce.services import offers_document as document
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Equipment

pytestmark = pytest.mark.django_db
NOW = "2026-12-03 10:00:00+01:00"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def equipment(shop: Shop, customer: Customer | None = None, serial: str = "CLD-0001") -> Equipment:
    return Equipment.objects.create(
        organisation=shop.org,
        customer=customer or shop.customer,
        site=shop.site if customer is None else None,
        name="Caldaia",
        serial=serial,
    )


def draft(shop: Shop, **data) -> Offer:
    return services.offer_create(scope=shop.scope(shop.office), customer_id=shop.customer.pk, **data)


def with_cart(shop: Shop, **data) -> Offer:
    offer = draft(shop, **data)
    scope = shop.scope(shop.office)
    services.offer_line_add(scope=scope, offer_id=offer.pk, item_id=shop.filter_.pk, quantity="2")
    services.offer_line_add(scope=scope, offer_id=offer.pk, item_id=shop.gas.pk, quantity="1,5", discount="10")
    return offer


def sent(shop: Shop, **data) -> Offer:
    offer = with_cart(shop, **data)
    answers.offer_send(scope=shop.scope(shop.office), offer_id=offer.pk)
    offer.refresh_from_db()
    return offer


def test_a_new_offer_has_its_number_defaults_and_the_customers_serial(shop):
    serial = equipment(shop)
    offer = draft(shop, equipment_id=serial.pk)
    assert offer.number == "OF-2026/00001"
    assert offer.status == OfferStatus.DRAFT
    assert offer.equipment == serial and offer.site == shop.site  # the serial's site
    assert offer.contact == shop.contact  # the customer's default contact
    assert offer.billing_customer == shop.customer and offer.billing_contact == shop.contact
    assert offer.price_list == shop.public
    assert offer.valid_until == date(2026, 12, 3) + timedelta(days=30)
    assert draft(shop).number == "OF-2026/00002"


def test_the_customers_only_site_is_the_default(shop):
    assert draft(shop).site == shop.site
    CustomerAddress.objects.create(customer=shop.customer, street="Via Emilia 2", city="Modena")
    assert draft(shop).site is None  # two sites: the office chooses


def test_the_validity_comes_from_the_organisations_settings(shop):
    CommerceSettings.objects.create(organisation=shop.org, offer_valid_days=10)
    assert draft(shop).valid_until == date(2026, 12, 13)


def test_an_offer_for_another_customers_serial_is_refused_naming_the_field(shop):
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Hotel Sole")
    theirs = equipment(shop, other, "CLD-9")
    with pytest.raises(ValidationError) as refused:
        draft(shop, equipment_id=theirs.pk)
    assert "equipment_id" in refused.value.message_dict
    assert "another customer" in refused.value.message_dict["equipment_id"][0]
    assert not Offer.objects.exists()


def test_another_organisations_serial_is_not_found(shop, other_tenant):
    stranger = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Altro")
    theirs = Equipment.objects.create(organisation=other_tenant.company, customer=stranger, name="X", serial="X1")
    with pytest.raises(Equipment.DoesNotExist):
        draft(shop, equipment_id=theirs.pk)
    assert not Offer.objects.exists()


def test_billing_may_be_another_customer_with_its_site(shop):
    payer = Customer.objects.create(organisation=shop.org, kind="company", company_name="Amministrazioni Srl")
    office = CustomerAddress.objects.create(customer=payer, street="Via Indipendenza 5", city="Bologna")
    offer = draft(shop, billing_customer_id=payer.pk, billing_site_id=office.pk)
    assert offer.billing_customer == payer and offer.billing_site == office and offer.billing_contact is None
    with pytest.raises(ValidationError) as refused:
        draft(shop, billing_customer_id=payer.pk, billing_site_id=shop.site.pk)
    assert set(refused.value.message_dict) == {"billing_site_id"}


def test_bad_offer_data_is_named_field_by_field(shop):
    with pytest.raises(ValidationError) as refused:
        draft(
            shop,
            delivery_days=-1,
            payment="barter",
            vat="99",
            delivery_terms="x",
            transport="y",
            valid_until=date(2026, 12, 1),
        )
    assert set(refused.value.message_dict) == {
        "delivery_days",
        "payment",
        "vat",
        "delivery_terms",
        "transport",
        "valid_until",
    }
    assert not Offer.objects.exists()


def test_the_cart_takes_the_list_prices_and_totals_round_once(shop):
    offer = with_cart(shop)
    lines = reads.lines_of(offer)
    assert [(line.line.unit_price, line.amount) for line in lines] == [
        (Decimal("24.90"), Decimal("49.80")),
        (Decimal("38.00"), Decimal("51.30")),  # 1.5 kg at 38.00 less 10%
    ]
    totals = reads.totals_of(offer)
    assert (totals.net, totals.vat, totals.total) == (Decimal("101.10"), Decimal("22.24"), Decimal("123.34"))
    assert reads.totals("N6", [Decimal("10")]).vat == Decimal("0.00")  # reverse charge: no VAT on the offer


def test_a_written_price_and_a_line_in_words(shop):
    offer = draft(shop)
    scope = shop.scope(shop.office)
    line = services.offer_line_add(
        scope=scope, offer_id=offer.pk, description="Trasporto urgente", quantity="1", unit_price="35,5"
    )
    assert line.unit_price == Decimal("35.5") and line.item is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"unit_price": "-3"}, "unit_price"),
        ({"unit_price": "1.23456"}, "unit_price"),
        ({"discount": "101"}, "discount"),
        ({"quantity": "due"}, "quantity"),
    ],
)
def test_bad_quantities_and_prices_are_refused_and_nothing_is_written(shop, given, field):
    offer = draft(shop)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.offer_line_add(
            scope=shop.scope(shop.office), offer_id=offer.pk, item_id=shop.filter_.pk, **{"quantity": "1", **given}
        )
    assert set(refused.value.message_dict) == {field}
    assert not OfferLine.objects.exists() and AuditEvent.objects.count() == before


def test_an_item_without_a_price_on_the_list_needs_one_written(shop):
    shop.filter_.prices.all().delete()
    offer = draft(shop)
    with pytest.raises(ValidationError) as refused:
        services.offer_line_add(scope=shop.scope(shop.office), offer_id=offer.pk, item_id=shop.filter_.pk)
    assert set(refused.value.message_dict) == {"unit_price"}


def test_lines_change_and_go_while_a_draft(shop):
    offer = with_cart(shop)
    scope = shop.scope(shop.office)
    first, second = offer.lines.all()
    services.offer_line_change(scope=scope, line_id=first.pk, quantity="3", unit_price="20", discount="5")
    services.offer_line_remove(scope=scope, line_id=second.pk)
    assert reads.totals_of(offer).net == Decimal("57.00")
    with pytest.raises(ValidationError):
        services.offer_line_change(scope=scope, line_id=first.pk, quantity="-2")
    first.refresh_from_db()
    assert first.quantity == Decimal(3)


def test_a_sent_offer_cannot_change(shop):
    offer = sent(shop)
    scope = shop.scope(shop.office)
    line = offer.lines.first()
    with pytest.raises(Conflict) as refused:
        services.offer_line_add(scope=scope, offer_id=offer.pk, item_id=shop.filter_.pk)
    assert "cannot change" in refused.value.message
    with pytest.raises(Conflict):
        services.offer_line_change(scope=scope, line_id=line.pk, quantity="9")
    with pytest.raises(Conflict):
        services.offer_line_remove(scope=scope, line_id=line.pk)
    with pytest.raises(Conflict):
        services.offer_edit(scope=scope, offer_id=offer.pk, billing_customer_id=shop.customer.pk)
    assert offer.lines.count() == 2 and line.quantity == OfferLine.objects.get(pk=line.pk).quantity


def test_the_price_list_may_change_and_reprice_the_cart(shop):
    from fieldbox.commerce.models import Price, PriceList

    dealer = PriceList.objects.create(organisation=shop.org, name="Rivenditori")
    Price.objects.create(price_list=dealer, item=shop.filter_, price=Decimal("19.90"), valid_from=date(2026, 1, 1))
    offer = with_cart(shop)
    services.offer_edit(
        scope=shop.scope(shop.office),
        offer_id=offer.pk,
        billing_customer_id=shop.customer.pk,
        price_list_id=dealer.pk,
        reprice=True,
    )
    prices = sorted(offer.lines.values_list("unit_price", flat=True))
    assert prices == [Decimal("19.90"), Decimal("38.00")]  # the gas has no dealer price: it keeps its own
    offer.refresh_from_db()
    assert offer.site == shop.site and offer.contact == shop.contact  # what was not given stays


def test_technicians_may_not_write_offers(shop):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.offer_create(scope=shop.scope(shop.marco), customer_id=shop.customer.pk)


def test_another_organisations_offer_is_not_found(shop, other_tenant):
    from fieldbox.accounts.tests.fixtures import scope_of

    offer = draft(shop)
    stranger = scope_of(other_tenant.company_admin, other_tenant.company)
    with pytest.raises(Offer.DoesNotExist):
        services.offer_line_add(scope=stranger, offer_id=offer.pk, description="x", unit_price="1")
    with pytest.raises(Http404):
        reads.offer_for(stranger, offer.pk)


# ---- Sending, answering, ordering ---------------------------------------------------------------------------------


def test_sending_mails_the_pdf_and_the_link_to_the_contact(shop):
    offer = sent(shop)
    assert offer.status == OfferStatus.SENT and offer.sent_at is not None
    mail = OutboxMessage.objects.get(kind=answers.KIND)
    assert mail.recipient == "giulia@aurora.example"
    assert offer.number in mail.subject
    assert answers.link_of(offer) in mail.body
    assert "/of/" in answers.link_of(offer)


def test_an_empty_cart_or_nobody_to_send_to_is_refused(shop):
    offer = draft(shop)
    scope = shop.scope(shop.office)
    with pytest.raises(ValidationError) as refused:
        answers.offer_send(scope=scope, offer_id=offer.pk)
    assert set(refused.value.message_dict) == {"lines"}
    services.offer_line_add(scope=scope, offer_id=offer.pk, item_id=shop.filter_.pk)
    shop.contact.email = ""
    shop.contact.save()
    shop.customer.email = ""
    shop.customer.save()
    with pytest.raises(ValidationError) as refused:
        answers.offer_send(scope=scope, offer_id=offer.pk)
    assert set(refused.value.message_dict) == {"contact_id"}
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DRAFT and not OutboxMessage.objects.exists()


def test_the_pdf_shows_prices_and_totals_or_only_items_and_quantities(shop):
    priced = with_cart(shop)
    text = document.html(priced)
    assert "FLT-100" in text and "Filtro aria caldaia" in text
    assert "24.9" in text.replace(",", ".") and "123.34" in text.replace(",", ".")
    hidden = with_cart(shop)
    services.offer_edit(
        scope=shop.scope(shop.office), offer_id=hidden.pk, billing_customer_id=shop.customer.pk, show_prices=False
    )
    hidden.refresh_from_db()
    text = document.html(hidden)
    assert "Filtro aria caldaia" in text and "Gas refrigerante R32" in text
    assert "€" not in text and "24.9" not in text.replace(",", ".") and 'data-field="totals"' not in text
    assert document.render(hidden).startswith(b"%PDF")


def test_the_pdf_is_in_the_customers_language(shop):
    shop.customer.language = "en"
    shop.customer.save()
    offer = with_cart(shop)
    assert "Spare-parts offer" in document.html(offer)


def test_accepting_makes_an_order_with_the_same_number_and_history(shop):
    offer = sent(shop, delivery_days=10)
    answers.offer_answer(scope=shop.scope(shop.office), offer_id=offer.pk, accept=True, reference="ODA-77")
    order = Offer.objects.get(pk=offer.pk)
    assert order.status == OfferStatus.ORDERED and order.number == offer.number
    assert order.customer_reference == "ODA-77" and order.ordered_at is not None
    assert reads.expected_delivery(order) == date(2026, 12, 13)
    actions = [e.action for e in reads.history_of(order)]
    assert actions[0] == "offer.create" and actions[-2:] == ["offer.send", "offer.order"]


def test_an_expired_offer_cannot_be_accepted(shop):
    offer = sent(shop)
    with time_machine.travel("2027-01-03 10:00:00+01:00", tick=False), pytest.raises(Conflict) as refused:
        answers.offer_answer(scope=shop.scope(shop.office), offer_id=offer.pk, accept=True)
    assert "expired" in refused.value.message
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT and offer.ordered_at is None


def test_offers_past_their_day_expire(shop):
    offer = sent(shop)
    drafted = with_cart(shop)
    assert answers.offers_expire() == 0
    with time_machine.travel("2027-01-02 23:30:00+01:00", tick=False):  # the last day, on Rome's clock
        assert answers.offers_expire() == 0
    with time_machine.travel("2027-01-03 00:30:00+01:00", tick=False):
        assert answers.offers_expire() == 1
    offer.refresh_from_db()
    drafted.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED and drafted.status == OfferStatus.DRAFT


def test_the_customer_answers_by_the_link(shop):
    offer = sent(shop)
    token = answers.link_of(offer).rstrip("/").rsplit("/", 1)[1]
    assert answers.offer_by_link(token) == offer
    answers.offer_answer_by_link(token=token, accept=True, reference="PO 12")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ORDERED and offer.customer_reference == "PO 12"
    event = AuditEvent.objects.get(action="offer.order")
    assert event.actor is None and event.data["by"] == "customer" and event.organisation_id == shop.org.pk


def test_sending_again_kills_the_old_link(shop):
    from django.core import signing

    offer = sent(shop)
    old = answers.link_of(offer).rstrip("/").rsplit("/", 1)[1]
    answers.offer_send(scope=shop.scope(shop.office), offer_id=offer.pk, again=True)
    with pytest.raises(signing.BadSignature):
        answers.offer_by_link(old)
    with pytest.raises(signing.BadSignature):
        answers.offer_by_link(old[:-2] + "xx")
    assert OutboxMessage.objects.filter(kind=answers.KIND).count() == 2


def test_refused_cancelled_and_delivered(shop):
    scope = shop.scope(shop.office)
    refused = sent(shop)
    answers.offer_answer(scope=scope, offer_id=refused.pk, accept=False, note="Troppo caro")
    refused.refresh_from_db()
    assert refused.status == OfferStatus.REFUSED and refused.answer_note == "Troppo caro"
    with pytest.raises(Conflict):
        answers.offer_answer(scope=scope, offer_id=refused.pk, accept=True)
    order = sent(shop)
    answers.offer_answer(scope=scope, offer_id=order.pk, accept=True)
    answers.offer_deliver(scope=scope, offer_id=order.pk, delivery_note="DDT-2026/00001")
    order.refresh_from_db()
    assert order.status == OfferStatus.DELIVERED
    with pytest.raises(Conflict):
        answers.offer_cancel(scope=scope, offer_id=order.pk)
    gone = draft(shop)
    answers.offer_cancel(scope=scope, offer_id=gone.pk, reason="Doppia")
    gone.refresh_from_db()
    assert gone.status == OfferStatus.CANCELLED


def test_vat_treatments_without_a_rate(shop):
    offer = with_cart(shop, vat=VatTreatment.REVERSE_CHARGE)
    totals = reads.totals_of(offer)
    assert totals.vat == Decimal("0.00") and totals.total == totals.net
