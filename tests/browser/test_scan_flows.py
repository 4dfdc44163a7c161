"""Reading the serial number and the IMEI from a barcode in the browser: the phone's camera, or a photo of it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserType, Locator, Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.models import Job
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SERIAL = "TBA7700001"

# Code 128: the bar/space widths of the 107 symbols (value 0..105, then the stop with its final bar).
CODE128_WIDTHS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 "
    "113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 "
    "113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 "
    "241211 221114 413111 241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 211214 "
    "211232 2331112"
)
CODE128 = CODE128_WIDTHS.split()
START_B = 104


def code128(text: str, *, module: int = 3, height: int = 140, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A Code 128 (code set B) of ``text``, black on white, centred on a grey image of ``size``."""
    values = [START_B, *(ord(c) - 32 for c in text)]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    widths = "".join(CODE128[v] for v in [*values, check]) + CODE128[-1]
    total = sum(map(int, widths)) + 20  # 10 modules of quiet zone on each side
    image = Image.new("L", size, 200)
    left, top = (size[0] - total * module) // 2, (size[1] - height) // 2
    draw = ImageDraw.Draw(image)
    draw.rectangle([left, top - 20, left + total * module, top + height + 20], fill=255)
    x = left + 10 * module
    for n, width in enumerate(int(w) for w in widths):
        if n % 2 == 0:  # bars and spaces alternate, starting with a bar
            draw.rectangle([x, top, x + width * module - 1, top + height], fill=0)
        x += width * module
    return image


def y4m(image: Image.Image, path: Path) -> Path:
    """One grey frame as a YUV4MPEG2 (4:2:0) file, the format of Chromium's fake camera."""
    gray = image.convert("L")
    chroma = bytes([128]) * ((gray.width // 2) * (gray.height // 2))
    header = f"YUV4MPEG2 W{gray.width} H{gray.height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + gray.tobytes() + chroma + chroma)
    return path


@pytest.fixture
def camera_browser(browser_type: BrowserType, tmp_path: Path) -> Iterator[Browser]:
    """A Chromium whose camera films the Code 128 of SERIAL, with the camera permission granted."""
    video = y4m(code128(SERIAL), tmp_path / "barcode.y4m")
    fake_camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + fake_camera, headless=True)
    yield browser
    browser.close()


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


def test_installer_scans_the_serial_with_the_camera(camera_browser: Browser, live_server: Any) -> None:
    tenant, job, _ = job_to_pair(SERIAL)
    context = camera_browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")

    serial = page.get_by_label("Serial number", exact=True)
    scan_button(page, "Serial number").click()
    expect(page.get_by_role("dialog", name="Scan the barcode")).to_be_visible()
    expect(serial).to_have_value(SERIAL, timeout=20_000)
    expect(page.get_by_role("dialog")).to_have_count(0)  # closed, the camera released
    expect(serial).to_be_focused()
    expect(page.locator("#pair")).to_contain_text(f"Read: {SERIAL}")
    assert page.evaluate("document.querySelectorAll('video').length") == 0
    assert [url for url in requested if not url.startswith(live_server.url)] == []  # nothing from elsewhere
    assert any("/static/zxing/" in url for url in requested) or page.evaluate("'BarcodeDetector' in window")
    context.close()


def test_without_a_camera_a_photo_of_the_imei_barcode_fills_the_last_4_digits(page: Page, live_server: Any) -> None:
    tenant, job, imei = job_to_pair(SERIAL)
    sign_in(page, live_server.url, tenant.installer.email)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")

    scan_button(page, "Last 4 digits of the IMEI").click()
    dialog = page.get_by_role("dialog", name="Scan the barcode")
    expect(dialog.get_by_role("status")).to_contain_text("Take a photo of the barcode instead.")
    png = io.BytesIO()
    code128("TBA0000000", size=(900, 500)).save(png, "PNG")
    dialog.get_by_label("Take a photo of the barcode").set_input_files(
        {"name": "serial.png", "mimeType": "image/png", "buffer": png.getvalue()}
    )
    expect(dialog.get_by_role("status")).to_have_text("This is not an IMEI: TBA0000000")
    png = io.BytesIO()
    code128(f"IMEI:{imei}", size=(1200, 500)).save(png, "PNG")
    dialog.get_by_label("Take a photo of the barcode").set_input_files(
        {"name": "imei.png", "mimeType": "image/png", "buffer": png.getvalue()}
    )
    imei_field = page.get_by_label("Last 4 digits of the IMEI")
    expect(imei_field).to_have_value(imei[-4:])
    expect(imei_field).to_be_focused()
    assert page.evaluate("typeof gettext") == "function"  # the JavaScript catalog translates the scanner
    expect(page.locator("#pair")).to_contain_text(f"Read: {imei}")

    page.get_by_label("Serial number", exact=True).fill(SERIAL)
    page.get_by_role("button", name="Pair", exact=True).click()
    expect(page.get_by_test_id("job-status")).to_have_text("Waiting for activation")
