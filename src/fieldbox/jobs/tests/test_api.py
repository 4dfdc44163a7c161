"""The jobs API: a provider creates and assigns, the company's installers take, book, pair; nothing leaks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from fieldbox.accounts import services as accounts
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def bearer(tenant, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(user), name="jobs-api", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(path: str, auth: dict[str, str], body: dict | None = None):
    return Client().post(f"/api/v1{path}", body or {}, content_type="application/json", **auth)


def get(path: str, auth: dict[str, str], **params):
    return Client().get(f"/api/v1{path}", params, **auth)


def assigned_job(tenant, **kwargs) -> Job:
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1), **kwargs)
    planner = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=planner, subscription_id=reg.subscription.pk)
    return services.job_assign(scope=planner, job_id=job.pk, company_id=tenant.company.pk)


def taken_job(tenant) -> Job:
    job = assigned_job(tenant)
    return services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)


def test_openapi_still_validates_and_jobs_operations_document_their_errors():
    schema = Client().get("/api/openapi.json").json()
    validate(schema)
    jobs = {(m, p) for p, ops in schema["paths"].items() for m, op in ops.items() if op.get("tags") == ["jobs"]}
    assert ("post", "/api/v1/jobs/{job_id}/pair") in jobs and ("get", "/api/v1/jobs") in jobs
    registry_paths = {p for p, ops in schema["paths"].items() for op in ops.values() if op.get("tags") == ["registry"]}
    assert "/api/v1/devices" in registry_paths  # devices are the registry's
    for method, path in jobs:
        responses = schema["paths"][path][method]["responses"]
        assert {"401", "429"} <= set(responses), (method, path)
    when = schema["components"]["schemas"]["AppointmentIn"]["properties"]["when"]
    assert when["format"] == "date-time" and "offset" in when["description"]


def test_provider_creates_and_assigns_then_the_company_lists_and_takes(tenant):
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    provider, installer = bearer(tenant, tenant.dispatcher), bearer(tenant, tenant.installer)
    created = post(
        "/jobs",
        provider,
        {
            "subscription_number": reg.subscription.number,
            "kind": "installation",
            "spec": {"vehicle_model": "Panda 1.2", "central_lock_type": "CAN", "notes": "  "},
        },
    )
    assert created.status_code == 201, created.content
    job = created.json()
    assert job["status"] == "draft" and job["number"] == "J0000001"  # the provider's first job
    assert job["spec"] == {"vehicle_model": "Panda 1.2", "central_lock_type": "CAN", "notes": None}
    assert get("/jobs", installer).json()["items"] == []  # a draft is the provider's alone

    assigned = post(f"/jobs/{job['id']}/assign", provider, {"company_id": tenant.company.pk})
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["status"] == "assigned" and assigned.json()["deadline_at"]

    page = get("/jobs", installer, status="assigned").json()
    [row] = page["items"]
    assert page["next_cursor"] is None
    assert row["id"] == job["id"] and row["plate"] == reg.vehicle.plate
    assert row["customer"]["phone"] == reg.customer.phone and row["overdue"] is False
    assert get("/jobs", installer, q=reg.vehicle.plate).json()["items"][0]["id"] == job["id"]

    taken = post(f"/jobs/{job['id']}/take", installer)
    assert taken.status_code == 200
    assert taken.json()["status"] == "in_progress" and taken.json()["installer_id"] == tenant.installer.pk


def test_of_two_takes_the_second_gets_a_409_problem_and_changes_nothing(tenant):
    job = assigned_job(tenant)
    first = post(f"/jobs/{job.pk}/take", bearer(tenant, tenant.installer))
    second = post(f"/jobs/{job.pk}/take", bearer(tenant, tenant.company_admin))
    assert first.status_code == 200
    assert second.status_code == 409 and second["Content-Type"] == PROBLEM
    assert second.json()["status"] == 409 and "took this job" in second.json()["detail"]
    job.refresh_from_db()
    assert job.installer == tenant.installer and job.status == JobStatus.IN_PROGRESS


def test_an_appointment_past_the_deadline_is_refused_naming_the_field(tenant):
    job = taken_job(tenant)
    installer = bearer(tenant, tenant.installer)
    late = (job.deadline_at + timedelta(days=2)).isoformat()
    response = post(f"/jobs/{job.pk}/appointment", installer, {"when": late})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["when"]
    naive = post(f"/jobs/{job.pk}/appointment", installer, {"when": "2026-12-01T09:30:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "when"
    job.refresh_from_db()
    assert job.appointment_at is None

    soon = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    booked = post(f"/jobs/{job.pk}/appointment", installer, {"when": soon.isoformat()})
    assert booked.status_code == 200, booked.content
    job.refresh_from_db()
    assert job.appointment_at == soon


def test_pairing_with_a_wrong_imei_changes_nothing_and_the_right_one_pairs(tenant):
    job = taken_job(tenant)
    box = device(tenant.provider, company=tenant.company)
    installer = bearer(tenant, tenant.installer)
    wrong = "0000" if box.imei[-4:] != "0000" else "1111"
    response = post(f"/jobs/{job.pk}/pair", installer, {"serial": box.serial, "imei_last4": wrong})
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["imei_last4"]
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.device is None
    assert box.status == DeviceStatus.SHIPPED and box.vehicle is None

    paired = post(f"/jobs/{job.pk}/pair", installer, {"serial": box.serial.lower(), "imei_last4": box.imei[-4:]})
    assert paired.status_code == 200, paired.content
    assert paired.json()["status"] == "paired" and paired.json()["device_serial"] == box.serial
    box.refresh_from_db()
    assert box.status == DeviceStatus.WAITING_ACTIVATION and box.vehicle_id == job.vehicle_id


def test_another_company_gets_404_exactly_like_a_missing_job(tenant, other_tenant):
    job = assigned_job(tenant)
    stranger = bearer(other_tenant, other_tenant.installer)
    for path in (f"/jobs/{job.pk}", "/jobs/987654321"):
        response = get(path, stranger)
        assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert post(f"/jobs/{job.pk}/take", stranger).status_code == 404
    assert get("/jobs", stranger).json()["items"] == []
    assert get(f"/jobs/{job.pk}", bearer(other_tenant, other_tenant.dispatcher)).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED and job.installer is None


def test_once_the_job_ended_the_company_sees_the_plate_masked_and_no_customer(tenant):
    job = assigned_job(tenant, plate="GH456JK")
    installer = bearer(tenant, tenant.installer)
    post(f"/jobs/{job.pk}/take", installer)
    failed = post(f"/jobs/{job.pk}/fail", installer, {"comment": "The owner did not come"})
    assert failed.status_code == 200 and failed.json()["status"] == "failed"

    for row in (get(f"/jobs/{job.pk}", installer).json(), get("/jobs", installer).json()["items"][0]):
        assert row["plate"] == "GH•••JK" and "GH456JK" not in str(row)
        assert row["customer"] is None and row["subscription_number"] is None and row["vin"] is None
    assert get("/jobs", installer, q="GH456JK").json()["items"] == []
    provider_view = get(f"/jobs/{job.pk}", bearer(tenant, tenant.dispatcher)).json()
    assert provider_view["plate"] == "GH456JK" and provider_view["customer"]["name"].startswith("Luca Bianchi")


def test_bad_input_names_the_field_and_writes_nothing(tenant):
    provider = bearer(tenant, tenant.dispatcher)
    unknown = post("/jobs", provider, {"subscription_number": "NOPE-1"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "subscription_number"
    wrong_kind = post("/jobs", provider, {"subscription_id": 1, "kind": "teleport"})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "kind"
    assert post("/jobs", bearer(tenant, tenant.installer), {"subscription_id": 1}).status_code == 403
    assert not Job.objects.exists()

    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = post("/jobs", provider, {"subscription_id": reg.subscription.pk}).json()
    stranger = post(f"/jobs/{job['id']}/assign", provider, {"company_id": 987654321})
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "company_id"
    assert Job.objects.get().status == JobStatus.DRAFT


def test_a_draft_is_edited_and_deleted_only_while_draft(tenant):
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    provider = bearer(tenant, tenant.dispatcher)
    job = post("/jobs", provider, {"subscription_id": reg.subscription.pk, "spec": {"notes": "Key at the bar"}}).json()
    changed = Client().patch(
        f"/api/v1/jobs/{job['id']}", {"spec": {"vehicle_model": "500X"}}, content_type="application/json", **provider
    )
    assert changed.status_code == 200
    assert changed.json()["spec"] == {"vehicle_model": "500X", "central_lock_type": None, "notes": "Key at the bar"}
    services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job["id"], company_id=tenant.company.pk)
    refused = Client().patch(
        f"/api/v1/jobs/{job['id']}", {"spec": {"notes": ""}}, content_type="application/json", **provider
    )
    assert refused.status_code == 409
    assert Client().delete(f"/api/v1/jobs/{job['id']}", **provider).status_code == 409

    second = post("/jobs", provider, {"subscription_id": reg.subscription.pk})
    assert second.status_code == 422  # the vehicle has an open job already
    assert second.json()["errors"][0]["field"] == "subscription_id" and job["number"] in second.text
    draft = post("/jobs", provider, {"subscription_id": registry(tenant.provider).subscription.pk}).json()
    assert Client().delete(f"/api/v1/jobs/{draft['id']}", **provider).status_code == 204
    assert not Job.objects.filter(pk=draft["id"]).exists()


def test_devices_are_shipped_received_and_listed_by_who_holds_them(tenant, other_tenant):
    box = device(tenant.provider)
    provider, company_admin = bearer(tenant, tenant.dispatcher), bearer(tenant, tenant.company_admin)
    assert get("/devices", company_admin).json()["items"] == []
    shipped = post(f"/devices/{box.pk}/ship", provider, {"company_id": tenant.company.pk})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert post(f"/devices/{box.pk}/ship", provider, {"company_id": tenant.company.pk}).status_code == 409

    assert post(f"/devices/{box.pk}/receive", bearer(other_tenant, other_tenant.installer)).status_code == 404
    received = post(f"/devices/{box.pk}/receive", company_admin)
    assert received.status_code == 200 and received.json()["status"] == "received"

    [row] = get("/devices", company_admin, status="received", serial=box.serial[:5].lower()).json()["items"]
    assert row["serial"] == box.serial and row["company_id"] == tenant.company.pk
    assert get("/devices", provider, status="in_stock").json()["items"] == []
    assert get("/devices", bearer(other_tenant, other_tenant.dispatcher)).json()["items"] == []
    assert Device.objects.get(pk=box.pk).status == DeviceStatus.RECEIVED


def test_customer_care_extends_a_deadline_through_the_api(tenant):
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk)
    job = services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    _t, raw = accounts.token_create(scope=tenant.scope(tenant.care), name="care", days=1)
    until = (timezone.localtime(job.deadline_at) + timedelta(days=7)).date().isoformat()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    refused = client.post(
        f"/api/v1/jobs/{job.pk}/extend-deadline",
        {"until": until, "reason": ""},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 422
    done = client.post(
        f"/api/v1/jobs/{job.pk}/extend-deadline",
        {"until": until, "reason": "Owner abroad"},
        content_type="application/json",
        **auth,
    )
    assert done.status_code == 200
    job.refresh_from_db()
    assert timezone.localtime(job.deadline_at).date().isoformat() == until
