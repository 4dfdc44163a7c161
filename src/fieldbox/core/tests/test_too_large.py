"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413, problem+json for the API and a page elsewhere."""

from __future__ import annotations

import orjson
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.fleet.models import Customer

pytestmark = pytest.mark.django_db

OVER = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024


def bearer(tenant: Tenant, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(user), name="large", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_an_api_body_over_the_limit_answers_413_problem_and_writes_nothing(tenant):
    body = orjson.dumps({"last_name": "Neri", "notes": "x" * OVER})
    response = Client().post("/api/v1/customers", body, content_type="application/json", **bearer(tenant, tenant.care))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 413 and problem["title"] == "The request is too large."
    assert "2.5\xa0MB" in problem["detail"] or "2.5 MB" in problem["detail"]
    assert not Customer.objects.exists()


def test_a_form_over_the_limit_answers_a_readable_413_page(tenant):
    response = signed_in(tenant.care).post("/customers/new/", {"kind": "person", "last_name": "x" * OVER})
    assert response.status_code == 413
    page = response.content.decode()
    assert "Too large" in page and "Shorten it and try again." in page
    assert not Customer.objects.exists()


def test_files_are_not_counted_an_upload_over_the_limit_reaches_its_own_checks(tenant):
    big = SimpleUploadedFile("r.csv", b"Vin\n" + b"x" * OVER)
    response = Client().post("/api/v1/removal-requests", {"file": big}, **bearer(tenant, tenant.dispatcher))
    assert response.status_code == 422, response.content  # refused by the import's checks, not by the size
    assert response.json()["errors"][0]["field"] == "file"


def test_a_multipart_device_event_over_the_limit_answers_413_not_500(db):
    big = SimpleUploadedFile("e.json", b"x" * OVER)
    response = Client().post("/api/v1/device-events", {"file": big})
    assert response.status_code == 413 and response["Content-Type"] == "application/problem+json"
