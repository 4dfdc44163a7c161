"""The contracts' API: the same services and scope as the pages; a draft written, equipment added, activated,
terminated; problem+json errors naming the field (422), an overlap naming the other contract, a change of an active
contract (409), a technician (403), another organisation's contract (404)."""

from __future__ import annotations

import pytest

from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.tests.test_contracts import Office, active
from fieldbox.service.tests.test_contracts import shop as contract_shop  # noqa: F401 - a fixture
from fieldbox.service.tests.test_work_order_api import Api, fields

pytestmark = pytest.mark.django_db

DRAFT = {
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "notice_days": 60,
    "renewal": "automatic",
    "renewal_months": 12,
    "fee": "1200.00",
    "fee_period": "year",
    "included_visits": 4,
}


@pytest.fixture
def shop(request) -> Office:
    return request.getfixturevalue("contract_shop")


def api(shop: Office, user=None) -> Api:
    return Api(user or shop.office, shop.boiler.organisation)


def test_the_office_drafts_covers_activates_and_terminates_a_contract(shop):
    office = api(shop)
    made = office.post("/contracts", {**DRAFT, "customer_id": shop.customer.pk})
    assert made.status_code == 201
    body = made.json()
    assert body["status"] == "draft" and body["number"] == "C0000001" and body["notice_by"] == "2026-11-01"
    assert body["fee"] == "1200.00" and "edit" in body["actions"] and body["equipment"] == []
    pk = body["id"]
    added = office.post(
        f"/contracts/{pk}/equipment",
        {"equipment_id": shop.boiler.pk, "months": [7, 1], "work_type_id": shop.service.pk},
    )
    assert added.status_code == 201
    assert added.json()["equipment"][0]["months"] == [1, 7]
    line = added.json()["equipment"][0]["id"]
    added = office.post(f"/contracts/{pk}/equipment", {"equipment_id": shop.chiller.pk})
    removed = office.call("delete", f"/contracts/{pk}/equipment/{added.json()['equipment'][1]['id']}")
    assert removed.status_code == 200 and [x["id"] for x in removed.json()["equipment"]] == [line]
    edited = office.call("patch", f"/contracts/{pk}", {"fee": "1500", "notice_days": 30})
    assert (
        edited.status_code == 200 and edited.json()["fee"] == "1500.00" and edited.json()["notice_by"] == "2026-12-01"
    )
    assert edited.json()["starts_on"] == "2026-01-01"
    activated = office.post(f"/contracts/{pk}/activate")
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    assert activated.json()["actions"] == ["terminate"]
    refused = office.call("patch", f"/contracts/{pk}", {"fee": "1"})
    assert refused.status_code == 409 and "only a draft contract changes" in refused.json()["detail"]
    blank = office.post(f"/contracts/{pk}/terminate", {"reason": " "})
    assert blank.status_code == 422 and "reason" in fields(blank)
    ended = office.post(f"/contracts/{pk}/terminate", {"reason": "Disdetta del cliente", "on": "2026-06-30"})
    assert ended.status_code == 200
    assert (ended.json()["status"], ended.json()["terminated_on"]) == ("terminated", "2026-06-30")
    listed = office.get("/contracts", status="terminated")
    assert [c["id"] for c in listed.json()["items"]] == [pk]
    assert office.get("/contracts", status="draft").json()["items"] == []


def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(shop):
    office = api(shop)
    negative = office.post("/contracts", {**DRAFT, "customer_id": shop.customer.pk, "fee": "-5"})
    assert negative.status_code == 422 and "fee" in fields(negative)
    backwards = office.post("/contracts", {**DRAFT, "customer_id": shop.customer.pk, "ends_on": "2025-01-01"})
    assert backwards.status_code == 422 and "ends_on" in fields(backwards)
    assert not Contract.objects.exists()
    pk = office.post("/contracts", {**DRAFT, "customer_id": shop.customer.pk}).json()["id"]
    foreign = office.post(f"/contracts/{pk}/equipment", {"equipment_id": shop.foreign.pk})
    assert foreign.status_code == 422 and "equipment_id" in fields(foreign)
    months = office.post(f"/contracts/{pk}/equipment", {"equipment_id": shop.boiler.pk, "months": [13]})
    assert months.status_code == 422 and "months" in fields(months)
    assert not ContractEquipment.objects.exists()


def test_an_overlap_names_the_other_contract(shop):
    first = active(shop, shop.boiler)
    office = api(shop)
    pk = office.post(
        "/contracts", {**DRAFT, "customer_id": shop.customer.pk, "starts_on": "2026-03-01", "ends_on": "2027-02-28"}
    ).json()["id"]
    clash = office.post(f"/contracts/{pk}/equipment", {"equipment_id": shop.boiler.pk})
    assert clash.status_code == 422
    assert first.number in clash.json()["errors"][0]["message"]


def test_a_technician_and_another_organisation_are_kept_out(shop, other_tenant):
    contract = active(shop, shop.boiler)
    technician = api(shop, shop.technician)
    assert technician.get("/contracts").status_code == 403
    assert technician.post("/contracts", {**DRAFT, "customer_id": shop.customer.pk}).status_code == 403
    stranger = Api(other_tenant.company_admin, other_tenant.company)
    assert stranger.get(f"/contracts/{contract.pk}").status_code == 404
    assert stranger.post(f"/contracts/{contract.pk}/terminate", {"reason": "x"}).status_code == 404
    assert stranger.get("/contracts").json()["items"] == []
