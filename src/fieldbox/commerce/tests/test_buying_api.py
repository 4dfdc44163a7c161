"""The API of buying and of delivery notes: the same services as the pages; 422 naming the field, 409 for a state,
403 for a role, 404 for another organisation's order or note."""

from __future__ import annotations

import pytest
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.models import Billable, PurchaseOrder, Receipt
from fieldbox.core import clock

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


class Api:
    def __init__(self, user, organisation) -> None:
        _token, raw = accounts.token_create(scope=scope_of(user, organisation), name="buying", days=1)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def get(self, path: str, **params):
        return Client().get(f"/api/v1{path}", params, **self.auth)

    def send(self, method: str, path: str, body=None):
        call = getattr(Client(), method)
        return call(f"/api/v1{path}", body if body is not None else {}, content_type="application/json", **self.auth)


def test_a_supplier_order_from_draft_to_received_through_the_api(shop):
    office = Api(shop.office, shop.org)
    made = office.send(
        "post",
        "/supplier-orders",
        {
            "supplier_id": shop.supplier.pk,
            "location_id": shop.warehouse.pk,
            "lines": [{"item_id": shop.filter_.pk, "quantity": "4"}, {"item_id": shop.gas.pk, "quantity": 2}],
        },
    )
    assert made.status_code == 201, made.content
    order = made.json()
    assert order["status"] == "draft" and "send" in order["actions"]
    assert order["lines"][0]["unit_cost"] == "8.5000"
    pk = order["id"]
    assert office.send("post", f"/supplier-orders/{pk}/send").json()["status"] == "sent"
    assert (
        office.send("put", f"/supplier-orders/{pk}", {"location_id": shop.warehouse.pk, "lines": []}).status_code == 409
    )
    line = order["lines"][0]["id"]
    over = office.send(
        "post",
        f"/supplier-orders/{pk}/receipts",
        {"supplier_ddt": "881", "supplier_ddt_date": "2026-01-10", "lines": [{"order_line_id": line, "quantity": 5}]},
    )
    assert over.status_code == 422 and over["Content-Type"] == PROBLEM
    assert "FLT-100" in over.content.decode()
    assert not Receipt.objects.exists()
    got = office.send(
        "post",
        f"/supplier-orders/{pk}/receipts",
        {"supplier_ddt": "881", "supplier_ddt_date": "2026-01-10", "lines": [{"order_line_id": line, "quantity": 4}]},
    )
    assert got.status_code == 201, got.content
    assert office.get(f"/supplier-orders/{pk}").json()["status"] == "partial"
    assert len(office.get(f"/supplier-orders/{pk}/receipts").json()) == 1
    pending = office.get("/cost-checks/pending", supplier_id=shop.supplier.pk, month="2026-01-01").json()
    assert [p["item_code"] for p in pending] == ["FLT-100"]
    checked = office.send(
        "post",
        "/cost-checks",
        {
            "supplier_id": shop.supplier.pk,
            "invoice_number": "FT 1",
            "invoice_date": "2026-01-31",
            "lines": [{"receipt_line_id": pending[0]["receipt_line_id"], "final_cost": "9"}],
        },
    )
    assert checked.status_code == 201, checked.content
    assert checked.json()["total_difference"] == "2.00"
    assert office.get("/cost-checks/pending", supplier_id=shop.supplier.pk).json() == []
    assert office.get("/supplier-orders").json()["items"][0]["id"] == pk


def test_roles_and_other_organisations(shop, other_tenant):
    technician = Api(shop.marco, shop.org)
    assert technician.get("/supplier-orders").status_code == 403
    assert technician.get("/billables").status_code == 403
    order = PurchaseOrder.objects.create(
        organisation=shop.org, number="OA-1", supplier=shop.supplier, location=shop.warehouse
    )
    stranger = Api(member(other_tenant.company, Role.OFFICE, email="office@other.example"), other_tenant.company)
    assert stranger.get(f"/supplier-orders/{order.pk}").status_code == 404
    assert stranger.send("post", f"/supplier-orders/{order.pk}/send").status_code == 404
    bad = Api(shop.office, shop.org).send(
        "post", "/supplier-orders", {"supplier_id": shop.supplier.pk, "location_id": shop.warehouse.pk, "lines": []}
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"lines"}


def test_billables_and_delivery_notes_through_the_api(shop, other_tenant):
    Billable.objects.create(
        organisation=shop.org, customer=shop.customer, item=shop.gas, code="R32", description="Gas", quantity=2
    )
    office = Api(shop.office, shop.org)
    rows = office.get("/billables", customer_id=shop.customer.pk).json()["items"]
    assert [(r["code"], r["quantity"]) for r in rows] == [("R32", "2")]
    made = office.send(
        "post",
        "/delivery-notes",
        {
            "customer_id": shop.customer.pk,
            "destination_id": shop.site.pk,
            "carrier": "BRT",
            "packages": 2,
            "weight_kg": "4.2",
            "lines": [{"item_id": shop.filter_.pk, "quantity": 1}, {"description": "Staffa", "quantity": "2"}],
        },
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert made.json()["number"] == ""
    assert (
        office.send(
            "put", f"/delivery-notes/{pk}/lines", {"lines": [{"description": "Staffa", "quantity": 3}]}
        ).status_code
        == 200
    )
    issued = office.send("post", f"/delivery-notes/{pk}/issue").json()
    assert issued["number"] == f"DDT-{clock.today('Europe/Rome').year}/00001" and issued["status"] == "issued"
    assert (
        office.send("put", f"/delivery-notes/{pk}/lines", {"lines": [{"description": "X", "quantity": 1}]}).status_code
        == 409
    )
    pdf = office.get(f"/delivery-notes/{pk}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert office.get("/delivery-notes", status="issued").json()["items"][0]["id"] == pk
    technician = Api(shop.marco, shop.org)
    assert technician.get(f"/delivery-notes/{pk}").status_code == 200
    assert technician.send("post", f"/delivery-notes/{pk}/cancel", {"reason": "x"}).status_code == 403
    cancelled = office.send("post", f"/delivery-notes/{pk}/cancel", {"reason": "Errore"}).json()
    assert cancelled["status"] == "cancelled" and cancelled["number"] == issued["number"]
    stranger = Api(member(other_tenant.company, Role.OFFICE, email="office@other.example"), other_tenant.company)
    assert stranger.get(f"/delivery-notes/{pk}").status_code == 404
    assert stranger.get(f"/delivery-notes/{pk}/pdf").status_code == 404
    assert stranger.get("/billables").json()["items"] == []
