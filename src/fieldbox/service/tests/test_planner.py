"""The planners' calendars: who is busy when (work orders and activities), what is left to plan, who is free; the
drag and drop that goes through the planning service and is told why it is refused; the activity planner's
activities, which book their person or resource like a work order does; another organisation sees nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.tests.test_api import bearer, get, post
from fieldbox.service import selectors_planner as planner
from fieldbox.service.choices import ActivityKind, WorkOrderStatus
from fieldbox.service.models import Activity, Booking, Resource, Team, WorkOrder
from fieldbox.service.services.activities import activity_delete, activity_save
from fieldbox.service.services.verification import verify_work_order
from fieldbox.service.services.work_orders import work_order_answer, work_order_move
from fieldbox.service.tests.test_work_orders import Shop, at, new, plan

pytestmark = pytest.mark.django_db
W = WorkOrderStatus
DEC_7 = date(2026, 12, 7)


@pytest.fixture
def shop(tenant) -> Shop:
    """The office, two technicians (Marco Bianchi, Luca Neri), an admin, a van, a customer with a site in Bologna
    (as in test_work_orders)."""
    org = tenant.company
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    return Shop(
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi"),
        luca=member(org, Role.TECHNICIAN, email="luca@rossi.example", first_name="Luca", last_name="Neri"),
        admin=tenant.company_admin,
        van=Resource.objects.create(organisation=org, name="Furgone 1", code="FG123AB"),
        customer=customer,
        site=CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna"),
    )


@pytest.fixture
def team(shop: Shop) -> Team:
    squad = Team.objects.create(organisation=shop.van.organisation, name="Squadra Nord")
    squad.members.add(shop.marco, shop.luca)
    return squad


def leave(shop: Shop, who=None, start=None, end=None, **kw) -> Activity:
    return activity_save(
        scope=shop.scope(shop.office),
        kind=kw.pop("kind", ActivityKind.LEAVE),
        starts_at=start or at(7, 14),
        ends_at=end or at(7, 18),
        user_id=(who or shop.luca).pk,
        **kw,
    )


def events(shop: Shop, **filters):
    return planner.events(shop.scope(shop.office), DEC_7, DEC_7 + timedelta(days=7), **filters)


# ---- Selectors ----------------------------------------------------------------------------------------------


def test_a_team_sees_its_members_work_orders_and_activities_and_nothing_else_of_the_range(shop, team):
    first = plan(shop, new(shop), at(7, 9), helpers=[shop.luca])
    plan(shop, new(shop), at(21, 9))  # two weeks later: out of the range
    cancelled = plan(shop, new(shop), at(8, 9), van=False)
    work_order_move(scope=shop.scope(shop.office), work_order_id=cancelled.pk, action="cancel", reason="Rinvio")
    new(shop)  # to plan: on the side list, not in the calendar
    off = leave(shop)

    rows = events(shop, team_id=team.pk)
    assert [r["id"] for r in rows] == [f"wo-{first.pk}", f"act-{off.pk}"]
    work = rows[0]
    assert work["number"] == first.number and work["status"] == W.PLANNED and work["movable"]
    assert sorted(work["people"]) == sorted([shop.marco.pk, shop.luca.pk]) and work["resources"] == [shop.van.pk]
    assert work["lead_id"] == shop.marco.pk and "Condominio Aurora" in work["title"] and "Bologna" in work["title"]
    assert rows[1]["people"] == [shop.luca.pk] and rows[1]["title"] == "Leave"

    # One technician's calendar, one resource's.
    assert [r["id"] for r in events(shop, user_ids=[shop.luca.pk], resource_ids=[])] == [
        f"wo-{first.pk}",
        f"act-{off.pk}",
    ]
    assert [r["id"] for r in events(shop, user_ids=[], resource_ids=[shop.van.pk])] == [f"wo-{first.pk}"]


def test_the_team_month_reads_in_a_handful_of_queries_whatever_the_number_of_work_orders(shop, team):
    last: list[str] = []

    def seen_sql() -> list[str]:
        return last

    def month_queries() -> int:
        scope = shop.scope(shop.office)
        with CaptureQueriesContext(connection) as seen:
            rows = planner.events(scope, date(2026, 12, 1), date(2027, 1, 1), team_id=team.pk)
        last[:] = [q["sql"][:120] for q in seen.captured_queries]
        return len(seen.captured_queries), len(rows)

    plan(shop, new(shop), at(1, 8), minutes=30)
    leave(shop, start=at(2, 8), end=at(2, 9))
    few, shown = month_queries()
    for day in range(3, 25):
        plan(shop, new(shop), at(day, 8), helpers=[shop.luca], minutes=30)
        leave(shop, start=at(day, 10), end=at(day, 11))
    many, shown_many = month_queries()
    assert shown == 2 and shown_many == 2 + 2 * 22
    assert many == few <= 6, seen_sql()


def test_the_side_list_holds_what_to_plan_declined_first_with_who_declined_and_why(shop):
    waiting = new(shop, "Sostituzione valvola")
    sent = plan(shop, new(shop), at(9, 9))
    work_order_move(scope=shop.scope(shop.office), work_order_id=sent.pk, action="send")
    work_order_answer(scope=shop.scope(shop.marco), work_order_id=sent.pk, accept=False, reason="Sono in ferie")

    rows = planner.to_plan(shop.scope(shop.office))
    assert [r["number"] for r in rows] == [sent.number, waiting.number]
    assert rows[0]["status"] == W.DECLINED and rows[0]["declined"] == ["Marco Bianchi: Sono in ferie"]
    assert rows[1]["customer"] == "Condominio Aurora" and rows[1]["city"] == "Bologna"


def test_who_is_free_shows_each_persons_and_resources_free_windows_of_the_working_day(shop, team):
    plan(shop, new(shop), at(7, 9), helpers=[shop.luca])  # 09:00-11:00 with the van
    leave(shop, start=at(7, 14), end=at(7, 18))  # Luca's afternoon
    rows = {r["id"]: r for r in planner.free(shop.scope(shop.office), DEC_7, team.pk)}
    assert set(rows) == {f"u-{shop.marco.pk}", f"u-{shop.luca.pk}", f"r-{shop.van.pk}"}
    assert planner.describe_free(rows[f"u-{shop.marco.pk}"]) == "08:00\u201309:00, 11:00\u201318:00"
    assert planner.describe_free(rows[f"u-{shop.luca.pk}"]) == "08:00\u201309:00, 11:00\u201314:00"
    assert rows[f"u-{shop.luca.pk}"]["free_minutes"] == 4 * 60
    order = list(planner.free(shop.scope(shop.office), DEC_7, team.pk))
    assert order[0]["id"] == f"u-{shop.marco.pk}"  # the most free first


# ---- Activities ---------------------------------------------------------------------------------------------


def test_an_activity_books_its_person_and_a_clash_is_refused_with_who_is_busy_with_what(shop):
    order = plan(shop, new(shop), at(7, 9))  # Marco 09:00-11:00
    with pytest.raises(ValidationError) as refused:
        leave(shop, who=shop.marco, start=at(7, 10), end=at(7, 12), kind=ActivityKind.TRAINING)
    assert f"Marco Bianchi is on {order.number}" in str(refused.value)
    assert not Activity.objects.exists()

    course = leave(shop, who=shop.marco, start=at(7, 11), end=at(7, 13), kind=ActivityKind.TRAINING, title="Gas")
    assert Booking.objects.get(activity=course).busy
    # Now a work order cannot take Marco meanwhile, and is told why.
    with pytest.raises(ValidationError) as refused:
        plan(shop, new(shop), at(7, 12), van=False)
    assert "Marco Bianchi is on Gas" in str(refused.value)  # the activity's title, else its kind

    moved = activity_save(
        scope=shop.scope(shop.office),
        activity_id=course.pk,
        kind=ActivityKind.MEETING,
        title="Riunione",
        starts_at=at(7, 14),
        ends_at=at(7, 15),
        user_id=shop.luca.pk,
    )
    booking = Booking.objects.get(activity=moved)
    assert (booking.user_id, booking.starts_at, booking.ends_at) == (shop.luca.pk, at(7, 14), at(7, 15))
    assert plan(shop, new(shop), at(7, 12), van=False).status == W.PLANNED  # Marco is free again at noon

    actions = list(
        AuditEvent.objects.filter(object_type="service.activity").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["activity.create", "activity.change"]
    activity_delete(scope=shop.scope(shop.office), activity_id=moved.pk)
    assert not Booking.objects.filter(activity_id=moved.pk).exists() and not Activity.objects.exists()
    assert AuditEvent.objects.filter(object_type="service.activity", action="activity.delete").exists()


def test_bad_activities_are_refused_naming_the_field_and_change_nothing(shop):
    scope = shop.scope(shop.office)
    cases = [
        ({"kind": "holiday"}, "kind"),
        ({"ends_at": at(7, 8)}, "ends_at"),
        ({"ends_at": at(7, 9) + timedelta(days=40)}, "ends_at"),
        ({"starts_at": at(7, 9).replace(tzinfo=None)}, "starts_at"),
        ({"user_id": None}, "user_id"),
        ({"resource_id": shop.van.pk}, "user_id"),  # a person and a resource at once
        ({"kind": ActivityKind.UPKEEP}, "kind"),  # a person is not in upkeep
        ({"title": "x" * 201}, "title"),
    ]
    for change, field in cases:
        fields = {"kind": ActivityKind.OFFICE, "starts_at": at(7, 9), "ends_at": at(7, 10), "user_id": shop.marco.pk}
        with pytest.raises(ValidationError) as refused:
            activity_save(scope=scope, **(fields | change))
        assert field in refused.value.message_dict, (change, refused.value.message_dict)
    with pytest.raises(ValidationError) as refused:  # a van is taken by its upkeep, not by training
        activity_save(scope=scope, kind="training", starts_at=at(7, 9), ends_at=at(7, 10), resource_id=shop.van.pk)
    assert "kind" in refused.value.message_dict
    assert not Activity.objects.exists() and not Booking.objects.exists()

    upkeep = activity_save(scope=scope, kind="upkeep", starts_at=at(7, 8), ends_at=at(7, 12), resource_id=shop.van.pk)
    with pytest.raises(ValidationError) as refused:
        plan(shop, new(shop), at(7, 9))
    assert "Furgone 1 is on Upkeep" in str(refused.value)
    assert Booking.objects.get(activity=upkeep).resource_id == shop.van.pk


def test_only_planners_change_activities_and_another_organisation_sees_none(shop, other_tenant):
    off = leave(shop)
    with pytest.raises(PermissionDenied):
        activity_save(
            scope=shop.scope(shop.marco),
            kind="office",
            starts_at=at(8, 9),
            ends_at=at(8, 10),
            user_id=shop.marco.pk,
        )
    outsider = scope_of(other_tenant.company_admin, other_tenant.company)
    with pytest.raises(ObjectDoesNotExist):
        activity_delete(scope=outsider, activity_id=off.pk)
    with pytest.raises(ValidationError):  # someone else's person
        activity_save(scope=outsider, kind="office", starts_at=at(8, 9), ends_at=at(8, 10), user_id=shop.marco.pk)
    assert planner.events(outsider, DEC_7, DEC_7 + timedelta(days=7)) == []
    assert Activity.objects.filter(pk=off.pk).exists()


@pytest.mark.postgres
def test_the_database_refuses_an_activity_the_service_did_not_see_and_the_planner_is_told_why(shop, monkeypatch):
    from fieldbox.service.services import activities

    order = plan(shop, new(shop), at(10, 9))
    real = activities.clashes
    calls = []

    def blind_once(*args, **kwargs):  # another planner booked meanwhile: the first look sees nothing
        calls.append(1)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(activities, "clashes", blind_once)
    with pytest.raises(ValidationError) as refused:
        leave(shop, who=shop.marco, start=at(10, 10), end=at(10, 11))
    assert f"Marco Bianchi is on {order.number}" in str(refused.value)
    assert not Activity.objects.exists()


# ---- The planner's pages ------------------------------------------------------------------------------------


def _move(client, order: WorkOrder, **fields):
    return client.post(f"/desk/planner/work-orders/{order.pk}/plan/", fields, HTTP_ACCEPT="application/json")


def test_the_planner_drags_plans_moves_and_reassigns_through_the_planning_service(shop, team):
    office = signed_in(shop.office)
    waiting = new(shop)
    page = office.get(f"/desk/planner/?team={team.pk}&view=week&date=2026-12-07")
    assert page.status_code == 200 and waiting.number in page.content.decode()
    config = json.loads(page.content.decode().split('id="planner-config" type="application/json">')[1].split("<")[0])
    assert {lane["id"] for lane in config["lanes"]} == {f"u-{shop.marco.pk}", f"u-{shop.luca.pk}", f"r-{shop.van.pk}"}
    assert config["canChange"] and config["views"]["month"] == "resourceTimelineMonth"

    # From the side list onto Marco's row at 09:00 (the organisation's clock).
    answer = _move(office, waiting, start="2026-12-07T09:00", to=f"u-{shop.marco.pk}")
    assert answer.status_code == 200, answer.content
    waiting.refresh_from_db()
    assert (waiting.status, waiting.starts_at, waiting.technician_id) == (W.PLANNED, at(7, 9), shop.marco.pk)
    assert "planned on 07/12 at 09:00" in answer.json()["message"]

    listed = office.get(f"/desk/planner/events/?start=2026-12-07&end=2026-12-14&team={team.pk}").json()
    assert [(e["id"], e["start"], e["resourceIds"]) for e in listed] == [
        (f"wo-{waiting.pk}", "2026-12-07T09:00:00", [f"u-{shop.marco.pk}"])
    ]
    assert listed[0]["startEditable"] is True

    # To another day, then to Luca (from Marco's row to Luca's).
    assert _move(office, waiting, start="2026-12-08T10:30", minutes="90").status_code == 200
    waiting.refresh_from_db()
    assert (waiting.starts_at, waiting.minutes) == (at(8, 10, 30), 90)
    moved = _move(office, waiting, start="2026-12-08T10:30", to=f"u-{shop.luca.pk}", **{"from": f"u-{shop.marco.pk}"})
    assert moved.status_code == 200
    waiting.refresh_from_db()
    assert waiting.technician_id == shop.luca.pk
    assert set(Booking.objects.filter(work_order=waiting).values_list("user_id", flat=True)) == {shop.luca.pk}

    # Back to Marco (dragged from the lead's row); then with Luca helping, Luca's copy dropped on Marco's row is
    # refused: Marco is already on it (nothing merged silently).
    back = _move(office, waiting, start="2026-12-08T10:30", to=f"u-{shop.marco.pk}", **{"from": f"u-{shop.luca.pk}"})
    assert back.status_code == 200
    plan(shop, waiting, at(8, 10, 30), helpers=[shop.luca], van=False)
    again = _move(office, waiting, start="2026-12-08T10:30", to=f"u-{shop.marco.pk}", **{"from": f"u-{shop.luca.pk}"})
    assert again.status_code == 422 and "Already on this work order" in again.json()["error"]
    people = set(Booking.objects.filter(work_order=waiting).values_list("user_id", flat=True))
    assert people == {shop.marco.pk, shop.luca.pk}

    # A person's work is not dropped on a van's row.
    wrong = _move(office, waiting, start="2026-12-08T10:30", to=f"r-{shop.van.pk}", **{"from": f"u-{shop.luca.pk}"})
    assert wrong.status_code == 422 and "resource" in wrong.json()["error"]


def test_a_drag_onto_a_busy_person_or_of_a_verified_work_order_is_refused_with_the_reason(shop):
    office = signed_in(shop.office)
    busy = plan(shop, new(shop), at(7, 9), van=False)
    other = plan(shop, new(shop), at(7, 14), lead=shop.luca, van=False)
    refused = _move(office, other, start="2026-12-07T10:00", to=f"u-{shop.marco.pk}", **{"from": f"u-{shop.luca.pk}"})
    assert refused.status_code == 422
    assert f"Marco Bianchi is on {busy.number}" in refused.json()["error"]
    other.refresh_from_db()
    assert (other.starts_at, other.technician_id) == (at(7, 14), shop.luca.pk)

    scope = shop.scope(shop.office)
    work_order_move(scope=scope, work_order_id=busy.pk, action="send")
    work_order_answer(scope=shop.scope(shop.marco), work_order_id=busy.pk, accept=True)
    for action in ("start", "finish"):
        work_order_move(scope=shop.scope(shop.marco), work_order_id=busy.pk, action=action)
    verify_work_order(scope=shop.scope(shop.admin), work_order_id=busy.pk)
    verified = _move(office, busy, start="2026-12-09T09:00")
    assert verified.status_code == 409 and "Verified" in verified.json()["error"]
    busy.refresh_from_db()
    assert busy.starts_at == at(7, 9) and busy.status == W.VERIFIED
    listed = office.get("/desk/planner/events/?start=2026-12-07&end=2026-12-08").json()
    assert {e["id"]: e["startEditable"] for e in listed} == {f"wo-{busy.pk}": False, f"wo-{other.pk}": True}

    # A plain form (no script) gets the same refusal as a message, back on the planner.
    form = office.post(f"/desk/planner/work-orders/{busy.pk}/plan/", {"start": "2026-12-09T09:00"}, follow=True)
    assert "Verified" in form.content.decode()


def test_the_back_office_reads_the_planner_the_planners_change_it_another_organisation_gets_404(
    shop, team, other_tenant
):
    order = plan(shop, new(shop), at(7, 9))
    off = leave(shop)
    technician = signed_in(shop.marco)
    assert technician.get(f"/desk/planner/?team={team.pk}").status_code == 200
    assert technician.get(f"/desk/planner/events/?start=2026-12-07&end=2026-12-08&team={team.pk}").status_code == 200
    assert _move(technician, order, start="2026-12-09T09:00").status_code == 403
    assert technician.post(f"/desk/planner/activities/{off.pk}/delete/").status_code == 403

    outsider = signed_in(other_tenant.company_admin)
    for address in (
        f"/desk/planner/?team={team.pk}",
        f"/desk/planner/?user={shop.marco.pk}",
        f"/desk/planner/?resource={shop.van.pk}",
        f"/desk/planner/events/?start=2026-12-07&end=2026-12-08&team={team.pk}",
        f"/desk/planner/events/?start=2026-12-07&end=2026-12-08&user={shop.marco.pk}",
        f"/desk/planner/day/?lane=u-{shop.marco.pk}&day=2026-12-07",
        f"/desk/planner/activities/{off.pk}/",
    ):
        assert outsider.get(address).status_code == 404, address
    assert _move(outsider, order, start="2026-12-09T09:00").status_code == 404
    assert outsider.post(f"/desk/planner/activities/{off.pk}/delete/").status_code == 404
    assert outsider.post(f"/desk/planner/activities/{off.pk}/move/", {"start": "2026-12-09T09:00"}).status_code == 404
    assert outsider.get("/desk/planner/events/?start=2026-12-07&end=2026-12-08").json() == []
    order.refresh_from_db()
    assert order.starts_at == at(7, 9) and Activity.objects.filter(pk=off.pk).exists()
    bad = technician.get("/desk/planner/events/?start=2026-12-07&end=2027-03-01")
    assert bad.status_code == 400 and "62 days" in bad.json()["error"]


def test_the_activity_planner_shows_a_day_and_adds_changes_and_deletes_activities(shop):
    office = signed_in(shop.office)
    order = plan(shop, new(shop), at(7, 9))
    day = f"/desk/planner/day/?lane=u-{shop.marco.pk}&day=2026-12-07"
    page = office.get(day).content.decode()
    assert order.number in page and "09:00" in page and "No other activity on this day." in page

    lane = f"u-{shop.marco.pk}"
    clash = {"kind": "training", "lane": lane, "starts_at": "2026-12-07T10:00", "ends_at": "2026-12-07T12:00"}
    refused = office.post(day, clash)
    assert refused.status_code == 200 and f"Marco Bianchi is on {order.number}" in refused.content.decode()
    assert not Activity.objects.exists()

    added = office.post(day, clash | {"starts_at": "2026-12-07T14:00", "ends_at": "2026-12-07T16:00", "title": "Gas"})
    assert added.status_code == 302
    activity = Activity.objects.get()
    assert (activity.kind, activity.title, activity.starts_at) == ("training", "Gas", at(7, 14))
    assert "Training · Gas" in office.get(day).content.decode()

    change = f"/desk/planner/activities/{activity.pk}/"
    assert office.get(change).status_code == 200
    changed = office.post(
        change,
        {"kind": "leave", "lane": f"u-{shop.luca.pk}", "starts_at": "2026-12-08T08:00", "ends_at": "2026-12-08T18:00"},
    )
    assert changed.status_code == 302 and f"lane=u-{shop.luca.pk}" in changed["Location"]
    assert Booking.objects.get(activity=activity).user_id == shop.luca.pk

    moved = office.post(
        f"/desk/planner/activities/{activity.pk}/move/",
        {"start": "2026-12-09T08:00", "minutes": "120"},
        HTTP_ACCEPT="application/json",
    )
    assert moved.status_code == 200
    activity.refresh_from_db()
    assert (activity.starts_at, activity.ends_at) == (at(9, 8), at(9, 10))

    assert office.post(f"/desk/planner/activities/{activity.pk}/delete/").status_code == 302
    assert not Activity.objects.exists()
    free = office.get("/desk/planner/free/?day=2026-12-07").content.decode()
    assert "Marco Bianchi" in free and "08:00\u201309:00, 11:00\u201318:00" in free


# ---- The API ------------------------------------------------------------------------------------------------


def test_the_api_lists_events_and_creates_changes_and_deletes_activities(shop, team, other_tenant):
    from django.test import Client

    order = plan(shop, new(shop), at(7, 9))
    office = _token(shop, shop.office)
    listed = get("/planner/events", office, start="2026-12-07", end="2026-12-14", team_id=team.pk)
    assert listed.status_code == 200 and [e["id"] for e in listed.json()] == [f"wo-{order.pk}"]
    body = {
        "kind": "leave",
        "starts_at": "2026-12-07T14:00:00+01:00",
        "ends_at": "2026-12-07T18:00:00+01:00",
        "user_id": shop.marco.pk,
    }
    made = post("/activities", office, body)
    assert made.status_code == 201 and made.json()["user_id"] == shop.marco.pk
    clash = post("/activities", office, body | {"starts_at": "2026-12-07T10:00:00+01:00"})
    assert clash.status_code == 422 and order.number in json.dumps(clash.json())
    pk = made.json()["id"]
    changed = Client().put(
        f"/api/v1/activities/{pk}", body | {"title": "Ferie"}, content_type="application/json", **office
    )
    assert changed.status_code == 200 and changed.json()["title"] == "Ferie"
    assert get("/planner/free", office, day="2026-12-07", team_id=team.pk).status_code == 200
    assert [r["number"] for r in get("/planner/to-plan", office).json()] == []

    outsider = _token_for(other_tenant)
    assert get(f"/activities/{pk}", outsider).status_code == 404
    assert get("/planner/events", outsider, start="2026-12-07", end="2026-12-08", team_id=team.pk).status_code == 404
    assert Client().delete(f"/api/v1/activities/{pk}", **outsider).status_code == 404
    far = get("/planner/events", office, start="0001-01-01", end="9999-12-31")
    assert far.status_code == 200 and far.json() == []
    assert get("/planner/free", office, day="9999-12-31").json() == []
    technician = _token(shop, shop.marco)
    assert post("/activities", technician, body | {"starts_at": "2026-12-08T14:00:00+01:00"}).status_code == 403
    assert Client().delete(f"/api/v1/activities/{pk}", **office).status_code == 204
    assert not Activity.objects.exists()


def _token(shop: Shop, user) -> dict[str, str]:
    from fieldbox.accounts import services as accounts

    _made, raw = accounts.token_create(scope=shop.scope(user), name="planner", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _token_for(tenant) -> dict[str, str]:
    return bearer(tenant, tenant.company_admin)


def test_a_resource_has_its_day_too_where_its_upkeep_is_planned(shop):
    office = signed_in(shop.office)
    lane = f"r-{shop.van.pk}"
    day = f"/desk/planner/day/?lane={lane}&day=2026-12-07"
    page = office.get(day).content.decode()
    assert "Furgone 1" in page and 'value="upkeep" selected' in page  # a resource's activity is its upkeep
    added = office.post(
        day, {"kind": "upkeep", "lane": lane, "starts_at": "2026-12-07T08:00", "ends_at": "2026-12-07T12:00"}
    )
    assert added.status_code == 302
    assert "Upkeep (resource unavailable)" in office.get(day).content.decode()
    refused = office.post(
        day, {"kind": "training", "lane": lane, "starts_at": "2026-12-07T14:00", "ends_at": "2026-12-07T15:00"}
    )
    assert "A resource is taken by its upkeep" in refused.content.decode()
    with pytest.raises(ValidationError) as busy:
        plan(shop, new(shop), at(7, 9))
    assert "Furgone 1 is on Upkeep" in str(busy.value)
