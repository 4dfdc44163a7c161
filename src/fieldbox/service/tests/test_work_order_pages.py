"""The office's work-order pages: the list and its filters, a new work order, its page with the buttons its state
allows, planning (a clash is refused with who is busy), materials to bring, hold and cancel with a reason, a
follow-up; resources, types of work and a team's members. Another organisation's work order is a 404."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.service.choices import MaterialUse, WorkOrderStatus
from fieldbox.service.models import Booking, Material, Resource, Team, WorkOrder, WorkType
from fieldbox.service.services.work_orders import work_order_answer, work_order_move
from fieldbox.service.tests.test_work_orders import Shop, at, new, plan
from fieldbox.service.tests.test_work_orders import shop as lead_shop  # noqa: F401 - a fixture
from fieldbox.service.views import work_orders as pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(request) -> Shop:
    """The lead's world of work orders (``test_work_orders``): an office, two technicians, a van, a customer."""
    return request.getfixturevalue("lead_shop")


W = WorkOrderStatus


def url(name: str, *args) -> str:
    return reverse(f"service:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def test_the_office_creates_a_work_order_for_a_customer_found_by_name(shop):
    office = signed_in(shop.office)
    found = office.get(url("work_order_new"), {"q": "Aurora"})
    assert f'?customer={shop.customer.pk}"' in text(found)
    form = office.get(url("work_order_new"), {"customer": shop.customer.pk})
    assert "Condominio Aurora" in text(form) and "Via Roma 1" in text(form)

    blank = office.post(url("work_order_new"), {"customer": shop.customer.pk, "site_id": shop.site.pk})
    assert blank.status_code == 400 and "This field is required." in text(blank)
    assert not WorkOrder.objects.exists()

    done = office.post(
        url("work_order_new"),
        {"customer": shop.customer.pk, "site_id": shop.site.pk, "description": "Manutenzione caldaia", "minutes": 90},
    )
    order = WorkOrder.objects.get()
    assert done.status_code == 302 and done.url == url("work_order", order.pk)
    assert order.status == W.TO_PLAN and order.minutes == 90 and order.site == shop.site
    page = text(office.get(done.url))
    assert "Condominio Aurora" in page and "Manutenzione caldaia" in page
    assert "google.com/maps/dir/" in page and "Via+Roma+1" in page  # navigate by the address (no coordinates)
    assert 'data-testid="move-plan"' in page and 'data-testid="move-send"' not in page


def test_the_list_filters_by_status_person_customer_and_day_and_pages_by_keyset(shop, monkeypatch):
    office = signed_in(shop.office)
    empty = office.get(url("work_orders"))
    assert 'data-testid="no-work-orders"' in text(empty) and "No work orders yet" in text(empty)
    first = plan(shop, new(shop, "Prima"), at(14, 9))
    second = plan(shop, new(shop, "Seconda"), at(15, 9), lead=shop.luca, van=False)
    third = new(shop, "Terza")

    def numbers(**params) -> set[str]:
        page = text(office.get(url("work_orders"), params))
        return {o.number for o in (first, second, third) if f">{o.number}<" in page}

    assert numbers() == {first.number, second.number, third.number}
    assert numbers(status="to_plan") == {third.number}
    assert numbers(technician=shop.luca.pk) == {second.number}
    assert numbers(day="2026-12-14") == {first.number}
    assert numbers(customer="Aurora") == {first.number, second.number, third.number}
    assert numbers(customer="Nessuno") == set()
    assert "No work order matches these filters." in text(office.get(url("work_orders"), {"customer": "Nessuno"}))

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    page_one = text(office.get(url("work_orders")))
    assert third.number in page_one and second.number in page_one and first.number not in page_one
    page_two = text(office.get(url("work_orders"), {"before": second.pk}))
    assert first.number in page_two and third.number not in page_two


def test_planning_refuses_a_clash_naming_who_is_busy_and_then_sends(shop):
    office = signed_in(shop.office)
    plan(shop, new(shop, "Già in calendario"), at(14, 9), helpers=[shop.luca])
    order = new(shop)
    form = text(office.get(url("work_order_plan", order.pk)))
    assert "Marco Bianchi" in form and "Furgone 1" in form
    data = {"day": "2026-12-14", "time": "10:00", "minutes": 60, "technician_id": shop.luca.pk}
    clash = office.post(url("work_order_plan", order.pk), data)
    assert clash.status_code == 400 and "Luca Neri is on " in text(clash)
    order.refresh_from_db()
    assert order.status == W.TO_PLAN and not Booking.objects.filter(work_order=order).exists()

    done = office.post(url("work_order_plan", order.pk), {**data, "day": "2026-12-15", "resource_ids": [shop.van.pk]})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == W.PLANNED and order.technician == shop.luca
    page = text(office.get(url("work_order", order.pk)))
    assert 'data-testid="move-send"' in page and "Furgone 1" in page

    assert office.post(url("work_order_move", order.pk, "send")).status_code == 302
    order.refresh_from_db()
    assert order.status == W.SENT
    assert signed_in(shop.luca).get(url("work_order_plan", order.pk)).status_code == 403  # a technician plans not


def test_the_assignee_answers_on_the_page_and_a_technician_sees_no_planners_buttons(shop):
    order = plan(shop, new(shop), at(14, 9))
    work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")
    phone = signed_in(shop.marco)
    page = text(phone.get(url("work_order", order.pk)))
    assert 'data-testid="accept"' in page and 'data-testid="move-plan"' not in page
    assert 'data-testid="move-cancel"' not in page
    assert phone.post(url("work_order_answer", order.pk, "decline"), {"decline-reason": ""}).status_code == 400
    phone.post(url("work_order_answer", order.pk, "accept"))
    order.refresh_from_db()
    assert order.status == W.ACCEPTED
    assert 'data-testid="move-start"' in text(phone.get(url("work_order", order.pk)))
    outsider = signed_in(shop.luca).post(url("work_order_move", order.pk, "start"), follow=True)
    assert "You are not on this work order." in text(outsider)
    order.refresh_from_db()
    assert order.status == W.ACCEPTED


def test_materials_to_bring_are_added_and_removed_while_the_work_order_is_not_ended(shop):
    office = signed_in(shop.office)
    order = new(shop)
    bad = office.post(url("work_order_material_add", order.pk), {"description": "", "quantity": "0", "unit": "pc"})
    assert bad.status_code == 400 and not Material.objects.exists()
    office.post(url("work_order_material_add", order.pk), {"description": "Filtro", "quantity": "2.5", "unit": "m"})
    line = Material.objects.get()
    assert line.use == MaterialUse.TO_BRING and line.quantity == Decimal("2.50") and line.created_by == shop.office
    page = text(office.get(url("work_order", order.pk)))
    assert "2.50 m · Filtro" in page
    assert AuditEvent.objects.filter(action="work_order.material_add", object_id=str(order.pk)).exists()

    work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="cancel", reason="Rinviato")
    refused = office.post(url("work_order_material_remove", line.pk), follow=True)
    assert "Not possible while the work order is" in text(refused) and Material.objects.exists()
    assert 'data-testid="add-material"' not in text(refused)

    other = new(shop)
    office.post(url("work_order_material_add", other.pk), {"description": "Guarnizione", "quantity": "1", "unit": "pc"})
    office.post(url("work_order_material_remove", Material.objects.get(work_order=other).pk))
    assert not Material.objects.filter(work_order=other).exists()
    assert AuditEvent.objects.filter(action="work_order.material_remove", object_id=str(other.pk)).exists()


