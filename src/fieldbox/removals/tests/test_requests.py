"""A removal request from upload to "Request saved": summary, confirm, keep only the valid rows, discard,
the background path for large files, and the API."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from fieldbox.accounts import services as accounts
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Subscription
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.removals import tasks
from fieldbox.removals.choices import LineStatus, RequestState
from fieldbox.removals.models import RemovalDraftLine, RemovalLine, RemovalRequest
from fieldbox.removals.services import requests as services
from fieldbox.removals.tests.test_imports import LATER, NOW, vehicle, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_and_clock(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield


def rows_of(tenant: Tenant, n: int, *, bad: int = 0) -> list[list[object]]:
    code = tenant.company.installer_code
    rows: list[list[object]] = [
        [vin, sub, code, "Paris", LATER, "ASAP"] for vin, sub in (vehicle(tenant) for _ in range(n))
    ]
    rows += [["WBA1T5108ZZZZZZZ1", "NOPE", code, "", LATER, ""] for _ in range(bad)]
    return rows


def post_file(client, data: bytes):
    return client.post(
        "/removal-requests/new/", {"file": SimpleUploadedFile("r.xlsx", data), "follow_up_email": "follow@up.example"}
    )


def test_upload_summary_confirm_creates_the_assigned_removal_jobs(tenant):
    client = signed_in(tenant.dispatcher)
    response = post_file(client, xlsx(rows_of(tenant, 2)))
    draft = RemovalRequest.objects.get()
    assert response.url == f"/removal-requests/{draft.pk}/summary/"
    page = client.get(response.url).content.decode()
    assert "BMW" in page and "SERIE 1" in page and tenant.company.email in page and "New" in page
    assert draft.state == RequestState.READY and not Job.objects.exists()
    response = client.post(f"/removal-requests/{draft.pk}/confirm/")
    assert response.url == f"/removal-requests/{draft.pk}/saved/"
    page = client.get(response.url).content.decode()
    draft.refresh_from_db()
    assert draft.number == "#1", "the provider's first saved request: the draft took no number"
    assert "Request saved" in page and "Your removal request #1 was saved" in page
    assert draft.state == RequestState.SAVED and draft.saved_at is not None
    lines = list(RemovalLine.objects.filter(request=draft).select_related("job"))
    assert {n.status for n in lines} == {LineStatus.NOTIFIED} and not RemovalDraftLine.objects.exists()
    job = lines[0].job
    assert job is not None
    assert (job.kind, job.status, job.company_id, job.vehicle_id) == (
        JobKind.REMOVAL, JobStatus.ASSIGNED, tenant.company.pk, lines[0].vehicle_id,
    )  # fmt: skip
    assert job.assigned_at == job.visible_from == datetime(2026, 6, 10, 7, 0, tzinfo=UTC)
    assert job.deadline_at == datetime(2026, 6, 20, 21, 59, 59, tzinfo=UTC)  # end of day, Europe/Rome
    assert job.customer_id == lines[0].subscription.customer_id
    assert AuditEvent.objects.filter(action="removal.notify").count() == 2
    assert AuditEvent.objects.filter(action="job.create_removal", to_state="assigned").count() == 2
    assert client.post(f"/removal-requests/{draft.pk}/confirm/").status_code == 302  # twice: refused, no new jobs
    assert Job.objects.count() == 2


def test_rows_in_error_block_the_confirmation_unless_only_the_valid_rows_are_kept(tenant):
    client = signed_in(tenant.dispatcher)
    post_file(client, xlsx(rows_of(tenant, 2, bad=1)))
    draft = RemovalRequest.objects.get()
    response = client.post(f"/removal-requests/{draft.pk}/confirm/", follow=True)
    assert "1 row has errors: correct the file, or tick" in response.content.decode()
    assert not Job.objects.exists()
    client.post(f"/removal-requests/{draft.pk}/confirm/", {"keep_valid_only": "1"})
    draft.refresh_from_db()
    assert draft.state == RequestState.SAVED and draft.keep_valid_only
    assert Job.objects.count() == 2 and RemovalLine.objects.filter(status=LineStatus.NOTIFIED).count() == 2


def test_discard_deletes_the_draft(tenant):
    client = signed_in(tenant.dispatcher)
    post_file(client, xlsx(rows_of(tenant, 2)))
    draft = RemovalRequest.objects.get()
    response = client.post(f"/removal-requests/{draft.pk}/discard/", follow=True)
    assert "The draft request was discarded" in response.content.decode()
    assert not RemovalRequest.objects.exists() and not RemovalLine.objects.exists()
    assert not RemovalDraftLine.objects.exists()


def test_a_vehicle_taken_by_another_request_meanwhile_is_a_clear_refusal(tenant):
    scope = tenant.scope(tenant.dispatcher)
    data = xlsx(rows_of(tenant, 1))
    first = services.request_upload(scope=scope, stream=io.BytesIO(data), file_name="a.xlsx", size=None)
    second = services.request_upload(scope=scope, stream=io.BytesIO(data), file_name="b.xlsx", size=None)
    services.request_confirm(scope=scope, request_id=first.pk)
    client = signed_in(tenant.dispatcher)
    page = client.post(f"/removal-requests/{second.pk}/confirm/", follow=True).content.decode()
    assert "were put in another open removal or job meanwhile" in page
    assert Job.objects.count() == 1


def test_other_roles_and_providers_cannot_see_a_draft(tenant, other_tenant):
    post_file(signed_in(tenant.dispatcher), xlsx(rows_of(tenant, 1)))
    draft = RemovalRequest.objects.get()
    assert signed_in(other_tenant.dispatcher).get(f"/removal-requests/{draft.pk}/summary/").status_code == 404
    assert signed_in(tenant.installer).get(f"/removal-requests/{draft.pk}/summary/").status_code == 403


def test_a_large_file_is_checked_and_saved_in_the_background_with_progress(
    tenant, settings, django_capture_on_commit_callbacks
):
    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 3
    client = signed_in(tenant.dispatcher)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = post_file(client, xlsx(rows_of(tenant, 5, bad=1)))
    draft = RemovalRequest.objects.get()
    assert draft.state == RequestState.CHECKING and draft.rows_total == 6
    page = client.get(response.url).content.decode()
    assert 'data-testid="progress"' in page and "0 of 6 rows" in page and 'hx-trigger="every 2s"' in page
    assert list(settings.MEDIA_ROOT.rglob("*.xlsx"))
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()  # the worker checks the kept file
    draft.refresh_from_db()
    assert (draft.state, draft.rows_done, draft.error_count) == (RequestState.READY, 6, 1)
    assert not list(settings.MEDIA_ROOT.rglob("*.xlsx"))  # the kept file is gone once checked
    progress = client.get(f"/removal-requests/{draft.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Redirect"] == f"/removal-requests/{draft.pk}/summary/"
    assert services.request_check_stored(draft.pk) == "gone"  # run again: nothing to redo
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/removal-requests/{draft.pk}/confirm/", {"keep_valid_only": "1"})
    draft.refresh_from_db()
    assert draft.state == RequestState.SAVED and Job.objects.count() == 5


def test_the_background_check_starts_over_when_it_runs_again(tenant, settings, django_capture_on_commit_callbacks):
    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=False):
        post_file(signed_in(tenant.dispatcher), xlsx(rows_of(tenant, 3)))
    draft = RemovalRequest.objects.get()
    assert services.request_check_stored(draft.pk) == RequestState.READY
    # A worker that died after writing the lines and before marking the draft ready leaves it "checking".
    RemovalRequest.objects.filter(pk=draft.pk).update(state=RequestState.CHECKING)
    assert services.request_check_stored(draft.pk) == RequestState.READY
    assert RemovalDraftLine.objects.filter(request=draft).count() == 3


def test_the_background_check_writes_its_errors_in_the_uploaders_language(
    tenant, settings, django_capture_on_commit_callbacks
):
    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 1
    User.objects.filter(pk=tenant.dispatcher.pk).update(language="fr")
    with django_capture_on_commit_callbacks(execute=False):
        post_file(signed_in(tenant.dispatcher), xlsx(rows_of(tenant, 1, bad=1)))
    draft = RemovalRequest.objects.get()
    assert services.request_check_stored(draft.pk) == RequestState.READY
    draft.refresh_from_db()
    assert draft.errors[0]["message"] == "Aucun véhicule de votre flotte n'a le VIN WBA1T5108ZZZZZZZ1."


def api_headers(tenant: Tenant) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(tenant.dispatcher), name="api", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_upload_answers_201_422_and_dry_run(tenant, client):
    auth = api_headers(tenant)
    good, bad = rows_of(tenant, 2), rows_of(tenant, 0, bad=1)
    dry = client.post(
        "/api/v1/removal-requests?dry_run=true", {"file": SimpleUploadedFile("r.xlsx", xlsx(good))}, **auth
    )
    assert dry.status_code == 200 and dry.json()["count"] == 2 and not RemovalRequest.objects.exists()
    assert dry.json()["lines"][0]["remover"] == tenant.company.name and not RemovalDraftLine.objects.exists()
    refused = client.post("/api/v1/removal-requests", {"file": SimpleUploadedFile("r.xlsx", xlsx(good + bad))}, **auth)
    assert refused.status_code == 422 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0] == {
        "field": "Vin", "row": 4, "column": "Vin", "message": "No vehicle of your fleet has the VIN WBA1T5108ZZZZZZZ1.",
    }  # fmt: skip
    assert not RemovalRequest.objects.exists()
    created = client.post(
        "/api/v1/removal-requests",
        {"file": SimpleUploadedFile("r.xlsx", xlsx(good + bad)), "keep_valid_only": "true"},
        **auth,
    )
    body = created.json()
    assert created.status_code == 201 and body["count"] == 2 and body["rows_in_error"] == 1
    assert body["lines"][0]["status"] == "new"
    confirmed = client.post(f"/api/v1/removal-requests/{body['id']}/confirm", **auth)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "saved"
    assert client.delete(f"/api/v1/removal-requests/{body['id']}", **auth).status_code == 409
    assert Job.objects.count() == 2


def test_confirming_refuses_a_draft_whose_subscription_ended_since_the_check(tenant):
    client = signed_in(tenant.dispatcher)
    rows = rows_of(tenant, 2)
    post_file(client, xlsx(rows))
    draft = RemovalRequest.objects.get()
    Subscription.objects.filter(number=rows[1][1]).update(status="ended")
    page = client.post(f"/removal-requests/{draft.pk}/confirm/", follow=True).content.decode()
    assert f"These vehicles, their subscriptions or their removers changed since the check: {rows[1][0]}" in page
    draft.refresh_from_db()
    assert draft.state == RequestState.READY and not Job.objects.exists() and not RemovalLine.objects.exists()
    assert RemovalDraftLine.objects.filter(request=draft).count() == 2


def test_api_upload_refuses_a_follow_up_address_that_is_no_e_mail(tenant, client):
    data = {"file": SimpleUploadedFile("r.xlsx", xlsx(rows_of(tenant, 1))), "follow_up_email": "x" * 300}
    refused = client.post("/api/v1/removal-requests", data, **api_headers(tenant))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "follow_up_email"
    assert not RemovalRequest.objects.exists()


def test_confirming_refuses_a_draft_whose_wished_date_went_by(tenant):
    client = signed_in(tenant.dispatcher)
    rows = rows_of(tenant, 1)  # wished for 20/06/2026
    post_file(client, xlsx(rows))
    draft = RemovalRequest.objects.get()
    with time_machine.travel("2026-06-21 09:00+02:00", tick=False):
        page = client.post(f"/removal-requests/{draft.pk}/confirm/", follow=True).content.decode()
    assert f"The wished date of these vehicles is now past: {rows[0][0]}" in page and not Job.objects.exists()


def test_api_delete_of_a_draft(tenant, client):
    auth = api_headers(tenant)
    created = client.post(
        "/api/v1/removal-requests", {"file": SimpleUploadedFile("r.xlsx", xlsx(rows_of(tenant, 1)))}, **auth
    )
    assert created.status_code == 201
    assert client.delete(f"/api/v1/removal-requests/{created.json()['id']}", **auth).status_code == 204
    assert not RemovalRequest.objects.exists()


def test_api_large_upload_answers_202_with_a_status_url(tenant, client, settings, django_capture_on_commit_callbacks):
    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 1
    auth = api_headers(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/removal-requests", {"file": SimpleUploadedFile("r.xlsx", xlsx(rows_of(tenant, 2)))}, **auth
        )
    assert response.status_code == 202
    status = client.get(response.json()["status_url"], **auth).json()
    assert status["state"] == "ready" and status["rows_done"] == 2 and status["count"] == 2


def test_drafts_nobody_confirmed_are_purged_after_a_week(tenant):
    client = signed_in(tenant.dispatcher)
    post_file(client, xlsx(rows_of(tenant, 2)))
    draft = RemovalRequest.objects.get()
    assert tasks.purge_stale_drafts() == 0  # a fresh draft stays
    with time_machine.travel("2026-06-18 09:00+02:00", tick=False):
        post_file(client, xlsx(rows_of(tenant, 1)))  # a recent one stays too
        assert tasks.purge_stale_drafts() == 1
    assert not RemovalRequest.objects.filter(pk=draft.pk).exists()
    assert not RemovalDraftLine.objects.filter(request_id=draft.pk).exists()
    assert RemovalRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="removal_request.expire", object_id=str(draft.pk)).exists()
