"""The remover in the browser: the e-mail's action link, sign-in, accept; then "Report a removal" on its screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.factories import PASSWORD
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.models import Device
from fieldbox.messaging.models import OutboxMessage
from fieldbox.removals import notifications
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.tests.factories import confirmed_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_remover_accepts_from_the_email_then_reports_the_removal(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    tenant.installer.set_password(PASSWORD)
    tenant.installer.save(update_fields=["password"])
    request, [removal] = confirmed_request(tenant)
    notifications.notify_removers(request)
    body = OutboxMessage.objects.get(idempotency_key__startswith=f"removal-request:{request.pk}:").body
    accept_link = re.search(r"Accept: (\S+)", body).group(1)
    vin = removal.line.vehicle.vin

    page.goto(accept_link)
    page.get_by_label("E-mail address").fill(tenant.installer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Accept the removal")).to_be_visible()
    expect(page.get_by_text(vin)).to_be_visible()
    page.get_by_test_id("confirm-action").click()
    expect(page.get_by_role("status")).to_contain_text("Removal accepted")

    row = page.get_by_test_id("removal-lines").get_by_role("row").filter(has_text=vin)
    expect(row.get_by_test_id("status")).to_have_text("Accepted")
    row.get_by_role("link", name="Report the removal").click()
    expect(page.get_by_test_id("removal-warning")).to_contain_text("physically removed the box")
    when = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Removal date and time").fill(when)
    page.get_by_label("Last 7 characters of the box number").fill("0000000")
    page.get_by_label("Technician's name").fill("Marc Dupont")
    page.get_by_role("button", name="Confirm the removal").click()
    expect(page.get_by_role("alert")).to_contain_text("not the last 7 characters")
    page.get_by_label("Last 7 characters of the box number").fill(removal.device.serial[-7:])
    page.get_by_role("button", name="Confirm the removal").click()
    expect(page.get_by_role("status")).to_contain_text("Removal reported")
    row = page.get_by_test_id("removal-lines").get_by_role("row").filter(has_text="Done")
    expect(row).to_have_count(1)

    line = RemovalLine.objects.get(pk=removal.line.pk)
    assert (line.status, line.technician) == ("done", "Marc Dupont")
    device = Device.objects.get(pk=removal.device.pk)
    assert (device.status, device.vehicle_id, device.company_id) == ("removed", None, tenant.company.pk)
