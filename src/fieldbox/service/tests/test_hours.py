"""Hours: a person enters and corrects their own, an admin everyone's with a reason; overlapping hours and hours
longer than a day are refused with nothing changed; the grid adds them up per person and per day; the XLSX export
says the same; planned vs worked per work order and per call; another organisation sees nothing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.tests.test_api import bearer, get, post
from fieldbox.service import selectors_hours as hours
from fieldbox.service.choices import TimeKind
from fieldbox.service.models import Team, Ticket, TimeEntry, WorkOrder
from fieldbox.service.services.timesheets import entry_add, entry_change, entry_delete
from fieldbox.service.services.work_orders import work_order_create

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


@dataclass
class Shop:
    admin: User
    office: User
    marco: User
    luca: User
    customer: Customer
    site: CustomerAddress

    def scope(self, user: User):
        return scope_of(user, self.customer.organisation)


@pytest.fixture
def shop(tenant) -> Shop:
    org = tenant.company
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    return Shop(
        admin=tenant.company_admin,
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi"),
        luca=member(org, Role.TECHNICIAN, email="luca@rossi.example", first_name="Luca", last_name="Neri"),
        customer=customer,
        site=CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna"),
    )


def enter(shop: Shop, who: User, start: datetime, end: datetime, **kw) -> TimeEntry:
    return entry_add(scope=shop.scope(kw.pop("by", who)), starts_at=start, ends_at=end, **kw)


def order(shop: Shop, minutes: int = 120, ticket: Ticket | None = None) -> WorkOrder:
    made = work_order_create(
        scope=shop.scope(shop.office),
        customer_id=shop.customer.pk,
        site_id=shop.site.pk,
        description="Manutenzione caldaia",
        minutes=minutes,
        ticket_id=ticket.pk if ticket else None,
    )
    return made


def test_a_technician_enters_hours_and_overlapping_or_too_long_hours_are_refused_with_nothing_changed(shop):
    first = enter(shop, shop.marco, at(7, 8), at(7, 12, 30), note="Caldaia")
    assert (first.minutes, first.day, first.user_id, first.kind) == (270, date(2026, 12, 7), shop.marco.pk, "work")
    assert AuditEvent.objects.filter(action="time_entry.add", object_id=str(first.pk)).exists()

    with pytest.raises(ValidationError) as refused:
        enter(shop, shop.marco, at(7, 12), at(7, 14))
    assert "overlap" in str(refused.value) and "08:00-12:30" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        enter(shop, shop.marco, at(8, 6), at(9, 7))
    assert "at most a day" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        enter(shop, shop.marco, at(8, 10), at(8, 9))
    assert "after the start" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        enter(shop, shop.marco, at(8, 9), at(8, 10), kind="sleeping")
    assert "kind" in refused.value.message_dict
    assert TimeEntry.objects.count() == 1

    # A correction that would overlap is refused too, and the entry stays as it was.
    second = enter(shop, shop.marco, at(7, 13), at(7, 17))
    with pytest.raises(ValidationError):
        entry_change(scope=shop.scope(shop.marco), entry_id=second.pk, starts_at=at(7, 12))
    second.refresh_from_db()
    assert (second.starts_at, second.minutes) == (at(7, 13), 240)
    # Back to back is fine; someone else may work at the same time.
    enter(shop, shop.marco, at(7, 12, 30), at(7, 13), kind=TimeKind.TRAVEL, billable=False)
    enter(shop, shop.luca, at(7, 8), at(7, 12))


def test_someone_elses_hours_only_by_an_admin_and_with_a_reason(shop):
    lucas = enter(shop, shop.luca, at(7, 8), at(7, 12))
    with pytest.raises(PermissionDenied):
        enter(shop, shop.luca, at(7, 13), at(7, 14), by=shop.marco, user_id=shop.luca.pk)
    with pytest.raises(TimeEntry.DoesNotExist):  # another person's hours do not exist for a technician
        entry_change(scope=shop.scope(shop.marco), entry_id=lucas.pk, note="mine now")
    with pytest.raises(TimeEntry.DoesNotExist):
        entry_delete(scope=shop.scope(shop.marco), entry_id=lucas.pk)
    with pytest.raises(TimeEntry.DoesNotExist):  # the office plans work but does not correct hours
        entry_change(scope=shop.scope(shop.office), entry_id=lucas.pk, note="x", reason="why not")

    with pytest.raises(ValidationError) as refused:
        entry_change(scope=shop.scope(shop.admin), entry_id=lucas.pk, ends_at=at(7, 11))
    assert "reason" in refused.value.message_dict
    lucas.refresh_from_db()
    assert lucas.minutes == 240

    entry_change(scope=shop.scope(shop.admin), entry_id=lucas.pk, ends_at=at(7, 11), reason="Uscito alle 11")
    lucas.refresh_from_db()
    assert lucas.minutes == 180
    event = AuditEvent.objects.get(action="time_entry.change", object_id=str(lucas.pk))
    assert event.reason == "Uscito alle 11" and event.actor == shop.admin
    assert event.data["before"]["minutes"] == 240 and event.data["after"]["minutes"] == 180

    added = enter(shop, shop.luca, at(8, 8), at(8, 9), by=shop.admin, user_id=shop.luca.pk, reason="Dimenticato")
    assert added.user_id == shop.luca.pk and added.created_by_id == shop.admin.pk
    with pytest.raises(ValidationError):
        entry_delete(scope=shop.scope(shop.admin), entry_id=added.pk)
    entry_delete(scope=shop.scope(shop.admin), entry_id=added.pk, reason="Doppio")
    assert not TimeEntry.objects.filter(pk=added.pk).exists()
    assert AuditEvent.objects.get(action="time_entry.delete").reason == "Doppio"
    # One's own hours need no reason.
    own = enter(shop, shop.marco, at(9, 8), at(9, 9))
    entry_delete(scope=shop.scope(shop.marco), entry_id=own.pk)


def test_the_grid_adds_up_per_person_and_per_day_in_a_few_queries(shop, django_assert_max_num_queries):
    enter(shop, shop.marco, at(7, 8), at(7, 12))
    enter(shop, shop.marco, at(7, 13), at(7, 17, 30))
    enter(shop, shop.marco, at(9, 8), at(9, 10))
    enter(shop, shop.luca, at(7, 9), at(7, 10))
    enter(shop, shop.luca, at(14, 9), at(14, 10))  # the next week

    admin = shop.scope(shop.admin)
    assert admin.organisation.time_zone == "Europe/Rome"
    with django_assert_max_num_queries(2):  # the people, the sums
        table = hours.grid(admin, "week", date(2026, 12, 9))
    assert (table.start, table.end) == (date(2026, 12, 7), date(2026, 12, 13))
    rows = {r.person.pk: r for r in table.rows}
    assert rows[shop.marco.pk].total == 8 * 60 + 30 + 120 and rows[shop.marco.pk].total_label == "10:30"
    assert [c.minutes for c in rows[shop.marco.pk].cells][:3] == [510, 0, 120]
    assert rows[shop.luca.pk].total == 60
    assert [c.minutes for c in table.day_totals][:3] == [570, 0, 120]
    assert table.total == 690

    mine = hours.grid(shop.scope(shop.marco), "month", date(2026, 12, 1))
    assert [r.person for r in mine.rows] == [shop.marco]
    assert len(mine.days) == 31 and mine.total == 630


def test_the_grid_page_shows_a_technician_their_row_and_an_admin_everyone(shop):
    enter(shop, shop.marco, at(7, 8), at(7, 12))
    enter(shop, shop.luca, at(7, 9), at(7, 10))
    url = reverse("service:hours") + "?day=2026-12-07"
    page = signed_in(shop.marco).get(url).content.decode()
    assert "4:00" in page and "Luca Neri" not in page
    page = signed_in(shop.admin).get(url).content.decode()
    assert "Luca Neri" in page and "Marco Bianchi" in page and 'data-testid="grand-total">5:00<' in page

    # A technician may not open someone else's day; an admin may.
    lucas_day = reverse("service:hours_day", args=[shop.luca.pk, "2026-12-07"])
    assert signed_in(shop.marco).get(lucas_day).status_code == 404
    assert "9:00" in signed_in(shop.admin).get(lucas_day).content.decode()


def test_the_day_page_adds_corrects_and_deletes_hours(shop):
    client = signed_in(shop.marco)
    url = reverse("service:hours_day", args=[shop.marco.pk, "2026-12-07"])
    made = client.post(url, {"starts": "08:00", "ends": "12:00", "kind": "work", "billable": "on", "note": "Caldaia"})
    assert made.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.starts_at, entry.ends_at, entry.billable) == (at(7, 8), at(7, 12), True)

    refused = client.post(url, {"starts": "11:00", "ends": "13:00", "kind": "work"})
    assert refused.status_code == 400 and "overlap" in refused.content.decode()
    refused = client.post(url, {"starts": "11:00", "ends": "10:00", "kind": "work"})
    assert refused.status_code == 400 and "The end must come after the start." in refused.content.decode()
    refused = client.post(url, {"starts": "13:00", "ends": "14:00", "kind": "work", "call": "T9999999"})
    assert refused.status_code == 400 and "No call with this number." in refused.content.decode()
    assert TimeEntry.objects.count() == 1

    change = reverse("service:hours_entry", args=[entry.pk])
    assert (
        client.post(
            change, {f"e{entry.pk}-starts": "08:30", f"e{entry.pk}-ends": "12:00", f"e{entry.pk}-kind": "remote"}
        ).status_code
        == 302
    )
    entry.refresh_from_db()
    assert (entry.minutes, entry.kind, entry.billable) == (210, "remote", False)

    # The admin corrects it: the reason is asked for.
    admin = signed_in(shop.admin)
    data = {f"e{entry.pk}-starts": "08:30", f"e{entry.pk}-ends": "11:00", f"e{entry.pk}-kind": "work"}
    refused = admin.post(change, data)
    assert refused.status_code == 400 and "Say why you change someone else" in refused.content.decode()
    assert admin.post(change, {**data, f"e{entry.pk}-reason": "Errore"}).status_code == 302
    entry.refresh_from_db()
    assert entry.minutes == 150

    delete = reverse("service:hours_entry_delete", args=[entry.pk])
    admin.post(delete, {})
    assert TimeEntry.objects.filter(pk=entry.pk).exists()
    client.post(delete, {})
    assert not TimeEntry.objects.filter(pk=entry.pk).exists()


def test_the_xlsx_export_holds_the_grid_and_the_entries_safe_from_formulas(shop):
    enter(shop, shop.marco, at(7, 8), at(7, 12, 30), note='=HYPERLINK("http://evil")')
    enter(shop, shop.luca, at(8, 9), at(8, 10))
    response = signed_in(shop.admin).get(reverse("service:hours") + "?day=2026-12-07&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == hours.XLSX
    assert 'filename="hours-2026-12-07-2026-12-13.xlsx"' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    grid_sheet, entries = book.worksheets
    rows = list(grid_sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Person" and rows[0][1] == "2026-12-07" and rows[0][-1] == "Total"
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Marco Bianchi"][1] == 4.5 and by_name["Marco Bianchi"][-1] == 4.5
    assert by_name["Total"][-1] == 5.5
    lines = list(entries.iter_rows(values_only=True))
    notes = [line[-1] for line in lines[1:]]
    assert '\'=HYPERLINK("http://evil")' in notes

    # A technician's export holds their own hours only.
    mine = signed_in(shop.marco).get(reverse("service:hours") + "?day=2026-12-07&format=xlsx")
    names = [r[0] for r in load_workbook(io.BytesIO(mine.content)).worksheets[0].iter_rows(values_only=True)]
    assert "Luca Neri" not in names and "Marco Bianchi" in names


def test_planned_vs_worked_per_work_order_and_per_call_across_its_work_orders(shop):
    org = shop.customer.organisation
    team = Team.objects.create(organisation=org, name="Assistenza")
    ticket = Ticket.objects.create(
        organisation=org, team=team, customer=shop.customer, number="T0000001", subject="Caldaia"
    )
    first, second = order(shop, 120, ticket), order(shop, 60, ticket)
    enter(shop, shop.marco, at(7, 8), at(7, 9, 30), work_order_id=first.pk)
    enter(shop, shop.luca, at(7, 8), at(7, 9), work_order_id=first.pk, billable=False)
    enter(shop, shop.marco, at(8, 8), at(8, 8, 30), work_order_id=second.pk)
    enter(shop, shop.marco, at(8, 9), at(8, 9, 15), ticket_id=ticket.pk)  # on the call itself

    _order, worked = hours.work_order_hours(shop.scope(shop.office), first.pk)
    assert (worked.planned, worked.worked, worked.billable, worked.difference) == (120, 150, 90, 30)
    assert worked.people == [("Marco Bianchi", 90), ("Luca Neri", 60)]
    assert TimeEntry.objects.filter(work_order=first).first().ticket_id == ticket.pk  # the call comes along

    report = hours.ticket_hours(shop.scope(shop.office), ticket.pk)
    assert [(o.pk, w.worked) for o, w in report.orders] == [(first.pk, 150), (second.pk, 30)]
    assert report.on_call == 15
    assert (report.total.planned, report.total.worked, report.total.billable) == (180, 195, 135)

    page = signed_in(shop.marco).get(reverse("service:work_order_hours", args=[first.pk])).content.decode()
    assert 'data-testid="planned">2:00<' in page and 'data-testid="worked">2:30<' in page
    page = signed_in(shop.office).get(reverse("service:ticket_hours", args=[ticket.pk])).content.decode()
    assert 'data-testid="worked">3:15<' in page

    with pytest.raises(ValidationError) as refused:
        enter(shop, shop.marco, at(9, 8), at(9, 9), work_order_id=first.pk, ticket_id=999999)
    assert "ticket_id" in refused.value.message_dict


def test_the_api_lists_enters_corrects_and_deletes_hours(shop, tenant):
    auth = bearer(tenant, tenant.company_admin)
    made = post(
        "/hours/entries",
        auth,
        {"starts_at": "2026-12-07T08:00:00+01:00", "ends_at": "2026-12-07T12:00:00+01:00", "user_id": shop.marco.pk},
    )
    assert made.status_code == 422 and made.json()["errors"][0]["field"] == "reason"
    made = post(
        "/hours/entries",
        auth,
        {
            "starts_at": "2026-12-07T08:00:00+01:00",
            "ends_at": "2026-12-07T12:00:00+01:00",
            "user_id": shop.marco.pk,
            "type": "travel",
            "reason": "Dal telefono",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["minutes"], body["type"], body["user_id"], body["day"]) == (240, "travel", shop.marco.pk, "2026-12-07")
    overlap = post(
        "/hours/entries",
        auth,
        {
            "starts_at": "2026-12-07T11:00:00+01:00",
            "ends_at": "2026-12-07T13:00:00+01:00",
            "user_id": shop.marco.pk,
            "reason": "x",
        },
    )
    assert overlap.status_code == 422 and overlap.json()["errors"][0]["field"] == "starts_at"

    from django.test import Client

    changed = Client().patch(
        f"/api/v1/hours/entries/{body['id']}",
        {"ends_at": "2026-12-07T11:00:00+01:00", "reason": "Corretto"},
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200 and changed.json()["minutes"] == 180
    grid = get("/hours/grid", auth, day="2026-12-07").json()
    row = next(r for r in grid["rows"] if r["user_id"] == shop.marco.pk)
    assert row["minutes"][0] == 180 and grid["total"] == 180
    listed = get("/hours/entries", auth, user_id=shop.marco.pk).json()
    assert [e["id"] for e in listed["items"]] == [body["id"]]
    assert get("/hours/entries", auth, **{"from": "2026-12-08"}).json()["items"] == []
    assert len(get("/hours/entries", auth, **{"from": "2026-12-07", "to": "2026-12-07"}).json()["items"]) == 1
    gone = Client().delete(f"/api/v1/hours/entries/{body['id']}?reason=Doppio", **auth)
    assert gone.status_code == 204 and not TimeEntry.objects.exists()


def test_another_organisation_sees_none_of_the_hours(shop, other_tenant):
    entry = enter(shop, shop.marco, at(7, 8), at(7, 12))
    work_order = order(shop)
    stranger = signed_in(other_tenant.company_admin)
    assert stranger.get(reverse("service:hours_day", args=[shop.marco.pk, "2026-12-07"])).status_code == 404
    assert stranger.post(reverse("service:hours_entry", args=[entry.pk]), {}).status_code == 404
    assert stranger.post(reverse("service:hours_entry_delete", args=[entry.pk]), {}).status_code == 404
    assert stranger.get(reverse("service:work_order_hours", args=[work_order.pk])).status_code == 404
    page = stranger.get(reverse("service:hours") + "?day=2026-12-07").content.decode()
    assert "Marco Bianchi" not in page and "4:00" not in page
    export = stranger.get(reverse("service:hours") + "?day=2026-12-07&format=xlsx")
    names = [r[0] for r in load_workbook(io.BytesIO(export.content)).worksheets[1].iter_rows(values_only=True)]
    assert names == ["Person"]

    auth = bearer(other_tenant, other_tenant.company_admin)
    assert get("/hours/entries", auth).json()["items"] == []
    assert get(f"/hours/work-orders/{work_order.pk}", auth).status_code == 404
    from django.test import Client

    assert Client().delete(f"/api/v1/hours/entries/{entry.pk}?reason=x", **auth).status_code == 404
    answer = post(
        "/hours/entries",
        auth,
        {
            "starts_at": "2026-12-07T08:00:00+01:00",
            "ends_at": "2026-12-07T09:00:00+01:00",
            "user_id": shop.marco.pk,
            "reason": "x",
        },
    )
    assert answer.status_code == 422
    assert TimeEntry.objects.count() == 1
