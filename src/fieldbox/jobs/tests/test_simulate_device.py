"""`fieldbox simulate-device` plays the telematics backend: a signed event that the API accepts."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobStatus
from fieldbox.messaging import services as messaging

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_simulated_activation_closes_the_paired_job(tenant, live_server, settings):
    settings.SITE_URL = live_server.url
    messaging.feed_create(scope=tenant.scope(tenant.provider_admin))
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk)
    services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    box = device(tenant.provider, company=tenant.company)
    services.job_pair(scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])

    out = StringIO()
    call_command("simulate_device", serial=box.serial, stdout=out)
    assert "activated sent (202)" in out.getvalue()
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and box.status == DeviceStatus.ACTIVE


def test_an_unknown_serial_is_refused(db):
    with pytest.raises(CommandError, match="No device"):
        call_command("simulate_device", serial="TBA404")
