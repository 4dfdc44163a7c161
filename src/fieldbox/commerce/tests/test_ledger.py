"""The stock ledger: moves are appended, balances follow them in the same transaction, a van cannot go below
zero where the organisation forbids it, a correction is a reverse move, and the check finds nothing to mend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import CommerceSettings, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import ledger

pytestmark = pytest.mark.django_db


def balance(location, item) -> Decimal:
    found = StockBalance.objects.filter(location=location, item=item).values_list("quantity", flat=True).first()
    return found if found is not None else Decimal(0)


def supplier_location(shop) -> StockLocation:
    return StockLocation.objects.create(
        organisation=shop.org, kind=LocationKind.SUPPLIER, name=shop.supplier.name, supplier=shop.supplier
    )


def receive(shop, quantity: str) -> None:
    line = ledger.Line(
        item_id=shop.filter_.pk,
        quantity=Decimal(quantity),
        source_id=supplier_location(shop).pk,
        target_id=shop.warehouse.pk,
        unit_cost=Decimal("8.5"),
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=[line], user_id=shop.office.pk)


def test_balances_follow_the_moves_and_agree_with_them(shop):
    receive(shop, "10")
    transfer = ledger.Line(
        item_id=shop.filter_.pk, quantity=Decimal(3), source_id=shop.warehouse.pk, target_id=shop.van1.pk
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.TRANSFER, lines=[transfer], user_id=shop.office.pk)
    assert balance(shop.warehouse, shop.filter_) == 7
    assert balance(shop.van1, shop.filter_) == 3
    assert ledger.disagreements(shop.org.pk) == []


def test_a_van_cannot_go_below_zero_and_nothing_is_written(shop):
    receive(shop, "1")
    take = ledger.Line(
        item_id=shop.filter_.pk, quantity=Decimal(2), source_id=shop.warehouse.pk, target_id=shop.van1.pk
    )
    moves = StockMove.objects.count()
    with pytest.raises(ValidationError, match="Not enough FLT-100 at Magazzino centrale"):
        ledger.post(organisation_id=shop.org.pk, kind=MoveKind.TRANSFER, lines=[take], user_id=shop.marco.pk)
    assert StockMove.objects.count() == moves
    assert balance(shop.warehouse, shop.filter_) == 1


def test_where_allowed_stock_may_go_below_zero(shop):
    CommerceSettings.objects.create(organisation=shop.org, negative_stock=True)
    take = ledger.Line(
        item_id=shop.filter_.pk, quantity=Decimal(2), source_id=shop.van1.pk, target_id=shop.warehouse.pk
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RETURN, lines=[take], user_id=shop.marco.pk)
    assert balance(shop.van1, shop.filter_) == -2


def test_a_correction_is_a_reverse_move_made_once(shop):
    receive(shop, "4")
    move = StockMove.objects.get(kind=MoveKind.RECEIPT)
    with pytest.raises(ValidationError, match="Say why"):
        ledger.reverse(organisation_id=shop.org.pk, move_id=move.pk, user_id=shop.office.pk, note=" ")
    correction = ledger.reverse(organisation_id=shop.org.pk, move_id=move.pk, user_id=shop.office.pk, note="Wrong item")
    assert correction.reverses == move and correction.source == shop.warehouse
    assert balance(shop.warehouse, shop.filter_) == 0
    with pytest.raises(ValidationError, match="already corrected"):
        ledger.reverse(organisation_id=shop.org.pk, move_id=move.pk, user_id=shop.office.pk, note="again")
    assert ledger.disagreements(shop.org.pk) == []


def test_the_check_finds_a_balance_that_disagrees_and_rebuild_mends_it(shop):
    receive(shop, "5")
    StockBalance.objects.filter(location=shop.warehouse, item=shop.filter_).update(quantity=Decimal(9))
    assert [(loc, kept, summed) for loc, _i, kept, summed in ledger.disagreements(shop.org.pk)] == [
        (shop.warehouse.pk, Decimal(9), Decimal(5))
    ]
    assert ledger.rebuild(shop.org.pk) == 1
    assert ledger.disagreements(shop.org.pk) == []
