"""Stock used in the field: signing a work report takes its materials out of the technician's van (used ones as
consumption, the ones left with the customer as left), moves nothing for codes that are not items kept in stock,
lists what was left to bill, never fails for a van short of stock, and a signed correction replaces the moves."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import Billable, CommerceSettings, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import field, ledger
from fieldbox.commerce.services.stock import location_for_customer
from fieldbox.service.choices import MaterialUse, ReportStatus
from fieldbox.service.services.reports import MaterialLine, report_correct, report_draft, report_sign, report_update
from fieldbox.service.services.work_orders import (
    work_order_answer,
    work_order_create,
    work_order_move,
    work_order_plan,
)
from fieldbox.service.tests.test_reports import NOW, at, drawing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def balance(location, item) -> Decimal:
    found = StockBalance.objects.filter(location=location, item=item).values_list("quantity", flat=True).first()
    return found if found is not None else Decimal(0)


def stock_van(shop, item, quantity) -> None:
    opening, _ = StockLocation.objects.get_or_create(
        organisation=shop.org, kind=LocationKind.INVENTORY, name="Apertura"
    )
    ledger.post(
        organisation_id=shop.org.pk,
        kind=MoveKind.OPENING,
        lines=[ledger.Line(item.pk, Decimal(quantity), opening.pk, shop.van1.pk)],
        user_id=None,
    )


def started_order(shop):
    desk = shop.scope(shop.office)
    order = work_order_create(scope=desk, customer_id=shop.customer.pk, site_id=shop.site.pk, description="Caldaia")
    work_order_plan(scope=desk, work_order_id=order.pk, starts_at=at(9), minutes=120, technician_id=shop.marco.pk)
    work_order_move(scope=desk, work_order_id=order.pk, action="send")
    mine = shop.scope(shop.marco)
    work_order_answer(scope=mine, work_order_id=order.pk, accept=True)
    work_order_move(scope=mine, work_order_id=order.pk, action="start")
    return order


MATERIALS = [
    MaterialLine("Filtro aria", "2", "pc", "FLT-100"),
    MaterialLine("Gas R32", "1.5", "kg", "R32", use=MaterialUse.LEFT),
    MaterialLine("Manodopera extra", "1", "h", "MO", use=MaterialUse.LEFT),  # an item not kept in stock
    MaterialLine("Nastro isolante", "1", "pc", "NOPE", use=MaterialUse.USED),  # no such item
]


def signed_report(shop, order, materials=MATERIALS, report_id=None):
    mine = shop.scope(shop.marco)
    report = report_draft(scope=mine, work_order_id=order.pk) if report_id is None else None
    report_id = report_id or report.pk
    report_update(
        scope=mine,
        report_id=report_id,
        arrived_at=at(9, 5),
        left_at=at(11, 20),
        work_done="Sostituito il filtro, ricaricato il gas.",
        materials=materials,
    )
    with time_machine.travel(NOW, tick=False):
        return report_sign(
            scope=mine,
            report_id=report_id,
            technician_name="Marco Bianchi",
            technician_signature=drawing(),
            customer_name="Anna Verdi",
            customer_signature=drawing(500, 180),
        ).report


def test_signing_takes_the_materials_out_of_the_van_to_the_customer_and_lists_what_to_bill(shop):
    stock_van(shop, shop.filter_, 5)
    stock_van(shop, shop.gas, 3)
    order = started_order(shop)
    report = signed_report(shop, order)
    assert report.status == ReportStatus.SIGNED
    at_customer = location_for_customer(shop.org.pk, shop.customer.pk)
    assert balance(shop.van1, shop.filter_) == 3 and balance(shop.van1, shop.gas) == Decimal("1.5")
    assert balance(at_customer, shop.filter_) == 2 and balance(at_customer, shop.gas) == Decimal("1.5")
    moves = StockMove.objects.filter(document="report", document_id=report.pk)
    assert {(m.kind, m.item_id, m.quantity) for m in moves} == {
        (MoveKind.CONSUMPTION, shop.filter_.pk, Decimal(2)),
        (MoveKind.LEFT, shop.gas.pk, Decimal("1.5")),
    }
    bills = {b.code: b for b in Billable.objects.filter(work_order=order)}
    assert set(bills) == {"R32", "MO"}  # left with the customer; the used ones are the work's
    assert bills["R32"].item == shop.gas and bills["R32"].quantity == Decimal("1.5") and bills["R32"].move is not None
    assert bills["MO"].move is None and bills["MO"].customer == shop.customer
    assert not ledger.disagreements(shop.org.pk)


def test_a_van_short_of_stock_never_stops_the_signing_the_rest_is_a_shortfall(shop):
    stock_van(shop, shop.filter_, 1)  # the report says 2 were used; gas: none in the van
    order = started_order(shop)
    report = signed_report(shop, order)
    assert report.status == ReportStatus.SIGNED
    assert balance(shop.van1, shop.filter_) == 0 and balance(shop.van1, shop.gas) == 0  # never below zero
    at_customer = location_for_customer(shop.org.pk, shop.customer.pk)
    assert balance(at_customer, shop.filter_) == 2 and balance(at_customer, shop.gas) == Decimal("1.5")
    short = {(m.item_id, m.quantity) for m in field.shortfalls(shop.org.pk)}
    assert short == {(shop.filter_.pk, Decimal(1)), (shop.gas.pk, Decimal("1.5"))}


def test_where_stock_may_go_below_zero_the_van_gives_it_all(shop):
    CommerceSettings.objects.create(organisation=shop.org, negative_stock=True)
    order = started_order(shop)
    signed_report(shop, order)
    assert balance(shop.van1, shop.filter_) == -2
    assert not field.shortfalls(shop.org.pk).exists()


def test_a_signed_correction_replaces_the_moves_and_what_is_left_to_bill(shop):
    stock_van(shop, shop.filter_, 5)
    stock_van(shop, shop.gas, 3)
    order = started_order(shop)
    first = signed_report(shop, order)
    correction = report_correct(scope=shop.scope(shop.marco), report_id=first.pk)
    signed_report(
        shop,
        order,
        materials=[
            MaterialLine("Filtro aria", "1", "pc", "FLT-100"),
            MaterialLine("Gas R32", "2", "kg", "R32", use=MaterialUse.LEFT),
        ],
        report_id=correction.pk,
    )
    at_customer = location_for_customer(shop.org.pk, shop.customer.pk)
    assert balance(shop.van1, shop.filter_) == 4 and balance(shop.van1, shop.gas) == 1
    assert balance(at_customer, shop.filter_) == 1 and balance(at_customer, shop.gas) == 2
    assert [(b.code, b.quantity) for b in Billable.objects.filter(work_order=order)] == [("R32", Decimal(2))]
    assert not ledger.disagreements(shop.org.pk)
