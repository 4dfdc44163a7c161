"""The installer's phone, as a first-time user holds it: 360x740, touch, the camera, in Italian, French and English.

From the home page to a paired box, and from the removals screen to a reported removal, following only the labels
of the screens. Every tap is counted, every character typed, and every pixel scrolled to bring the next thing to tap
into view (above the fixed top bar, below the bottom of the screen); the walk fails past 8 taps, any typing, or half
a screen of scrolling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from fieldbox.accounts.tests.factories import PASSWORD
from fieldbox.accounts.tests.fixtures import Tenant, make_tenant
from fieldbox.fleet.models import CustomerAddress, Device
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services
from fieldbox.jobs.choices import JobStatus
from fieldbox.jobs.models import Job
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.services import lines
from fieldbox.removals.tests.factories import confirmed_request
from tests.browser.barcodes import box_label, code128

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = {"width": 360, "height": 740}
MAX_TAPS, MAX_SCROLL = 8, SCREEN["height"] // 2
SERIAL = "TBA7700042"
LOCALES = {"it": "it-IT", "fr": "fr-FR", "en": "en-GB"}


# Every character typed into the page, counted by the page itself (trusted text insertions: the keyboard, or
# Playwright's fill; a field the scanner fills dispatches untrusted events and counts nothing), kept for the tab.
COUNT_TYPING = """
addEventListener("input", (e) => {
  if (e.isTrusted && e.inputType && e.inputType.startsWith("insert")) {
    sessionStorage.typed = String((Number(sessionStorage.typed) || 0) + (e.data ? e.data.length : 1));
  }
}, true);
"""


def typed(page: Page) -> int:
    return int(page.evaluate("Number(sessionStorage.typed) || 0"))


@dataclass
class Thumb:
    """A first-time user's thumb: taps what the screen names, scrolling only when it is out of sight."""

    page: Page
    taps: int = 0
    scrolled: int = 0

    def __post_init__(self) -> None:
        self.page.evaluate("sessionStorage.typed = '0'")  # the walk starts here

    def tap(self, target: Locator) -> None:
        expect(target).to_be_visible()
        box = target.bounding_box()
        assert box is not None
        top = self.page.evaluate("document.querySelector('.topbar').getBoundingClientRect().bottom")
        if box["y"] < top:
            shift = box["y"] - top - 8
        elif box["y"] + box["height"] > SCREEN["height"]:
            shift = box["y"] + box["height"] - SCREEN["height"] + 8
        else:
            shift = 0
        if shift:
            self.page.evaluate("d => window.scrollBy(0, d)", shift)
            self.scrolled += abs(int(shift))
        target.tap()
        self.taps += 1

    def assert_within_limits(self) -> None:
        characters = typed(self.page)
        print(f"taps {self.taps}, typed {characters}, scrolled {self.scrolled} px")  # shown with -s: the measure
        assert self.taps <= MAX_TAPS and characters == 0, (self.taps, characters)
        assert self.scrolled <= MAX_SCROLL, self.scrolled


@pytest.fixture
def phone(camera_browser: Any) -> Any:
    """Opens a phone (touch, 360x740, the language's locale) whose camera films ``picture``."""

    def open_phone(language: str, picture: Image.Image, base: str) -> Page:
        context = camera_browser(picture).new_context(
            locale=LOCALES[language], viewport=SCREEN, has_touch=True, is_mobile=True, device_scale_factor=2
        )
        context.grant_permissions(["camera"], origin=base)
        context.add_init_script(COUNT_TYPING)
        return context.new_page()

    return open_phone


def words(language: str, *msgids: str) -> list[str]:
    """The labels a user of ``language`` reads on the screen."""
    with translation.override(language):
        return [gettext(msgid) for msgid in msgids]


def signed_in(page: Page, base: str, user: Any, language: str) -> None:
    """Signs in (not counted: the walk starts on the home page), in the person's language."""
    type(user).objects.filter(pk=user.pk).update(language=language)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    # The count sees typing: signing in typed the address and the password.
    assert typed(page) == len(user.email) + len(PASSWORD)


def a_job_to_install(tenant: Tenant) -> tuple[Job, Device]:
    reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
    CustomerAddress.objects.create(customer=reg.customer, street="Via Roma 22", postcode="10121", city="Torino")
    dispatcher = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatcher, subscription_id=reg.subscription.pk)
    services.job_assign(scope=dispatcher, job_id=job.pk, company_id=tenant.company.pk)
    Job.objects.filter(pk=job.pk).update(deadline_at=timezone.now() + timedelta(days=10))
    return job, device(tenant.provider, company=tenant.company, serial=SERIAL)