def test_hold_and_cancel_need_a_reason_and_a_follow_up_continues_the_work(shop):
    office = signed_in(shop.office)
    order = plan(shop, new(shop), at(14, 9))
    blank = office.post(url("work_order_move", order.pk, "cancel"), {"cancel-reason": " "})
    assert blank.status_code == 400 and "This field is required." in text(blank)
    order.refresh_from_db()
    assert order.status == W.PLANNED
    office.post(url("work_order_move", order.pk, "hold"), {"hold-reason": "Manca il pezzo"})
    order.refresh_from_db()
    assert order.status == W.ON_HOLD
    assert "Manca il pezzo" in text(office.get(url("work_order", order.pk)))  # the history keeps why

    refused = office.post(url("work_order_move", order.pk, "send"), follow=True)  # not from on hold
    assert "Not possible while the work order is" in text(refused)

    started = plan(shop, new(shop, "Da finire"), at(16, 9))
    scope = shop.scope(shop.office)
    work_order_move(scope=scope, work_order_id=started.pk, action="send")
    work_order_answer(scope=shop.scope(shop.marco), work_order_id=started.pk, accept=True)
    work_order_move(scope=shop.scope(shop.marco), work_order_id=started.pk, action="start")
    done = signed_in(shop.marco).post(url("work_order_follow_up", started.pk), {"description": "Cambiare la pompa"})
    follow = WorkOrder.objects.get(follows=started)
    assert done.url == url("work_order", follow.pk) and follow.status == W.TO_PLAN
    assert "Cambiare la pompa" in text(office.get(done.url))


