"""The registry screens: customers, vehicles and the vehicle page, subscriptions, products, devices shipped."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.utils.formats import date_format

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, Device, Product, Subscription, Vehicle
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services as jobs

pytestmark = pytest.mark.django_db


def test_customer_with_addresses_phone_in_e164_and_audited(tenant):
    client = signed_in(tenant.care)
    data = {
        "kind": "company",
        "company_name": "Trasporti Verdi",
        "phone": "333 123 4567",
        "email": "info@verdi.example",
        "language": "it",
        "addr-TOTAL_FORMS": "2",
        "addr-INITIAL_FORMS": "0",
        "addr-0-kind": "billing",
        "addr-0-street": "Via Roma 1",
        "addr-0-city": "Torino",
        "addr-0-country": "IT",
        "addr-1-kind": "residence",
        "addr-1-street": "Corso Francia 9",
        "addr-1-city": "Torino",
        "addr-1-country": "IT",
    }
    page = client.post("/customers/new/", data, follow=True).content.decode()
    customer = Customer.objects.get(company_name="Trasporti Verdi")
    assert customer.phone == "+393331234567" and "Customer Trasporti Verdi saved." in page
    assert page.index("Billing") < page.index("Via Roma 1") and "Corso Francia 9" in page
    assert AuditEvent.objects.filter(action="customer.create", object_id=str(customer.pk)).exists()
    bad = client.post("/customers/new/", {**data, "company_name": "Other", "phone": "12"}).content.decode()
    assert "Enter a valid phone number" in bad and not Customer.objects.filter(company_name="Other").exists()
    found = client.get("/customers/?q=4567").content.decode()
    assert "Trasporti Verdi" in found
    export = client.get("/customers/?q=verdi&format=csv").content.decode()
    assert "Trasporti Verdi" in export and "+393331234567" in export


def test_vehicle_vin_is_checked_and_plate_unique(tenant):
    client = signed_in(tenant.dispatcher)
    data = {"plate": "fi 123 lt", "plate_country": "IT", "vin": "1M8GDM9AXKP042788", "vehicle_type": "car"}
    client.post("/vehicles/new/", data)
    assert Vehicle.objects.get(provider=tenant.provider).plate == "FI123LT"
    again = client.post("/vehicles/new/", {**data, "vin": ""}).content.decode()
    assert "You already have a vehicle with this plate." in again
    wrong = client.post("/vehicles/new/", {**data, "plate": "ZZ1", "vin": "1M8GDM9AYKP042788"}).content.decode()
    assert "check digit" in wrong and Vehicle.objects.count() == 1
    # A European VIN is never refused for its 9th character.
    client.post("/vehicles/new/", {**data, "plate": "ZZ2", "vin": "WVWZZZ1JZXW000001"})
    assert Vehicle.objects.filter(vin="WVWZZZ1JZXW000001").exists()
    assert "FI123LT" in client.get("/vehicles/?q=fi123").content.decode()


def test_vehicle_page_shows_devices_and_jobs_and_is_scoped(tenant, other_tenant):
    reg = registry(tenant.provider)
    dispatch = tenant.scope(tenant.dispatcher)
    job = jobs.job_create(scope=dispatch, subscription_id=reg.subscription.pk)
    jobs.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk)
    box = device(tenant.provider, company=tenant.company)
    jobs.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    assert box.imei
    jobs.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    url = f"/vehicles/{reg.vehicle.pk}/"
    page = signed_in(tenant.dispatcher).get(url).content.decode()
    assert box.serial in page and box.imei in page and "Waiting for activation" in page
    assert f'href="/jobs/{job.pk}/"' in page and job.number in page and tenant.company.name in page
    assert signed_in(other_tenant.dispatcher).get(url).status_code == 404
    assert signed_in(tenant.installer).get(url).status_code == 200  # its job is still open
    jobs.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="Owner away")
    assert signed_in(tenant.installer).get(url).status_code == 404


def test_subscription_list_filters_and_detail(tenant, other_tenant):
    first, second = registry(tenant.provider), registry(tenant.provider)
    Subscription.objects.filter(pk=first.subscription.pk).update(agency="Agenzia Nord")
    client = signed_in(tenant.dispatcher)
    page = client.get("/subscriptions/?agency=nord").content.decode()
    assert first.subscription.number in page and second.subscription.number not in page
    detail = client.get(f"/subscriptions/{first.subscription.pk}/").content.decode()
    assert first.vehicle.plate in detail and "Agenzia Nord" in detail
    assert signed_in(other_tenant.dispatcher).get(f"/subscriptions/{first.subscription.pk}/").status_code == 404
    data = {
        "number": "POL-NEW-1",
        "customer_id": second.customer.pk,
        "vehicle_id": second.vehicle.pk,
        "product_id": second.product.pk,
        "arrived_on": "2026-03-01",
    }
    client.post("/subscriptions/new/", data)
    assert Subscription.objects.filter(number="POL-NEW-1", provider=tenant.provider).exists()


def test_products_keep_central_lock_types_as_a_list(tenant):
    client = signed_in(tenant.provider_admin)
    data = {"name": "CloudBoxx", "code": "cbx", "serial_prefix": "cb", "imei_required": "on"}
    client.post("/products/new/", {**data, "central_lock_types": "CAN bus\nAnalog\n\nCAN bus"})
    product = Product.objects.get(code="CBX")
    assert product.central_lock_types == ["CAN bus", "Analog"] and product.serial_prefix == "CB"
    again = client.post("/products/new/", data).content.decode()
    assert "Another product of yours has this code." in again


@time_machine.travel("2026-05-04 09:00 +02:00", tick=False)
def test_ship_several_devices_then_the_company_confirms_receipt(tenant, other_tenant):
    one, two = device(tenant.provider), device(tenant.provider)
    client = signed_in(tenant.dispatcher)
    page = client.get("/devices/").content.decode()
    assert f"days: by {date_format(date(2026, 5, 10), 'SHORT_DATE_FORMAT')}" in page
    response = client.post("/devices/ship/", {"company": tenant.company.pk, "device": [one.pk, two.pk]}, follow=True)
    assert "2 devices shipped to alpha Workshop" in response.content.decode()
    assert set(Device.objects.values_list("status", flat=True)) == {"shipped"}
    again = client.post("/devices/ship/", {"company": tenant.company.pk, "device": [one.pk]}, follow=True)
    assert "Not possible while the device is" in again.content.decode()
    installer = signed_in(tenant.installer)
    assert one.serial in installer.get("/devices/").content.decode()
    assert one.serial not in signed_in(other_tenant.installer).get("/devices/").content.decode()
    done = installer.post("/devices/receive/", {"device": [one.pk]}, follow=True).content.decode()
    assert "Receipt confirmed for 1 device." in done
    assert Device.objects.get(pk=one.pk).status == "received" and Device.objects.get(pk=two.pk).status == "shipped"
    assert AuditEvent.objects.filter(action="device.receive", object_id=str(one.pk)).exists()


def test_shipping_a_device_of_another_provider_is_refused_and_changes_nothing(tenant, other_tenant):
    theirs = device(other_tenant.provider)
    mine = device(tenant.provider)
    client = signed_in(tenant.dispatcher)
    assert (
        client.post("/devices/ship/", {"company": tenant.company.pk, "device": [mine.pk, theirs.pk]}).status_code == 404
    )
    assert set(Device.objects.values_list("status", flat=True)) == {"in_stock"}
