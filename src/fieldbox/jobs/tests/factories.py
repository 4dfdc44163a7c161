"""Jobs for tests, made through the services people use (so their counters and history are real)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fieldbox.accounts.tests.fixtures import Tenant
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobKind
from fieldbox.jobs.models import Job


def draft_job(tenant: Tenant, *, plate: str | None = None, kind: str = JobKind.INSTALLATION, **spec: Any) -> Job:
    reg = registry(tenant.provider, plate=plate, arrived_on=date(2026, 1, 1))
    return services.job_create(
        scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk, kind=kind, spec=spec or None
    )


def assigned_job(tenant: Tenant, **kw: Any) -> Job:
    job = draft_job(tenant, **kw)
    return services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)


def taken_job(tenant: Tenant, **kw: Any) -> Job:
    job = assigned_job(tenant, **kw)
    return services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)


def paired_job(tenant: Tenant, **kw: Any) -> tuple[Job, Device]:
    job = taken_job(tenant, **kw)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    job = services.job_pair(
        scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:]
    )
    return job, box
