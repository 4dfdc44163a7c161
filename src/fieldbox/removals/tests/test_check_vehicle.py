"""'Is this vehicle equipped?': yes with the active device, no, unknown; only the provider's own fleet; limited."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from fieldbox.accounts.services import token_create
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device, Vehicle
from fieldbox.fleet.tests.factories import device, registry

pytestmark = pytest.mark.django_db

VIN = "WBA1T51080P596759"


@pytest.fixture
def equipped_vehicle(tenant):
    reg = registry(tenant.provider, plate="GH123JK")
    Vehicle.objects.filter(pk=reg.vehicle.pk).update(vin=VIN)
    box = device(tenant.provider, serial="TBA0596759")
    Device.objects.filter(pk=box.pk).update(
        status=DeviceStatus.ACTIVE, vehicle=reg.vehicle, activated_at=timezone.now()
    )
    return reg.vehicle


def answer(client, q):
    return client.get("/removals/check-vehicle/", {"q": q}).content.decode()


def test_yes_with_the_serial_and_product_by_vin_or_plate(tenant, equipped_vehicle):
    client = signed_in(tenant.care)
    for typed in (VIN.lower(), " gh-123 jk "):
        body = answer(client, typed)
        assert 'data-answer="yes"' in body and "TBA0596759" in body and "IOBox" in body


def test_no_when_the_vehicle_carries_no_active_device(tenant, equipped_vehicle):
    Device.objects.filter(serial="TBA0596759").update(status=DeviceStatus.REMOVED, vehicle=None)
    body = answer(signed_in(tenant.dispatcher), VIN)
    assert 'data-answer="no"' in body and "TBA0596759" not in body


def test_unknown_vehicle_and_another_providers_vehicle_look_the_same(tenant, other_tenant, equipped_vehicle):
    assert 'data-answer="unknown"' in answer(signed_in(tenant.dispatcher), "ZZZ34567890134567")
    body = answer(signed_in(other_tenant.dispatcher), VIN)
    assert 'data-answer="unknown"' in body and "TBA0596759" not in body
    assert signed_in(tenant.installer).get("/removals/check-vehicle/", {"q": VIN}).status_code == 403


def test_look_ups_are_limited_per_person(tenant, equipped_vehicle, settings):
    settings.VEHICLE_CHECK_RATE = f"3/{random.randint(100, 100000)}s"
    client = signed_in(tenant.dispatcher)
    assert [client.get("/removals/check-vehicle/", {"q": VIN}).status_code for _i in range(4)] == [200, 200, 200, 429]
    assert signed_in(tenant.care).get("/removals/check-vehicle/", {"q": VIN}).status_code == 200


def test_the_api_answers_yes_no_unknown_within_the_providers_fleet(tenant, other_tenant, equipped_vehicle):
    _t, raw = token_create(scope=tenant.scope(tenant.dispatcher), name="vo", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = signed_in(tenant.dispatcher)
    yes = client.get("/api/v1/vehicles/equipped", {"vin": VIN}, **auth).json()
    assert yes["answer"] == "yes" and yes["devices"][0]["serial"] == "TBA0596759"
    assert yes["vehicle_ids"] == [equipped_vehicle.pk]
    assert client.get("/api/v1/vehicles/equipped", {"plate": "XX999XX"}, **auth).json()["answer"] == "unknown"
    assert client.get("/api/v1/vehicles/equipped", **auth).status_code == 422
    _t, other_raw = token_create(scope=other_tenant.scope(other_tenant.dispatcher), name="vo", days=1)
    other = client.get("/api/v1/vehicles/equipped", {"vin": VIN}, HTTP_AUTHORIZATION=f"Bearer {other_raw}").json()
    assert other == {"answer": "unknown", "vehicle_ids": [], "devices": []}
