"""Box pick-ups: boxes waiting at the remover's, the call to the logistics above the threshold, the pick-up by a
carrier and the receipt at the warehouse that makes the boxes returned; the API; nothing of another tenant."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from fieldbox.accounts.models import Organisation
from fieldbox.accounts.services import token_create
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.removals.choices import PickupStatus
from fieldbox.removals.models import BoxPickup, RemovalSettings
from fieldbox.removals.services import lines, pickups
from fieldbox.removals.tests.factories import confirmed_request

pytestmark = pytest.mark.django_db


def removed_boxes(tenant: Tenant, count: int) -> list[Device]:
    """``count`` boxes reported removed by the tenant's company: they wait there for a carrier."""
    _request, removals = confirmed_request(tenant, count=count)
    fitter = tenant.scope(tenant.installer)
    for removal in removals:
        lines.line_report(
            scope=fitter,
            line_id=removal.line.pk,
            removed_at=timezone.now() - timedelta(hours=1),
            serial_end=removal.device.serial[-7:],
            technician="Marc Dupont",
        )
    return [Device.objects.get(pk=r.device.pk) for r in removals]


def test_the_remover_sees_its_waiting_boxes_with_vin_and_removal_date(tenant):
    boxes = removed_boxes(tenant, 2)
    body = signed_in(tenant.installer).get("/removals/pickups/").content.decode()
    assert "2 boxes of alpha Provider wait for a carrier." in body
    for box in boxes:
        assert box.serial in body
    assert "WBA1T5108" in body  # the VIN of the vehicle each came from
    assert "please contact the logistics" not in body


def test_above_the_threshold_the_remover_is_asked_to_call_the_logistics(tenant):
    Organisation.objects.filter(pk=tenant.provider.pk).update(phone="+33479654515")
    removed_boxes(tenant, 10)
    client = signed_in(tenant.company_admin)
    assert "please contact the logistics" not in client.get("/removals/pickups/").content.decode()  # 10 is not > 10
    removed_boxes(tenant, 1)
    body = client.get("/removals/pickups/").content.decode()
    assert "More than 10 boxes are waiting: please contact the logistics of alpha Provider" in body
    assert "+33479654515" in body and "info@alpha-provider.example" in body
    # "Signaler une dépose" says it too, with the contact, before the box is even removed.
    _request, [removal] = confirmed_request(tenant)
    form = signed_in(tenant.installer).get(f"/removals/{removal.line.pk}/report/").content.decode()
    assert "If more than 10 boxes are waiting at your company, please contact the logistics of alpha Provider" in form
    assert "More than 10 boxes are waiting" in form


def test_the_provider_admin_sets_the_threshold_and_the_logistics_contact(tenant):
    removed_boxes(tenant, 3)
    admin = signed_in(tenant.provider_admin)
    refused = admin.post("/removals/pickups/settings/", {"pickup_threshold": "0", "logistics_phone": ""})
    assert refused.status_code == 200 and not RemovalSettings.objects.exists()
    saved = admin.post(
        "/removals/pickups/settings/",
        {"pickup_threshold": "2", "logistics_phone": "04 79 65 45 15", "logistics_email": "logistique@alpha.example"},
    )
    assert saved.status_code == 302
    body = signed_in(tenant.installer).get("/removals/pickups/").content.decode()
    assert "More than 2 boxes are waiting" in body and "04 79 65 45 15" in body and "logistique@alpha.example" in body
    assert signed_in(tenant.dispatcher).get("/removals/pickups/settings/").status_code == 403


def test_pick_up_then_receipt_makes_the_boxes_returned_at_the_provider(tenant):
    boxes = removed_boxes(tenant, 3)
    dispatcher = signed_in(tenant.dispatcher)
    form = dispatcher.get(f"/removals/pickups/new/?company={tenant.company.pk}").content.decode()
    assert all(b.serial in form for b in boxes)
    response = dispatcher.post(
        f"/removals/pickups/new/?company={tenant.company.pk}",
        {"carrier": "TNT Express", "picked_up_on": date.today().isoformat(), "devices": [boxes[0].pk, boxes[1].pk]},
    )
    pickup = BoxPickup.objects.get()
    assert response.status_code == 302 and response.url == f"/removals/pickups/{pickup.pk}/"
    assert pickup.status == PickupStatus.PICKED_UP and pickup.carrier == "TNT Express"
    remover_page = signed_in(tenant.installer).get("/removals/pickups/").content.decode()
    assert "1 box of alpha Provider waits for a carrier." in remover_page and "TNT Express" in remover_page

    received = dispatcher.post(f"/removals/pickups/{pickup.pk}/receive/", follow=True)
    assert "Boxes received" in received.content.decode()
    for box in boxes[:2]:
        box.refresh_from_db()
        assert (box.status, box.company_id) == (DeviceStatus.RETURNED, None)
        assert AuditEvent.objects.filter(
            object_id=str(box.pk), action="device.return", actor=tenant.dispatcher
        ).exists()
    boxes[2].refresh_from_db()
    assert (boxes[2].status, boxes[2].company_id) == (DeviceStatus.REMOVED, tenant.company.pk)
    again = dispatcher.post(f"/removals/pickups/{pickup.pk}/receive/", follow=True)
    assert "already received" in again.content.decode()


