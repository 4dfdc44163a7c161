"""What installers and dispatchers do with jobs in the browser: take, book, pair, activate; create and assign."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.models import Job
from fieldbox.messaging.services.feeds import feed_create
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def go_to(page: Page, item: str) -> None:
    """Follow an entry of the menu in the top bar."""
    menu = page.locator("details.menu")
    menu.get_by_label("Menu").click()
    menu.get_by_role("link", name=item, exact=True).click()


def test_installer_takes_books_pairs_and_sees_the_activation(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    dispatcher = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatcher, subscription_id=reg.subscription.pk)
    services.job_assign(scope=dispatcher, job_id=job.pk, company_id=tenant.company.pk)
    box = device(tenant.provider, company=tenant.company)
    feed_create(scope=tenant.scope(tenant.provider_admin))

    sign_in(page, live_server.url, tenant.installer.email)
    go_to(page, "Available jobs")
    row = page.get_by_role("row").filter(has_text=reg.subscription.number)
    row.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_role("heading", name=job.number)).to_be_visible()
    expect(page.get_by_test_id("job-status")).to_have_text("In progress")

    rome = ZoneInfo(tenant.provider.time_zone)
    when = datetime.combine(timezone.localtime(timezone.now(), rome).date() + timedelta(days=3), time(10, 0))
    page.get_by_text("Another date or time").click()  # beside the quick choices, any time within the deadline
    page.get_by_label("Date and time agreed with the customer").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save the appointment").click()
    expect(page.get_by_role("status")).to_contain_text("Appointment saved")

    serial, imei_field = page.get_by_label("Serial number"), page.get_by_label("Last 4 digits of the IMEI")
    last4 = box.imei[-4:]
    serial.fill(box.serial.lower())
    imei_field.fill(f"{(int(last4) + 1) % 10000:04d}")
    page.get_by_role("button", name="Pair", exact=True).click()
    imei_error = page.locator(".field", has=page.get_by_label("Last 4 digits of the IMEI")).get_by_role("alert")
    expect(imei_error).to_have_text("The last 4 digits of the IMEI do not match this device.")
    expect(page.get_by_test_id("job-status")).to_have_text("In progress")
    imei_field.fill(last4)
    page.get_by_role("button", name="Pair", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Paired: the device is waiting for activation.")
    expect(page.get_by_test_id("job-status")).to_have_text("Waiting for activation")
    expect(page.get_by_label("Serial number")).to_have_count(0)  # no second pairing offered

    call_command("simulate_device", serial=box.serial)
    page.reload()
    expect(page.get_by_test_id("job-status")).to_have_text("ACTIVE")  # IOINSTALLER's word for an active box

    go_to(page, "Installations")
    page.get_by_test_id("tab-completed").click()
    expect(page.get_by_test_id("tab-completed")).to_have_attribute("aria-current", "page")
    completed = page.get_by_test_id("completed-jobs")
    expect(completed.get_by_role("row").filter(has_text=box.serial)).to_contain_text(job.number)
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.installer == tenant.installer


def test_dispatcher_creates_a_job_and_assigns_it_to_a_partner(page: Page, live_server):
    tenant = make_tenant("alpha")
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))

    sign_in(page, live_server.url, tenant.dispatcher.email)
    expect(page.get_by_test_id("current-organisation")).to_contain_text(tenant.provider.name)
    go_to(page, "Jobs")
    page.get_by_role("link", name="New job").click()
    page.get_by_label("Subscription number").fill(reg.subscription.number)
    page.get_by_label("Notes for the installer").fill("Behind the glovebox")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("status")).to_contain_text("created as a draft")
    expect(page.get_by_test_id("job-status")).to_have_text("Draft")
    expect(page.get_by_test_id("spec")).to_contain_text("Behind the glovebox")
    job = Job.objects.get(subscription=reg.subscription)

    page.get_by_label("Installer company").select_option(label=str(tenant.company))
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Job assigned")
    expect(page.get_by_test_id("job-status")).to_have_text("Assigned")

    go_to(page, "Jobs")
    page.get_by_role("combobox", name="Status").select_option(label="Assigned")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/jobs/\?status=assigned\b"))
    row = page.get_by_role("row").filter(has_text=job.number)
    expect(row).to_contain_text(tenant.company.name)
    expect(row).to_contain_text("Assigned")

    row.get_by_role("link", name=job.number).click()
    history = page.get_by_test_id("history")
    expect(history.get_by_role("row").filter(has_text="Job assigned to a company")).to_contain_text("Draft → Assigned")

    # Monitor: the dashboard counts the open job under its company; the list shows the columns chosen.
    go_to(page, "Dashboard")
    expect(page.get_by_test_id("open-total")).to_contain_text("1")
    expect(page.get_by_test_id("by-company")).to_contain_text(tenant.company.name)
    go_to(page, "Jobs")
    page.get_by_test_id("columns").locator("summary").click()
    page.get_by_role("checkbox", name="Appointment").check()
    page.get_by_test_id("columns").get_by_role("button").click()
    expect(page.get_by_role("status")).to_contain_text("Columns saved")
    expect(page.locator("thead th", has_text="Appointment")).to_have_count(1)