@pytest.mark.parametrize("language", ["it", "fr", "en"])
def test_a_first_time_installer_goes_from_home_to_paired_in_a_few_taps(phone, live_server: Any, language: str) -> None:
    tenant = make_tenant("alpha")
    job, box = a_job_to_install(tenant)
    page = phone(language, box_label(SERIAL, box.imei), live_server.url)
    signed_in(page, live_server.url, tenant.installer, language)
    take_next, book, scan, pair_label, waiting, today, tomorrow = words(
        language, "Take next", "Book the appointment", "Scan", "Pair", "Waiting for activation", "Today", "Tomorrow"
    )
    with translation.override(language):
        active = pgettext("an installation whose device is active", "ACTIVE")
    thumb = Thumb(page)

    home = page.get_by_test_id("installer-day")
    expect(home).to_contain_text("1")
    thumb.tap(home.get_by_role("button", name=take_next))

    panel = page.get_by_test_id("next-step")
    expect(panel.get_by_role("heading", name=book)).to_be_visible()
    expect(panel).to_contain_text("Torino")
    first_day = panel.locator(".days label").first  # today, or tomorrow once today's last slot has passed
    expect(first_day).to_contain_text(re.compile(f"^({re.escape(today)}|{re.escape(tomorrow)})"))
    thumb.tap(first_day)
    thumb.tap(panel.locator(".slots:visible").get_by_role("button").first)

    expect(page.get_by_test_id("appointment")).to_be_visible()
    expect(panel).to_have_attribute("data-step", "pair")
    thumb.tap(panel.get_by_role("button", name=scan).first)
    expect(panel.locator("#id_serial")).to_have_value(SERIAL, timeout=30_000)
    expect(panel.locator("#id_imei_last4")).to_have_value(box.imei[-4:])
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(panel).to_contain_text(SERIAL)  # what it read, under the field it read it into
    expect(panel).to_contain_text(box.imei)
    pair = panel.get_by_role("button", name=pair_label, exact=True)
    expect(pair).to_be_focused()  # no keyboard comes up over it
    thumb.tap(pair)

    expect(page.get_by_test_id("job-status")).to_have_text(waiting)
    thumb.assert_within_limits()
    job.refresh_from_db()
    assert job.status == JobStatus.PAIRED and job.device_id == box.pk and job.appointment_at is not None

    services.job_activate(Device.objects.get(pk=box.pk), timezone.now())
    page.reload()
    expect(page.get_by_test_id("job-status")).to_have_text(active)


@pytest.mark.parametrize("language", ["it", "fr", "en"])
def test_a_remover_reports_a_removal_from_the_phone_in_a_few_taps(phone, live_server: Any, language: str) -> None:
    tenant = make_tenant("alpha")
    _, [removal] = confirmed_request(tenant)
    lines.line_accept(scope=tenant.scope(tenant.installer), line_id=removal.line.pk)
    serial = removal.device.serial
    page = phone(language, code128(serial, size=(640, 480)), live_server.url)
    signed_in(page, live_server.url, tenant.installer, language)
    menu, removals, report, scan, confirm = words(
        language, "Menu", "Removals", "Report the removal", "Scan", "Confirm the removal"
    )
    thumb = Thumb(page)

    thumb.tap(page.get_by_label(menu))
    thumb.tap(page.locator("details.menu").get_by_role("link", name=removals, exact=True))
    thumb.tap(page.get_by_role("link", name=report).first)

    form = page.get_by_test_id("report")
    expect(form.locator("#id_removed_at")).not_to_have_value("")  # the date prefilled
    expect(form.locator("#id_technician")).to_have_value(tenant.installer.get_full_name())
    thumb.tap(form.get_by_role("button", name=scan))
    expect(form.locator("#id_serial_end")).to_have_value(serial[-7:], timeout=30_000)
    expect(form).to_contain_text(serial)
    thumb.tap(form.get_by_role("button", name=confirm))

    expect(page.locator(".messages .success")).to_be_visible()
    thumb.assert_within_limits()
    removal.line.refresh_from_db()
    assert removal.line.status == LineStatus.DONE
