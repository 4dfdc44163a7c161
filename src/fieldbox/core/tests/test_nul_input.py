"""A NUL character in any input is refused before any view (PostgreSQL cannot store it), naming the field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.fleet.models import Customer, Device
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs.models import Job
from fieldbox.messaging import services as messaging
from fieldbox.messaging.models import DeviceEvent
from fieldbox.messaging.tests.test_device_events import event
from fieldbox.messaging.tests.test_device_events import post as post_signed
from fieldbox.removals.models import RemovalRequest

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
REFUSAL = "Null characters are not allowed."


def bearer(tenant: Tenant, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(user), name="nul", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def assert_refused(response, *fields: str) -> None:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["title"] == "The request has invalid fields." and body["status"] == 422
    assert body["errors"] == [{"field": f, "message": REFUSAL} for f in fields]


def test_a_nul_in_an_api_query_answers_422_naming_the_parameter(tenant):
    auth = bearer(tenant, tenant.dispatcher)
    assert_refused(Client().get("/api/v1/jobs?q=a%00b", **auth), "q")
    assert_refused(Client().get("/api/v1/jobs?status=draft&q%00x=1", **auth), "qx")  # in a name too
    assert Client().get("/api/v1/jobs?q=ab", **auth).status_code == 200


def test_a_nul_in_a_json_body_answers_422_naming_the_field_and_writes_nothing(tenant):
    auth = bearer(tenant, tenant.care)
    body = {"last_name": "Ne\x00ri", "addresses": [{"street": "Via Po 3", "city": "Ro\x00ma"}]}
    response = Client().post("/api/v1/customers", body, content_type="application/json", **auth)
    assert_refused(response, "last_name", "addresses.0.city")
    assert not Customer.objects.filter(last_name__startswith="Ne").exists()


def test_an_escaped_backslash_before_u0000_is_no_nul(tenant):
    auth = bearer(tenant, tenant.care)
    body = {"last_name": "Neri \\u0000", "addresses": [{"street": "Via Po 3", "city": "Roma"}]}
    response = Client().post("/api/v1/customers", body, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    assert Customer.objects.get(pk=response.json()["id"]).last_name == "Neri \\u0000"


def test_a_nul_in_job_notes_is_refused(tenant):
    reg = registry(tenant.provider)
    body = {"subscription_id": reg.subscription.pk, "spec": {"notes": "call\x00first"}}
    response = Client().post("/api/v1/jobs", body, content_type="application/json", **bearer(tenant, tenant.dispatcher))
    assert_refused(response, "spec.notes")
    assert not Job.objects.exists()


def test_a_signed_device_event_with_a_nul_is_refused_and_a_clean_one_still_verifies(tenant):
    Device.objects.create(provider=tenant.provider, serial="TBA0001234", imei="356938035643809")
    feed = messaging.feed_create(scope=tenant.scope(tenant.provider_admin))
    refused = post_signed(feed, event(payload={"note": "a\x00b", "k\x00": 1}))
    assert_refused(refused, "payload.note", "payload.k")
    assert not DeviceEvent.objects.exists()
    accepted = post_signed(feed, event(payload={"note": "ab"}))  # the raw body is still there for the signature
    assert accepted.status_code == 202, accepted.content


def test_a_nul_in_a_multipart_field_beside_a_file_is_refused(tenant):
    data = {"file": SimpleUploadedFile("r.csv", b"Vin\n"), "description": "to\x00remove"}
    response = Client().post("/api/v1/removal-requests", data, **bearer(tenant, tenant.dispatcher))
    assert_refused(response, "description")
    assert not RemovalRequest.objects.exists()


def test_a_nul_in_an_address_is_not_found(tenant):
    auth = bearer(tenant, tenant.dispatcher)
    api = Client().get("/api/v1/jobs/a%00b", **auth)
    assert api.status_code == 404 and api["Content-Type"] == PROBLEM
    assert signed_in(tenant.provider_admin).get("/messages/wordings/a%00b/it/").status_code == 404


def test_a_nul_in_a_list_filter_answers_a_page_naming_it_with_the_way_back(tenant):
    response = signed_in(tenant.dispatcher).get("/jobs/?status=draft&plate=a%00b")
    assert response.status_code == 400
    page = response.content.decode()
    assert REFUSAL in page and "<code>plate</code>" in page and "<code>status</code>" not in page
    assert 'href="/jobs/"' in page and "Open this page without them" in page


def test_a_nul_in_a_form_answers_a_page_naming_the_field_and_writes_nothing(tenant):
    data = {
        "kind": "company",
        "company_name": "Trasporti\x00Verdi",
        "phone": "333 123 4567",
        "language": "it",
        "addr-TOTAL_FORMS": "0",
        "addr-INITIAL_FORMS": "0",
    }
    response = signed_in(tenant.care).post("/customers/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "<code>company_name</code>" in page and "Go back, correct it and send again." in page
    assert not Customer.objects.filter(company_name__startswith="Trasporti").exists()


def test_djangos_own_bad_requests_get_the_same_readable_page(db):
    response = Client(HTTP_HOST="elsewhere.example").get("/")  # DisallowedHost: Django's 400 handler
    assert response.status_code == 400 and "The request could not be understood." in response.content.decode()
