"""The work orders' API: the same services and scope as the pages; problem+json errors naming the field (422), a
state refusal (409), a role refusal (403), another organisation's work order (404)."""

from __future__ import annotations

import pytest
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.assignments import KIND
from fieldbox.service.models import Booking, Material, WorkOrder
from fieldbox.service.tests.test_work_orders import Shop
from fieldbox.service.tests.test_work_orders import shop as lead_shop  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(request) -> Shop:
    """The lead's world of work orders (``test_work_orders``): an office, two technicians, a van, a customer."""
    return request.getfixturevalue("lead_shop")


PROBLEM = "application/problem+json"


class Api:
    """One person's calls to /api/v1 with a bearer token."""

    def __init__(self, user, organisation) -> None:
        _token, raw = accounts.token_create(scope=scope_of(user, organisation), name="work orders", days=1)
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


def api(shop: Shop, user) -> Api:
    return Api(user, shop.van.organisation)


def fields(response) -> set[str]:
    assert response["Content-Type"] == PROBLEM
    return {e["field"] for e in response.json().get("errors", [])}


def test_the_office_creates_plans_and_sends_a_work_order_that_the_assignees_answer(shop):
    office = api(shop, shop.office)
    blank = office.post("/work-orders", {"customer_id": shop.customer.pk, "description": " "})
    assert blank.status_code == 422 and "description" in fields(blank)
    made = office.post(
        "/work-orders", {"customer_id": shop.customer.pk, "site_id": shop.site.pk, "description": "Caldaia"}
    )
    assert made.status_code == 201
    order = made.json()
    assert order["status"] == "to_plan" and order["minutes"] == 60 and "plan" in order["actions"]
    pk = order["id"]

    edited = office.call("patch", f"/work-orders/{pk}", {"description": "Caldaia e bruciatore"})
    assert edited.status_code == 200 and edited.json()["site_id"] == shop.site.pk
    assert edited.json()["description"] == "Caldaia e bruciatore"

    plan = {
        "starts_at": "2026-12-14T09:00:00+01:00",
        "minutes": 120,
        "technician_id": shop.marco.pk,
        "helper_ids": [shop.luca.pk],
        "resource_ids": [shop.van.pk],
    }
    planned = office.call("put", f"/work-orders/{pk}/plan", plan)
    assert planned.status_code == 200 and planned.json()["status"] == "planned"
    assert planned.json()["resource_ids"] == [shop.van.pk] and len(planned.json()["people"]) == 2

    other = office.post("/work-orders", {"customer_id": shop.customer.pk, "description": "Altro"}).json()
    clash = office.post(f"/work-orders/{other['id']}/plan", {**plan, "starts_at": "2026-12-14T10:00:00+01:00"})
    assert clash.status_code == 422 and fields(clash) == {"starts_at"}
    assert "Marco Bianchi is on" in clash.content.decode()
    naive = office.post(f"/work-orders/{other['id']}/plan", {**plan, "starts_at": "2026-12-20T10:00:00"})
    assert naive.status_code == 422 and "starts_at" in fields(naive)

    sent = office.post(f"/work-orders/{pk}/moves/send")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert OutboxMessage.objects.filter(kind=KIND).count() == 2
    again = office.post(f"/work-orders/{pk}/moves/send")
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM

    marco, luca = api(shop, shop.marco), api(shop, shop.luca)
    assert marco.post(f"/work-orders/{pk}/answer", {"accept": True}).json()["status"] == "sent"
    no_reason = luca.post(f"/work-orders/{pk}/answer", {"accept": False})
    assert no_reason.status_code == 422 and "reason" in fields(no_reason)
    declined = luca.post(f"/work-orders/{pk}/answer", {"accept": False, "reason": "In ferie"})
    assert declined.json()["status"] == "declined"
    people = {p["user_id"]: p for p in declined.json()["people"]}
    assert people[shop.luca.pk]["answer"] == "declined" and people[shop.luca.pk]["reason"] == "In ferie"
    assert people[shop.marco.pk]["lead"] and people[shop.marco.pk]["answer"] == "accepted"

    replanned = office.call("put", f"/work-orders/{pk}/plan", {"starts_at": plan["starts_at"], "helper_ids": []})
    assert replanned.json()["status"] == "planned" and len(replanned.json()["people"]) == 1


