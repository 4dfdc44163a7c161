"""A bad signal in the middle of a report: what the technician saves waits on the phone, the page says so, the page
opens again without the network, and once the network is back the change reaches the server once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from fieldbox.service.choices import WorkOrderStatus
from fieldbox.service.models import FieldChange, WorkOrder, WorkReport
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_technician_phone import SCREEN, todays_work_order

pytestmark = pytest.mark.django_db(transaction=True)

WORK = "Pulito lo scambiatore, sostituita la guarnizione del bruciatore."


def test_a_report_saved_without_a_network_waits_on_the_phone_and_arrives_once_when_it_returns(
    browser: Browser, live_server
):
    order, email = todays_work_order()
    context = browser.new_context(viewport=SCREEN, locale="en-GB", timezone_id="Europe/Rome", has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, email)
    page.goto(f"{live_server.url}/field/")
    page.get_by_test_id("next-action").get_by_test_id("accept").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Accepted")
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("order-status")).to_have_text("In progress")
    page.get_by_test_id("report").click()
    expect(page.get_by_label("Work done")).to_be_visible()
    # The service worker now looks after the field's pages; this visit leaves a copy of the report page.
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    expect(page.get_by_label("Work done")).to_be_visible()
    report_url = page.url

    context.set_offline(True)
    page.get_by_label("Work done").fill(WORK)
    page.get_by_test_id("save").click()
    status = page.locator("#offline-status")
    expect(status).to_contain_text("waiting for the network: 1")
    assert WorkReport.objects.get(work_order=order).work_done == ""

    # Still without a network, the page opens again from the phone, and still says what waits.
    page.goto(report_url)
    expect(page.get_by_label("Work done")).to_be_visible()
    expect(page.locator("#offline-status")).to_contain_text("waiting for the network: 1")

    context.set_offline(False)
    expect(page.locator("#offline-status")).to_contain_text(
        "Everything entered on this phone has been sent", timeout=20_000
    )
    report = WorkReport.objects.get(work_order=order)
    assert report.work_done == WORK
    assert FieldChange.objects.filter(user__email=email, kind__contains="/reports/").count() == 1
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.IN_PROGRESS
    context.close()
