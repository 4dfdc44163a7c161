"""The remover in the browser: the e-mail's action link, sign-in, accept; then "Report a removal" on its screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from fieldbox.accounts.tests.factories import PASSWORD
from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.core.tests.sheets import xlsx_bytes
from fieldbox.fleet.models import Device, Vehicle
from fieldbox.fleet.tests.factories import registry
from fieldbox.messaging.models import OutboxMessage
from fieldbox.removals import notifications
from fieldbox.removals.imports import HEADER
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import lines
from fieldbox.removals.tests.factories import confirmed_request
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_jobs_flows import go_to

pytestmark = pytest.mark.django_db(transaction=True)


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
    expect(page.get_by_test_id("error-summary")).to_contain_text("not the last 7 characters")
    page.get_by_label("Last 7 characters of the box number").fill(removal.device.serial[-7:])
    page.get_by_role("button", name="Confirm the removal").click()
    expect(page.get_by_role("status")).to_contain_text("Removal reported")
    row = page.get_by_test_id("removal-lines").get_by_role("row").filter(has_text="Done")
    expect(row).to_have_count(1)

    line = RemovalLine.objects.get(pk=removal.line.pk)
    assert (line.status, line.technician) == ("done", "Marc Dupont")
    device = Device.objects.get(pk=removal.device.pk)
    assert (device.status, device.vehicle_id, device.company_id) == ("removed", None, tenant.company.pk)


def test_typing_goes_on_while_the_scan_button_arrives(page: Page, live_server):
    """The Scan button is added once the translations have loaded, which a slow phone (or a loaded machine) may
    do while the remover is already typing in the field: the field keeps its focus, so no character is lost."""
    tenant = make_tenant("alpha")
    tenant.installer.set_password(PASSWORD)
    tenant.installer.save(update_fields=["password"])
    _request, [removal] = confirmed_request(tenant)
    lines.line_accept(scope=tenant.scope(tenant.installer), line_id=removal.line.pk)
    sign_in(page, live_server.url, tenant.installer.email)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    held: list[Route] = []
    page.route("**/i18n/js/**", lambda route: held.append(route))  # the translations come when the test says
    page.goto(f"{live_server.url}/removals/{removal.line.pk}/report/", wait_until="domcontentloaded")
    field = page.get_by_label("Last 7 characters of the box number")
    field.focus()
    page.keyboard.insert_text("ABC")
    for _ in range(200):  # the page asks for the translations (within 10 s)
        if held:
            break
        page.wait_for_timeout(50)
    assert held and page.locator(".scan-button").count() == 0
    for route in held:
        route.continue_()
    expect(page.locator(".scan-row .scan-button")).to_be_visible()
    page.keyboard.insert_text("DEFG")
    expect(field).to_have_value("ABCDEFG")
    expect(field).to_be_focused()


def _sheet(rows: list[list[object]]) -> bytes:
    return xlsx_bytes([list(HEADER), *rows], title="Déposes juillet")  # any sheet name


def test_requester_uploads_checks_the_summary_confirms_and_follows(page: Page, live_server, tmp_path):
    tenant = make_tenant("alpha")
    reg = registry(tenant.provider)
    Vehicle.objects.filter(pk=reg.vehicle.pk).update(vin="WBA1T51080P596759", make="BMW", model="SERIE 1")
    wished = (timezone.localdate() + timedelta(days=10)).strftime("%d/%m/%Y")
    code, number = tenant.company.installer_code, reg.subscription.number
    wrong = tmp_path / "removals.xlsx"
    wrong.write_bytes(_sheet([[" wba1t51080p596759 ", number, "ZZ999", "Chambéry", wished, "A faire ASAP"]]))
    right = tmp_path / "removals-fixed.xlsx"
    right.write_bytes(_sheet([[" wba1t51080p596759 ", number, code, "Chambéry", wished, "A faire ASAP"]]))

    sign_in(page, live_server.url, tenant.dispatcher.email)
    go_to(page, "Removal requests")
    page.get_by_role("link", name="New removal request").click()
    page.get_by_label("File").set_input_files(str(wrong))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("ZZ999")
    assert not RemovalLine.objects.exists()

    page.get_by_label("File").set_input_files(str(right))
    page.get_by_role("button", name="Check the file").click()
    summary = page.get_by_test_id("summary-lines")
    expect(summary).to_contain_text("WBA1T51080P596759")  # normalised, not refused
    expect(summary).to_contain_text(tenant.company.name)
    expect(summary).to_contain_text("New")
    page.get_by_test_id("confirm-form").get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("request-saved")).to_contain_text("was saved")

    page.get_by_role("link", name="Follow your removal requests").click()
    expect(page.get_by_test_id("removal-requests")).to_contain_text("Total: 1 of which accepted: 0 of which done: 0")
    line = RemovalLine.objects.get()
    page.get_by_role("link", name=line.request.number).click()
    expect(page.get_by_test_id("request-lines").get_by_test_id("status")).to_have_text("Notified")

    lines.line_accept(scope=tenant.scope(tenant.installer), line_id=line.pk)  # the remover, elsewhere
    page.get_by_role("link", name="Refresh").click()
    expect(page.get_by_test_id("request-lines").get_by_test_id("status")).to_have_text("Accepted")