def test_moves_need_their_reason_and_the_list_filters_and_pages(shop):
    office = api(shop, shop.office)
    ids = [
        office.post("/work-orders", {"customer_id": shop.customer.pk, "description": f"Lavoro {n}"}).json()["id"]
        for n in range(3)
    ]
    cancel = office.post(f"/work-orders/{ids[0]}/moves/cancel", {"reason": ""})
    assert cancel.status_code == 422 and "reason" in fields(cancel)
    assert office.post(f"/work-orders/{ids[0]}/moves/cancel", {"reason": "Doppio"}).json()["status"] == "cancelled"
    assert office.post(f"/work-orders/{ids[0]}/moves/teleport").status_code == 422
    assert office.post(f"/work-orders/{ids[1]}/moves/verify").status_code == 422  # only the final verification

    assert [o["id"] for o in office.get("/work-orders", status="cancelled").json()["items"]] == [ids[0]]
    first = office.get("/work-orders", limit=2).json()
    assert [o["id"] for o in first["items"]] == [ids[2], ids[1]] and first["next_cursor"] == ids[1]
    rest = office.get("/work-orders", limit=2, cursor=first["next_cursor"]).json()
    assert [o["id"] for o in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert office.get("/work-orders", customer_id=shop.customer.pk + 999).json()["items"] == []
    assert office.get("/work-orders", day="yesterday").status_code == 422

    done = office.post(f"/work-orders/{ids[1]}/follow-up", {"description": "Ancora"})
    assert done.status_code == 409  # only a work order in progress or done leaves a follow-up


def test_materials_resources_and_types_of_work(shop):
    office = api(shop, shop.office)
    pk = office.post("/work-orders", {"customer_id": shop.customer.pk, "description": "Caldaia"}).json()["id"]
    zero = office.post(f"/work-orders/{pk}/materials", {"description": "Filtro", "quantity": 0})
    assert zero.status_code == 422 and "quantity" in fields(zero)
    line = office.post(f"/work-orders/{pk}/materials", {"description": "Filtro", "quantity": "2.5", "unit": "pc"})
    assert line.status_code == 201 and line.json()["quantity"] == "2.50" and line.json()["use"] == "to_bring"
    assert [m["description"] for m in office.get(f"/work-orders/{pk}/materials").json()] == ["Filtro"]
    assert office.call("delete", f"/materials/{line.json()['id']}").status_code == 204
    assert not Material.objects.exists()

    van = office.post("/resources", {"name": "Furgone 2", "kind": "van", "code": "AB123CD"})
    assert van.status_code == 201
    twin = office.post("/resources", {"name": "FURGONE 2"})
    assert twin.status_code == 422 and fields(twin) == {"name"}
    renamed = office.call("patch", f"/resources/{van.json()['id']}", {"notes": "Gancio traino"})
    assert renamed.json()["name"] == "Furgone 2" and renamed.json()["notes"] == "Gancio traino"
    assert office.post(f"/resources/{van.json()['id']}/retire").json()["active"] is False
    assert office.post(f"/resources/{van.json()['id']}/restore").json()["active"] is True
    assert {r["name"] for r in office.get("/resources").json()} == {"Furgone 1", "Furgone 2"}

    kind = office.post("/work-types", {"name": "Collaudo", "minutes": 45})
    assert kind.status_code == 201
    assert office.post("/work-types", {"name": "Lungo", "minutes": 5000}).status_code == 422
    assert office.call("patch", f"/work-types/{kind.json()['id']}", {"active": False}).json()["active"] is False
    made = office.post(
        "/work-orders", {"customer_id": shop.customer.pk, "description": "X", "work_type_id": kind.json()["id"]}
    )
    assert made.status_code == 422 and "work_type_id" in fields(made)  # no longer offered

    technician = api(shop, shop.marco)
    assert technician.post("/resources", {"name": "Scala"}).status_code == 403
    assert technician.get("/resources").status_code == 200


def test_another_organisations_work_order_is_not_found(shop, other_tenant):
    office = api(shop, shop.office)
    pk = office.post("/work-orders", {"customer_id": shop.customer.pk, "description": "Caldaia"}).json()["id"]
    line = office.post(f"/work-orders/{pk}/materials", {"description": "Filtro"}).json()["id"]
    stranger = Api(member(other_tenant.company, Role.OFFICE, email="ufficio@altra.example"), other_tenant.company)
    assert stranger.get(f"/work-orders/{pk}").status_code == 404
    assert stranger.call("patch", f"/work-orders/{pk}", {"description": "Mia"}).status_code == 404
    assert stranger.post(f"/work-orders/{pk}/moves/cancel", {"reason": "x"}).status_code == 404
    plan = {"starts_at": "2026-12-14T09:00:00+01:00", "technician_id": shop.marco.pk}
    assert stranger.call("put", f"/work-orders/{pk}/plan", plan).status_code == 404
    assert stranger.post(f"/work-orders/{pk}/answer", {"accept": True}).status_code == 404
    assert stranger.call("delete", f"/materials/{line}").status_code == 404
    assert stranger.post(f"/resources/{shop.van.pk}/retire").status_code == 404
    assert stranger.get("/work-orders").json()["items"] == []
    assert stranger.get("/resources").json() == []
    assert WorkOrder.objects.get(pk=pk).status == "to_plan" and not Booking.objects.exists()
