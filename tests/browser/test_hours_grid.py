"""The admin in the browser: opens the worked-hours grid, opens a technician's day, corrects an entry (the reason
is asked for) and sees the new totals of the day and of the grid. The technician clocks in from the phone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant, scope_of
from fieldbox.core.models import AuditEvent
from fieldbox.service.models import ClockEvent
from fieldbox.service.services.clock import clock_point_save
from fieldbox.service.services.timesheets import entry_add
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
ROME = ZoneInfo("Europe/Rome")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=ROME)


def test_the_admin_corrects_a_technicians_hours_with_a_reason_and_sees_the_new_total(page: Page, live_server):
    tenant = make_tenant("alpha")
    marco = member(
        tenant.company, Role.TECHNICIAN, email="marco@alpha.example", first_name="Marco", last_name="Bianchi"
    )
    mine = scope_of(marco, tenant.company)
    entry_add(scope=mine, starts_at=at(8), ends_at=at(12), note="Caldaia")
    entry_add(scope=mine, starts_at=at(13), ends_at=at(17))

    sign_in(page, live_server.url, tenant.company_admin.email)
    page.goto(f"{live_server.url}/desk/hours/?day=2026-12-09")
    expect(page.get_by_test_id(f"row-total-{marco.pk}")).to_have_text("8:00")
    expect(page.get_by_test_id("grand-total")).to_have_text("8:00")
    page.get_by_test_id(f"cell-{marco.pk}-2026-12-07").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Marco Bianchi")
    expect(page.get_by_test_id("day-total")).to_have_text("8:00")
    first = page.get_by_test_id("entry").first
    expect(first).to_contain_text("08:00\u201312:00")
    first.get_by_test_id("change").click()
    first.get_by_label("To").fill("11:30")
    first.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_test_id("error-summary").or_(page.locator(".errors").first)).to_contain_text(
        "Say why you change someone else's hours."
    )
    expect(page.get_by_test_id("day-total")).to_have_text("8:00")

    first = page.get_by_test_id("entry").first
    first.get_by_label("To").fill("11:30")
    first.get_by_label("Why you change it").fill("Uscito alle 11:30")
    first.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".messages")).to_contain_text("Hours corrected.")
    expect(page.get_by_test_id("day-total")).to_have_text("7:30")
    expect(page.get_by_test_id("entry").first).to_contain_text("08:00\u201311:30")

    page.get_by_role("link", name="← Hours").click()
    expect(page.get_by_test_id(f"row-total-{marco.pk}")).to_have_text("7:30")
    expect(page.get_by_test_id("day-total-2026-12-07")).to_have_text("7:30")
    assert AuditEvent.objects.get(action="time_entry.change").reason == "Uscito alle 11:30"


def test_a_technician_clocks_in_from_the_phone_far_away_then_at_the_office_and_without_location(
    page: Page, live_server, browser
):
    tenant = make_tenant("alpha")
    marco = member(
        tenant.company, Role.TECHNICIAN, email="marco@alpha.example", first_name="Marco", last_name="Bianchi"
    )
    admin = scope_of(tenant.company_admin, tenant.company)
    clock_point_save(scope=admin, name="Sede Bologna", latitude="44.494900", longitude="11.342600")

    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 44.5129, "longitude": 11.3426, "accuracy": 10})
    sign_in(page, live_server.url, marco.email)
    page.goto(f"{live_server.url}/desk/clock/attendance/")
    expect(page.get_by_test_id("clock-state")).to_have_text("Not clocked in today.")
    page.get_by_test_id("clock-button").click()
    expect(page.locator(".messages")).to_contain_text("You are 2.0 km from Sede Bologna: clock in within 150 m of it.")
    expect(page.get_by_test_id("refused")).to_have_count(1)

    page.context.set_geolocation({"latitude": 44.4950, "longitude": 11.3426, "accuracy": 10})
    page.get_by_test_id("clock-button").click()
    expect(page.locator(".messages")).to_contain_text("Clocked in at")
    expect(page.get_by_test_id("clock-button")).to_have_text("Clock out")
    assert ClockEvent.objects.filter(user=marco, passed=True, distance=11).count() == 1

    # A browser that refuses the location: the phone says so and offers to send without it.
    other = browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    phone = other.new_page()
    sign_in(phone, live_server.url, marco.email)
    phone.goto(f"{live_server.url}/desk/clock/attendance/")
    phone.get_by_test_id("clock-button").click()
    expect(phone.get_by_test_id("clock-status")).to_contain_text("Location is not allowed in this browser.")
    phone.get_by_role("button", name="Send without my position").click()
    expect(phone.locator(".messages")).to_contain_text("Your position is not known")
    other.close()
    assert ClockEvent.objects.filter(user=marco).count() == 3
