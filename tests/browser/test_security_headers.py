"""The Content-Security-Policy holds on every page: each kind of user of the demo signs in and opens the pages of
their menu and the first record each lists (a kind of page another user already opened is not opened again); the
browser reports no violated directive and no Permissions-Policy error, and the planner's calendar, a map of a
customer's sites, the signature pad and an htmx swap work. A violation fails the test naming the page, the directive
and what was blocked."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fieldbox.accounts import demo
from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.fleet.models import CustomerAddress
from fieldbox.service import demo as service_demo
from fieldbox.service.services import reports
from fieldbox.service.services.work_orders import work_order_answer, work_order_create, work_order_move, work_order_plan
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_technician_phone import draw

pytestmark = pytest.mark.django_db(transaction=True)

# One of each kind of user: provider (dispatcher), customer care, installer, installer admin, service office,
# service desk, technician, and a portal contact of a customer.
PEOPLE = [
    "dispatch@iot.example",
    "care@iot.example",
    "mario@rossi.example",
    "admin@rossi.example",
    "ufficio@rossi.example",
    "desk@rossi.example",
    "tecnico@rossi.example",
    service_demo.PORTAL_CONTACT,
]
# Pages that are not for a walk: they sign out, switch, or download a file.
SKIP = re.compile(r"/(logout|switch|i18n|export|download)/|format=|/pdf/|\.(csv|xlsx|ics|xml|zip)$")
LISTEN = """() => document.addEventListener("securitypolicyviolation", (e) =>
  window.cspViolation({directive: e.effectiveDirective || e.violatedDirective, blocked: e.blockedURI,
                       sample: e.sample, source: e.sourceFile, line: e.lineNumber}))"""


class Violations:
    """What the browser reported while a page was open: securitypolicyviolation events and console errors."""

    def __init__(self, context: BrowserContext) -> None:
        self.found: list[str] = []
        self.page = ""
        context.expose_binding(
            "cspViolation",
            lambda _source, v: self.add(
                f"{v['directive']} blocked {v['blocked']!r} ({v['source']}:{v['line']} {v['sample']!r})"
            ),
        )
        context.add_init_script(f"({LISTEN})()")

    def add(self, what: str) -> None:
        self.found.append(f"{self.page}: {what}")

    def watch(self, page: Page) -> None:
        def console(message: Any) -> None:
            text = message.text
            if "Content Security Policy" in text or "Permissions-Policy" in text or "htmx:evalDisallowed" in text:
                self.add(f"console: {text}")

        page.on("console", console)


def open_page(page: Page, seen: Violations, url: str) -> None:
    seen.page = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{seen.page} answered {response and response.status}"
    page.wait_for_load_state("load")


def links(page: Page, selector: str, base: str) -> list[str]:
    found = page.eval_on_selector_all(selector, "els => els.filter(a => !a.hasAttribute('download')).map(a => a.href)")
    return [u for u in found if u.startswith(base) and not SKIP.search(u)]


def shape(url: str) -> str:
    """A page's kind: its path with the ids taken out (the same template, whoever opens it)."""
    return re.sub(r"/\d+(?=/|$)", "/N", urlsplit(url).path)


