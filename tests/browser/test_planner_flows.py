"""The planner in the browser: a work order to plan is dragged from the side list onto a technician's morning,
then to the next day, then onto another technician (a reassignment); the database says so each time. A drag the
service refuses (a double booking) comes back as a message and the work order stays where it was."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant, scope_of
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import WorkOrderStatus
from fieldbox.service.models import Booking, Resource, Team, WorkOrder
from fieldbox.service.services.work_orders import work_order_create, work_order_plan
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# Where on the calendar a lane (a person's column) shows a wall-clock time: found through the calendar's own
# dateFromPoint, first the column (across the middle of the grid), then the row.
FIND_SPOT = """([lane, wanted]) => {
  const element = document.getElementById("planner-calendar");
  const calendar = element.calendar;
  const pad = (n) => String(n).padStart(2, "0");
  const wall = (d) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const box = element.getBoundingClientRect();
  const fits = (info, whole) => info && (!lane || (info.resource && info.resource.id === lane)) &&
    (whole ? wall(info.date) === wanted : wall(info.date).slice(0, 10) === wanted.slice(0, 10));
  for (let y = box.top + 60; y < Math.min(box.bottom, innerHeight); y += 20) {
    for (let x = box.left + 2; x < box.right; x += 8) {
      if (!fits(calendar.dateFromPoint(x, y), false)) continue;
      for (let y2 = box.top; y2 < Math.min(box.bottom, innerHeight); y2 += 2) {
        if (fits(calendar.dateFromPoint(x + 10, y2), true)) return {x: x + 10, y: y2 + 4};
      }
    }
  }
  return null;
}"""


def spot(page: Page, lane: str, wanted: str) -> dict[str, float]:
    found = page.evaluate(FIND_SPOT, [lane, wanted])
    assert found, f"no place for {lane} at {wanted} on the calendar"
    return found


def drag_event(page: Page, event_id: str, to: dict[str, float]) -> None:
    """Drag an event of the calendar by the middle of its top line to a point (the mouse, as a planner does)."""
    box = page.get_by_test_id(f"event-{event_id}").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 6)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20, steps=4)
    page.mouse.move(to["x"], to["y"], steps=15)
    page.mouse.up()


def test_a_planner_plans_moves_and_reassigns_a_work_order_by_dragging_it(page: Page, live_server):
    tenant = make_tenant("alpha")
    org = tenant.company
    rome = ZoneInfo(org.time_zone)
    office = member(org, Role.OFFICE, email="ufficio@alpha.example", first_name="Sara", last_name="Conti")
    marco = member(org, Role.TECHNICIAN, email="marco@alpha.example", first_name="Marco", last_name="Bianchi")
    luca = member(org, Role.TECHNICIAN, email="luca@alpha.example", first_name="Luca", last_name="Neri")
    team = Team.objects.create(organisation=org, name="Squadra Nord")
    team.members.add(marco, luca)
    Resource.objects.create(organisation=org, name="Furgone 1")
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    scope = scope_of(office, org)
    order = work_order_create(
        scope=scope, customer_id=customer.pk, site_id=site.pk, description="Manutenzione caldaia", minutes=120
    )
    today = timezone.localtime(timezone.now(), rome).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)  # next week: always in the future
    tuesday = monday + timedelta(days=1)
    # Luca is busy on Tuesday morning with another work order.
    other = work_order_create(scope=scope, customer_id=customer.pk, description="Collaudo", minutes=60)
    work_order_plan(
        scope=scope,
        work_order_id=other.pk,
        starts_at=datetime.combine(tuesday, time(9), tzinfo=rome),
        technician_id=luca.pk,
    )

    page.set_viewport_size({"width": 1280, "height": 1500})
    sign_in(page, live_server.url, office.email)
    page.goto(f"{live_server.url}/desk/planner/?team={team.pk}&view=day&date={monday.isoformat()}")
    expect(page.get_by_test_id("planner-focus")).to_have_text("Squadra Nord")
    expect(page.locator(".ec-resource, .ec-time-grid").first).to_be_visible()

    # 1. From the side list onto Marco's column at 09:00.
    item = page.get_by_test_id(f"to-plan-{order.number}")
    target = spot(page, f"u-{marco.pk}", f"{monday.isoformat()}T09:00")
    calendar = page.get_by_test_id("calendar")
    box = calendar.bounding_box()
    assert box
    item.drag_to(calendar, target_position={"x": target["x"] - box["x"], "y": target["y"] - box["y"]})
    expect(page.get_by_test_id("planner-status")).to_contain_text(f"{order.number} planned on")
    expect(page.get_by_test_id(f"event-wo-{order.pk}")).to_be_visible()
    expect(item).to_have_count(0)
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.PLANNED and order.technician_id == marco.pk
    assert timezone.localtime(order.starts_at, rome) == datetime.combine(monday, time(9), tzinfo=rome)

    # 2. Marco's week: to Tuesday, same time.
    page.goto(f"{live_server.url}/desk/planner/?user={marco.pk}&view=week&date={monday.isoformat()}")
    expect(page.get_by_test_id("planner-focus")).to_have_text("Marco Bianchi")
    expect(page.get_by_test_id(f"event-wo-{order.pk}")).to_be_visible()
    drag_event(page, f"wo-{order.pk}", spot(page, "", f"{tuesday.isoformat()}T09:00"))
    expect(page.get_by_test_id("planner-status")).to_contain_text(f"{order.number} planned on")
    order.refresh_from_db()
    assert timezone.localtime(order.starts_at, rome) == datetime.combine(tuesday, time(9), tzinfo=rome)
    assert order.technician_id == marco.pk

    # 3. The team's Tuesday: onto Luca, busy at 09:00 — refused with the reason, the work order stays with Marco.
    page.goto(f"{live_server.url}/desk/planner/?team={team.pk}&view=day&date={tuesday.isoformat()}")
    expect(page.get_by_test_id(f"event-wo-{order.pk}")).to_be_visible()
    drag_event(page, f"wo-{order.pk}", spot(page, f"u-{luca.pk}", f"{tuesday.isoformat()}T09:00"))
    expect(page.get_by_test_id("planner-status")).to_contain_text(f"Luca Neri is on {other.number}")
    order.refresh_from_db()
    assert order.technician_id == marco.pk
    assert timezone.localtime(order.starts_at, rome) == datetime.combine(tuesday, time(9), tzinfo=rome)

    # 4. Onto Luca at 11:00, when he is free: reassigned.
    page.reload()
    expect(page.get_by_test_id(f"event-wo-{order.pk}")).to_be_visible()
    drag_event(page, f"wo-{order.pk}", spot(page, f"u-{luca.pk}", f"{tuesday.isoformat()}T11:00"))
    expect(page.get_by_test_id("planner-status")).to_contain_text(f"{order.number} planned on")
    order.refresh_from_db()
    assert order.technician_id == luca.pk
    assert timezone.localtime(order.starts_at, rome) == datetime.combine(tuesday, time(11), tzinfo=rome)
    assert set(Booking.objects.filter(work_order=order).values_list("user_id", flat=True)) == {luca.pk}
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.PLANNED