def test_a_wrong_pick_up_names_the_field_and_saves_nothing(tenant):
    boxes = removed_boxes(tenant, 1)
    dispatcher = signed_in(tenant.dispatcher)
    url = f"/removals/pickups/new/?company={tenant.company.pk}"
    future = (date.today() + timedelta(days=3)).isoformat()
    body = dispatcher.post(url, {"carrier": "TNT", "picked_up_on": future, "devices": [boxes[0].pk]}).content.decode()
    assert "The pick-up cannot be in the future." in body
    body = dispatcher.post(url, {"carrier": "TNT", "picked_up_on": date.today().isoformat()}).content.decode()
    assert "This field is required." in body
    assert not BoxPickup.objects.exists()


def test_another_tenants_pick_ups_answer_like_missing_ones(tenant, other_tenant):
    boxes = removed_boxes(tenant, 1)
    pickup = pickups.pickup_record(
        scope=tenant.scope(tenant.dispatcher),
        company_id=tenant.company.pk,
        carrier="Alpha Carrier",
        picked_up_on=date.today(),
        device_ids=[boxes[0].pk],
    )
    for user in (other_tenant.dispatcher, other_tenant.company_admin):
        client = signed_in(user)
        assert client.get(f"/removals/pickups/{pickup.pk}/").status_code == 404
        assert "Alpha Carrier" not in client.get("/removals/pickups/").content.decode()
    assert signed_in(other_tenant.dispatcher).post(f"/removals/pickups/{pickup.pk}/receive/").status_code == 404
    other_boxes = signed_in(other_tenant.dispatcher).get(f"/removals/pickups/new/?company={tenant.company.pk}")
    assert boxes[0].serial not in other_boxes.content.decode()
    assert signed_in(tenant.installer).get(f"/removals/pickups/{pickup.pk}/").status_code == 200
    assert BoxPickup.objects.get().status == PickupStatus.PICKED_UP


def test_the_api_lists_records_and_receives_pick_ups(tenant, other_tenant):
    boxes = removed_boxes(tenant, 2)
    _t, raw = token_create(scope=tenant.scope(tenant.dispatcher), name="logistics", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    _t, remover_raw = token_create(scope=tenant.scope(tenant.company_admin), name="remover", days=1)
    client = signed_in(tenant.dispatcher)
    waiting = client.get("/api/v1/removals/waiting-boxes", HTTP_AUTHORIZATION=f"Bearer {remover_raw}").json()
    assert {b["id"] for b in waiting["items"]} == {b.pk for b in boxes}
    assert all(b["removed_vin"].startswith("WBA1T5108") for b in waiting["items"])
    bad = client.post(
        "/api/v1/box-pickups",
        {"company_id": tenant.company.pk, "carrier": "", "picked_up_on": "2020-01-01", "device_ids": []},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"carrier", "devices"}
    created = client.post(
        "/api/v1/box-pickups",
        {"company_id": tenant.company.pk, "carrier": "DHL", "picked_up_on": "2020-01-01", "device_ids": [boxes[0].pk]},
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201 and created.json()["device_ids"] == [boxes[0].pk]
    pickup_id = created.json()["id"]
    listed = client.get("/api/v1/box-pickups?status=picked_up", **auth).json()
    assert [p["id"] for p in listed["items"]] == [pickup_id]
    _t, other_raw = token_create(scope=other_tenant.scope(other_tenant.dispatcher), name="other", days=1)
    other = {"HTTP_AUTHORIZATION": f"Bearer {other_raw}"}
    assert client.post(f"/api/v1/box-pickups/{pickup_id}/receive", **other).status_code == 404
    assert client.get("/api/v1/box-pickups", **other).json()["items"] == []
    received = client.post(f"/api/v1/box-pickups/{pickup_id}/receive", **auth)
    assert received.status_code == 200 and received.json()["status"] == "received"
    assert Device.objects.get(pk=boxes[0].pk).status == DeviceStatus.RETURNED
