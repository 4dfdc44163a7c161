"""Two technicians taking the last unit at once cannot both succeed (PostgreSQL: two connections at once)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from fieldbox.commerce.choices import MoveKind
from fieldbox.commerce.models import StockBalance, StockMove
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services import stock as locations
from fieldbox.commerce.services import stock_moves as moves

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def last_unit(shop) -> None:
    line = ledger.Line(
        item_id=shop.filter_.pk,
        quantity=Decimal(1),
        source_id=locations.location_for_supplier(shop.org.pk, shop.supplier.pk).pk,
        target_id=shop.warehouse.pk,
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=[line], user_id=shop.office.pk)


def take(shop, user, van) -> None:
    moves.transfer(
        scope=shop.scope(user), item_id=shop.filter_.pk, quantity="1", source_id=shop.warehouse.pk, target_id=van.pk
    )


def test_two_technicians_taking_the_last_unit_at_once_one_wins(shop):
    last_unit(shop)
    results: dict[str, str] = {}
    marco_took = threading.Event()

    def marco() -> None:
        try:
            with transaction.atomic():
                take(shop, shop.marco, shop.van1)
                marco_took.set()
                time.sleep(0.5)  # Luca asks meanwhile: he waits for this transaction to end
            results["marco"] = "won"
        finally:
            marco_took.set()
            connections.close_all()

    def luca() -> None:
        try:
            marco_took.wait(10)
            take(shop, shop.luca, shop.van2)
            results["luca"] = "won"
        except ValidationError as refused:
            results["luca"] = " ".join(refused.messages)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=f) for f in (marco, luca)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert results["marco"] == "won"
    assert "Not enough FLT-100 at Magazzino centrale" in results["luca"]
    assert StockBalance.objects.get(location=shop.warehouse, item=shop.filter_).quantity == 0
    assert StockMove.objects.filter(kind=MoveKind.TRANSFER).count() == 1


def test_many_taking_at_once_never_take_more_than_there_is(shop):
    last_unit(shop)
    last_unit(shop)
    ready = threading.Barrier(6, timeout=10)
    won: list[int] = []

    def one(n: int) -> None:
        try:
            ready.wait()
            take(shop, shop.marco if n % 2 else shop.luca, shop.van1 if n % 2 else shop.van2)
            won.append(n)
        except ValidationError:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(won) == 2
    assert StockBalance.objects.get(location=shop.warehouse, item=shop.filter_).quantity == 0
    assert ledger.disagreements(shop.org.pk) == []
