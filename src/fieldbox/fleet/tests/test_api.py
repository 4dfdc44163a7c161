"""The registry API: customers, vehicles with devices and jobs, products, device import and bulk shipping."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.fixtures import Tenant
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, imei, product_of, registry

pytestmark = pytest.mark.django_db


def api(tenant: Tenant, user: User) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(user), name="test", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_import_answers_201_with_the_count_or_422_with_row_errors(tenant):
    product_of(tenant.provider)
    auth = api(tenant, tenant.dispatcher)
    bad = SimpleUploadedFile("d.csv", f"serial,imei,product_code\nTBA1,{imei(1)},BOX\nXX2,{imei(2)},BOX\n".encode())
    response = Client().post("/api/v1/devices/import", {"file": bad}, **auth)
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "serial", "row": 3, "column": "serial", "message": "Serial numbers of IOBox start with TBA."}
    ]
    assert Device.objects.count() == 0
    good = SimpleUploadedFile("d.csv", f"serial;imei;product_code\nTBA1;{imei(1)};BOX\n".encode())
    response = Client().post("/api/v1/devices/import", {"file": good}, **auth)
    assert response.status_code == 201 and response.json() == {"count": 1}
    installer = api(tenant, tenant.installer)
    refused = SimpleUploadedFile("d.csv", b"serial,imei,product_code\n")
    assert Client().post("/api/v1/devices/import", {"file": refused}, **installer).status_code == 403


def test_bulk_ship_and_the_vehicle_with_its_devices_and_jobs(tenant, other_tenant):
    one, two = device(tenant.provider), device(tenant.provider)
    auth = api(tenant, tenant.dispatcher)
    body = {"device_ids": [one.pk, two.pk], "company_id": tenant.company.pk}
    response = Client().post("/api/v1/devices/ship", body, content_type="application/json", **auth)
    assert response.status_code == 200
    assert {d["status"] for d in response.json()["items"]} == {"shipped"}
    again = Client().post("/api/v1/devices/ship", body, content_type="application/json", **auth)
    assert again.status_code == 409 and one.serial in again.json()["detail"]
    reg = registry(tenant.provider)
    found = Client().get(f"/api/v1/vehicles/{reg.vehicle.pk}", **auth).json()
    assert found["plate"] == reg.vehicle.plate and found["devices"] == [] and found["jobs"] == []
    other = api(other_tenant, other_tenant.dispatcher)
    assert Client().get(f"/api/v1/vehicles/{reg.vehicle.pk}", **other).status_code == 404


def test_customer_created_with_phone_in_e164_and_bad_phone_named(tenant):
    auth = api(tenant, tenant.care)
    body = {"last_name": "Neri", "phone": "0039 333 765 4321", "addresses": [{"street": "Via Po 3", "city": "Roma"}]}
    response = Client().post("/api/v1/customers", body, content_type="application/json", **auth)
    assert response.status_code == 201
    assert response.json()["phone"] == "+393337654321" and response.json()["addresses"][0]["city"] == "Roma"
    bad = Client().post("/api/v1/customers", {**body, "phone": "12"}, content_type="application/json", **auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phone"
    product = Client().post(
        "/api/v1/products",
        {"name": "Box", "code": "BOX2", "central_lock_types": ["CAN"]},
        content_type="application/json",
        **auth,
    )
    assert product.status_code == 403  # customer care does not define products
