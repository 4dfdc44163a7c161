"""Confirmed removal requests for tests, built directly: lines notified, each with its removal job assigned."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.tests.fixtures import Tenant
from fieldbox.core import transitions
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device, Vehicle
from fieldbox.fleet.tests.factories import device as make_device
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services as jobs
from fieldbox.jobs.choices import JobKind
from fieldbox.jobs.models import Job
from fieldbox.removals.choices import LINE_TABLE, RequestState
from fieldbox.removals.models import RemovalLine, RemovalRequest

_vins = itertools.count(1)


@dataclass
class Removal:
    line: RemovalLine
    device: Device


def vin() -> str:
    return f"WBA1T5108{next(_vins):08d}"


def confirmed_request(
    tenant: Tenant,
    *,
    count: int = 1,
    company: Organisation | None = None,
    created_by: User | None = None,
    follow_up_email: str = "follow-up@requester.example",
    wished_on: date = date(2030, 7, 30),
) -> tuple[RemovalRequest, list[Removal]]:
    """A saved request of ``count`` lines to ``company`` (the tenant's), each vehicle with an active box."""
    dispatch = tenant.scope(tenant.dispatcher)
    request = RemovalRequest.objects.create(
        provider=tenant.provider,
        created_by=created_by or tenant.dispatcher,
        state=RequestState.SAVED,
        follow_up_email=follow_up_email,
        saved_at=timezone.now(),
    )
    RemovalRequest.objects.filter(pk=request.pk).update(number=f"#{request.pk}")
    request.refresh_from_db()
    company = company or tenant.company
    removals = []
    for row in range(2, count + 2):
        reg = registry(tenant.provider)
        Vehicle.objects.filter(pk=reg.vehicle.pk).update(vin=vin(), make="BMW", model="Serie 1")
        reg.vehicle.refresh_from_db()
        box = make_device(tenant.provider)
        Device.objects.filter(pk=box.pk).update(status=DeviceStatus.ACTIVE, vehicle=reg.vehicle, company=None)
        box.refresh_from_db()
        job = jobs.job_create(scope=dispatch, subscription_id=reg.subscription.pk, kind=JobKind.REMOVAL)
        jobs.job_assign(scope=dispatch, job_id=job.pk, company_id=company.pk)
        Job.objects.filter(pk=job.pk).update(in_removal_request=True)
        line = RemovalLine(
            provider=tenant.provider,
            request=request,
            row=row,
            vehicle=reg.vehicle,
            subscription=reg.subscription,
            company=company,
            job=job,
            place="Chambéry",
            wished_on=wished_on,
            comment="A faire ASAP",
        )
        with transitions.atomic():
            LINE_TABLE.create(line, "notify", scope=dispatch)
        removals.append(Removal(line, box))
    return request, removals
