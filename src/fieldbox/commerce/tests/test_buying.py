"""Buying: a supplier order, goods received with the supplier's delivery note in one or more deliveries, more than
ordered refused with nothing written, and the month-end cost check that records the difference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fieldbox.commerce.choices import MoveKind, PurchaseStatus
from fieldbox.commerce.models import (
    CostCheck,
    CostCheckLine,
    Item,
    ItemSupplier,
    PurchaseLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    StockBalance,
    StockMove,
)
from fieldbox.commerce.services import buying
from fieldbox.commerce.services.buying import CheckedLine, OrderLine, ReceivedLine
from fieldbox.core import clock
from fieldbox.core.errors import Conflict

pytestmark = pytest.mark.django_db


def balance(location, item) -> Decimal:
    found = StockBalance.objects.filter(location=location, item=item).values_list("quantity", flat=True).first()
    return found if found is not None else Decimal(0)


def sent_order(shop, **lines) -> PurchaseOrder:
    desk = shop.scope(shop.office)
    order = buying.purchase_create(
        scope=desk,
        supplier_id=shop.supplier.pk,
        location_id=shop.warehouse.pk,
        lines=[OrderLine(shop.filter_.pk, "10"), OrderLine(shop.gas.pk, "5", "30.00")],
    )
    return buying.purchase_send(scope=desk, order_id=order.pk)


def test_an_order_is_numbered_costed_from_the_supplier_and_sent(shop):
    ItemSupplier.objects.create(item=shop.gas, supplier=shop.supplier, last_cost=Decimal("29.5"))
    desk = shop.scope(shop.office)
    order = buying.purchase_create(
        scope=desk,
        supplier_id=shop.supplier.pk,
        location_id=shop.warehouse.pk,
        lines=[OrderLine(shop.filter_.pk, "10"), OrderLine(shop.gas.pk, "2.5")],
    )
    assert order.number == f"OA-{clock.today('Europe/Rome').year}/00001"
    assert order.status == PurchaseStatus.DRAFT
    costs = {line.item_id: line.unit_cost for line in order.lines.all()}
    assert costs == {shop.filter_.pk: Decimal("8.5"), shop.gas.pk: Decimal("29.5")}  # item's, then supplier's
    buying.purchase_send(scope=desk, order_id=order.pk)
    order.refresh_from_db()
    assert order.status == PurchaseStatus.SENT and order.sent_at is not None
    with pytest.raises(Conflict, match="sent to the supplier"):
        buying.purchase_edit(
            scope=desk, order_id=order.pk, location_id=shop.warehouse.pk, lines=[OrderLine(shop.filter_.pk, "1")]
        )


def test_bad_lines_are_refused_naming_the_line_and_nothing_is_written(shop):
    desk = shop.scope(shop.office)
    for lines, words in (
        ([OrderLine(shop.filter_.pk, "-1")], "Line 1"),
        ([OrderLine(shop.filter_.pk, "1"), OrderLine(shop.gas.pk, "1", "1.123456")], "Line 2: At most 4 decimals"),
        ([], "at least one line"),
    ):
        with pytest.raises(ValidationError, match=words):
            buying.purchase_create(scope=desk, supplier_id=shop.supplier.pk, location_id=shop.warehouse.pk, lines=lines)
    with pytest.raises(ValidationError) as refused:
        buying.purchase_create(
            scope=desk, supplier_id=shop.supplier.pk, location_id=shop.van1.pk + 999, lines=[OrderLine(shop.gas.pk, 1)]
        )
    assert "location_id" in refused.value.message_dict
    assert not PurchaseOrder.objects.exists()


def test_a_technician_may_not_buy(shop):
    with pytest.raises(PermissionDenied):
        buying.purchase_create(
            scope=shop.scope(shop.marco),
            supplier_id=shop.supplier.pk,
            location_id=shop.warehouse.pk,
            lines=[OrderLine(shop.gas.pk, 1)],
        )


def test_partial_deliveries_move_stock_in_and_close_the_order(shop):
    order = sent_order(shop)
    desk = shop.scope(shop.office)
    flt, gas = (order.lines.get(item=shop.filter_), order.lines.get(item=shop.gas))
    first = buying.receipt_create(
        scope=desk,
        order_id=order.pk,
        supplier_ddt="DDT 881",
        supplier_ddt_date=date(2026, 1, 10),
        lines=[ReceivedLine(flt.pk, "4", "8.75"), ReceivedLine(gas.pk, "5")],
    )
    order.refresh_from_db()
    assert order.status == PurchaseStatus.PARTIAL
    assert balance(shop.warehouse, shop.filter_) == 4 and balance(shop.warehouse, shop.gas) == 5
    moves = StockMove.objects.filter(document="receipt", document_id=first.pk)
    assert {(m.kind, m.item_id, m.quantity, m.unit_cost) for m in moves} == {
        (MoveKind.RECEIPT, shop.filter_.pk, Decimal(4), Decimal("8.75")),
        (MoveKind.RECEIPT, shop.gas.pk, Decimal(5), Decimal("30")),
    }
    assert ReceiptLine.objects.filter(receipt=first, move__isnull=False).count() == 2
    assert Item.objects.get(pk=shop.filter_.pk).last_cost == Decimal("8.75")
    assert ItemSupplier.objects.get(item=shop.filter_, supplier=shop.supplier).last_cost == Decimal("8.75")

    buying.receipt_create(
        scope=desk,
        order_id=order.pk,
        supplier_ddt="DDT 902",
        supplier_ddt_date=date(2026, 1, 20),
        lines=[ReceivedLine(flt.pk, "6")],
    )
    order.refresh_from_db()
    assert order.status == PurchaseStatus.RECEIVED
    assert balance(shop.warehouse, shop.filter_) == 10
    assert PurchaseLine.objects.get(pk=flt.pk).received == 10
    with pytest.raises(Conflict):
        buying.receipt_create(
            scope=desk, order_id=order.pk, supplier_ddt="X", supplier_ddt_date=date(2026, 1, 21), lines=[]
        )


def test_receiving_more_than_ordered_is_refused_naming_the_line_and_writes_nothing(shop):
    order = sent_order(shop)
    desk = shop.scope(shop.office)
    flt, gas = (order.lines.get(item=shop.filter_), order.lines.get(item=shop.gas))
    with pytest.raises(ValidationError) as refused:
        buying.receipt_create(
            scope=desk,
            order_id=order.pk,
            supplier_ddt="DDT 881",
            supplier_ddt_date=date(2026, 1, 10),
            lines=[ReceivedLine(gas.pk, "5"), ReceivedLine(flt.pk, "11")],
        )
    assert "FLT-100: 10 ordered, 0 already received: at most 10 more" in refused.value.message_dict["lines"][0]
    assert not Receipt.objects.exists() and not StockMove.objects.exists()
    assert balance(shop.warehouse, shop.gas) == 0
    order.refresh_from_db()
    assert order.status == PurchaseStatus.SENT
    assert set(order.lines.values_list("received", flat=True)) == {Decimal(0)}


def test_a_receipt_needs_the_suppliers_delivery_note(shop):
    order = sent_order(shop)
    line = order.lines.first()
    with pytest.raises(ValidationError) as refused:
        buying.receipt_create(
            scope=shop.scope(shop.office),
            order_id=order.pk,
            supplier_ddt=" ",
            supplier_ddt_date=None,
            lines=[ReceivedLine(line.pk, "1")],
        )
    assert set(refused.value.message_dict) == {"supplier_ddt", "supplier_ddt_date"}
    assert not Receipt.objects.exists()


def test_the_month_end_check_records_the_difference_and_never_edits_the_receipt(shop):
    order = sent_order(shop)
    desk = shop.scope(shop.office)
    flt, gas = (order.lines.get(item=shop.filter_), order.lines.get(item=shop.gas))
    receipt = buying.receipt_create(
        scope=desk,
        order_id=order.pk,
        supplier_ddt="DDT 881",
        supplier_ddt_date=date(2026, 1, 10),
        lines=[ReceivedLine(flt.pk, "3"), ReceivedLine(gas.pk, "2.5")],
    )
    r_flt, r_gas = receipt.lines.get(order_line=flt), receipt.lines.get(order_line=gas)
    run = buying.cost_check_create(
        scope=desk,
        supplier_id=shop.supplier.pk,
        invoice_number="FT 77/2026",
        invoice_date=date(2026, 1, 31),
        lines=[CheckedLine(r_flt.pk, "8.8333"), CheckedLine(r_gas.pk, "30")],
    )
    rows = {row.receipt_line_id: row for row in run.lines.all()}
    assert rows[r_flt.pk].provisional_cost == Decimal("8.5")
    assert rows[r_flt.pk].difference == Decimal("1.00")  # (8.8333 - 8.5) x 3 = 0.9999, rounded once
    assert rows[r_gas.pk].difference == Decimal("0.00")
    assert Item.objects.get(pk=shop.filter_.pk).last_cost == Decimal("8.8333")
    r_flt.refresh_from_db()
    assert r_flt.unit_cost == Decimal("8.5")
    assert StockMove.objects.get(pk=r_flt.move_id).unit_cost == Decimal("8.5")
    # A line is checked once; the same invoice twice is refused.
    with pytest.raises(ValidationError, match="already checked"):
        buying.cost_check_create(
            scope=desk,
            supplier_id=shop.supplier.pk,
            invoice_number="FT 78/2026",
            invoice_date=date(2026, 1, 31),
            lines=[CheckedLine(r_flt.pk, "9")],
        )
    assert CostCheck.objects.count() == 1 and CostCheckLine.objects.count() == 2


def test_units_tracked_by_serial_are_received_with_one_serial_each(shop):
    from fieldbox.commerce.models import SerialNumber

    box = Item.objects.create(organisation=shop.org, code="TBOX", description="Centralina", serialised=True)
    desk = shop.scope(shop.office)
    order = buying.purchase_create(
        scope=desk, supplier_id=shop.supplier.pk, location_id=shop.warehouse.pk, lines=[OrderLine(box.pk, "2", "90")]
    )
    buying.purchase_send(scope=desk, order_id=order.pk)
    line = order.lines.get()
    with pytest.raises(ValidationError, match="one serial for each of the 2 units"):
        buying.receipt_create(
            scope=desk,
            order_id=order.pk,
            supplier_ddt="D1",
            supplier_ddt_date=date(2026, 1, 5),
            lines=[ReceivedLine(line.pk, "2", serials=("TBA001",))],
        )
    buying.receipt_create(
        scope=desk,
        order_id=order.pk,
        supplier_ddt="D1",
        supplier_ddt_date=date(2026, 1, 5),
        lines=[ReceivedLine(line.pk, "2", serials=("TBA001", "TBA002"))],
    )
    assert balance(shop.warehouse, box) == 2
    assert set(SerialNumber.objects.filter(location=shop.warehouse).values_list("serial", flat=True)) == {
        "TBA001",
        "TBA002",
    }
    assert PurchaseLine.objects.get(pk=line.pk).received == 2


def test_sending_emails_the_order_pdf_to_the_supplier(shop):
    from fieldbox.commerce.services import buying_mail
    from fieldbox.messaging.models import OutboxMessage

    order = sent_order(shop)
    mail = OutboxMessage.objects.get(kind=buying_mail.KIND)
    assert mail.recipient == "ordini@ricambi.example" and order.number in mail.subject
    assert buying_mail.render(order).startswith(b"%PDF")


@pytest.mark.postgres  # two connections at once: SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_two_receipts_at_once_cannot_exceed_the_order(shop):
    import threading

    from django.db import connections

    order = sent_order(shop)
    flt = order.lines.get(item=shop.filter_)
    ready = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    def receive(ddt: str) -> None:
        try:
            ready.wait()
            buying.receipt_create(
                scope=shop.scope(shop.office),
                order_id=order.pk,
                supplier_ddt=ddt,
                supplier_ddt_date=date(2026, 1, 10),
                lines=[ReceivedLine(flt.pk, "6")],
            )
            outcomes.append("received")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive, args=(ddt,)) for ddt in ("A1", "B2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["received", "refused"]
    assert PurchaseLine.objects.get(pk=flt.pk).received == 6
    assert balance(shop.warehouse, shop.filter_) == 6 and Receipt.objects.count() == 1