def test_resources_types_of_work_and_team_members(shop):
    office = signed_in(shop.office)
    setup = url("work_order_setup")
    assert "Furgone 1" in text(office.get(setup))
    same = office.post(setup, {"form": "resource", "name": "furgone 1", "kind": "van"})
    assert same.status_code == 400 and "Another resource has this name." in text(same)
    office.post(setup, {"form": "resource", "name": "Termocamera", "kind": "instrument", "code": "TC-9"})
    camera = Resource.objects.get(name="Termocamera")
    office.post(setup, {"form": "resource", "resource": camera.pk, "name": "Termocamera FLIR", "kind": "instrument"})
    camera.refresh_from_db()
    assert camera.name == "Termocamera FLIR"

    plan(shop, new(shop), at(20, 9))  # the van is booked on work to come
    kept = office.post(url("resource_retire", shop.van.pk), follow=True)
    assert "still booked on 1 work orders" in text(kept)
    office.post(url("resource_retire", camera.pk))
    camera.refresh_from_db()
    assert not camera.active

    short = office.post(setup, {"form": "work_type", "type-name": "Collaudo", "type-minutes": 2})
    assert short.status_code == 400 and not WorkType.objects.exists()
    office.post(setup, {"form": "work_type", "type-name": "Collaudo", "type-minutes": 45, "type-active": "on"})
    assert WorkType.objects.get().minutes == 45

    team = Team.objects.create(organisation=shop.van.organisation, name="Caldaie")
    office.post(url("team_members", team.pk), {"members": [shop.marco.pk, shop.luca.pk]})
    assert set(team.members.all()) == {shop.marco, shop.luca}
    assert signed_in(shop.marco).get(setup).status_code == 403


def test_another_organisations_work_order_is_not_found(shop, other_tenant):
    order = new(shop)
    Material.objects.create(organisation=order.organisation, work_order=order, description="Filtro")
    stranger = signed_in(member(other_tenant.company, Role.OFFICE, email="ufficio@altra.example"))
    for name in ("work_order", "work_order_plan", "work_order_edit"):
        assert stranger.get(url(name, order.pk)).status_code == 404
    assert stranger.post(url("work_order_move", order.pk, "cancel"), {"cancel-reason": "x"}).status_code == 404
    assert stranger.post(url("work_order_material_remove", Material.objects.get().pk)).status_code == 404
    assert stranger.post(url("resource_retire", shop.van.pk)).status_code == 404
    assert order.number not in text(stranger.get(url("work_orders")))
    order.refresh_from_db()
    assert order.status == W.TO_PLAN and Material.objects.exists()
