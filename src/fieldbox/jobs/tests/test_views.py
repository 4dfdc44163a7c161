"""The job screens: the installer company's lists and actions, the job page, the provider's list and new job."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone

from fieldbox.accounts.tests.fixtures import Tenant, another_partner, signed_in
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Customer
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job

pytestmark = pytest.mark.django_db


def assigned_job(tenant: Tenant, *, plate: str | None = None) -> Job:
    reg = registry(tenant.provider, plate=plate, arrived_on=date(2026, 1, 1))
    dispatch = tenant.scope(tenant.dispatcher)
    job = services.job_create(
        scope=dispatch, subscription_id=reg.subscription.pk, spec={"vehicle_model": "Panda 1.2", "notes": "Fuse 7"}
    )
    return services.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk)


def taken_job(tenant: Tenant, **kw: str) -> Job:
    job = assigned_job(tenant, **kw)
    return services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)


def paired_job(tenant: Tenant) -> Job:
    job = taken_job(tenant)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    return services.job_pair(
        scope=tenant.scope(tenant.installer), job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:]
    )


def test_installations_tabs_show_their_totals_and_rows(tenant):
    first, second = assigned_job(tenant), assigned_job(tenant)
    done = paired_job(tenant)
    client = signed_in(tenant.installer)
    page = client.get("/jobs/installations/").content.decode()
    assert 'data-testid="tab-open">Open <span class="total">2</span>' in page
    assert 'data-testid="tab-completed">Completed <span class="total">1</span>' in page
    assert first.subscription.number in page and second.subscription.number in page
    assert first.customer.display_name in page and "Pair" in page
    assert "20 days left" in page
    completed = client.get("/jobs/installations/?tab=completed").content.decode()
    assert done.device is not None and done.device.serial in completed
    assert first.subscription.number not in completed


def test_the_open_tab_escapes_what_the_owner_typed(tenant):
    job = assigned_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(
        first_name='<img src=x onerror="alert(1)">', last_name="O'Brien & Sons", phone='+39 333"><b>'
    )
    page = signed_in(tenant.installer).get("/jobs/installations/").content.decode()
    assert "<img src=x" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; O&#x27;Brien &amp; Sons" in page
    assert 'href="tel:+39 333&quot;&gt;&lt;b&gt;"' in page
    assert f'<a href="/jobs/{job.pk}/">{job.subscription.number}</a>' in page
    # Nobody has taken it: "Pair" takes it and opens the pair form.
    assert f'<form method="post" action="/jobs/{job.pk}/take/">' in page and 'name="next" value="pair"' in page


def test_pair_on_the_open_tab_takes_a_job_nobody_has_and_opens_the_pair_form(tenant):
    job = assigned_job(tenant)
    client = signed_in(tenant.installer)
    response = client.post(f"/jobs/{job.pk}/take/", {"next": "pair"})
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/?step=pair"
    page = client.get(response.url).content.decode()
    assert 'data-step="pair"' in page and f'action="/jobs/{job.pk}/pair/"' in page
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.installer == tenant.installer
    mine = client.get("/jobs/installations/").content.decode()  # now mine: "Pair" opens the pair form
    assert f'<a class="button" href="/jobs/{job.pk}/?step=pair">Pair</a>' in mine
    other = signed_in(tenant.company_admin).get("/jobs/installations/").content.decode()
    assert f'<a class="button secondary" href="/jobs/{job.pk}/">Open</a>' in other  # a colleague's job


def test_filters_narrow_the_list(tenant):
    wanted, other = assigned_job(tenant, plate="FI123LT"), assigned_job(tenant, plate="ZZ999ZZ")
    client = signed_in(tenant.company_admin)
    page = client.get("/jobs/installations/?plate=fi123").content.decode()
    assert wanted.subscription.number in page and other.subscription.number not in page
    page = client.get(f"/jobs/installations/?customer={other.customer.last_name}").content.decode()
    assert other.subscription.number in page and wanted.subscription.number not in page
    page = client.get("/jobs/installations/?deadline=overdue").content.decode()
    assert "No open installation here" in page
    page = client.get("/jobs/installations/?sort=-plate").content.decode()
    assert page.index("ZZ999ZZ") < page.index("FI123LT")


def test_jobs_close_to_or_past_the_deadline_stand_out(tenant):
    soon, late = assigned_job(tenant), assigned_job(tenant)
    Job.objects.filter(pk=soon.pk).update(deadline_at=timezone.now() + timedelta(days=2))
    Job.objects.filter(pk=late.pk).update(deadline_at=timezone.now() - timedelta(days=3))
    page = signed_in(tenant.installer).get("/jobs/installations/").content.decode()
    assert "deadline-soon" in page and "2 days left" in page
    assert "deadline-late" in page and "3 days late" in page


def test_csv_export_never_turns_a_cell_into_a_formula(tenant):
    job = assigned_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(first_name="", last_name="=cmd()")
    other = assigned_job(tenant)
    response = signed_in(tenant.installer).get("/jobs/installations/?customer=cmd&format=csv")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=cmd()" in body and ",=cmd()" not in body
    assert job.subscription.number in body and other.subscription.number not in body


def test_assign_to_me_and_the_colleague_who_clicks_second_is_told(tenant):
    job = assigned_job(tenant)
    mine = signed_in(tenant.installer)
    assert job.subscription.number in mine.get("/jobs/available/").content.decode()
    response = mine.post(f"/jobs/{job.pk}/take/", {"from": "available"})
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.installer == tenant.installer
    assert job.subscription.number in mine.get("/jobs/mine/").content.decode()
    late = signed_in(tenant.company_admin).post(f"/jobs/{job.pk}/take/", {"from": "available"}, follow=True)
    assert late.redirect_chain[-1][0] == "/jobs/available/"
    assert "Another installer took this job a moment ago." in late.content.decode()
    job.refresh_from_db()
    assert job.installer == tenant.installer


def test_an_appointment_past_the_deadline_is_refused_and_customer_care_is_offered(tenant):
    job = assigned_job(tenant)
    client = signed_in(tenant.installer)
    assert job.deadline_at is not None
    when = timezone.localtime(job.deadline_at) + timedelta(days=2)
    response = client.post(f"/jobs/{job.pk}/appointment/", {"when": when.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    page = response.content.decode()
    assert "past the deadline" in page and 'data-testid="ask-care"' in page
    job.refresh_from_db()
    assert job.appointment_at is None
    asked = client.post(f"/jobs/{job.pk}/ask-care/", {"message": "The customer is away until the 20th."}, follow=True)
    assert "Your request was sent to customer care." in asked.content.decode()
    local = ZoneInfo(tenant.company.time_zone)  # the screen reads times in the organisation's zone
    fine = timezone.localtime(timezone.now() + timedelta(days=3), local).replace(second=0, microsecond=0)
    client.post(f"/jobs/{job.pk}/appointment/", {"when": fine.strftime("%Y-%m-%dT%H:%M")})
    job.refresh_from_db()
    assert job.appointment_at == fine


def test_pairing_with_a_wrong_imei_shows_the_error_and_changes_nothing(tenant):
    job = taken_job(tenant)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    wrong = "0000" if box.imei[-4:] != "0000" else "1111"
    data = {"serial": box.serial, "imei_last4": wrong}
    response = signed_in(tenant.installer).post(f"/jobs/{job.pk}/pair/", data, follow=True)
    page = response.content.decode()
    assert "The last 4 digits of the IMEI do not match this device." in page
    assert 'id="id_imei_last4-errors"' in page or "invalid" in page
    job.refresh_from_db()
    box.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS and job.device is None
    assert box.vehicle is None and box.status == DeviceStatus.SHIPPED


def test_pairing_shows_waiting_for_activation(tenant):
    job = taken_job(tenant)
    box = device(tenant.provider, company=tenant.company)
    assert box.imei
    client = signed_in(tenant.installer)
    response = client.post(
        f"/jobs/{job.pk}/pair/", {"serial": box.serial.lower(), "imei_last4": box.imei[-4:]}, follow=True
    )
    page = response.content.decode()
    assert "Waiting for activation" in page
    job.refresh_from_db()
    assert job.status == JobStatus.PAIRED and job.device == box


def test_the_company_sees_no_customer_data_after_the_job_ended(tenant):
    job = taken_job(tenant, plate="EN123DD")
    client = signed_in(tenant.installer)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "EN123DD" in page and job.customer.last_name in page and "tel:" in page
    failed = client.post(f"/jobs/{job.pk}/fail/", {"comment": "Customer never came."}, follow=True)
    assert "Failed" in failed.content.decode()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "EN123DD" not in page and job.customer.last_name not in page and "tel:" not in page
    assert "EN•••DD" in page and job.number in page
    provider_page = signed_in(tenant.dispatcher).get(f"/jobs/{job.pk}/").content.decode()
    assert "EN123DD" in provider_page and "Customer never came." in provider_page


def test_a_failure_needs_a_comment(tenant):
    job = taken_job(tenant)
    page = signed_in(tenant.installer).post(f"/jobs/{job.pk}/fail/", {"comment": ""}, follow=True).content.decode()
    assert "This field is required." in page
    job.refresh_from_db()
    assert job.status == JobStatus.IN_PROGRESS


def test_the_provider_creates_and_assigns_a_job(tenant):
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    client = signed_in(tenant.dispatcher)
    missing = client.post("/jobs/new/", {"subscription": "NOPE-1", "kind": "installation"})
    assert "No subscription of yours has this number." in missing.content.decode()
    response = client.post(
        "/jobs/new/",
        {"subscription": reg.subscription.number.lower(), "kind": "installation", "central_lock_type": "CAN"},
    )
    job = Job.objects.get(subscription=reg.subscription)
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.DRAFT and job.spec == {"central_lock_type": "CAN"}
    page = client.get(response.url).content.decode()
    assert "Assign to a company" in page and tenant.company.name in page
    client.post(f"/jobs/{job.pk}/assign/", {"company": tenant.company.pk})
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED and job.company == tenant.company
    listing = client.get("/jobs/?status=assigned").content.decode()
    assert job.number in listing
    assert job.number not in client.get("/jobs/?status=draft").content.decode()
    history = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Job created" in history and "Job assigned to a company" in history


def test_the_provider_edits_and_deletes_a_draft(tenant):
    reg = registry(tenant.provider)
    job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk)
    client = signed_in(tenant.dispatcher)
    client.post(f"/jobs/{job.pk}/edit/", {"vehicle_model": "Tipo", "notes": "Behind the glovebox"})
    job.refresh_from_db()
    assert job.spec == {"vehicle_model": "Tipo", "notes": "Behind the glovebox"}
    assert client.post(f"/jobs/{job.pk}/delete/").url == "/jobs/"
    assert not Job.objects.filter(pk=job.pk).exists()


def test_another_organisations_job_answers_404(tenant, other_tenant):
    job = assigned_job(tenant)
    for user in (other_tenant.installer, other_tenant.dispatcher):
        client = signed_in(user)
        assert client.get(f"/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/jobs/{job.pk}/take/").status_code == 404
        assert client.post(f"/jobs/{job.pk}/pair/", {"serial": "X", "imei_last4": "1234"}).status_code == 404
    assert job.subscription.number not in signed_in(other_tenant.installer).get("/jobs/installations/").content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.ASSIGNED


def test_a_colleague_takes_over_and_the_history_shows_it_without_addresses(tenant):
    job = taken_job(tenant)
    client = signed_in(tenant.company_admin)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Take over" in page and "data-confirm" in page
    client.post(f"/jobs/{job.pk}/take-over/")
    job.refresh_from_db()
    assert job.installer == tenant.company_admin
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Job taken over from a colleague" in page and str(tenant.company_admin) in page
    assert tenant.dispatcher.email not in page and str(tenant.dispatcher) not in page


def test_the_filter_answers_htmx_with_the_table_only(tenant):
    job = assigned_job(tenant)
    response = signed_in(tenant.installer).get("/jobs/installations/?plate=", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert job.subscription.number in body and "<html" not in body


def test_customer_care_moves_a_job_with_a_reason(tenant):
    job = assigned_job(tenant)
    client = signed_in(tenant.care)
    refused = client.post(f"/jobs/{job.pk}/reassign/", {"company": tenant.company.pk, "reason": ""}, follow=True)
    assert "This field is required." in refused.content.decode()
    other = another_partner(tenant, "Officina Milano")
    same = client.post(
        f"/jobs/{job.pk}/reassign/", {"company": tenant.company.pk, "reason": "Owner moved"}, follow=True
    )
    assert "Select a valid choice" in same.content.decode()  # its own company is not offered
    client.post(f"/jobs/{job.pk}/reassign/", {"company": other.pk, "reason": "Owner moved to Milan"})
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Job moved to another company" in page and "Owner moved to Milan" in page
    soon = client.get("/jobs/?deadline_days=30").content.decode()
    assert job.number in soon
    assert job.number not in client.get("/jobs/?deadline=overdue").content.decode()


def test_xlsx_export_keeps_formulas_out_too(tenant):
    import io

    from openpyxl import load_workbook

    job = assigned_job(tenant)
    Customer.objects.filter(pk=job.customer_id).update(first_name="", last_name="@SUM(A1)")
    response = signed_in(tenant.installer).get("/jobs/installations/?format=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "'@SUM(A1)" in cells and job.number in cells


def test_the_installers_home_is_their_day(tenant):
    from datetime import datetime, time

    from fieldbox.core import clock
    from fieldbox.fleet.models import CustomerAddress

    rome = ZoneInfo(tenant.company.time_zone)
    today = timezone.localtime(timezone.now(), rome).date()
    late_today, early_today, later = taken_job(tenant), taken_job(tenant), taken_job(tenant)
    CustomerAddress.objects.create(customer=early_today.customer, street="Via Po 1", city="Torino")
    for job, at in ((late_today, time(23, 30)), (early_today, time(0, 30))):
        Job.objects.filter(pk=job.pk).update(appointment_at=datetime.combine(today, at, tzinfo=rome))
    Job.objects.filter(pk=later.pk).update(appointment_at=clock.now() + timedelta(days=2))
    assigned_job(tenant), assigned_job(tenant)
    page = signed_in(tenant.installer).get("/").content.decode()
    day = page[page.index('data-testid="installer-day"') :]
    assert "2 jobs available" in day and 'data-testid="take-next"' in day
    today_list = day[day.index('data-testid="today"') : day.index('data-testid="my-open-jobs"')]
    assert today_list.index(early_today.vehicle.plate) < today_list.index(late_today.vehicle.plate)  # in order
    assert "00:30" in today_list and "Torino" in today_list and f'href="tel:{early_today.customer.phone}"' in today_list
    mine = day[day.index('data-testid="my-open-jobs"') :]
    assert later.vehicle.plate in mine and early_today.vehicle.plate not in mine
    provider_home = signed_in(tenant.dispatcher).get("/").content.decode()
    assert 'data-testid="installer-day"' not in provider_home


def test_an_available_card_shows_the_town_and_a_booked_appointment(tenant):
    from fieldbox.fleet.models import CustomerAddress

    job = assigned_job(tenant)
    CustomerAddress.objects.create(customer=job.customer, street="Rue X", city="Billing town", kind="billing")
    CustomerAddress.objects.create(customer=job.customer, street="Via Po 1", city="Torino")  # the residence first
    when = timezone.now() + timedelta(days=1)
    Job.objects.filter(pk=job.pk).update(appointment_at=when)
    page = signed_in(tenant.installer).get("/jobs/available/").content.decode()
    assert 'data-testid="town">Torino</td>' in page
    with timezone.override(ZoneInfo(tenant.company.time_zone)):
        shown = formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")
    assert f'data-testid="appointment">{shown}</td>' in page
