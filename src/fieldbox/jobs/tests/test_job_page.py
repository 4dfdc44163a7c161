"""The job page: where it leads (vehicle, customer, subscription), who it names, what its forms offer."""

from __future__ import annotations

import re

import pytest

from fieldbox.accounts.models import User
from fieldbox.accounts.tests.fixtures import another_partner, signed_in
from fieldbox.fleet.models import Customer
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


def test_a_refused_pairing_answers_a_redirect_and_the_page_shows_it_once(tenant):
    job = taken_job(tenant)
    client = signed_in(tenant.installer)
    response = client.post(f"/jobs/{job.pk}/pair/", {"serial": "TBA0000001", "imei_last4": "12"})
    assert response.status_code == 303 and response.url == f"/jobs/{job.pk}/?step=pair"
    page = client.get(response.url).content.decode()
    panel = page[
        page.index('data-testid="next-step"') : page.index("</section>", page.index('data-testid="next-step"'))
    ]
    summary = panel[panel.index('data-testid="error-summary"') : panel.index('id="pair"')]  # the panel's top
    assert "Last 4 digits of the IMEI</a>: Type the last 4 digits of the IMEI." in summary
    pair = panel[panel.index('id="pair"') : panel.index("</form>", panel.index('id="pair"'))]
    assert 'value="TBA0000001"' in pair and 'id="id_imei_last4-errors"' in pair
    assert "Type the last 4 digits of the IMEI." in pair
    again = client.get(response.url).content.decode()
    assert "Type the last 4 digits of the IMEI." not in again and 'value="TBA0000001"' not in again


def test_a_refusal_of_the_service_is_kept_at_its_field_and_success_redirects_too(tenant):
    from fieldbox.fleet.tests.factories import device

    job = taken_job(tenant)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    client = signed_in(tenant.installer)
    wrong = "0000" if box.imei[-4:] != "0000" else "1111"
    refused = client.post(f"/jobs/{job.pk}/pair/", {"serial": box.serial, "imei_last4": wrong})
    assert refused.status_code == 303
    page = client.get(refused.url).content.decode()
    assert 'id="id_imei_last4-errors"' in page and "do not match this device" in page
    done = client.post(f"/jobs/{job.pk}/pair/", {"serial": box.serial, "imei_last4": box.imei[-4:]})
    assert done.status_code == 303 and done.url == f"/jobs/{job.pk}/"
    assert "Paired: the device is waiting for activation." in client.get(done.url).content.decode()


def test_an_appointment_past_the_deadline_keeps_the_offer_to_ask_customer_care(tenant):
    from datetime import timedelta

    from django.utils import timezone

    job = assigned_job(tenant)
    assert job.deadline_at is not None
    when = (timezone.localtime(job.deadline_at) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client = signed_in(tenant.installer)
    response = client.post(f"/jobs/{job.pk}/appointment/", {"when": when})
    assert response.status_code == 303 and response.url.endswith("?step=book")
    page = client.get(response.url).content.decode()
    assert 'data-testid="ask-care"' in page and "past the deadline" in page and f'value="{when}"' in page


def test_a_care_page_keeps_its_refused_form_for_the_next_get(tenant):
    job = assigned_job(tenant)
    client = signed_in(tenant.care)
    url = f"/jobs/{job.pk}/extend-deadline/"
    response = client.post(url, {"until": "2030-01-01", "reason": ""})
    assert response.status_code == 303 and response.url == url
    page = client.get(url).content.decode()
    assert "This field is required." in page and 'value="2030-01-01"' in page
    assert "This field is required." not in client.get(url).content.decode()


def test_reloading_the_owners_page_after_asking_sends_nothing_again(tenant, settings):
    from django.test import Client

    from fieldbox.core.models import AuditEvent
    from fieldbox.jobs import care

    job = assigned_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(language="en")
    url = care.owner_link(job).removeprefix(settings.SITE_URL)
    owner = Client()
    response = owner.post(url, {"message": "Closer to home"})
    assert response.status_code == 303 and response.url == f"{url}?sent=1"
    for _reload in range(2):
        page = owner.get(response.url).content.decode()
        assert 'role="status"' in page
    assert AuditEvent.objects.filter(object_id=str(job.pk), action="job.owner_change_request").count() == 1
    assert "You have already asked for another workshop" in Client().get(url).content.decode()


def test_the_page_opens_at_the_next_step_and_folds_the_rest(tenant):
    job = assigned_job(tenant)
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-step="take"' in page and f'action="/jobs/{job.pk}/take/"' in page
    assert page.index('data-testid="next-step"') < page.index('data-testid="details"')  # details folded below
    assert re.search(r'<details class="panel" id="history-panel">', page)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-step="book"' in page and 'aria-current="step"><span class="label">Book the appointment' in page
    assert re.search(r'name="when" value="\d{4}-\d\d-\d\dT\d\d:00"', page)  # a slot is one tap
    picker = re.search(r'<input type="datetime-local" name="when"[^>]*>', page)
    assert picker and 'min="' in picker.group(0) and 'max="' in picker.group(0)  # bounded by the deadline
    assert f"tel:{job.customer.phone}" in page


def test_past_the_deadline_the_booking_offers_customer_care_at_once(tenant):
    from datetime import timedelta

    from django.utils import timezone

    from fieldbox.jobs.models import Job

    job = taken_job(tenant)
    Job.objects.filter(pk=job.pk).update(deadline_at=timezone.now() - timedelta(hours=2))
    page = signed_in(tenant.installer).get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-step="book"' in page and 'data-testid="late"' in page
    assert f'action="/jobs/{job.pk}/ask-care/"' in page and 'data-testid="booking"' not in page
    assert page.count(f'action="/jobs/{job.pk}/ask-care/"') == 1  # not twice


def test_an_active_installation_reads_active_and_a_done_removal_succeeded(tenant):
    from django.utils import timezone

    from fieldbox.fleet.models import Device
    from fieldbox.jobs.checks import services as checks
    from fieldbox.jobs.choices import JobKind
    from fieldbox.jobs.tests import factories

    job, box = factories.paired_job(tenant)
    services.job_activate(Device.objects.get(pk=box.pk), timezone.now())
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="job-status">ACTIVE</span>' in page and 'data-step="done"' in page
    completed = client.get("/jobs/installations/?tab=completed").content.decode()
    assert ">ACTIVE</span>" in completed
    removal = factories.taken_job(tenant, kind=JobKind.REMOVAL)
    checks.job_complete(scope=tenant.scope(tenant.installer), job_id=removal.pk)
    assert 'data-testid="job-status">Succeeded</span>' in client.get(f"/jobs/{removal.pk}/").content.decode()
