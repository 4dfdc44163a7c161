"""Rules of jobs that each live in one place (issue 11): one open job per vehicle, pairing only for installations,
exact totals at any size, the installer's filters reading text as customer care's search does, the masked projection
of an ended job, take-next choosing among the available list, one audit row whichever way it is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core import audit, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer
from fieldbox.fleet.tests.factories import many_registries, registry
from fieldbox.jobs import selectors, services
from fieldbox.jobs.choices import JOB_TABLE, JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.tests.factories import assigned_job, draft_job, paired_job, taken_job

pytestmark = pytest.mark.django_db


def test_a_job_without_a_device_refuses_pairing_and_offers_no_pair_button(tenant):
    job = taken_job(tenant, kind=JobKind.MAINTENANCE)
    with pytest.raises(Conflict, match="Only an installation pairs a device"):
        services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial="TBA0000001", imei_last4="1234")
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()  # the booking first; at the vehicle, completing next
    assert 'data-step="book"' in page and 'href="?step=complete"' in page and 'id="pair"' not in page
    page = client.get(f"/jobs/{job.pk}/?step=complete").content.decode()
    assert 'id="pair"' not in page and f'action="/jobs/{job.pk}/complete/"' in page
    assert 'id="pair"' not in client.get(f"/jobs/{job.pk}/?step=pair").content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.device is None


def test_a_vehicle_has_one_open_job_on_every_way_in(tenant):
    job = draft_job(tenant)
    scope = tenant.scope(tenant.dispatcher)
    with pytest.raises(ValidationError, match=job.number):
        services.job_create(scope=scope, subscription_id=job.subscription_id)
    page = signed_in(tenant.dispatcher).post("/jobs/new/", {"subscription": job.subscription.number, "kind": "removal"})
    assert "already has an open job" in page.content.decode() and Job.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it too
        Job.objects.create(
            **{f.attname: getattr(job, f.attname) for f in Job._meta.concrete_fields if not f.primary_key}
            | {"number": "J9"}
        )
    services.job_cancel(scope=scope, job_id=job.pk, reason="Wrong kind")
    again = services.job_create(scope=scope, subscription_id=job.subscription_id, kind=JobKind.REMOVAL)
    assert again.status == JobStatus.DRAFT, "an ended job holds its vehicle no more"


def test_the_tabs_give_exact_totals_past_a_thousand(tenant, django_assert_max_num_queries):
    regs = many_registries(tenant.provider, 1001)
    now = timezone.now()
    jobs = [
        Job(
            provider=tenant.provider,
            number=f"B{n:07d}",
            subscription=r.subscription,
            vehicle=r.vehicle,
            customer=r.customer,
            product=r.product,
            company=tenant.company,
            assigned_at=now,
            visible_from=now - timedelta(minutes=1),
            deadline_at=now + timedelta(days=20),
        )
        for n, r in enumerate(regs)
    ]
    with transitions.atomic():
        JOB_TABLE.create_many(jobs, "create_removal", scope=tenant.scope(tenant.dispatcher))  # assigned at once
    services.job_take(scope=tenant.scope(tenant.installer), job_id=jobs[0].pk)
    client = signed_in(tenant.installer)
    with django_assert_max_num_queries(12):
        page = client.get("/jobs/installations/").content.decode()
    assert '<span class="total">1001</span>' in page and '<span class="total">0</span>' in page


def test_the_installers_filters_read_text_as_customer_cares_search_does(tenant):
    job = assigned_job(tenant, plate="AB123CD")
    Customer.objects.filter(pk=job.customer_id).update(
        first_name="Roberto", last_name="Esposito", phone="+393331234567"
    )
    other = assigned_job(tenant, plate="ZZ999ZZ")
    Customer.objects.filter(pk=other.customer_id).update(phone="+393470000000")
    client = signed_in(tenant.installer)
    queries = ("customer=Roberto+Esposito", "phone=%2B39+333+123+4567", "phone=0039 333 1234567", "plate=ab-123-cd")
    for query in queries:
        page = client.get(f"/jobs/installations/?{query}").content.decode()
        assert f'href="/jobs/{job.pk}/"' in page and f'href="/jobs/{other.pk}/"' not in page, query
    care = signed_in(tenant.care).get("/jobs/search/?q=Roberto Esposito").content.decode()
    assert job.number in care


def test_an_ended_job_reaches_the_company_masked_in_every_projection(tenant):
    job, _box = paired_job(tenant, plate="GH456CD")
    services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="Car sold")
    scope = tenant.scope(tenant.installer)
    seen = Job.objects.visible_to(scope).select_related("vehicle", "customer").get(pk=job.pk)
    assert seen.masked and seen.vehicle.plate == "GH•••CD" and seen.customer.phone == "" and seen.vehicle.vin == ""
    assert Job.objects.visible_to(scope).get(pk=job.pk).customer.last_name == "", "a relation loaded later too"
    row = Job.objects.visible_to(scope).values("status", "provider_id", "vehicle__plate", "customer__phone").get()
    assert row["masked"] and row["vehicle__plate"] == "GH•••CD" and row["customer__phone"] == ""
    with pytest.raises(ValueError, match="masked projection"):
        Job.objects.visible_to(scope).values("vehicle__plate").get()
    assert not selectors.search(scope, "GH456CD").exists(), "its plate no longer finds it"
    provider = Job.objects.visible_to(tenant.scope(tenant.care)).get(pk=job.pk)
    assert not provider.masked and provider.vehicle.plate == "GH456CD"


def test_take_next_chooses_among_exactly_the_available_list(tenant, other_tenant):
    soon, late = assigned_job(tenant), assigned_job(tenant)
    Job.objects.filter(pk=soon.pk).update(deadline_at=timezone.now() + timedelta(days=1))
    hidden = assigned_job(tenant)
    Job.objects.filter(pk=hidden.pk).update(visible_from=timezone.now() + timedelta(days=1))
    taken_job(tenant)
    removal = assigned_job(tenant)
    Job.objects.filter(pk=removal.pk).update(in_removal_request=True)
    assigned_job(other_tenant)
    for user in (tenant.installer, tenant.company_admin):
        scope = tenant.scope(user)
        listed = list(selectors.available_jobs(scope).order_by("deadline_at", "id").values_list("pk", flat=True))
        assert listed == [soon.pk, late.pk]
        with transaction.atomic():
            taken = [services.job_take_next(scope=scope) for _ in range(3)]
            transaction.set_rollback(True)
        assert [j.pk if j else None for j in taken] == [soon.pk, late.pk, None]
    assert Client().post("/api/v1/jobs/take-next").status_code == 401


def test_an_audit_row_reads_the_same_written_alone_in_bulk_or_in_sql(tenant):
    first, second = assigned_job(tenant), assigned_job(tenant)
    Job.objects.filter(pk=first.pk).update(deadline_at=timezone.now() + timedelta(days=1))
    scope = tenant.scope(tenant.installer)
    token = audit.current_ip.set("203.0.113.9")
    try:
        services.job_take_next(scope=scope)  # SQL: the hot path
        services.job_take(scope=scope, job_id=second.pk)  # the kernel's single write
        template = JOB_TABLE.audit_template("take", scope=scope, old=JobStatus.ASSIGNED, record=second)
        audit.record_many([template])  # a bulk write of the same event
    finally:
        audit.current_ip.reset(token)
    rows = list(AuditEvent.objects.filter(action="job.take").order_by("id").values())
    assert len(rows) == 3
    for row in rows:
        assert row["ip_address"] == "203.0.113.9" and row["actor_label"] == tenant.installer.email
    ignored = {"id", "at", "object_id", "object_label"}
    same = [{k: v for k, v in row.items() if k not in ignored} for row in rows]
    assert same[0] == same[1] == same[2]
    assert [r["object_label"] for r in rows] == [first.number, second.number, second.number]


def test_a_job_moves_through_its_page_only_as_its_table_says(tenant):
    job = assigned_job(tenant)
    page = signed_in(tenant.installer).get(f"/jobs/{job.pk}/").content.decode()
    assert f'action="/jobs/{job.pk}/take/"' in page and 'id="pair"' not in page
    assert f'action="/jobs/{job.pk}/cancel/"' not in page
    provider = signed_in(tenant.care).get(f"/jobs/{job.pk}/").content.decode()
    assert f'action="/jobs/{job.pk}/cancel/"' in provider and f'action="/jobs/{job.pk}/take/"' not in provider
    registry(tenant.provider)
