"""The warehouse's pages: the locations with totals, a location's stock (search, reorder warning, keyset pages,
CSV), the moves with their correction, a move by hand, the items below reorder level, and the technician's
"My van" with its take-from-the-warehouse form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.choices import MoveKind
from fieldbox.commerce.models import Item, StockBalance, StockLocation, StockMove
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services import stock as locations

pytestmark = pytest.mark.django_db


def receive(shop, item, quantity: str, where=None) -> None:
    line = ledger.Line(
        item_id=item.pk,
        quantity=Decimal(quantity),
        source_id=locations.location_for_supplier(shop.org.pk, shop.supplier.pk).pk,
        target_id=(where or shop.warehouse).pk,
    )
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=[line], user_id=shop.office.pk)


def test_the_locations_page_shows_totals_and_the_office_creates_a_van(shop):
    receive(shop, shop.filter_, "4")
    client = signed_in(shop.office)
    page = client.get(reverse("commerce:stock_locations")).content.decode()
    assert "Magazzino centrale" in page and "€ 34.00" in page
    answer = client.post(
        reverse("commerce:stock_location_new") + "?kind=van", {"name": "Furgone 3", "keeper_id": shop.luca.pk}
    )
    assert answer.status_code == 200 and "This technician already has a van." in answer.content.decode()
    made = client.post(reverse("commerce:stock_location_new"), {"name": "Magazzino Nord", "code": "MN", "active": "on"})
    location = StockLocation.objects.get(name="Magazzino Nord")
    assert made.status_code == 302 and location.active and location.code == "MN"


def test_a_locations_stock_searches_warns_pages_and_exports(shop):
    shop.filter_.reorder_level = Decimal(5)
    shop.filter_.save()
    receive(shop, shop.filter_, "3")
    receive(shop, shop.gas, "12.5")
    client = signed_in(shop.office)
    url = reverse("commerce:stock_location", args=[shop.warehouse.pk])
    page = client.get(url).content.decode()
    assert page.count('data-testid="stock-row"') == 2 and 'data-testid="low"' in page
    found = client.get(url, {"q": "R32"}).content.decode()
    assert found.count('data-testid="stock-row"') == 1 and "12.5" in found
    low = client.get(url, {"below": "on"}).content.decode()
    assert low.count('data-testid="stock-row"') == 1 and "FLT-100" in low
    after = client.get(url, {"after": "FLT-100"}).content.decode()
    assert "R32" in after and "FLT-100" not in after.split('data-testid="stock"')[1]
    csv = client.get(url, {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert "FLT-100,Filtro aria caldaia,pc,3.000,8.5000,25.50,5.000" in csv.content.decode()


def test_the_moves_page_links_the_correction_and_the_correction_asks_a_reason(shop):
    receive(shop, shop.filter_, "2")
    move = StockMove.objects.get()
    client = signed_in(shop.office)
    page = client.get(reverse("commerce:stock_moves"), {"location": shop.warehouse.pk}).content.decode()
    assert reverse("commerce:stock_move_reverse", args=[move.pk]) in page
    url = reverse("commerce:stock_move_reverse", args=[move.pk])
    assert "data-confirm" in client.get(url).content.decode()
    refused = client.post(url, {"note": ""})
    assert refused.status_code == 200 and StockMove.objects.count() == 1
    assert client.post(url, {"note": "Doppio carico"}).status_code == 302
    assert StockBalance.objects.get(location=shop.warehouse, item=shop.filter_).quantity == 0
    again = client.get(reverse("commerce:stock_moves"), {"item": shop.filter_.pk}).content.decode()
    assert 'data-testid="corrected"' in again and "Doppio carico" in again


def test_a_transfer_by_hand_and_its_bad_input(shop):
    receive(shop, shop.filter_, "2")
    client = signed_in(shop.office)
    url = reverse("commerce:stock_move_new") + "?kind=transfer"
    body = {"item": "flt-100", "quantity": "3", "source": shop.warehouse.pk, "target": shop.van2.pk}
    refused = client.post(url, body).content.decode()
    assert "Not enough FLT-100 at Magazzino centrale" in refused
    unknown = client.post(url, {**body, "item": "NOPE"}).content.decode()
    assert "No item has this code or barcode." in unknown
    assert client.post(url, {**body, "quantity": "1,5"}).status_code == 302
    assert StockBalance.objects.get(location=shop.van2, item=shop.filter_).quantity == Decimal("1.5")


def test_items_below_reorder_level(shop):
    shop.gas.reorder_level = Decimal(2)
    shop.gas.save()
    Item.objects.create(organisation=shop.org, code="OK-1", description="Abbondante", reorder_level=Decimal(1))
    receive(shop, Item.objects.get(code="OK-1"), "5")
    page = signed_in(shop.office).get(reverse("commerce:stock_below_reorder")).content.decode()
    assert "R32" in page and "OK-1" not in page


def test_my_van_on_the_phone(shop):
    shop.filter_.barcode = "8001234567890"
    shop.filter_.save()
    receive(shop, shop.filter_, "5")
    receive(shop, shop.gas, "2", where=shop.van1)
    client = signed_in(shop.marco)
    url = reverse("commerce:my_van")
    page = client.get(url).content.decode()
    assert "Furgone 1" in page and page.count('data-testid="van-row"') == 1 and "R32" in page
    taken = client.post(url, {"item": "8001234567890", "quantity": "2", "source": shop.warehouse.pk})
    assert taken.status_code == 302
    assert StockBalance.objects.get(location=shop.van1, item=shop.filter_).quantity == 2
    page = client.get(url, {"q": "FLT"}).content.decode()
    assert page.count('data-testid="van-row"') == 1 and "FLT-100" in page
    refused = client.post(url, {"item": "FLT-100", "quantity": "9", "source": shop.warehouse.pk}).content.decode()
    assert "Not enough FLT-100 at Magazzino centrale" in refused
    # Another van's page is not his; the office pages are not either.
    assert client.get(reverse("commerce:stock_location", args=[shop.van2.pk])).status_code == 404
    assert client.get(reverse("commerce:stock_location_new")).status_code == 403
    assert "no van yet" in signed_in(shop.office).get(url).content.decode()
