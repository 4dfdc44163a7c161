"""Quotes through /api/v1: the technician's request, the office's pricing, lines, sending, the answer recorded,
the conversion and the PDF; another organisation's quote is 404, bad amounts 422 naming the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.models import LabourRate, Quote
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.commerce.tests.test_quotes import make_order
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Material, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shop: Shop) -> WorkOrder:
    return make_order(shop)


PROBLEM = "application/problem+json"


def bearer(shop: Shop, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=shop.scope(user), name="quotes-api", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def call(method: str, path: str, auth: dict[str, str], body: dict | None = None):
    client = Client()
    if method == "get":
        return client.get(f"/api/v1{path}", body or {}, **auth)
    send = getattr(client, method)
    return send(f"/api/v1{path}", body or {}, content_type="application/json", **auth)


def test_from_the_technicians_request_to_a_new_work_order(shop: Shop, order: WorkOrder):
    marco, office = bearer(shop, shop.marco), bearer(shop, shop.office)
    LabourRate.objects.create(
        price_list=shop.public, work_type=shop.work_type, hourly_rate=Decimal("50"), valid_from=date(2026, 1, 1)
    )
    asked = call(
        "post",
        "/quote-requests",
        marco,
        {
            "work_order_id": order.pk,
            "finding": "Scambiatore incrostato",
            "lines": [
                {"item_code": "FLT-100", "quantity": 2},
                {"description": "Pulizia", "quantity": "1.5", "kind": "labour"},
            ],
        },
    )
    assert asked.status_code == 201, asked.content
    quote = asked.json()
    assert quote["status"] == "draft" and quote["work_order_id"] == order.pk
    assert [x["unit_price"] for x in quote["lines"]] == [None, None]
    pk = quote["id"]
    assert call("get", "/quotes", marco).status_code == 403

    priced = call("post", f"/quotes/{pk}/apply-price-list", office, {})
    assert priced.status_code == 200
    assert priced.json()["totals"] == {"net": "124.80", "vat": "27.46", "total": "152.26", "priced": True}
    line = priced.json()["lines"][0]["id"]
    bad = call("patch", f"/quotes/{pk}/lines/{line}", office, {"unit_price": "1.23456"})
    assert bad.status_code == 422 and bad["Content-Type"] == PROBLEM
    assert bad.json()["errors"][0]["field"] == "unit_price"
    negative = call("post", f"/quotes/{pk}/lines", office, {"description": "Valvola", "quantity": -1})
    assert negative.status_code == 422 and negative.json()["errors"][0]["field"] == "quantity"
    added = call("post", f"/quotes/{pk}/lines", office, {"description": "Valvola", "quantity": 1, "unit_price": 12})
    assert added.status_code == 201 and len(added.json()["lines"]) == 3
    extra = added.json()["lines"][2]["id"]
    assert call("delete", f"/quotes/{pk}/lines/{extra}", office).status_code == 200
    terms = call("patch", f"/quotes/{pk}", office, {"notes": "Intervento entro 10 giorni"})
    assert terms.status_code == 200 and terms.json()["notes"] == "Intervento entro 10 giorni"

    done = call("post", f"/quotes/{pk}/send", office, {})
    assert done.status_code == 200 and done.json()["status"] == "sent"
    assert OutboxMessage.objects.filter(kind="commerce.quote").count() == 1
    assert call("patch", f"/quotes/{pk}", office, {"notes": "x"}).status_code == 409
    listed = call("get", "/quotes", office, {"status": "sent"})
    assert [q["id"] for q in listed.json()["items"]] == [pk]

    answered = call("post", f"/quotes/{pk}/answer", office, {"accept": True, "note": "Al telefono"})
    assert answered.json()["status"] == "accepted"
    converted = call("post", f"/quotes/{pk}/convert", office, {"into": "new"})
    assert converted.status_code == 201
    made = converted.json()["work_order_id"]
    assert made != order.pk and converted.json()["quote"]["converted_to_id"] == made
    assert list(Material.objects.filter(work_order_id=made).values_list("code", flat=True)) == ["FLT-100"]
    pdf = call("get", f"/quotes/{pk}/pdf", office)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_another_organisation_gets_404_and_changes_nothing(shop: Shop, order: WorkOrder, other_tenant):
    quote = call(
        "post", "/quote-requests", bearer(shop, shop.marco), {"work_order_id": order.pk, "finding": "Guasto"}
    ).json()
    stranger = member(other_tenant.company, Role.OFFICE, email="office@beta.example")
    _token, raw = accounts.token_create(scope=scope_of(stranger, other_tenant.company), name="x", days=1)
    theirs = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert call("get", f"/quotes/{quote['id']}", theirs).status_code == 404
    assert call("post", f"/quotes/{quote['id']}/apply-price-list", theirs, {}).status_code == 404
    refused = call("post", "/quote-requests", theirs, {"work_order_id": order.pk, "finding": "x"})
    assert refused.status_code == 404
    assert call("get", "/quotes", theirs).json()["items"] == []
    assert Quote.objects.count() == 1


def test_the_office_creates_a_quote_for_a_customer(shop: Shop):
    office = bearer(shop, shop.office)
    made = call(
        "post",
        "/quotes",
        office,
        {"customer_id": shop.customer.pk, "lines": [{"item_id": shop.gas.pk, "quantity": "0.5", "unit_price": "40"}]},
    )
    assert made.status_code == 201
    body = made.json()
    assert body["contact_id"] == shop.contact.pk and body["totals"]["net"] == "20.00"
    offer = call("post", f"/quotes/{body['id']}/offer", office)
    assert offer.status_code == 201 and offer.json()["offer_number"].startswith("OF-")
    cancelled = call("post", f"/quotes/{body['id']}/cancel", office, {"reason": "Doppione"})
    assert cancelled.json()["status"] == "cancelled"
