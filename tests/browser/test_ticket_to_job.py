"""Customer care turns a subscriber's ticket into a job: the vehicle found by its plate, a maintenance job sent to a
partner, its progress on the ticket, and the ticket resolved once the installer completes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services as jobs
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.models import Job
from fieldbox.service import services
from fieldbox.service.models import Mailbox, Team
from fieldbox.service.tests.conftest import mail
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_jobs_flows import go_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_care_sends_a_job_from_a_ticket_which_resolves_when_the_job_is_done(page: Page, live_server):
    tenant = make_tenant("alpha")
    tenant.provider.language = "en"  # the system's notes on the ticket, in the provider's language
    tenant.provider.save(update_fields=["language"])
    reg = registry(tenant.provider, plate="FG456HL")
    team = Team.objects.create(organisation=tenant.provider, name="Customer care")
    mailbox = Mailbox.objects.create(organisation=tenant.provider, team=team, address="care@alpha-provider.example")
    ticket = services.mail_ingest(mailbox=mailbox, raw=mail("Il localizzatore non comunica")).ticket
    assert ticket is not None

    sign_in(page, live_server.url, tenant.care.email)
    go_to(page, "Tickets")
    page.get_by_role("link", name=ticket.number).click()
    panel = page.get_by_test_id("ticket-job")
    expect(panel.get_by_test_id("ticket-vehicle")).to_contain_text("None yet")

    vehicle_form = panel.get_by_test_id("vehicle-form")
    vehicle_form.get_by_label("Plate").fill("fg 456-hl")
    vehicle_form.get_by_role("button", name="Set the vehicle").click()
    expect(page.locator(".messages")).to_contain_text("The ticket is about the vehicle FG456HL.")
    expect(page.get_by_test_id("call-customer")).to_contain_text(reg.customer.last_name)

    panel = page.get_by_test_id("ticket-job")
    send_form = panel.get_by_test_id("job-send-form")
    send_form.get_by_label("Work to do").select_option(label="Maintenance")
    send_form.get_by_label("Installer company").select_option(label=tenant.company.name)
    send_form.get_by_label("Notes for the installer").fill("Il cliente è disponibile al mattino.")
    send_form.get_by_role("button", name="Send the job").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"Job J\d+ sent\."))
    job = Job.objects.get(vehicle=reg.vehicle)
    expect(page.locator(".messages")).to_contain_text(f"Job {job.number} sent.")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    panel = page.get_by_test_id("ticket-job")
    expect(panel.get_by_test_id("ticket-job-number")).to_have_text(job.number)
    expect(panel.get_by_test_id("ticket-job-status")).to_have_text("Assigned")
    expect(panel.get_by_test_id("ticket-job-company")).to_have_text(tenant.company.name)
    expect(panel.get_by_test_id("ticket-job-running")).to_be_visible()
    expect(page.get_by_test_id("conversation")).to_contain_text(f"Job {job.number} (Maintenance) sent to")

    installer = tenant.scope(tenant.installer)
    jobs.job_take(scope=installer, job_id=job.pk)
    checks.job_complete(scope=installer, job_id=job.pk)

    page.reload()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("ticket-job").get_by_test_id("ticket-job-status")).to_have_text("Succeeded")
    expect(page.get_by_test_id("conversation")).to_contain_text(f"Job {job.number} ended: Succeeded.")
    page.get_by_test_id("ticket-job-number").click()
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded")