def walk(page: Page, seen: Violations, base: str, email: str, walked: set[str]) -> int:
    """Every page of the person's menu and the first record each lists, unless another person opened its kind."""
    seen.page = "/accounts/login/"
    sign_in(page, base, email, demo.PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    menu = links(page, "details.menu nav a, .portal a.button, nav.tabs a", base)
    menu = [u for u in dict.fromkeys([page.url, *menu]) if shape(u) not in walked]
    opened = 0
    for url in menu:
        walked.add(shape(url))
        open_page(page, seen, url)
        opened += 1
        first = links(page, "main table a[href], main .list a[href], main li a[href]", base)[:1]
        for detail in first:
            if shape(detail) not in walked:
                walked.add(shape(detail))
                open_page(page, seen, detail)
                opened += 1
    return opened


def test_no_page_breaks_the_content_security_policy(browser: Browser, live_server, settings):
    call_command("demo", verbosity=0)
    started = time.monotonic()
    base = live_server.url
    opened = 0
    everything: list[str] = []
    walked: set[str] = set()
    the_listener_hears(browser, base)
    for email in PEOPLE:
        context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
        seen = Violations(context)
        page = context.new_page()
        seen.watch(page)
        opened += walk(page, seen, base, email, walked)
        if email == "ufficio@rossi.example":
            calendar(page, seen, base)
            sites_map(page, seen, base, settings)
        if email == "mario@rossi.example":
            htmx_swap(page, seen, base)
        if email == "tecnico@rossi.example":
            signature(page, seen, base)
        everything += seen.found
        print(f"{email}: {opened} pages, {time.monotonic() - started:.0f} s")
        context.close()
    assert not everything, "Content-Security-Policy violations:\n" + "\n".join(dict.fromkeys(everything))
    assert opened > 40, f"only {opened} pages walked"
    print(f"{opened} pages walked in {time.monotonic() - started:.0f} s")


def the_listener_hears(browser: Browser, base: str) -> None:
    """The public pages keep the policy; and a style attribute added to a page is refused and reported, so the walk
    below would see a violation."""
    context = browser.new_context()
    seen = Violations(context)
    page = context.new_page()
    seen.watch(page)
    for public in ("/mission/", "/accounts/password-reset/", "/accounts/login/"):  # pages for everybody
        open_page(page, seen, f"{base}{public}")
    assert not seen.found, seen.found
    page.evaluate("""() => document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')""")
    page.wait_for_timeout(300)
    assert any("style-src" in found for found in seen.found), seen.found
    context.close()


def calendar(page: Page, seen: Violations, base: str) -> None:
    """The planner's calendar (@event-calendar) renders its week and moves to the next one."""
    open_page(page, seen, f"{base}/desk/planner/")
    expect(page.locator(".ec").first).to_be_visible()
    page.locator(".ec-next").first.click()
    expect(page.locator(".ec-body").first).to_be_visible()


def sites_map(page: Page, seen: Violations, base: str, settings: Any) -> None:
    """A customer's sites on the map (Leaflet), its tiles from a tile server (here an image of ours: img-src 'self')."""
    settings.MAP_TILE_URL = f"{base}/static/leaflet/images/layers.png?z={{z}}&x={{x}}&y={{y}}"
    site = CustomerAddress.objects.filter(
        customer__organisation__name=service_demo.COMPANY, latitude__isnull=False
    ).first()
    assert site is not None, "no site of the demo has coordinates"
    open_page(page, seen, f"{base}/customers/{site.customer_id}/")
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_attached()
    settings.MAP_TILE_URL = ""


def htmx_swap(page: Page, seen: Violations, base: str) -> None:
    """The installations' filter is answered by htmx, which swaps the table in place."""
    open_page(page, seen, f"{base}/jobs/installations/")
    page.locator("details.panel summary").first.click()
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.locator("form[hx-get] button[type=submit]").click()
    expect(page.locator("#results")).to_be_visible()


def draft_report_of(email: str) -> int:
    """A report to sign: a work order of one of the demo's customers planned for ``email`` now, sent, accepted,
    started and reported (the services the office and the technician use)."""
    technician = User.objects.get(email=email)
    company = Organisation.objects.get(name=service_demo.COMPANY)
    office = scope_for(User.objects.get(email="ufficio@rossi.example"), company.pk)
    luca = scope_for(technician, company.pk)
    assert office and luca
    site = CustomerAddress.objects.filter(customer__organisation=company).order_by("pk").first()
    assert site is not None
    order = work_order_create(scope=office, customer_id=site.customer_id, site_id=site.pk, description="CSP")
    work_order_plan(scope=office, work_order_id=order.pk, starts_at=timezone.now(), technician_id=technician.pk)
    work_order_move(scope=office, work_order_id=order.pk, action="send")
    work_order_answer(scope=luca, work_order_id=order.pk, accept=True)
    work_order_move(scope=luca, work_order_id=order.pk, action="start")
    return reports.report_draft(scope=luca, work_order_id=order.pk).pk


def signature(page: Page, seen: Violations, base: str) -> None:
    """The technician's signature pad (signature_pad) draws under the policy."""
    open_page(page, seen, f"{base}/field/reports/{draft_report_of('tecnico@rossi.example')}/sign/")
    pad = page.get_by_test_id("pad-technician")
    draw(pad, page)
    assert pad.evaluate("c => c.toDataURL().length") > 2000
