"""The catalogue's imports: items, the prices of a list and opening stock from XLSX (made here with openpyxl) and
CSV. A bad header is one clear message, bad rows name their row and column, and nothing is written; the checks
take the same number of queries for 3 rows as for 60; the pages preview then load; the API checks or loads."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.commerce import imports
from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models import Item, Price, SerialNumber, StockBalance, StockMove

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv(rows: list[list[object]]) -> bytes:
    return "\n".join(";".join(str(c) for c in row) for row in rows).encode()


def rows_of(data: bytes, name: str):
    return imports.read_file(io.BytesIO(data), name=name, size=len(data))


def check(shop, key: str, data: bytes, name: str = "f.xlsx", **kw):
    return imports.check(shop.scope(shop.office), key, rows_of(data, name), **kw)


def load(shop, key: str, data: bytes, name: str = "f.xlsx", **kw) -> int:
    return imports.load(shop.scope(shop.office), key, rows_of(data, name), filename=name, **kw)


# ---- Items ------------------------------------------------------------------------------------------------------


def test_items_from_xlsx_add_new_ones_and_change_existing_ones(shop):
    data = xlsx(
        [
            ["Code", "Description", "kind", "unit", "barcode", "last_cost", "tracked"],
            ["VLV-20", "Valvola di sfogo", "part", "pc", 4006381333931, 3.5, "yes"],
            ["FLT-100", "Filtro aria caldaia (nuovo)", "", "", "", "9,10", ""],
            ["SRV-1", "Sopralluogo", "Service", "svc", "", "", "no"],
        ]
    )
    assert load(shop, "items", data) == 3
    added = Item.objects.get(organisation=shop.org, code="VLV-20")
    assert (added.barcode, added.barcode_kind, added.last_cost) == ("4006381333931", "ean13", Decimal("3.5"))
    shop.filter_.refresh_from_db()
    assert shop.filter_.description == "Filtro aria caldaia (nuovo)" and shop.filter_.last_cost == Decimal("9.10")
    service = Item.objects.get(organisation=shop.org, code="SRV-1")
    assert service.kind == "service" and not service.tracked


def test_a_bad_header_is_one_clear_message_and_nothing_is_written(shop):
    before = Item.objects.count()
    with pytest.raises(ValidationError) as caught:
        check(shop, "items", csv([["codice", "description", "colour"], ["A", "B", "red"]]), "f.csv")
    message = caught.value.message_dict["file"][0]
    assert "Missing: code" in message and "Unknown: codice, colour" in message
    assert Item.objects.count() == before


def test_bad_item_rows_name_their_row_and_column_and_nothing_is_written(shop):
    data = xlsx(
        [
            ["code", "description", "barcode", "last_cost", "kind"],
            ["A-1", "Buono", "", "1", "part"],
            ["A-2", "", "4006381333932", "-4", "car"],
            ["A-1", "Doppio", "", "1.123456", ""],
        ]
    )
    checked = check(shop, "items", data)
    found = {(e.row, e.column) for e in checked.errors}
    assert {(3, "description"), (3, "barcode"), (3, "kind"), (4, "code")} <= found
    before = Item.objects.count()
    with pytest.raises(ValidationError, match="nothing was loaded"):
        load(shop, "items", data)
    assert Item.objects.count() == before


def test_the_checks_take_as_many_queries_for_60_rows_as_for_3(shop):
    def queries(n: int) -> int:
        data = xlsx([["code", "description", "last_cost"], *[[f"P-{i}", f"Pezzo {i}", "2.5"] for i in range(n)]])
        rows = rows_of(data, "f.xlsx")
        with CaptureQueriesContext(connection) as seen:
            imports.check(shop.scope(shop.office), "items", rows)
        return len(seen)

    assert queries(60) == queries(3)


@pytest.mark.parametrize("key", ["prices", "opening-stock"])
def test_prices_and_stock_checks_do_not_grow_with_the_rows(shop, key):
    codes = ["FLT-100", "R32"]
    for i in range(60):
        Item.objects.create(organisation=shop.org, code=f"P-{i}", description=f"Pezzo {i}")

    def queries(n: int) -> int:
        if key == "prices":
            data = xlsx([["item_code", "price", "valid_from"], *[[f"P-{i}", "2.5", "2027-01-01"] for i in range(n)]])
        else:
            body = [[codes[i % 2] if i < 2 else f"P-{i}", "Furgone 1", 1, 2, ""] for i in range(n)]
            data = xlsx([["item_code", "location", "quantity", "unit_cost", "serial"], *body])
        rows = rows_of(data, "f.xlsx")
        with CaptureQueriesContext(connection) as seen:
            checked = imports.check(shop.scope(shop.office), key, rows, price_list_id=shop.public.pk)
        assert not checked.errors
        return len(seen)

    assert queries(60) == queries(3)


# ---- Prices -----------------------------------------------------------------------------------------------------


def test_prices_of_a_list_from_csv(shop):
    data = csv(
        [
            ["item_code", "price", "valid_from", "valid_to"],
            ["FLT-100", "26,90", "01/07/2027", ""],
            ["R32", "41.5", "2027-07-01", "2027-12-31"],
        ]
    )
    with pytest.raises(ValidationError):  # the list's prices run with no end: the new ones overlap them
        load(shop, "prices", data, "p.csv", price_list_id=shop.public.pk)
    assert load(shop, "prices", data, "p.csv", price_list_id=shop.public.pk, close_current=True) == 2
    kept = Price.objects.get(price_list=shop.public, item=shop.filter_, valid_from=date(2027, 7, 1))
    assert kept.price == Decimal("26.90") and kept.valid_to is None
    old = Price.objects.get(price_list=shop.public, item=shop.filter_, valid_from=date(2026, 1, 1))
    assert old.valid_to == date(2027, 6, 30)


def test_prices_that_overlap_or_are_wrong_are_refused_row_by_row(shop):
    Price.objects.filter(price_list=shop.public, item=shop.filter_).update(valid_to=date(2026, 12, 31))
    data = csv(
        [
            ["item_code", "price", "valid_from", "valid_to"],
            ["FLT-100", "30", "2026-06-01", ""],  # overlaps the list's price
            ["R32", "-2", "2027-01-01", ""],
            ["MO", "45.123456", "2027-01-01", ""],
            ["NOPE", "1", "31/02/2027", ""],
            ["MO", "46", "2027-02-01", "2027-01-01"],
            ["R32", "39", "2027-01-01", "2027-06-30"],
            ["R32", "39", "2027-03-01", ""],  # overlaps row 7
        ]
    )
    checked = check(shop, "prices", data, "p.csv", price_list_id=shop.public.pk)
    found = {(e.row, e.column) for e in checked.errors}
    assert {
        (2, "valid_from"),
        (3, "price"),
        (4, "price"),
        (5, "item_code"),
        (5, "valid_from"),
        (6, "valid_to"),
    } <= found
    assert (8, "valid_from") in found
    overlap = next(e for e in checked.errors if e.row == 2)
    assert "2026" in overlap.message
    before = Price.objects.count()
    with pytest.raises(ValidationError):
        load(shop, "prices", data, "p.csv", price_list_id=shop.public.pk)
    assert Price.objects.count() == before


# ---- Opening stock ----------------------------------------------------------------------------------------------


def test_opening_stock_goes_to_the_ledger_from_the_inventory_location(shop):
    shop.warehouse.code = "MAG1"
    shop.warehouse.save()
    serial_item = Item.objects.create(
        organisation=shop.org, code="CBX", description="Centralina", serialised=True, tracked=True
    )
    data = xlsx(
        [
            ["item_code", "location", "quantity", "unit_cost", "serial"],
            ["FLT-100", "mag1", 10, 8.5, ""],
            ["R32", "Furgone 1", "2,5", "", ""],
            ["CBX", "Magazzino centrale", 1, "", "SN-001"],
        ]
    )
    assert load(shop, "opening-stock", data) == 3
    moves = StockMove.objects.filter(organisation=shop.org, kind=MoveKind.OPENING)
    assert moves.count() == 3 and {m.source.kind for m in moves} == {LocationKind.INVENTORY}
    assert StockBalance.objects.get(location=shop.warehouse, item=shop.filter_).quantity == 10
    assert StockBalance.objects.get(location=shop.van1, item=shop.gas).quantity == Decimal("2.5")
    assert SerialNumber.objects.get(item=serial_item).location == shop.warehouse


def test_bad_opening_stock_rows_are_named_and_nothing_moves(shop):
    Item.objects.create(organisation=shop.org, code="CBX", description="Centralina", serialised=True, tracked=True)
    data = csv(
        [
            ["item_code", "location", "quantity", "unit_cost", "serial"],
            ["FLT-100", "Nowhere", "1", "", ""],
            ["MO", "Furgone 1", "1", "", ""],  # labour is not kept in stock
            ["CBX", "Furgone 1", "2", "", "SN-1"],
            ["CBX", "Furgone 1", "1", "", ""],
            ["R32", "Furgone 1", "-1", "-3", ""],
        ]
    )
    checked = check(shop, "opening-stock", data, "s.csv")
    found = {(e.row, e.column) for e in checked.errors}
    assert {
        (2, "location"),
        (3, "item_code"),
        (4, "quantity"),
        (5, "serial"),
        (6, "quantity"),
        (6, "unit_cost"),
    } <= found
    with pytest.raises(ValidationError):
        load(shop, "opening-stock", data, "s.csv")
    assert not StockMove.objects.filter(organisation=shop.org).exists()


# ---- Pages and API ----------------------------------------------------------------------------------------------


def test_the_page_previews_then_loads_the_file(shop):
    client = signed_in(shop.office)
    data = xlsx([["code", "description"], ["NEW-1", "Nuovo pezzo"], ["NEW-2", "Altro pezzo"]])
    page = client.post("/commerce/imports/items/", {"file": SimpleUploadedFile("items.xlsx", data)})
    assert page.status_code == 200 and b'data-testid="import-preview"' in page.content
    assert not Item.objects.filter(code__startswith="NEW-").exists()
    kept = page.context["kept"]
    done = client.post("/commerce/imports/items/load/", {"file": kept})
    assert done.status_code == 302
    assert Item.objects.filter(organisation=shop.org, code__startswith="NEW-").count() == 2


def test_the_page_shows_every_error_and_loads_nothing(shop):
    client = signed_in(shop.office)
    data = csv([["item_code", "price", "valid_from"], ["FLT-100", "-1", "2027-01-01"]])
    page = client.post(
        "/commerce/imports/prices/", {"file": SimpleUploadedFile("p.csv", data), "price_list_id": shop.public.pk}
    )
    assert b'data-testid="import-errors"' in page.content and b"negative" in page.content
    assert signed_in(shop.marco).get("/commerce/imports/items/").status_code == 403


def test_the_api_checks_then_loads_and_names_rows(shop, other_tenant):
    _t, raw = accounts.token_create(scope=shop.scope(shop.office), name="imports", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = signed_in(shop.office)
    client.logout()
    good = csv([["item_code", "price", "valid_from"], ["R32", "44", "2028-01-01"]])
    dry = client.post(
        f"/api/v1/imports/prices?price_list_id={shop.public.pk}&dry_run=true&close_current=true",
        {"file": SimpleUploadedFile("p.csv", good)},
        **auth,
    )
    assert dry.status_code == 200, dry.content.decode()
    assert dry.json() == {"dry_run": True, "count": 1}
    assert not Price.objects.filter(valid_from=date(2028, 1, 1)).exists()
    done = client.post(
        f"/api/v1/imports/prices?price_list_id={shop.public.pk}&close_current=true",
        {"file": SimpleUploadedFile("p.csv", good)},
        **auth,
    )
    assert done.status_code == 201 and Price.objects.filter(valid_from=date(2028, 1, 1)).count() == 1
    bad = client.post(
        "/api/v1/imports/items",
        {"file": SimpleUploadedFile("i.csv", csv([["code", "description"], ["X", ""]]))},
        **auth,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0] | {"message": ""} == {
        "field": "description",
        "row": 2,
        "column": "description",
        "message": "",
    }
    header = client.post("/api/v1/imports/items", {"file": SimpleUploadedFile("i.csv", csv([["what"], ["X"]]))}, **auth)
    assert header.status_code == 422 and header.json()["errors"][0]["field"] == "file"
    from fieldbox.commerce.models import PriceList

    foreign = PriceList.objects.create(organisation=other_tenant.company, name="Altro")
    other = client.post(
        f"/api/v1/imports/prices?price_list_id={foreign.pk}", {"file": SimpleUploadedFile("p.csv", good)}, **auth
    )
    assert other.status_code == 404
    _t2, raw2 = accounts.token_create(scope=scope_of(shop.marco, shop.org), name="tech", days=1)
    refused = client.post(
        "/api/v1/imports/items",
        {"file": SimpleUploadedFile("i.csv", good)},
        HTTP_AUTHORIZATION=f"Bearer {raw2}",
    )
    assert refused.status_code == 403


def test_the_items_downloaded_load_again_unchanged(shop):
    client = signed_in(shop.office)
    sheet = client.get("/commerce/items/", {"format": "xlsx"}).content
    before = {
        i.code: (i.description, i.last_cost, i.tracked, i.kind) for i in Item.objects.filter(organisation=shop.org)
    }
    assert load(shop, "items", sheet) == 3
    after = {
        i.code: (i.description, i.last_cost, i.tracked, i.kind) for i in Item.objects.filter(organisation=shop.org)
    }
    assert after == before
