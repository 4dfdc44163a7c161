"""Delivery notes: a draft by hand, from a signed work order's materials or from an order; numbered only when issued,
with no gap and no duplicate (also under concurrent issuing with rolled-back transactions); an issued note never
changes; issuing from a location moves the goods to the customer; cancelling keeps the number; the PDF."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from fieldbox.commerce.choices import DeliveryNoteStatus, LocationKind, MoveKind, TransportReason
from fieldbox.commerce.delivery_pdf import render
from fieldbox.commerce.models import DeliveryNote, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import delivery, ledger
from fieldbox.commerce.services.delivery import Header, NoteLine
from fieldbox.commerce.services.stock import location_for_customer
from fieldbox.core import clock
from fieldbox.core.errors import Conflict

pytestmark = pytest.mark.django_db
YEAR = clock.today("Europe/Rome").year


def balance(location, item) -> Decimal:
    found = StockBalance.objects.filter(location=location, item=item).values_list("quantity", flat=True).first()
    return found if found is not None else Decimal(0)


def stock(shop, location, item, quantity) -> None:
    opening, _ = StockLocation.objects.get_or_create(
        organisation=shop.org, kind=LocationKind.INVENTORY, name="Apertura"
    )
    ledger.post(
        organisation_id=shop.org.pk,
        kind=MoveKind.OPENING,
        lines=[ledger.Line(item.pk, Decimal(quantity), opening.pk, location.pk)],
        user_id=None,
    )


def draft(shop, user=None, **header) -> DeliveryNote:
    return delivery.delivery_create(
        scope=shop.scope(user or shop.office),
        customer_id=shop.customer.pk,
        header=Header(destination_id=shop.site.pk, carrier="BRT", packages=2, weight_kg="3.5", **header),
        lines=[NoteLine(item_id=shop.filter_.pk, quantity="3"), NoteLine("Staffa di fissaggio", "2")],
    )


def test_a_draft_has_no_number_and_issuing_numbers_it_and_ships_the_goods(shop):
    stock(shop, shop.warehouse, shop.filter_, 5)
    note = draft(shop, source_id=shop.warehouse.pk)
    assert note.number == "" and note.status == DeliveryNoteStatus.DRAFT
    assert [line.description for line in note.lines.all()] == ["Filtro aria caldaia", "Staffa di fissaggio"]
    issued = delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    assert issued.number == f"DDT-{YEAR}/00001" and issued.status == DeliveryNoteStatus.ISSUED
    assert issued.issued_on is not None
    assert issued.parties["recipient"]["name"] == "Condominio Aurora"
    assert issued.parties["destination"]["city"] == "Bologna"
    at_customer = location_for_customer(shop.org.pk, shop.customer.pk)
    assert balance(shop.warehouse, shop.filter_) == 2 and balance(at_customer, shop.filter_) == 3
    assert StockMove.objects.get(document="ddt", document_id=note.pk).kind == MoveKind.DELIVERY
    second = delivery.delivery_issue(scope=shop.scope(shop.marco), note_id=draft(shop, shop.marco).pk)
    assert second.number == f"DDT-{YEAR}/00002"  # a technician issues one too


def test_an_issued_note_never_changes(shop):
    note = draft(shop)
    delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    with pytest.raises(Conflict, match="issued: it cannot change"):
        delivery.delivery_edit(
            scope=shop.scope(shop.office), note_id=note.pk, header=Header(), lines=[NoteLine("Altro", "1")]
        )
    with pytest.raises(Conflict):
        delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    note.refresh_from_db()
    assert note.number == f"DDT-{YEAR}/00001" and note.lines.count() == 2


def test_cancelling_keeps_the_number_used_and_reverses_the_goods(shop):
    stock(shop, shop.warehouse, shop.filter_, 5)
    note = delivery.delivery_issue(scope=shop.scope(shop.office), note_id=draft(shop, source_id=shop.warehouse.pk).pk)
    with pytest.raises(ValidationError) as refused:
        delivery.delivery_cancel(scope=shop.scope(shop.office), note_id=note.pk)
    assert "reason" in refused.value.message_dict
    delivery.delivery_cancel(scope=shop.scope(shop.office), note_id=note.pk, reason="Indirizzo sbagliato")
    note.refresh_from_db()
    assert note.status == DeliveryNoteStatus.CANCELLED and note.number == f"DDT-{YEAR}/00001"
    assert balance(shop.warehouse, shop.filter_) == 5
    following = delivery.delivery_issue(scope=shop.scope(shop.office), note_id=draft(shop).pk)
    assert following.number == f"DDT-{YEAR}/00002"
    assert b"%PDF" in render(note)[:8]


def test_bad_input_is_refused_naming_the_field_and_writes_nothing(shop):
    desk = shop.scope(shop.office)
    cases = [
        (Header(packages=0), [NoteLine("x", "1")], "packages"),
        (Header(weight_kg="-2"), [NoteLine("x", "1")], "weight_kg"),
        (Header(reason="gift"), [NoteLine("x", "1")], "reason"),
        (Header(source_id=shop.supplier.pk + 999), [NoteLine("x", "1")], "source_id"),
        (Header(), [NoteLine("x", "-1")], "lines"),
        (Header(), [NoteLine("", "1")], "lines"),
    ]
    for header, lines, field in cases:
        with pytest.raises(ValidationError) as refused:
            delivery.delivery_create(scope=desk, customer_id=shop.customer.pk, header=header, lines=lines)
        assert field in refused.value.message_dict
    assert not DeliveryNote.objects.exists()


def test_a_note_from_a_location_short_of_stock_is_refused_and_keeps_no_number(shop):
    note = draft(shop, source_id=shop.van1.pk)  # the van holds nothing
    with pytest.raises(ValidationError, match="Not enough FLT-100"):
        delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    note.refresh_from_db()
    assert note.status == DeliveryNoteStatus.DRAFT and note.number == ""
    stock(shop, shop.van1, shop.filter_, 3)
    assert delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk).number == f"DDT-{YEAR}/00001"


def test_the_pdf_shows_the_italian_ddt(shop):
    note = delivery.delivery_issue(scope=shop.scope(shop.office), note_id=draft(shop).pk)
    from fieldbox.commerce.delivery_pdf import TEMPLATE, context
    from fieldbox.commerce.pdf import render_html

    html = render_html(TEMPLATE, context(note, shop.org), "it")
    for words in (note.number, "Condominio Aurora", "Via Roma 1", "BRT", "Filtro aria caldaia", "3,5"):
        assert words in html
    assert render(note).startswith(b"%PDF")


def test_a_note_of_a_signed_work_orders_materials_moves_nothing(shop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from fieldbox.commerce.tests.test_field import signed_report, started_order, stock_van

    stock_van(shop, shop.filter_, 5)
    stock_van(shop, shop.gas, 5)
    order = started_order(shop)
    with pytest.raises(ValidationError, match="signed report"):
        delivery.delivery_from_work_order(scope=shop.scope(shop.office), work_order_id=order.pk)
    signed_report(shop, order)
    note = delivery.delivery_from_work_order(scope=shop.scope(shop.office), work_order_id=order.pk)
    assert note.reason == TransportReason.WORK and note.source_id is None and note.destination_id == shop.site.pk
    assert [(line.description, line.quantity) for line in note.lines.all()][:2] == [
        ("Filtro aria", Decimal(2)),
        ("Gas R32", Decimal("1.5")),
    ]
    moves = StockMove.objects.count()
    delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    assert StockMove.objects.count() == moves


@pytest.mark.postgres  # several connections at once: SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_with_rolled_back_transactions_leaves_no_gap_and_no_duplicate(shop):
    workers, each = 8, 5
    notes = [draft(shop).pk for _ in range(workers * each)]
    ready = threading.Barrier(workers, timeout=20)
    kept: list[str] = []
    failures: list[BaseException] = []

    class Undone(Exception):
        pass

    def work(n: int) -> None:
        try:
            ready.wait()
            for k, pk in enumerate(notes[n::workers]):
                try:
                    with transaction.atomic():
                        issued = delivery.delivery_issue(scope=shop.scope(shop.office), note_id=pk)
                        if (n + k) % 4 == 0:
                            raise Undone  # after the number was taken
                    kept.append(issued.number)
                except Undone:
                    pass
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures
    issued = list(DeliveryNote.objects.filter(status=DeliveryNoteStatus.ISSUED).values_list("number", flat=True))
    assert sorted(issued) == sorted(kept)
    assert 0 < len(issued) < workers * each
    assert sorted(issued) == [f"DDT-{YEAR}/{n:05d}" for n in range(1, len(issued) + 1)]  # no gap, no duplicate
    assert DeliveryNote.objects.filter(status=DeliveryNoteStatus.DRAFT, number="").count() == workers * each - len(
        issued
    )


def test_an_issued_note_is_emailed_to_the_customers_default_contact(shop):
    from fieldbox.commerce.services import delivery_mail
    from fieldbox.messaging.models import OutboxMessage

    note = draft(shop)
    with pytest.raises(Conflict, match="Only an issued"):
        delivery_mail.delivery_send(scope=shop.scope(shop.office), note_id=note.pk)
    delivery.delivery_issue(scope=shop.scope(shop.office), note_id=note.pk)
    assert delivery_mail.delivery_send(scope=shop.scope(shop.office), note_id=note.pk) == "giulia@aurora.example"
    with pytest.raises(ValidationError):
        delivery_mail.delivery_send(scope=shop.scope(shop.office), note_id=note.pk, to="not-an-address")
    mail = OutboxMessage.objects.get(kind=delivery_mail.KIND)
    assert f"DDT-{YEAR}/00001" in mail.subject


def test_a_note_of_an_order_ships_its_cart_and_delivers_the_order(shop):
    from fieldbox.commerce.choices import OfferStatus
    from fieldbox.commerce.models import Offer, OfferLine

    stock(shop, shop.warehouse, shop.filter_, 5)
    offer = Offer.objects.create(
        organisation=shop.org,
        number="OF-2026/00007",
        status=OfferStatus.ORDERED,
        customer=shop.customer,
        site=shop.site,
        billing_customer=shop.customer,
    )
    OfferLine.objects.create(
        offer=offer, position=1, item=shop.filter_, description="Filtro", quantity=2, unit_price=Decimal("24.9")
    )
    desk = shop.scope(shop.office)
    with pytest.raises(ValidationError):
        delivery.delivery_from_offer(scope=desk, offer_id=offer.pk, source_id=shop.customer.pk + 10_000)
    note = delivery.delivery_from_offer(scope=desk, offer_id=offer.pk, source_id=shop.warehouse.pk)
    assert note.offer == offer and note.destination == shop.site
    assert [(line.item_id, line.quantity) for line in note.lines.all()] == [(shop.filter_.pk, Decimal(2))]
    delivery.delivery_issue(scope=desk, note_id=note.pk)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DELIVERED
    assert balance(shop.warehouse, shop.filter_) == 3
