"""The offers' API: the same services and scope as the pages; problem+json errors naming the field (422), a state
refusal (409), a role refusal (403), another organisation's offer or serial (404)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.models import Offer, OfferLine
from fieldbox.commerce.tests.test_offers import equipment
from fieldbox.fleet.models import Customer
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.models import Equipment

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2026-12-03 10:00:00+01:00", tick=False):
        yield


class Api:
    def __init__(self, user, organisation) -> None:
        _token, raw = accounts.token_create(scope=scope_of(user, organisation), name="offers", days=30)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def call(self, method: str, path: str, body: dict | None = None, **params):
        client = Client()
        if method == "get":
            return client.get(f"/api/v1{path}", params, **self.auth)
        send = getattr(client, method)
        return send(f"/api/v1{path}", body or {}, content_type="application/json", **self.auth)

    def get(self, path: str, **params):
        return self.call("get", path, **params)

    def post(self, path: str, body: dict | None = None):
        return self.call("post", path, body)

    def patch(self, path: str, body: dict | None = None):
        return self.call("patch", path, body)

    def delete(self, path: str):
        return self.call("delete", path)


def fields(response) -> set[str]:
    assert response["Content-Type"] == PROBLEM, response.content
    return {e["field"] for e in response.json().get("errors", [])}


def test_an_offer_from_creation_to_order(shop):
    api = Api(shop.office, shop.org)
    serial = equipment(shop)
    made = api.post("/offers", {"customer_id": shop.customer.pk, "equipment_id": serial.pk, "delivery_days": 3})
    assert made.status_code == 201, made.content
    offer = made.json()
    assert offer["number"] == "OF-2026/00001" and offer["status"] == "draft" and offer["equipment_id"] == serial.pk
    assert offer["price_list_id"] == shop.public.pk and "edit" in offer["actions"]
    pk = offer["id"]
    added = api.post(f"/offers/{pk}/lines", {"item_id": shop.filter_.pk, "quantity": 2})
    assert added.status_code == 201 and added.json()["net"] == "49.80"
    added = api.post(f"/offers/{pk}/lines", {"description": "Trasporto", "quantity": "1", "unit_price": "10.5"})
    line_id = added.json()["lines"][1]["id"]
    changed = api.patch(f"/offer-lines/{line_id}", {"unit_price": 12})
    assert changed.json()["lines"][1]["amount"] == "12.00" and changed.json()["total"] == "75.40"
    assert api.delete(f"/offer-lines/{line_id}").json()["net"] == "49.80"
    hidden = api.patch(f"/offers/{pk}", {"show_prices": False, "transport": "included"})
    assert hidden.status_code == 200 and hidden.json()["show_prices"] is False
    assert hidden.json()["equipment_id"] == serial.pk and hidden.json()["delivery_days"] == 3  # kept
    pdf = api.get(f"/offers/{pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    sent = api.post(f"/offers/{pk}/send")
    assert sent.status_code == 200 and sent.json()["sent_to"] == "giulia@aurora.example"
    assert "/of/" in sent.json()["offer"]["link"] and OutboxMessage.objects.count() == 1
    refused = api.post(f"/offers/{pk}/lines", {"item_id": shop.filter_.pk})
    assert refused.status_code == 409 and refused["Content-Type"] == PROBLEM
    ordered = api.post(f"/offers/{pk}/answer", {"accept": True, "customer_reference": "ODA-5"})
    assert ordered.json()["status"] == "ordered" and ordered.json()["number"] == "OF-2026/00001"
    assert ordered.json()["expected_delivery"] == "2026-12-06"
    assert api.get("/offers", status="order").json()["items"][0]["id"] == pk
    assert api.get("/offers", status="offer").json()["items"] == []
    delivered = api.post(f"/offers/{pk}/deliver")
    assert delivered.json()["status"] == "delivered"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": -1}, "quantity"),
        ({"quantity": "1.0005"}, "quantity"),
        ({"unit_price": "3.14159"}, "unit_price"),
        ({"unit_price": -2}, "unit_price"),
        ({"discount": 120}, "discount"),
    ],
)
def test_bad_lines_answer_422_naming_the_field(shop, body, field):
    api = Api(shop.office, shop.org)
    pk = api.post("/offers", {"customer_id": shop.customer.pk}).json()["id"]
    answer = api.post(f"/offers/{pk}/lines", {"item_id": shop.filter_.pk, **body})
    assert answer.status_code == 422 and fields(answer) == {field}
    assert not OfferLine.objects.exists()


def test_serials_of_another_customer_or_organisation(shop, other_tenant):
    api = Api(shop.office, shop.org)
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Hotel Sole")
    theirs = equipment(shop, other, "CLD-9")
    answer = api.post("/offers", {"customer_id": shop.customer.pk, "equipment_id": theirs.pk})
    assert answer.status_code == 422 and fields(answer) == {"equipment_id"}
    stranger = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Altro")
    foreign = Equipment.objects.create(organisation=other_tenant.company, customer=stranger, name="X", serial="X")
    assert api.post("/offers", {"customer_id": shop.customer.pk, "equipment_id": foreign.pk}).status_code == 404
    assert not Offer.objects.exists()


def test_another_organisation_and_other_roles(shop, other_tenant):
    api = Api(shop.office, shop.org)
    pk = api.post("/offers", {"customer_id": shop.customer.pk}).json()["id"]
    line = api.post(f"/offers/{pk}/lines", {"item_id": shop.filter_.pk}).json()["lines"][0]["id"]
    stranger = Api(other_tenant.company_admin, other_tenant.company)
    assert stranger.get(f"/offers/{pk}").status_code == 404
    assert stranger.get(f"/offers/{pk}/pdf").status_code == 404
    assert stranger.post(f"/offers/{pk}/send").status_code == 404
    assert stranger.patch(f"/offer-lines/{line}", {"quantity": 5}).status_code == 404
    assert stranger.delete(f"/offer-lines/{line}").status_code == 404
    assert stranger.get("/offers").json()["items"] == []
    technician = Api(shop.marco, shop.org)
    assert technician.get("/offers").status_code == 403
    assert technician.post("/offers", {"customer_id": shop.customer.pk}).status_code == 403


def test_an_expired_offer_cannot_be_accepted(shop):
    api = Api(shop.office, shop.org)
    pk = api.post("/offers", {"customer_id": shop.customer.pk, "valid_until": "2026-12-05"}).json()["id"]
    api.post(f"/offers/{pk}/lines", {"item_id": shop.filter_.pk})
    api.post(f"/offers/{pk}/send")
    with time_machine.travel("2026-12-06 10:00:00+01:00", tick=False):
        answer = api.post(f"/offers/{pk}/answer", {"accept": True})
    assert answer.status_code == 409 and "expired" in answer.json()["detail"]
    assert api.get(f"/offers/{pk}").json()["status"] == "sent"
    cancelled = api.post(f"/offers/{pk}/cancel", {"reason": "Scaduta"})
    assert cancelled.json()["status"] == "cancelled"


def test_an_offer_from_a_call_takes_its_customer_site_and_contact(shop):
    from fieldbox.service.models import Team, Ticket

    team = Team.objects.create(organisation=shop.org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=shop.org,
        team=team,
        customer=shop.customer,
        site=shop.site,
        contact=shop.contact,
        number="T0000001",
        subject="Ricambi",
    )
    api = Api(shop.office, shop.org)
    made = api.post("/offers", {"ticket_id": ticket.pk})
    assert made.status_code == 201, made.content
    offer = made.json()
    assert (offer["customer_id"], offer["site_id"], offer["contact_id"]) == (
        shop.customer.pk,
        shop.site.pk,
        shop.contact.pk,
    )
    assert [o["id"] for o in api.get("/offers", ticket_id=ticket.pk).json()["items"]] == [offer["id"]]
    assert api.post("/offers", {"ticket_id": 999999}).status_code == 422
