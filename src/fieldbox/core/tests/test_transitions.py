"""The transition kernel, seen through the tables people use: who may make a move, from which state, what it costs
(audit row, counters, number), and what a refused or rolled-back move leaves behind (nothing)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from fieldbox.core import counters, numbering, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent, Counter
from fieldbox.jobs import services
from fieldbox.jobs.choices import JOB_TABLE, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.tests.factories import assigned_job, draft_job, taken_job

pytestmark = pytest.mark.django_db


def _kept(tenant) -> dict[str, int]:
    key = f"jobs.provider:{tenant.provider.pk}"
    return {status: n for (k, status), n in counters.read([key]).items() if n}


def _counted(tenant) -> dict[str, int]:
    rows = Job.objects.filter(provider=tenant.provider).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def test_a_role_the_move_does_not_name_gets_403_and_changes_nothing(tenant):
    job = draft_job(tenant)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.job_assign(scope=tenant.scope(tenant.installer), job_id=job.pk, company_id=tenant.company.pk)
    with pytest.raises(PermissionDenied):
        services.job_take(scope=tenant.scope(tenant.dispatcher), job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DRAFT and AuditEvent.objects.count() == before


def test_a_state_the_move_does_not_leave_from_gets_409_in_the_tables_words(tenant):
    job = taken_job(tenant)
    services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, reason="Sold")
    with pytest.raises(Conflict) as refused:
        services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="Too late")
    assert "Cancelled" in refused.value.message
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.comment == "Sold"


def test_a_move_needs_its_block_and_a_record_locked_through_the_table(tenant):
    job = draft_job(tenant)
    with pytest.raises(RuntimeError, match=r"transitions\.atomic"):
        JOB_TABLE.apply(job, "cancel", scope=tenant.scope(tenant.dispatcher))
    with transitions.atomic(), pytest.raises(RuntimeError, match="lock the job"):
        JOB_TABLE.apply(Job.objects.get(pk=job.pk), "cancel", scope=tenant.scope(tenant.dispatcher))


def test_the_counters_follow_every_move_and_a_failed_block_leaves_them_as_they_were(tenant):
    jobs = [assigned_job(tenant) for _ in range(3)]
    services.job_take(scope=tenant.scope(tenant.installer), job_id=jobs[0].pk)
    services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=jobs[1].pk, reason="Sold")
    assert _kept(tenant) == _counted(tenant) == {"assigned": 1, "in_progress": 1, "cancelled": 1}

    with pytest.raises(ZeroDivisionError):
        _take_then_fail(tenant, jobs[2])
    with transitions.atomic():
        try:
            with transitions.atomic():
                services.job_take(scope=tenant.scope(tenant.installer), job_id=jobs[2].pk)
                raise ValueError("undo the inner block only")
        except ValueError:
            pass
        services.job_take_over(scope=tenant.scope(tenant.company_admin), job_id=jobs[0].pk)
    assert _kept(tenant) == _counted(tenant) == {"assigned": 1, "in_progress": 1, "cancelled": 1}
    company = f"jobs.company:{tenant.company.pk}"
    assert counters.total(company, ("assigned", "in_progress")) == 2


def _take_then_fail(tenant, job):
    with transitions.atomic():
        services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
        _ = 1 / 0


def _draft_then_fail(tenant):
    with transaction.atomic():
        draft_job(tenant)
        raise ValueError("the second job is not saved")


def test_the_counters_command_finds_a_drift_and_repairs_it(tenant):
    assigned_job(tenant)
    call_command("counters")  # exact: nothing to say
    Counter.objects.filter(key=f"jobs.provider:{tenant.provider.pk}", status="assigned").update(n=F("n") + 5)
    with pytest.raises(CommandError, match="1 counters differ"):
        call_command("counters")
    call_command("counters", "--repair")
    call_command("counters")
    assert _kept(tenant) == {"assigned": 1}


def test_numbers_have_no_gap_and_a_rolled_back_record_gives_its_number_back(tenant, other_tenant):
    first = draft_job(tenant)
    with pytest.raises(ValueError):
        _draft_then_fail(tenant)
    second = draft_job(tenant)
    theirs = draft_job(other_tenant)
    assert (first.number, second.number, theirs.number) == ("J0000001", "J0000002", "J0000001")
    assert numbering.last(f"jobs.job:{tenant.provider.pk}") == 2


def test_a_screen_shows_the_moves_the_table_allows_for_the_scope(tenant):
    job = draft_job(tenant)
    assert JOB_TABLE.allowed(job, tenant.scope(tenant.dispatcher)) == {"update", "delete", "assign", "cancel"}
    assert JOB_TABLE.allowed(job, tenant.scope(tenant.care)) == {"assign", "cancel"}, "care sends a job from a ticket"
    job = services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    fitter = JOB_TABLE.allowed(job, tenant.scope(tenant.installer))
    assert fitter == {"take", "appointment", "ask_care"}, "pairing waits for the take"
    job = services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    assert {"take", "take_over"}.isdisjoint(JOB_TABLE.allowed(job, tenant.scope(tenant.installer)))
    assert "take_over" in JOB_TABLE.allowed(job, tenant.scope(tenant.company_admin))
