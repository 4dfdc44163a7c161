"""The job page: where it leads (vehicle, customer, subscription), who it names, what its forms offer."""

from __future__ import annotations

import re

import pytest

from fieldbox.accounts.models import User
from fieldbox.accounts.tests.fixtures import another_partner, signed_in
from fieldbox.jobs import services
from fieldbox.jobs.tests.test_views import assigned_job, taken_job

pytestmark = pytest.mark.django_db


def test_the_provider_goes_from_the_job_to_its_vehicle_customer_and_subscription(tenant):
    job = assigned_job(tenant)
    page = signed_in(tenant.dispatcher).get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/vehicles/{job.vehicle_id}/"' in page
    assert f'href="/customers/{job.customer_id}/"' in page
    assert f'href="/subscriptions/{job.subscription_id}/"' in page


def test_the_installer_company_opens_the_vehicle_only_while_it_reads_the_owners_data(tenant):
    job = taken_job(tenant)
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/vehicles/{job.vehicle_id}/"' in page
    assert "/customers/" not in page and "/subscriptions/" not in page
    assert client.get(f"/vehicles/{job.vehicle_id}/").status_code == 200
    services.job_fail(scope=tenant.scope(tenant.installer), job_id=job.pk, comment="No access to the car")
    ended = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "/vehicles/" not in ended


def test_people_are_named_by_their_name_and_by_their_address_only_without_one(tenant):
    User.objects.filter(pk=tenant.installer.pk).update(first_name="Mario", last_name="Rossi")
    job = taken_job(tenant)
    page = signed_in(tenant.company_admin).get(f"/jobs/{job.pk}/").content.decode()
    assert "<dd>Mario Rossi</dd>" in page and "In the hands of Mario Rossi." in page
    history = page[page.index('data-testid="history"') :]
    assert "Mario Rossi" in history and tenant.installer.email not in page
    User.objects.filter(pk=tenant.installer.pk).update(first_name="", last_name="")
    page = signed_in(tenant.company_admin).get(f"/jobs/{job.pk}/").content.decode()
    assert f"<dd>{tenant.installer.email}</dd>" in page


def test_moving_a_job_offers_every_partner_but_its_own_company(tenant):
    job = assigned_job(tenant)
    other = another_partner(tenant, "Officina Milano")
    page = signed_in(tenant.care).get(f"/jobs/{job.pk}/").content.decode()
    form = page[page.index(f'action="/jobs/{job.pk}/reassign/"') :]
    offered = re.findall(r'<option value="(\d+)"', form[: form.index("</select>")])
    assert offered == [str(other.pk)]


@pytest.mark.parametrize(("who", "least"), [("provider_admin", "agency"), ("company_admin", "installer")])
def test_a_new_invitation_grants_the_least_powerful_role_unless_chosen(tenant, who, least):
    page = signed_in(getattr(tenant, who)).get("/organisation/members/invite/").content.decode()
    assert re.search(rf'<option value="{least}" selected>', page)
    assert page.count(" selected>") == 1
