"""The installer's checklist on a phone: tick the checks, choose the LED state, take a photo, complete the job."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.models import Job, JobPhoto
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_installer_fills_the_checklist_and_completes_a_removal(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    admin = tenant.scope(tenant.provider_admin)
    for label, kind, options in (
        ("Box removed", "check", []),
        ("LED state", "choice", ["off", "blinking green", "steady green", "red"]),
        ("Photo of the dashboard", "photo", []),
    ):
        checks.item_save(scope=admin, label=label, type=kind, kind="removal", options=options, required=True)
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = services.job_create(
        scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk, kind="removal"
    )
    services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)

    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.get_by_test_id("next-step")).to_have_attribute("data-step", "book")
    page.get_by_role("link", name="At the vehicle now? Fill in the checklist").click()
    expect(page.get_by_test_id("next-step")).to_have_attribute("data-step", "checklist")
    page.get_by_role("button", name="Complete the job").click()
    expect(page.get_by_role("status").first).to_contain_text("Box removed; LED state; Photo of the dashboard")

    check = page.get_by_role("checkbox", name="Box removed")
    check.click()
    expect(page.get_by_role("checkbox", name="Box removed")).to_have_attribute("aria-checked", "true")
    page.get_by_label("LED state").select_option("steady green")
    expect(page.locator(".check-line.done")).to_have_count(2)

    png = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(png, "PNG")
    page.get_by_label("Take a photo").set_input_files(
        files=[{"name": "dashboard.png", "mimeType": "image/png", "buffer": png.getvalue()}]
    )
    page.get_by_role("button", name="Upload the photo").click()
    expect(page.get_by_role("status").first).to_contain_text("Photo saved.")
    expect(page.get_by_role("img", name="Photo of the dashboard")).to_be_visible()

    page.get_by_role("button", name="Complete the job").click()
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded")
    assert Job.objects.get(pk=job.pk).status == "succeeded" and JobPhoto.objects.count() == 1


def test_installer_answers_a_number_within_its_bounds_and_a_multiple_choice(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    admin = tenant.scope(tenant.provider_admin)
    checks.item_save(
        scope=admin, label="Battery voltage", type="number", kind="removal", unit="V", min_value=11, max_value=15
    )
    checks.item_save(
        scope=admin, label="Parts taken", type="multi", kind="removal", options=["box", "antenna", "button"]
    )
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    job = services.job_create(
        scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk, kind="removal"
    )
    services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)

    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/?step=checklist")
    voltage = page.locator("[data-type=number]")
    voltage.get_by_label("Battery voltage (V)").fill("24")
    voltage.get_by_role("button", name="Save").click()
    expect(page.locator("[data-type=number] [role=alert]")).to_have_text("Enter a number from 11 to 15 V.")
    page.locator("[data-type=number]").get_by_label("Battery voltage (V)").fill("12,6")
    page.locator("[data-type=number]").get_by_role("button", name="Save").click()
    expect(page.locator("[data-type=number].done")).to_be_visible()
    expect(page.locator("[data-type=number] input[name=value]")).to_have_value("12.6")

    page.get_by_label("antenna").check()
    expect(page.locator("[data-type=multi].done")).to_be_visible()
    page.get_by_label("box", exact=True).check()
    expect(page.get_by_label("box", exact=True)).to_be_checked()
    page.screenshot(path="/tmp/wt-checklists-phone.png", full_page=True)
    page.get_by_role("button", name="Complete the job").click()
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded")
