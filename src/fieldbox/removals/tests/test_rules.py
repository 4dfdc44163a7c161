"""Removal requests under the rules of issue 11: exact counts past what a page lists, a vehicle taken by an open job
refused at the check, a background save that breaks never leaves a draft "saving" for ever, one audit row whichever
way it is written (the bulk write keeps the client's address), a bounded number of queries whatever the size."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import Workbook

from fieldbox.accounts.services import token_create
from fieldbox.core import audit
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Vehicle
from fieldbox.fleet.tests.factories import many_registries
from fieldbox.jobs.models import Job
from fieldbox.jobs.tests.factories import draft_job
from fieldbox.removals import tasks
from fieldbox.removals.choices import RequestState
from fieldbox.removals.imports import HEADER
from fieldbox.removals.models import RemovalLine, RemovalRequest
from fieldbox.removals.services import requests as services
from fieldbox.removals.tests.factories import vin

pytestmark = pytest.mark.django_db


def _fleet(tenant, count: int) -> list[tuple[str, str]]:
    """``count`` vehicles with a VIN and an active subscription each: (VIN, subscription number)."""
    regs = many_registries(tenant.provider, count)
    vehicles = [r.vehicle for r in regs]
    for vehicle in vehicles:
        vehicle.vin = vin()
    Vehicle.objects.bulk_update(vehicles, ["vin"], batch_size=1000)
    return [(r.vehicle.vin, r.subscription.number) for r in regs]


def _file(tenant, rows: list[tuple[str, str]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Déposes")
    sheet.append(list(HEADER))
    wished = timezone.localdate() + timedelta(days=10)
    for vin_, number in rows:
        sheet.append([vin_, number, tenant.company.installer_code, "Lyon", wished, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(tenant, rows: list[tuple[str, str]]) -> RemovalRequest:
    data = _file(tenant, rows)
    scope = tenant.scope(tenant.dispatcher)
    return services.request_upload(scope=scope, stream=io.BytesIO(data), file_name="f.xlsx", size=len(data))


def test_the_api_counts_every_line_of_a_request_past_the_ones_it_lists(tenant, settings):
    settings.REMOVAL_IMPORT_BACKGROUND_ROWS = 5000
    draft = _upload(tenant, _fleet(tenant, 1001))
    _token, raw = token_create(scope=tenant.scope(tenant.dispatcher), name="t", days=2)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = Client().get(f"/api/v1/removal-requests/{draft.pk}/status", **auth).json()
    assert body["count"] == 1001 and len(body["lines"]) == 1000
    services.request_confirm(scope=tenant.scope(tenant.dispatcher), request_id=draft.pk)
    body = Client().get(f"/api/v1/removal-requests/{draft.pk}/status", **auth).json()
    assert body["state"] == "saved" and body["count"] == 1001 and len(body["lines"]) == 1000
    listed = Client().get("/api/v1/removal-requests", **auth).json()["items"][0]
    assert listed["summary"] == {"total": 1001, "accepted": 0, "done": 0}


@pytest.mark.postgres  # SQLite inserts in batches of 999 parameters
def test_confirming_costs_the_same_queries_for_five_lines_and_for_five_hundred(tenant):
    def confirm(rows: int) -> int:
        draft = _upload(tenant, _fleet(tenant, rows))
        with CaptureQueriesContext(connection) as spent:
            services.request_confirm(scope=tenant.scope(tenant.dispatcher), request_id=draft.pk)
        return len(spent.captured_queries)

    few, many = confirm(5), confirm(500)
    assert many == few <= 30, (few, many)


def test_a_vehicle_that_has_an_open_job_is_refused_at_the_check(tenant):
    [(busy_vin, number), free] = _fleet(tenant, 2)
    job = draft_job(tenant)
    Job.objects.filter(pk=job.pk).update(vehicle=Vehicle.objects.get(vin=busy_vin))
    draft = _upload(tenant, [(busy_vin, number), free])
    assert draft.error_count == 1 and draft.line_count == 1
    [error] = draft.errors
    assert error["column"] and f"already has an open job ({job.number})" in error["message"]


def test_a_background_save_that_breaks_leaves_the_draft_ready_again(tenant, monkeypatch):
    draft = _upload(tenant, _fleet(tenant, 2))
    scope = tenant.scope(tenant.dispatcher)
    monkeypatch.setattr(services, "request_confirm", _broken)
    services.request_confirm_later(scope=scope, request_id=draft.pk)
    assert tasks.confirm_request(draft.pk, tenant.dispatcher.pk) == "failed"  # the worker's run
    draft.refresh_from_db()
    assert draft.state == RequestState.READY and "stopped on an error" in draft.errors[0]["message"]
    assert not RemovalLine.objects.exists()
    RemovalRequest.objects.filter(pk=draft.pk).update(state=RequestState.SAVING)  # a worker lost with its task
    services.request_discard(scope=scope, request_id=draft.pk)
    assert not RemovalRequest.objects.filter(pk=draft.pk).exists()
    assert tasks.confirm_request(draft.pk, tenant.dispatcher.pk) == "gone"


def _broken(**kwargs: object) -> None:
    raise RuntimeError("the database went away")


def test_the_bulk_write_of_a_confirmation_keeps_the_clients_address(tenant):
    draft = _upload(tenant, _fleet(tenant, 3))
    token = audit.current_ip.set("198.51.100.7")
    try:
        services.request_confirm(scope=tenant.scope(tenant.dispatcher), request_id=draft.pk)
    finally:
        audit.current_ip.reset(token)
    written = AuditEvent.objects.filter(action__in=("job.create_removal", "removal.notify"))
    assert written.count() == 6 and set(written.values_list("ip_address", flat=True)) == {"198.51.100.7"}
