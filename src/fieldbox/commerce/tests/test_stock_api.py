"""The warehouse's API: locations, a location's stock in keyset pages, moves (list, transfer, scrap, count,
correction) and my van; technicians see the warehouses and their own van; another organisation's answers 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.choices import MoveKind
from fieldbox.commerce.models import Item, StockLocation, StockMove
from fieldbox.commerce.services import ledger
from fieldbox.commerce.services import stock as locations

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


class Api:
    def __init__(self, user, organisation) -> None:
        _token, raw = accounts.token_create(scope=scope_of(user, organisation), name="stock", days=1)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path: str, **params):
        return Client().get(f"/api/v1{path}", params, **self.auth)

    def send(self, method: str, path: str, body: dict):
        return getattr(Client(), method)(f"/api/v1{path}", body, content_type="application/json", **self.auth)


def fields(response) -> set[str]:
    assert response["Content-Type"] == PROBLEM
    return {e["field"] for e in response.json().get("errors", [])}


def stocked(shop, count: int = 3) -> list[Item]:
    items = [
        Item.objects.create(organisation=shop.org, code=f"P{n:03d}", description=f"Ricambio {n}", last_cost=Decimal(2))
        for n in range(count)
    ]
    supplier = locations.location_for_supplier(shop.org.pk, shop.supplier.pk).pk
    lines = [
        ledger.Line(item_id=i.pk, quantity=Decimal(5), source_id=supplier, target_id=shop.warehouse.pk) for i in items
    ]
    ledger.post(organisation_id=shop.org.pk, kind=MoveKind.RECEIPT, lines=lines, user_id=shop.office.pk)
    return items


def test_the_office_lists_creates_and_edits_locations(shop):
    api = Api(shop.office, shop.org)
    stocked(shop)
    listed = api.get("/stock/locations").json()
    warehouse = next(r for r in listed if r["id"] == shop.warehouse.pk)
    assert warehouse["items"] == 3 and Decimal(str(warehouse["value"])) == Decimal(30)
    made = api.send("post", "/stock/locations", {"kind": "warehouse", "name": "Magazzino Nord", "code": "MN"})
    assert made.status_code == 201 and made.json()["code"] == "MN"
    edited = api.send("patch", f"/stock/locations/{made.json()['id']}", {"address": "Via Po 3"})
    assert edited.json()["address"] == "Via Po 3" and edited.json()["name"] == "Magazzino Nord"
    bad = api.send("post", "/stock/locations", {"kind": "van", "name": "Furgone 9", "keeper_id": shop.marco.pk})
    assert bad.status_code == 422 and fields(bad) == {"keeper_id"}


def test_a_technician_sees_warehouses_and_their_own_van_only(shop):
    api = Api(shop.marco, shop.org)
    ids = {r["id"] for r in api.get("/stock/locations").json()}
    assert ids == {shop.warehouse.pk, shop.van1.pk}
    assert api.get(f"/stock/locations/{shop.van2.pk}/balances").status_code == 404
    assert api.send("post", "/stock/locations", {"name": "Mio"}).status_code == 403


def test_balances_come_in_keyset_pages_by_code(shop):
    stocked(shop, 5)
    api = Api(shop.office, shop.org)
    first = api.get(f"/stock/locations/{shop.warehouse.pk}/balances", limit=2).json()
    assert [r["code"] for r in first["items"]] == ["P000", "P001"] and first["next_cursor"] == "P001"
    second = api.get(f"/stock/locations/{shop.warehouse.pk}/balances", limit=2, cursor="P001").json()
    assert [r["code"] for r in second["items"]] == ["P002", "P003"]
    backwards = api.get(f"/stock/locations/{shop.warehouse.pk}/balances", limit=2, order="-code").json()
    assert [r["code"] for r in backwards["items"]] == ["P004", "P003"]
    found = api.get(f"/stock/locations/{shop.warehouse.pk}/balances", q="ricambio 2").json()
    assert [r["code"] for r in found["items"]] == ["P002"] and found["items"][0]["quantity"] == "5.000"


def test_a_technician_takes_stock_and_sees_it_in_my_van(shop):
    (item,) = stocked(shop, 1)
    api = Api(shop.marco, shop.org)
    body = {
        "kind": "transfer",
        "item_id": item.pk,
        "quantity": "2",
        "source_id": shop.warehouse.pk,
        "target_id": shop.van1.pk,
    }
    taken = api.send("post", "/stock/moves", body)
    assert taken.status_code == 201 and taken.json()["kind"] == "transfer" and taken.json()["target"] == "Furgone 1"
    van = api.get("/stock/my-van").json()
    assert van["location"]["id"] == shop.van1.pk and [(r["code"], r["quantity"]) for r in van["items"]] == [
        ("P000", "2.000")
    ]
    again = api.send("post", "/stock/moves", {**body, "quantity": 4})
    assert again.status_code == 422 and fields(again) == {"quantity"}
    assert "Not enough P000 at Magazzino centrale" in again.json()["errors"][0]["message"]
    other = api.send("post", "/stock/moves", {**body, "target_id": shop.van2.pk})
    assert other.status_code == 403
    assert StockMove.objects.filter(kind=MoveKind.TRANSFER).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"quantity": -1}, "quantity"), ({"quantity": "1.0001"}, "quantity"), ({"source_id": 0}, "source_id")],
)
def test_bad_moves_answer_422_naming_the_field_and_write_nothing(shop, change, field):
    (item,) = stocked(shop, 1)
    api = Api(shop.office, shop.org)
    body = {"kind": "scrap", "item_id": item.pk, "quantity": 1, "source_id": shop.warehouse.pk, **change}
    before = StockMove.objects.count()
    answer = api.send("post", "/stock/moves", body)
    assert answer.status_code == 422 and field.removesuffix("_id") in {f.removesuffix("_id") for f in fields(answer)}
    assert StockMove.objects.count() == before


def test_a_count_and_a_correction(shop):
    (item,) = stocked(shop, 1)
    api = Api(shop.office, shop.org)
    counted = api.send(
        "post",
        "/stock/moves",
        {"kind": "adjustment", "item_id": item.pk, "location_id": shop.warehouse.pk, "counted": 4},
    )
    assert (
        counted.status_code == 201 and counted.json()["kind"] == "adjustment" and counted.json()["quantity"] == "1.000"
    )
    same = api.send(
        "post",
        "/stock/moves",
        {"kind": "adjustment", "item_id": item.pk, "location_id": shop.warehouse.pk, "counted": 4},
    )
    assert same.status_code == 201 and same.json() is None
    move_id = counted.json()["id"]
    assert api.send("post", f"/stock/moves/{move_id}/reverse", {"note": " "}).status_code == 422
    fixed = api.send("post", f"/stock/moves/{move_id}/reverse", {"note": "Conteggio sbagliato"})
    assert fixed.status_code == 201 and fixed.json()["reverses_id"] == move_id
    listed = api.get("/stock/moves", item_id=item.pk, limit=2).json()
    assert [m["kind"] for m in listed["items"]] == ["reversal", "adjustment"] and listed["next_cursor"]
    assert listed["items"][1]["reversed_by_id"] == fixed.json()["id"]
    technician = Api(shop.marco, shop.org)
    assert technician.send("post", f"/stock/moves/{move_id}/reverse", {"note": "x"}).status_code == 403


def test_another_organisation_sees_nothing_of_this_stock(shop, other_tenant):
    stocked(shop, 1)
    move = StockMove.objects.first()
    outsider = Api(member(other_tenant.company, Role.OFFICE, email="office@other.example"), other_tenant.company)
    assert outsider.get(f"/stock/locations/{shop.warehouse.pk}/balances").status_code == 404
    assert outsider.send("patch", f"/stock/locations/{shop.warehouse.pk}", {"name": "Mio"}).status_code == 404
    assert outsider.send("post", f"/stock/moves/{move.pk}/reverse", {"note": "x"}).status_code == 404
    assert outsider.get("/stock/moves", location_id=shop.warehouse.pk).status_code == 404
    assert outsider.get("/stock/moves").json()["items"] == []
    assert outsider.get("/stock/locations").json() == []
    assert StockLocation.objects.get(pk=shop.warehouse.pk).name == "Magazzino centrale"
