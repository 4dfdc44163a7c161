"""An installer's week on the phone, and the calendar feed copied from the page into a calendar application."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import services
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_jobs_flows import go_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_installer_sees_the_week_and_subscribes_to_the_feed(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    installer = tenant.scope(tenant.installer)
    rome = ZoneInfo(tenant.company.time_zone)
    today = timezone.localtime(timezone.now(), rome).date()
    monday = today - timedelta(days=today.weekday())
    jobs = []
    for day in (monday + timedelta(days=7), monday + timedelta(days=9)):  # next week: always in the future
        reg = registry(tenant.provider, arrived_on=date(2026, 1, 1))
        job = services.job_create(scope=tenant.scope(tenant.dispatcher), subscription_id=reg.subscription.pk)
        services.job_assign(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, company_id=tenant.company.pk)
        services.job_take(scope=installer, job_id=job.pk)
        when = datetime.combine(day, time(9, 30), tzinfo=rome)
        jobs.append(services.job_appointment(scope=installer, job_id=job.pk, when=when))

    sign_in(page, live_server.url, tenant.installer.email)
    go_to(page, "Appointments")
    expect(page.get_by_test_id("no-appointments")).to_be_visible()
    page.get_by_test_id("view-week").click()
    page.get_by_test_id("next").click()
    cards = page.get_by_test_id("appointment")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text(jobs[0].number)
    expect(cards.first).to_contain_text("09:30")
    # On the phone the days stand one under the other.
    first = page.get_by_test_id(f"day-{(monday + timedelta(days=7)).isoformat()}").bounding_box()
    second = page.get_by_test_id(f"day-{(monday + timedelta(days=8)).isoformat()}").bounding_box()
    assert first and second and second["y"] > first["y"] and second["x"] == first["x"]

    page.get_by_test_id("feeds").locator("summary").click()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    address = page.evaluate("navigator.clipboard.readText()")
    feed = page.request.get(address)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert sorted(str(e["uid"]) for e in events) == sorted(f"job-{j.pk}@localhost" for j in jobs)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("feed-renew").click()
    expect(page.get_by_role("status")).to_contain_text("Your calendar has a new address")
    assert page.request.get(address).status == 404
    assert page.get_by_test_id("feed-mine").input_value() != address
