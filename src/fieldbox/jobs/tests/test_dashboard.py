"""The provider's dashboard and job list (chosen columns, export), and "Take next" for installers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core import clock
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import queries, services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def new_job(tenant: Tenant, *, assign: bool = True) -> Job:
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    dispatch = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatch, subscription_id=reg.subscription.pk)
    return services.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk) if assign else job


def test_the_dashboard_shows_open_jobs_overdue_and_average_days_on_a_known_set(tenant, other_tenant):
    installer = tenant.scope(tenant.installer)
    with time_machine.travel(T0, tick=False):
        done, waiting, late = new_job(tenant), new_job(tenant), new_job(tenant)
        new_job(tenant, assign=False)
        new_job(other_tenant)  # another provider's job counts nowhere here
        box = device(tenant.provider, company=tenant.company)
        assert box.imei
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        services.job_take(scope=installer, job_id=done.pk)
        services.job_pair(scope=installer, job_id=done.pk, serial=box.serial, imei_last4=box.imei[-4:])
        services.job_take(scope=installer, job_id=waiting.pk)
    with time_machine.travel(T0 + timedelta(days=3, hours=12), tick=False), transaction.atomic():
        box.refresh_from_db()
        services.job_activate(box, timezone.now())
    Job.objects.filter(pk=late.pk).update(deadline_at=T0 + timedelta(days=1))
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        scope = tenant.scope(tenant.dispatcher)
        assert scope.organisation.is_provider
        with CaptureQueriesContext(connection) as counted:
            figures = queries.dashboard(scope, 30)
        spent = len(counted.captured_queries)  # read before a request clears the log
        page = signed_in(tenant.dispatcher).get("/jobs/dashboard/").content.decode()
    assert spent == 4  # the counters, the late ones, the companies' names, the speeds: whatever the number of jobs
    assert figures.by_status == {"draft": 1, "assigned": 1, "in_progress": 1, "paired": 0}
    assert figures.overdue == 1 and figures.pair_days == 2.0 and figures.activate_days == 1.5
    assert '<span class="value">1</span>' in page and "Overdue jobs" in page
    assert 'href="/jobs/?deadline=overdue"' in page
    assert 'aria-label="Assigned: 1"' in page and 'aria-label="Waiting for activation: 0"' in page
    company_row = page.split('data-testid="company-table"')[1].split("</tr>")[1]
    assert tenant.company.name in company_row and "2.0" in company_row and "1.5" in company_row
    assert other_tenant.company.name not in page
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        later = queries.dashboard(tenant.scope(tenant.dispatcher), 30)
        longer = queries.dashboard(tenant.scope(tenant.dispatcher), 90)
    assert later.pair_days is None and longer.pair_days == 2.0


def test_an_empty_dashboard_says_so_and_is_for_providers_only(tenant):
    page = signed_in(tenant.dispatcher).get("/jobs/dashboard/").content.decode()
    assert 'data-testid="dashboard-empty"' in page and "Dashboard" in page
    assert signed_in(tenant.installer).get("/jobs/dashboard/").status_code in (403, 404)


def test_chosen_columns_change_the_list_and_its_export(tenant):
    job = new_job(tenant)
    client = signed_in(tenant.dispatcher)
    page = client.get("/jobs/").content.decode()
    assert "<th>Installer company</th>" in page and "<th>Serial number</th>" not in page
    response = client.post("/jobs/columns/", {"columns": ["number", "serial", "assigned"], "query": "status=assigned"})
    assert response.status_code == 302 and response.url == "/jobs/?status=assigned"
    page = client.get("/jobs/").content.decode()
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert header == "<tr><th>Job</th><th>Assigned on</th><th>Serial number</th></tr>"
    assert job.number in page and job.subscription.number not in page
    export = client.get("/jobs/?format=csv").content.decode().splitlines()
    assert export[0] == "Job,Assigned on,Serial number"
    assert export[1].startswith(f"{job.number},{clock.today(tenant.provider.time_zone).isoformat()}")
    client.post("/jobs/columns/", {"columns": ["bogus"]})
    assert "<th>Installer company</th>" in client.get("/jobs/").content.decode()  # back to the defaults


def test_the_list_sorts_by_deadline_and_pages_by_keyset(tenant, settings):
    first, second = new_job(tenant), new_job(tenant)
    Job.objects.filter(pk=first.pk).update(deadline_at=timezone.now() + timedelta(days=9))
    Job.objects.filter(pk=second.pk).update(deadline_at=timezone.now() + timedelta(days=2))
    client = signed_in(tenant.dispatcher)
    page = client.get("/jobs/?sort=deadline").content.decode()
    assert page.index(second.number) < page.index(first.number)
    page = client.get("/jobs/?sort=created").content.decode()
    assert page.index(first.number) < page.index(second.number)


def test_take_next_opens_the_job_closest_to_its_deadline_or_says_none_is_left(tenant):
    later, sooner = new_job(tenant), new_job(tenant)
    Job.objects.filter(pk=later.pk).update(deadline_at=timezone.now() + timedelta(days=9))
    Job.objects.filter(pk=sooner.pk).update(deadline_at=timezone.now() + timedelta(days=1))
    client = signed_in(tenant.installer)
    assert 'data-testid="take-next"' in client.get("/jobs/available/").content.decode()
    response = client.post("/jobs/available/take-next/")
    assert response.status_code == 302 and response.url == f"/jobs/{sooner.pk}/"
    sooner.refresh_from_db()
    assert sooner.status == JobStatus.IN_PROGRESS and sooner.installer == tenant.installer
    client.post("/jobs/available/take-next/")
    page = client.post("/jobs/available/take-next/", follow=True).content.decode()
    assert "No job is available right now." in page
    assert client.get("/jobs/available/take-next/").status_code == 405
