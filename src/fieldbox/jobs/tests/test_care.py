"""Customer care: the one search box, deadline and pairing screens, the installation certificate, and the
owner's link to ask for another workshop within the change window."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone

from fieldbox.accounts.tests.fixtures import Tenant, another_partner, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, Vehicle
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import care, certificate, services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.jobs.views import care as care_views
from fieldbox.messaging import kinds
from fieldbox.messaging.models import Notification, OutboxMessage
from fieldbox.messaging.rendering import render
from fieldbox.messaging.segments import sms_parts

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")


def assigned_job(tenant: Tenant, *, plate: str | None = None) -> Job:
    reg = registry(tenant.provider, plate=plate, arrived_on=date(2026, 1, 1))
    dispatch = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatch, subscription_id=reg.subscription.pk)
    return services.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk)


def paired_job(tenant: Tenant) -> Job:
    job = assigned_job(tenant)
    fitter = tenant.scope(tenant.installer)
    services.job_take(scope=fitter, job_id=job.pk)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    return services.job_pair(scope=fitter, job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])


def succeeded_job(tenant: Tenant, *, email: str = "luca@example.com") -> Job:
    job = paired_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(email=email)
    Vehicle.objects.filter(pk=job.vehicle_id).update(vin="ZFA31200000765432")
    assert job.device is not None
    with transaction.atomic():
        services.job_activate(job.device, timezone.now())
    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.SUCCEEDED
    return job


# Search


def test_care_finds_a_job_by_each_key_written_as_people_type_it(tenant):
    job, other = assigned_job(tenant, plate="FI123LT"), assigned_job(tenant, plate="ZZ999ZZ")
    Customer.objects.filter(pk=job.customer_id).update(first_name="Giulia", last_name="Verdi", phone="+393471122334")
    Vehicle.objects.filter(pk=job.vehicle_id).update(vin="ZFA31200000765432")
    client = signed_in(tenant.care)
    typed = [
        "fi 123 lt",
        "FI-123-LT",
        "zfa31200000765432",
        job.subscription.number.lower(),
        "giulia verdi",
        "Verdi",
        "+39 347 112 2334",
        "0039 3471122334",
        "347 1122334",
        "03471122334",
    ]
    for text in typed:
        page = client.get("/jobs/search/", {"q": text}).content.decode()
        assert job.number in page and other.number not in page, text
        assert "Giulia Verdi" in page and "+393471122334" in page and tenant.company.name in page, text


def test_search_states_empty_no_match_and_more_than_the_limit(tenant, monkeypatch):
    client = signed_in(tenant.dispatcher)
    assert "Type a plate, a VIN" in client.get("/jobs/search/").content.decode()
    assert "No job matches “nothing-like-it”." in client.get("/jobs/search/?q=nothing-like-it").content.decode()
    jobs = [assigned_job(tenant) for _ in range(3)]
    monkeypatch.setattr(care_views, "SEARCH_LIMIT", 2)
    page = client.get("/jobs/search/?q=Luca").content.decode()
    assert "Only the 2 newest jobs are shown" in page
    assert jobs[2].number in page and jobs[1].number in page and jobs[0].number not in page


def test_search_is_scoped_to_the_provider(tenant, other_tenant):
    job = assigned_job(tenant, plate="AL123PH")
    page = signed_in(other_tenant.care).get("/jobs/search/?q=AL123PH").content.decode()
    assert job.number not in page and "No job matches" in page
    assert signed_in(tenant.installer).get("/jobs/search/?q=AL123PH").status_code == 403
    api = signed_in(other_tenant.care).get("/api/v1/search?q=AL123PH").json()
    assert api == {"items": [], "more": False}
    mine = signed_in(tenant.care).get("/api/v1/search?q=al 123 ph").json()
    assert [row["number"] for row in mine["items"]] == [job.number]


def test_search_is_in_the_menu_of_provider_roles_only(tenant):
    assert 'href="/jobs/search/"' in signed_in(tenant.care).get("/").content.decode()
    assert 'href="/jobs/search/"' not in signed_in(tenant.installer).get("/").content.decode()


# Deadline and pairing


def test_care_extends_a_deadline_with_a_reason(tenant):
    job = assigned_job(tenant)
    assert job.deadline_at is not None
    client = signed_in(tenant.care)
    detail = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"/jobs/{job.pk}/extend-deadline/" in detail
    url = f"/jobs/{job.pk}/extend-deadline/"
    assert "Extend the deadline" in client.get(url).content.decode()
    later = (job.deadline_at + timedelta(days=10)).date().isoformat()
    page = client.post(url, {"until": later, "reason": ""}, follow=True).content.decode()
    assert "This field is required." in page
    earlier = (job.deadline_at - timedelta(days=1)).date().isoformat()
    page = client.post(url, {"until": earlier, "reason": "Owner away"}, follow=True).content.decode()
    assert "Choose a day after the current deadline." in page
    assert Job.objects.get(pk=job.pk).deadline_at == job.deadline_at
    response = client.post(url, {"until": later, "reason": "Owner away until the 20th"}, follow=True)
    assert "Deadline extended" in response.content.decode()
    moved = Job.objects.get(pk=job.pk).deadline_at
    assert moved is not None and moved.astimezone(ROME).date().isoformat() == later
    event = AuditEvent.objects.get(object_id=str(job.pk), action="job.extend_deadline")
    assert event.reason == "Owner away until the 20th" and event.actor == tenant.care


def test_only_care_extends_and_never_a_closed_job(tenant):
    job = assigned_job(tenant)
    assert signed_in(tenant.dispatcher).get(f"/jobs/{job.pk}/extend-deadline/").status_code == 403
    services.job_cancel(scope=tenant.scope(tenant.care), job_id=job.pk, reason="Customer withdrew")
    page = signed_in(tenant.care).post(
        f"/jobs/{job.pk}/extend-deadline/", {"until": "2030-01-01", "reason": "x"}, follow=True
    )
    assert "Only an open job has a deadline to move." in page.content.decode()


def test_care_corrects_a_pairing_while_waiting_for_activation(tenant):
    job = paired_job(tenant)
    assert job.device is not None
    wrong = job.device
    right = device(tenant.provider, company=tenant.company)
    assert right.imei
    client = signed_in(tenant.care)
    assert f"/jobs/{job.pk}/correct-pairing/" in client.get(f"/jobs/{job.pk}/").content.decode()
    url = f"/jobs/{job.pk}/correct-pairing/"
    page = client.post(
        url, {"serial": right.serial, "imei_last4": "0000", "reason": "Typed the wrong box"}, follow=True
    )
    assert "The last 4 digits of the IMEI do not match this device." in page.content.decode()
    page = client.post(url, {"serial": right.serial, "imei_last4": right.imei[-4:], "reason": ""}, follow=True)
    assert "This field is required." in page.content.decode()
    assert Job.objects.get(pk=job.pk).device_id == wrong.pk
    data = {"serial": right.serial, "imei_last4": right.imei[-4:], "reason": "Typed the wrong box"}
    assert "Pairing corrected" in client.post(url, data, follow=True).content.decode()
    assert Job.objects.get(pk=job.pk).device_id == right.pk
    event = AuditEvent.objects.get(object_id=str(job.pk), action="job.correct_pairing")
    assert event.reason == "Typed the wrong box" and event.data["before"] == wrong.serial


def test_a_pairing_is_corrected_only_before_activation(tenant):
    job = assigned_job(tenant)
    page = signed_in(tenant.care).post(
        f"/jobs/{job.pk}/correct-pairing/", {"serial": "TBA1", "imei_last4": "1234", "reason": "x"}, follow=True
    )
    assert "Only a pairing still waiting for activation can be corrected." in page.content.decode()


# Certificate


def test_the_certificate_is_a_pdf_with_the_installation_in_the_customers_language(tenant):
    job = succeeded_job(tenant)
    assert job.device is not None
    detail = signed_in(tenant.dispatcher).get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-testid="certificate-download"' in detail
    response = signed_in(tenant.dispatcher).get(f"/jobs/{job.pk}/certificate/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"certificate-{job.number}.pdf" in response["Content-Disposition"]
    html = certificate.certificate_html(job)
    assert job.device.serial in html and job.device.imei in html and "ZFA31200000765432" in html
    assert tenant.company.name in html and tenant.provider.name in html and job.vehicle.plate in html
    assert 'lang="it"' in html


def test_no_certificate_before_the_installation_succeeded(tenant):
    job = paired_job(tenant)
    response = signed_in(tenant.care).get(f"/jobs/{job.pk}/certificate/", follow=True)
    assert "There is an installation certificate only once an installation has succeeded." in (
        response.content.decode()
    )
    api = signed_in(tenant.care).get(f"/api/v1/jobs/{job.pk}/certificate")
    assert api.status_code == 409
    assert signed_in(tenant.installer).get(f"/jobs/{job.pk}/certificate/").status_code == 403


def test_care_sends_the_certificate_by_email_through_the_outbox(tenant):
    job = succeeded_job(tenant)
    client = signed_in(tenant.care)
    confirm = client.get(f"/jobs/{job.pk}/certificate/send/").content.decode()
    assert "luca@example.com" in confirm and "Send by e-mail" in confirm
    assert not OutboxMessage.objects.filter(kind="jobs.certificate").exists()  # opening the page sends nothing
    done = client.post(f"/jobs/{job.pk}/certificate/send/", follow=True).content.decode()
    assert "The certificate is on its way to luca@example.com." in done
    mail = OutboxMessage.objects.get(kind="jobs.certificate")
    assert mail.recipient == "luca@example.com" and mail.language == "it"
    assert [a["name"] for a in mail.data["attachments"]] == [f"certificate-{job.number}.pdf"]
    assert mail.data["attachments"][0]["mimetype"] == "application/pdf"
    event = AuditEvent.objects.get(object_id=str(job.pk), action="job.send_certificate")
    assert event.reason == "luca@example.com" and event.actor == tenant.care
    assert "Installation certificate sent" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_sending_needs_the_customers_email_and_customer_care(tenant):
    job = succeeded_job(tenant, email="")
    client = signed_in(tenant.care)
    assert "has no e-mail address" in client.get(f"/jobs/{job.pk}/certificate/send/").content.decode()
    page = client.post(f"/jobs/{job.pk}/certificate/send/", follow=True).content.decode()
    assert "has no e-mail address: add it to the customer" in page
    assert signed_in(tenant.dispatcher).post(f"/jobs/{job.pk}/certificate/send/").status_code == 403
    api = client.post(f"/api/v1/jobs/{job.pk}/certificate/send")
    assert api.status_code == 409
    assert not OutboxMessage.objects.filter(kind="jobs.certificate").exists()
    assert not AuditEvent.objects.filter(action="job.send_certificate").exists()


def test_the_api_downloads_and_sends_the_certificate(tenant):
    job = succeeded_job(tenant)
    client = signed_in(tenant.care)
    pdf = client.get(f"/api/v1/jobs/{job.pk}/certificate")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sent = client.post(f"/api/v1/jobs/{job.pk}/certificate/send")
    assert sent.status_code == 202 and sent.json() == {"to": "luca@example.com"}
    assert OutboxMessage.objects.filter(kind="jobs.certificate", recipient="luca@example.com").count() == 1


# The owner's link


def _link_of(job: Job) -> str:
    sms = OutboxMessage.objects.filter(kind="jobs.installer_chosen", idempotency_key__contains=f"job:{job.pk}:")
    body = sms.latest("id").body
    found = re.search(r"https?://\S+?(/o/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def owner() -> Client:
    return Client(REMOTE_ADDR=f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}")


def test_the_owner_asks_for_another_workshop_once_within_the_window(tenant):
    tenant.company.__class__.objects.filter(pk=tenant.company.pk).update(address="Via Po 3, Torino", phone="+39011")
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=ROME), tick=False):
        job = assigned_job(tenant, plate="OW123NR")
        url = _link_of(job)
    client = owner()
    with time_machine.travel(datetime(2026, 11, 20, 23, 30, tzinfo=ROME), tick=False):
        page = client.get(url).content.decode()
        assert "alpha Workshop" in page and "Via Po 3, Torino" in page and "OW123NR" not in page
        assert "Chiedi un'altra officina" in page or "Ask for another workshop" in page
        done = client.post(url, {"message": "Closer to Milan, please"})
        assert done.status_code == 303 and done.url == f"{url}?sent=1"
        assert 'role="status"' in client.get(done.url).content.decode()
        again = client.post(url, {"message": "Again"})
        assert again.status_code == 409
    event = AuditEvent.objects.get(object_id=str(job.pk), action="job.owner_change_request")
    assert event.reason == "Closer to Milan, please" and event.actor is None
    notes = Notification.objects.filter(event="job.owner_change_requested", organisation=tenant.provider)
    assert {n.user for n in notes} == {tenant.care, tenant.provider_admin}
    assert OutboxMessage.objects.filter(kind="jobs.owner_change_requested", recipient=tenant.care.email).exists()
    assert AuditEvent.objects.filter(action="job.owner_change_request").count() == 1


def test_after_the_window_the_page_gives_the_providers_phone(tenant):
    tenant.provider.__class__.objects.filter(pk=tenant.provider.pk).update(phone="+39 02 555 0101")
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=ROME), tick=False):
        job = assigned_job(tenant)
        url = _link_of(job)
    with time_machine.travel(datetime(2026, 11, 21, 0, 5, tzinfo=ROME), tick=False):
        client = owner()
        page = client.get(url).content.decode()
        assert 'data-testid="window-closed"' in page and "+39 02 555 0101" in page
        assert client.post(url, {"message": "Too late?"}).status_code == 409
    assert not AuditEvent.objects.filter(action="job.owner_change_request").exists()


def test_a_longer_window_counts_calendar_days_from_the_assignment(tenant):
    tenant.provider.__class__.objects.filter(pk=tenant.provider.pk).update(installer_change_days=2)
    with time_machine.travel(datetime(2026, 11, 20, 18, 0, tzinfo=ROME), tick=False):
        job = assigned_job(tenant)
    assert care.change_window_end(job) == datetime(2026, 11, 21, 23, 59, 59, tzinfo=ROME)


def test_tampered_moved_and_old_links_answer_410(tenant, settings):
    job = assigned_job(tenant)
    url = _link_of(job)
    client = owner()
    assert client.get(url[:-3] + "xy/").status_code == 410
    assert client.get("/o/123.456.abc.not-a-signature/").status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        assert client.get(url).status_code == 410
    other = another_partner(tenant)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):  # moved, even back to the same company
        for company in (other, tenant.company):
            services.job_reassign(scope=tenant.scope(tenant.care), job_id=job.pk, company_id=company.pk, reason="Asked")
    assert client.get(url).status_code == 410
    assert client.get(care.owner_link(Job.objects.get(pk=job.pk)).removeprefix(settings.SITE_URL)).status_code == 200


def test_the_owners_page_is_rate_limited_per_address(tenant, settings):
    settings.OWNER_LINK_RATE = "2/m"
    url = _link_of(assigned_job(tenant))
    client = owner()
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert owner().get(url).status_code == 200


def test_the_sms_with_its_link_stays_within_the_segment_limit(tenant, settings):
    job = assigned_job(tenant)
    link = "https://fieldbox.example.com" + care.owner_link(job).removeprefix(settings.SITE_URL)
    kind = kinds.get("jobs.installer_chosen")
    for language in ("it", "fr", "en"):
        context = {**kind.sample, "link": link, "address": "Via Giuseppe Garibaldi 123, 10122 Torino (TO)"}
        body = render(kind, context, language).body
        assert link in body
        assert sms_parts(body).segments <= settings.SMS_MAX_SEGMENTS, (language, body)
