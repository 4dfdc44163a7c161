"""The words of the job screens in Italian and French: a postal address is not an IP address."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs import care, services
from fieldbox.jobs.tests.test_views import assigned_job

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
WORDS = {"it": ("Indirizzo", "Indirizzo IP"), "fr": ("Adresse", "Adresse IP")}


@pytest.mark.parametrize("language", ["it", "fr"])
def test_the_owners_page_gives_the_workshops_postal_address(tenant, settings, language):
    tenant.company.__class__.objects.filter(pk=tenant.company.pk).update(address="Via Po 3, Torino")
    job = assigned_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(language=language)
    page = Client().get(care.owner_link(job).removeprefix(settings.SITE_URL)).content.decode()
    postal, ip = WORDS[language]
    assert f"<dt>{postal}</dt><dd>Via Po 3, Torino</dd>" in page
    assert ip not in page


@pytest.mark.parametrize("language", ["it", "fr"])
def test_the_appointment_card_gives_the_customers_postal_address(tenant: Tenant, language):
    with time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=ROME), tick=False):
        job = assigned_job(tenant)
        CustomerAddress.objects.create(customer=job.customer, street="Via Roma 1", postcode="50123", city="Firenze")
        fitter = tenant.scope(tenant.installer)
        services.job_take(scope=fitter, job_id=job.pk)
        services.job_appointment(scope=fitter, job_id=job.pk, when=datetime(2026, 11, 19, 10, 0, tzinfo=ROME))
        client = signed_in(tenant.installer)
        client.cookies["fieldbox_language"] = language
        page = client.get("/jobs/appointments/?day=2026-11-19").content.decode()
    postal, ip = WORDS[language]
    assert f"<dt>{postal}</dt><dd>Via Roma 1" in page
    assert ip not in page


@pytest.mark.parametrize("language", ["it", "fr"])
def test_the_history_names_its_column_an_ip_address(tenant: Tenant, language):
    job = assigned_job(tenant)
    client = signed_in(tenant.dispatcher)
    client.cookies["fieldbox_language"] = language
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"<th>{WORDS[language][1]}</th>" in page


def test_the_history_gives_times_in_the_readers_words_never_iso(tenant: Tenant):
    with time_machine.travel(datetime(2026, 11, 18, 9, 0, tzinfo=ROME), tick=False):
        job = assigned_job(tenant)
        fitter = tenant.scope(tenant.installer)
        services.job_take(scope=fitter, job_id=job.pk)
        services.job_appointment(scope=fitter, job_id=job.pk, when=datetime(2026, 11, 19, 10, 30, tzinfo=ROME))
        services.job_extend_deadline(
            scope=tenant.scope(tenant.care), job_id=job.pk, until=datetime(2026, 12, 31).date(), reason="Away"
        )
        client = signed_in(tenant.dispatcher)
        client.cookies["fieldbox_language"] = "it"
        page = client.get(f"/jobs/{job.pk}/").content.decode()
    history = page[page.index('data-testid="history"') :]
    assert "2026-11-19" not in history and "T10:30" not in history and "+00:00" not in history
    assert '<small data-testid="history-details">19/11/2026 10:30</small>' in history
    assert "→ 31/12/2026</small>" in history
    assert "In corso → In corso" not in history and "Assegnato → In corso" in history
