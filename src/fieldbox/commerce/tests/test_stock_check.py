"""``fieldbox stock-check``: a balance tampered with in SQL is found (exit non-zero), ``--repair`` mends it."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from fieldbox.commerce.choices import MoveKind
from fieldbox.commerce.models import StockBalance
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services import stock as locations

pytestmark = pytest.mark.django_db


def check(*args: str) -> str:
    out = StringIO()
    call_command("stock_check", *args, stdout=out)
    return out.getvalue()


def receive(shop, quantity: str) -> None:
    line = ledger.Line(
        item_id=shop.filter_.pk,
        quantity=Decimal(quantity),
        source_id=locations.location_for_supplier(shop.org.pk, shop.supplier.pk).pk,
        target_id=shop.warehouse.pk,
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=[line], user_id=shop.office.pk)


def test_agreeing_stock_passes(shop):
    receive(shop, "3")
    assert "every balance agrees" in check()
    assert "every balance agrees" in check("--organisation", str(shop.org.pk))


def test_a_balance_tampered_with_in_sql_is_found_and_repaired(shop, other_tenant):
    receive(shop, "3")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {StockBalance._meta.db_table} SET quantity = 7 WHERE location_id = %s",
            [shop.warehouse.pk],
        )
        cursor.execute(  # a balance with no move at all
            f"INSERT INTO {StockBalance._meta.db_table} (organisation_id, location_id, item_id, quantity) "
            "VALUES (%s, %s, %s, 2)",
            [shop.org.pk, shop.van1.pk, shop.gas.pk],
        )
    with pytest.raises(CommandError, match="2 stock balances disagree"):
        check()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("stock_check", stdout=out)
    assert f"Magazzino centrale), item {shop.filter_.pk} (FLT-100): balance 7.000, moves 3.000" in out.getvalue()
    assert "every balance agrees" in check("--organisation", str(other_tenant.company.pk))
    assert "2 balances rebuilt" in check("--organisation", str(shop.org.pk), "--repair")
    assert StockBalance.objects.get(location=shop.warehouse, item=shop.filter_).quantity == 3
    assert StockBalance.objects.get(location=shop.van1, item=shop.gas).quantity == 0
    assert "every balance agrees" in check()
