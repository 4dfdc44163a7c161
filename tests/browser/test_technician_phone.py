"""The technician's phone at 360x740: the day's work order is accepted, started, its report written (times with the
"now" button, work done, a material, an expense), both signatures drawn on the screen, the report signed, and the
PDF e-mailed to the customer through the outbox."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import make_tenant, scope_of
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.checks.services import question_save
from fieldbox.jobs.models import Checklist
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.choices import ReportStatus, WorkOrderStatus
from fieldbox.service.models import ClockEvent, TimeEntry, WorkOrder, WorkReport, WorkType
from fieldbox.service.services.work_orders import work_order_create, work_order_move, work_order_plan
from tests.browser.test_accounts_flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = {"width": 360, "height": 740}
ROME = ZoneInfo("Europe/Rome")
SITE = {"latitude": 44.4949, "longitude": 11.3426}  # the customer's plant, where the phone is


def todays_work_order(checklist: bool = False) -> tuple[WorkOrder, str]:
    """A work order planned for Marco this hour (today on the organisation's clock), sent to him; with
    ``checklist``, of a type of work whose checklist has a required yes/no."""
    tenant = make_tenant("alpha")
    org = tenant.company
    work_type = None
    if checklist:
        admin = scope_of(tenant.company_admin, org)
        question_save(
            scope=admin,
            kind="work_order",
            checklist="Caldaia",
            label="Valvola controllata",
            type="check",
            required=True,
        )
        work_type = WorkType.objects.create(organisation=org, name="Manutenzione caldaia")
        work_type.checklists.set(Checklist.objects.filter(organisation=org, name="Caldaia"))
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(
        customer=customer,
        kind="plant",
        street="Via Roma 1",
        postcode="40121",
        city="Bologna",
        latitude=SITE["latitude"],
        longitude=SITE["longitude"],
    )
    office = member(org, Role.OFFICE, email="ufficio@alpha.example")
    marco = member(org, Role.TECHNICIAN, email="marco@alpha.example", first_name="Marco", last_name="Bianchi")
    desk = scope_of(office, org)
    order = work_order_create(
        scope=desk,
        customer_id=customer.pk,
        site_id=site.pk,
        description="Manutenzione caldaia",
        work_type_id=work_type.pk if work_type else None,
    )
    start = timezone.localtime(timezone.now(), ROME).replace(minute=0, second=0, microsecond=0)
    work_order_plan(scope=desk, work_order_id=order.pk, starts_at=start, minutes=90, technician_id=marco.pk)
    work_order_move(scope=desk, work_order_id=order.pk, action="send")
    return order, marco.email


def draw(pad: Locator, page: Page, shift: int = 0) -> None:
    """A signature drawn with the pointer across the pad."""
    pad.evaluate("canvas => canvas.scrollIntoView({block: 'center'})")
    box = pad.bounding_box()
    assert box is not None
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for step in range(1, 13):
        page.mouse.move(x + w * (0.1 + step * 0.065), y + h * (0.3 if (step + shift) % 2 else 0.75), steps=3)
    page.mouse.up()


def test_the_technician_accepts_starts_writes_and_signs_the_report_and_the_customer_gets_the_pdf(
    browser: Browser, live_server
):
    order, email = todays_work_order(checklist=True)
    context = browser.new_context(
        viewport=SCREEN,
        locale="en-GB",
        timezone_id="Europe/Rome",
        has_touch=True,
        geolocation={**SITE, "accuracy": 12},
        permissions=["geolocation"],
    )
    page = context.new_page()
    sign_in(page, live_server.url, email)

    page.goto(f"{live_server.url}/field/")
    first = page.get_by_test_id("next-action")
    expect(first).to_contain_text(order.number)
    navigate = "geo:44.494900,11.342600?q=44.494900,11.342600(Via%20Roma%201%2C%2040121%20Bologna)"
    expect(first.get_by_test_id("navigate")).to_have_attribute("href", navigate)  # by its coordinates
    first.get_by_test_id("accept").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Accepted")
    # Arrived: clocked in at the site by the phone's position.
    page.get_by_test_id("clock-button").click()
    expect(page.get_by_test_id("clock-state")).to_contain_text("Clocked in since")
    arrival = ClockEvent.objects.get(user__email=email)
    assert (arrival.kind, arrival.passed, arrival.work_order_id) == ("in", True, order.pk)
    assert arrival.distance is not None and arrival.distance < 50

    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("order-status")).to_have_text("In progress")
    expect(page.locator("[data-hook=clock-in]")).to_have_count(1)
    # The checklist of the type of work started with the work: its required yes/no is answered with one tap.
    checklist = page.get_by_test_id("checklist")
    expect(checklist.get_by_test_id("checklist-missing")).to_be_visible()
    checklist.get_by_role("checkbox", name="Valvola controllata").click()
    expect(page.get_by_test_id("checklist-complete")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Valvola controllata")).to_have_attribute("aria-checked", "true")
    page.get_by_test_id("report").click()

    arrival = timezone.localtime(timezone.now(), ROME) - timedelta(minutes=75)
    page.get_by_label("Arrival").fill(arrival.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("now-left_at").click()
    expect(page.get_by_label("Departure")).not_to_have_value("")
    page.get_by_label("Work done").fill("Sostituita la valvola di sicurezza, pulito il bruciatore.")
    line = page.get_by_test_id("material-line").first
    line.get_by_label("Material").fill("Valvola di sicurezza 3 bar")
    line.get_by_label("Quantity").fill("1")
    line.get_by_label("Use").select_option("used")
    page.get_by_text("Travel and expenses").click()  # folded while empty
    page.get_by_label("Travel time (minutes)").fill("25")
    expense = page.get_by_test_id("expense-line").first
    expense.get_by_label("Expense").select_option("parking")
    expense.get_by_label("Amount (€)").fill("2.50")
    page.get_by_test_id("save-sign").click()

    expect(page.get_by_role("heading", name="Signatures", exact=True)).to_be_visible()
    draw(page.get_by_test_id("pad-technician"), page)
    page.get_by_label("Technician's name").fill("Marco Bianchi")
    customer_pad = page.get_by_test_id("pad-customer")
    draw(customer_pad, page, shift=1)
    page.locator("[data-signature=id_customer_signature] [data-clear]").click()  # the customer wants to sign again
    page.get_by_label("Customer's name").fill("Anna Verdi")
    page.get_by_test_id("sign-report").click()
    expect(page.locator(".error-summary")).to_contain_text("signature is missing")
    assert WorkReport.objects.get(work_order=order).status == ReportStatus.DRAFT

    draw(page.get_by_test_id("pad-technician"), page)
    draw(page.get_by_test_id("pad-customer"), page, shift=1)
    page.get_by_test_id("sign-report").click()
    expect(page.get_by_test_id("report-status")).to_have_text("Signed")
    expect(page.locator(".messages")).to_contain_text("on its way to amministrazione@aurora.example")
    expect(page.get_by_test_id("pdf")).to_be_visible()

    report = WorkReport.objects.get(work_order=order)
    assert report.status == ReportStatus.SIGNED and len(report.content_hash) == 64
    assert report.content["customer_name"] == "Anna Verdi" and report.content["materials"][0]["quantity"] == "1.00"
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.DONE
    assert TimeEntry.objects.filter(report=report, work_order=order).count() == 1
    assert report.content["travel_minutes"] == 25 and report.content["expenses_total"] == "2.50"
    assert report.content["checklists"][0]["questions"][0]["value"] == "yes"
    mail = OutboxMessage.objects.get(kind="service.work_report")
    assert mail.recipient == "amministrazione@aurora.example"
    assert mail.data["attachments"][0]["name"] == f"work-report-{order.number}-v1.pdf"
    assert mail.data["attachments"][0]["mimetype"] == "application/pdf"
    context.close()
