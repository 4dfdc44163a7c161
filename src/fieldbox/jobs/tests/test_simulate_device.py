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


def _site_url(**environ: str) -> str:
    """SITE_URL as a fresh process reads it from its environment (settings are read once, at start)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "FIELDBOX_DEMO", "DEBUG")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    env |= {"DJANGO_SETTINGS_MODULE": "fieldbox.config.settings", **environ}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_demo_on_another_port_writes_its_links_and_posts_its_events_there(tenant, settings, monkeypatch):
    assert _site_url(FIELDBOX_DEMO="1", PORT="8123") == "http://127.0.0.1:8123"
    assert _site_url(FIELDBOX_DEMO="1", PORT="8123", SITE_URL="https://fb.example/") == "https://fb.example"
    assert _site_url(PORT="8123") == "http://127.0.0.1:8000"  # not the demo: SITE_URL is set on purpose

    settings.SITE_URL = "http://127.0.0.1:8123"
    from fieldbox.accounts import services as accounts
    from fieldbox.messaging.models import OutboxMessage

    accounts.invitation_create(scope=tenant.scope(tenant.company_admin), email="new@example.com", role="installer")
    mail = OutboxMessage.objects.get(recipient="new@example.com")
    assert "http://127.0.0.1:8123/" in mail.body and ":8000" not in mail.body

    messaging.feed_create(scope=tenant.scope(tenant.provider_admin))
    box = device(tenant.provider, company=tenant.company)
    posted: list[str] = []

    class Answer:
        status_code, text = 202, ""

    monkeypatch.setattr("httpx.post", lambda url, **_kw: posted.append(url) or Answer())
    call_command("simulate_device", serial=box.serial, stdout=StringIO())
    assert posted == ["http://127.0.0.1:8123/api/v1/device-events"]
