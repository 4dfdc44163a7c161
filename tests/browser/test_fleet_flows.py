"""The registry in the browser: a dispatcher loads devices from a file and ships one; the installer confirms it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import imei, product_of
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_jobs_flows import go_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_dispatcher_loads_a_device_file_ships_a_device_and_the_installer_confirms(page: Page, live_server, tmp_path):
    tenant = make_tenant("alpha")
    product_of(tenant.provider)
    bad, good = tmp_path / "bad.csv", tmp_path / "devices.csv"
    bad.write_text(f"serial,imei,product_code\nTBA7000001,{imei(71)},BOX\nTBA7000002,12345,BOX\n")
    good.write_text(f"serial,imei,product_code\nTBA7000001,{imei(71)},BOX\nTBA7000002,{imei(72)},BOX\n")

    sign_in(page, live_server.url, tenant.dispatcher.email)
    go_to(page, "Devices")
    page.get_by_role("link", name="Load devices from a file").click()
    page.get_by_label("Spreadsheet of devices").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("The file has 1 error: nothing was loaded.")
    expect(errors.get_by_role("row").filter(has_text="imei")).to_contain_text("3")
    page.get_by_label("Spreadsheet of devices").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Load 2 devices").click()
    expect(page.get_by_role("status")).to_contain_text("2 devices loaded into your warehouse.")

    page.get_by_label("Select TBA7000001").check()
    page.get_by_role("button", name="Ship to company").click()
    expect(page.get_by_role("status")).to_contain_text("1 device shipped to alpha Workshop")
    assert Device.objects.get(serial="TBA7000001").status == "shipped"

    page.context.clear_cookies()
    sign_in(page, live_server.url, tenant.installer.email)
    go_to(page, "Devices")
    page.get_by_label("Select TBA7000001").check()
    page.get_by_role("button", name="Confirm receipt").click()
    expect(page.get_by_role("status")).to_contain_text("Receipt confirmed for 1 device.")
    assert Device.objects.get(serial="TBA7000001").status == "received"
