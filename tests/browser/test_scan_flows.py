"""Reading the serial number and the IMEI from a barcode in the browser: the phone's camera, or a photo of it."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.models import Job
from tests.browser.barcodes import box_label, code128
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SERIAL = "TBA7700001"


def job_to_pair(serial: str) -> tuple[Any, Job, str]:
    """A job in progress taken by the installer of tenant alpha, and a device at its company."""
    tenant = make_tenant("alpha")
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    dispatcher = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatcher, subscription_id=reg.subscription.pk)
    services.job_assign(scope=dispatcher, job_id=job.pk, company_id=tenant.company.pk)
    services.job_take(scope=tenant.scope(tenant.installer), job_id=job.pk)
    box = device(tenant.provider, company=tenant.company, serial=serial)
    return tenant, job, box.imei


def scan_button(page: Page, field: str) -> Locator:
    """The Scan button beside a field: named "Scan", described by the field's label."""
    button = page.locator(".field", has=page.get_by_label(field, exact=True)).get_by_role("button", name="Scan")
    expect(button).to_have_accessible_description(field)
    return button


def test_one_scanning_pass_fills_the_serial_and_the_imei(camera_browser: Any, live_server: Any) -> None:
    tenant, job, imei = job_to_pair(SERIAL)
    context = camera_browser(box_label(SERIAL, imei)).new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/?step=pair")

    serial, last4 = page.get_by_label("Serial number", exact=True), page.get_by_label("Last 4 digits of the IMEI")
    scan_button(page, "Serial number").click()
    dialog = page.get_by_role("dialog", name="Scan the barcode")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("listitem")).to_have_text(["Serial number", "Last 4 digits of the IMEI"])
    expect(serial).to_have_value(SERIAL, timeout=20_000)
    expect(last4).to_have_value(imei[-4:], timeout=20_000)
    expect(page.get_by_role("dialog")).to_have_count(0)  # closed once both are read, the camera released
    expect(page.get_by_role("button", name="Pair", exact=True)).to_be_focused()  # no keyboard over it
    expect(page.locator("#pair")).to_contain_text(f"Read: {SERIAL}")
    expect(page.locator("#pair")).to_contain_text(f"Read: {imei}")
    assert page.evaluate("document.querySelectorAll('video').length") == 0
    assert [url for url in requested if not url.startswith(live_server.url)] == []  # nothing from elsewhere
    assert any("/static/zxing/" in url for url in requested) or page.evaluate("'BarcodeDetector' in window")
    context.close()


def test_a_code_of_the_wrong_kind_never_lands_in_a_field(camera_browser: Any, live_server: Any) -> None:
    """The camera films an IMEI only: it goes to the IMEI's last 4, never to the serial, whichever Scan opened it."""
    tenant, job, imei = job_to_pair(SERIAL)
    context = camera_browser(code128(imei, size=(800, 480))).new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/?step=pair")

    scan_button(page, "Serial number").click()
    dialog = page.get_by_role("dialog", name="Scan the barcode")
    expect(dialog.get_by_role("listitem").last).to_have_text(f"Last 4 digits of the IMEI: {imei}", timeout=20_000)
    expect(dialog.get_by_role("status")).to_have_text("Now point the camera at the other barcode.")
    expect(page.get_by_label("Serial number", exact=True)).to_have_value("")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_label("Last 4 digits of the IMEI")).to_have_value(imei[-4:])
    expect(scan_button(page, "Serial number")).to_be_focused()  # back where the scanner was opened
    context.close()


def test_without_a_camera_photos_of_the_barcodes_fill_both_fields(page: Page, live_server: Any) -> None:
    tenant, job, imei = job_to_pair(SERIAL)
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/?step=pair")

    scan_button(page, "Last 4 digits of the IMEI").click()
    dialog = page.get_by_role("dialog", name="Scan the barcode")
    expect(dialog.get_by_role("status")).to_contain_text("Take a photo of the barcode instead.")

    def photo(text: str, size: tuple[int, int]) -> None:
        png = io.BytesIO()
        code128(text, size=size).save(png, "PNG")
        dialog.get_by_label("Take a photo of the barcode").set_input_files(
            {"name": "code.png", "mimeType": "image/png", "buffer": png.getvalue()}
        )

    photo("XYZ0000000", (900, 500))  # not a serial of this product (they start with TBA), not an IMEI
    expect(dialog.get_by_role("status")).to_have_text(
        "This is neither a serial number of this product nor an IMEI: XYZ0000000"
    )
    photo(f"IMEI:{imei}", (1200, 500))
    imei_field = page.get_by_label("Last 4 digits of the IMEI")
    expect(imei_field).to_have_value(imei[-4:])
    expect(dialog.get_by_role("status")).to_have_text("Now point the camera at the other barcode.")
    assert page.evaluate("typeof gettext") == "function"  # the JavaScript catalog translates the scanner
    photo(SERIAL, (900, 500))
    expect(page.get_by_label("Serial number", exact=True)).to_have_value(SERIAL)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#pair")).to_contain_text(f"Read: {imei}")

    page.get_by_role("button", name="Pair", exact=True).click()
    expect(page.get_by_test_id("job-status")).to_have_text("Waiting for activation")
