"""The demo shows a working day: jobs in every status for both providers."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.jobs import selectors
from fieldbox.jobs.checks.selectors import missing_required
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import ChecklistItem, Job

pytestmark = pytest.mark.django_db


def test_the_demo_has_jobs_in_every_status_and_a_day_for_mario():
    call_command("demo", verbosity=0)
    for provider in ("IOtelematics Demo", "Traqueur Demo"):
        statuses = set(Job.objects.filter(provider__name=provider).values_list("status", flat=True))
        assert statuses == set(JobStatus.values), provider
    mario = User.objects.get(email="mario@rossi.example")
    scope = scope_for(mario, Organisation.objects.get(name="Officina Rossi").pk)
    assert scope is not None
    assert selectors.available_jobs(scope).count() == 2
    assert selectors.open_jobs(scope).filter(installer=mario).count() == 2
    assert selectors.open_jobs(scope).filter(appointment_at__isnull=False).count() == 3, "a week of appointments"
    assert Device.objects.filter(provider__name="IOtelematics Demo", status=DeviceStatus.IN_STOCK).count() >= 4
    # The paired jobs have their checklist done: the device's activation alone closes them.
    waiting = Job.objects.filter(provider__name="IOtelematics Demo", status=JobStatus.PAIRED)
    assert waiting.exists() and all(not missing_required(job) for job in waiting)
    demo = ChecklistItem.objects.filter(checklist__organisation__name="IOtelematics Demo")
    italian = demo.values_list("label", flat=True)
    assert "Centralina fissata" in set(italian), "the checklist speaks the provider's language"
