"""The call page (SYS "gestione chiamata"): a call taken by phone about a customer's equipment, its six sections in
order, its interventions (a follow-up, done by phone, cancelled with a reason), its charges and what they add up
to, the customer's history of requests; the same on the API; nothing of another organisation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.tests.test_api import bearer, get, post
from fieldbox.service import selectors, services
from fieldbox.service import selectors_calls as calls
from fieldbox.service.choices import MessageKind, TicketStatus, WorkOrderStatus
from fieldbox.service.models import Charge, Contact, Equipment, Ticket, WorkOrder
from fieldbox.service.panels_calls import requests
from fieldbox.service.services.calls import (
    charge_add,
    charge_remove,
    intervention_by_phone,
    intervention_cancel,
    intervention_create,
    ticket_create,
    ticket_update,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    customer: Customer
    other: Customer
    contact: Contact
    strangers_contact: Contact
    site: CustomerAddress
    boiler: Equipment


def world(organisation) -> World:
    """A customer with a contact, a plant and a boiler there; another customer with its own contact."""
    customer = Customer.objects.create(organisation=organisation, kind="company", company_name="Condominio Aurora")
    other = Customer.objects.create(organisation=organisation, kind="company", company_name="Hotel Mare")
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    return World(
        customer=customer,
        other=other,
        contact=Contact.objects.create(
            organisation=organisation, customer=customer, name="Anna Verdi", phone="+393331234567"
        ),
        strangers_contact=Contact.objects.create(organisation=organisation, customer=other, name="Marco Neri"),
        site=site,
        boiler=Equipment.objects.create(
            organisation=organisation, customer=customer, site=site, name="Caldaia", serial="CX-1"
        ),
    )


def phone_call(scope, w: World, **data) -> Ticket:
    fields = {
        "customer_id": w.customer.pk,
        "contact_id": w.contact.pk,
        "equipment_id": w.boiler.pk,
        "subject": "La caldaia è in blocco",
        "description": "Il display segna E21 da stamattina.",
        **data,
    }
    return ticket_create(scope=scope, data=fields)


def patch(path: str, auth: dict[str, str], body: dict):
    return Client().patch(f"/api/v1{path}", body, content_type="application/json", **auth)


def test_a_phone_call_names_the_customer_its_site_and_equipment_and_nothing_of_another_customer(
    desk, tenant, other_tenant
):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w, priority="high", intervention="Sostituire la scheda")
    assert ticket.number.startswith("T") and ticket.status == TicketStatus.NEW and ticket.channel == "phone"
    assert ticket.team == desk.team  # the organisation's one team
    assert ticket.phone == "+393331234567"  # the contact's number, to call back
    assert ticket.site == w.site  # where the boiler stands
    assert ticket.resolution_due_at is not None and ticket.first_response_at is not None  # answered on the phone
    [said] = ticket.messages.all()
    assert said.kind == MessageKind.INBOUND and said.author == tenant.company_admin and "E21" in said.text
    [work] = ticket.interventions.all()
    assert work.status == WorkOrderStatus.TO_PLAN and re.fullmatch(r"I\d{7}", work.number)

    made = Ticket.objects.count()
    with pytest.raises(ValidationError) as refused:
        phone_call(scope, w, contact_id=w.strangers_contact.pk)
    assert refused.value.message_dict == {"contact_id": ["This contact is not one of the customer's."]}
    other_site = CustomerAddress.objects.create(customer=w.other, street="Via Mare 2", city="Rimini")
    with pytest.raises(ValidationError) as refused:
        phone_call(scope, w, site_id=other_site.pk, assignee_id=tenant.installer.pk)
    assert set(refused.value.message_dict) == {"site_id", "assignee_id"}
    abroad = world(other_tenant.company)
    with pytest.raises(ValidationError) as refused:
        phone_call(scope, w, customer_id=abroad.customer.pk, contact_id=None, equipment_id=None)
    assert refused.value.message_dict == {"customer_id": ["Choose one of your customers."]}
    with pytest.raises(ValidationError):
        phone_call(scope, w, channel="email")
    assert Ticket.objects.count() == made  # a refused call writes nothing


def test_changing_the_call_is_audited_moves_its_dues_and_stops_when_it_is_closed(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w)
    due = ticket.resolution_due_at
    changed = ticket_update(scope=scope, ticket_id=ticket.pk, data={"priority": "urgent", "subject": "Caldaia ferma"})
    assert changed.resolution_due_at is not None and changed.resolution_due_at < due
    event = AuditEvent.objects.get(action="ticket.update")
    assert event.data["changed"] == {
        "priority": ["normal", "urgent"],
        "subject": ["La caldaia è in blocco", "Caldaia ferma"],
    }
    with pytest.raises(ValidationError) as refused:  # another customer: the contact and the boiler are not theirs
        ticket_update(scope=scope, ticket_id=ticket.pk, data={"customer_id": w.other.pk})
    assert set(refused.value.message_dict) == {"contact_id", "equipment_id", "site_id"}
    moved = ticket_update(
        scope=scope,
        ticket_id=ticket.pk,
        data={"customer_id": w.other.pk, "contact_id": w.strangers_contact.pk, "site_id": None, "equipment_id": None},
    )
    assert moved.customer == w.other and moved.contact == w.strangers_contact
    services.ticket_resolve(scope=scope, ticket_id=ticket.pk)
    services.ticket_close(scope=scope, ticket_id=ticket.pk)
    with pytest.raises(Conflict):
        ticket_update(scope=scope, ticket_id=ticket.pk, data={"priority": "low"})


def test_interventions_follow_up_end_by_phone_and_cancel_only_with_a_reason(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w)
    first = intervention_create(
        scope=scope, ticket_id=ticket.pk, description="Sostituire la scheda", technician_id=tenant.installer.pk
    )
    follow = intervention_create(scope=scope, ticket_id=ticket.pk, description="Collaudo", follows_id=first.pk)
    assert follow.follows == first and follow.number > first.number
    elsewhere = phone_call(scope, w)
    with pytest.raises(ValidationError) as refused:
        intervention_create(scope=scope, ticket_id=elsewhere.pk, description="x", follows_id=first.pk)
    assert "follows_id" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        intervention_create(scope=scope, ticket_id=ticket.pk, description="x", technician_id=tenant.care.pk)
    assert "technician_id" in refused.value.message_dict  # not one of the organisation's people

    done = intervention_by_phone(scope=scope, intervention_id=first.pk, outcome="Riarmo guidato al telefono")
    assert done.status == WorkOrderStatus.DONE_BY_PHONE and done.closed_at is not None
    assert WorkOrder.objects.get(pk=first.pk).outcome == "Riarmo guidato al telefono"  # kept for the statistics
    with pytest.raises(ValidationError):
        intervention_cancel(scope=scope, intervention_id=follow.pk, reason="   ")
    assert WorkOrder.objects.get(pk=follow.pk).status == WorkOrderStatus.TO_PLAN
    cancelled = intervention_cancel(scope=scope, intervention_id=follow.pk, reason="Non serve")
    assert cancelled.status == WorkOrderStatus.CANCELLED
    with pytest.raises(Conflict):  # a done intervention is not cancelled afterwards
        intervention_cancel(scope=scope, intervention_id=first.pk, reason="Ripensamento")
    assert AuditEvent.objects.get(action="work_order.cancel").reason == "Non serve"


def test_charges_add_up_rounded_once_and_stop_when_the_call_is_closed(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w)
    charge_add(
        scope=scope, ticket_id=ticket.pk, kind="time", description="Diagnosi", minutes=50, unit_price=Decimal("40")
    )
    charge_add(
        scope=scope,
        ticket_id=ticket.pk,
        kind="part",
        description="Scheda",
        quantity=Decimal("3"),
        unit_price=Decimal("12.35"),
    )
    charge_add(
        scope=scope, ticket_id=ticket.pk, kind="fee", description="Uscita", unit_price=Decimal("25"), billable=False
    )
    charge_add(scope=scope, ticket_id=ticket.pk, kind="part", description="Guarnizione")  # not priced yet
    with pytest.raises(ValidationError) as refused:
        charge_add(scope=scope, ticket_id=ticket.pk, kind="part", description="Vite", quantity=Decimal("0.333"))
    assert "quantity" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        charge_add(scope=scope, ticket_id=ticket.pk, kind="time", description="", minutes=0)
    assert set(refused.value.message_dict) == {"description", "minutes"}

    lines = calls.lines(calls.charges_of(ticket))
    totals = calls.totals(lines)
    # 50 min at 40 €/h = 33.33 (rounded once), 3 x 12.35 = 37.05, a 25.00 fee not billable, one line unpriced.
    assert totals.minutes == 50 and totals.amount == Decimal("95.38") and totals.billable == Decimal("70.38")
    assert totals.unpriced == 1
    fee = Charge.objects.get(kind="fee")
    charge_remove(scope=scope, charge_id=fee.pk)
    assert calls.totals(calls.lines(calls.charges_of(ticket))).amount == Decimal("70.38")
    assert AuditEvent.objects.filter(action__in=("charge.add", "charge.remove")).count() == 5
    services.ticket_cancel(scope=scope, ticket_id=ticket.pk, reason="Doppione")
    with pytest.raises(Conflict):
        charge_add(scope=scope, ticket_id=ticket.pk, kind="fee", description="Uscita", unit_price=Decimal("25"))
    with pytest.raises(Conflict):
        charge_remove(scope=scope, charge_id=Charge.objects.filter(ticket=ticket).first().pk)


def test_the_call_page_shows_its_six_sections_in_order_and_works_from_them(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w)
    client = signed_in(tenant.company_admin)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    order = [
        page.index(f'data-testid="section-{name}"')
        for name in ("call", "intervention", "quote", "hours", "parts", "notes")
    ]
    assert order == sorted(order)
    assert "Condominio Aurora" in page and "Caldaia (CX-1)" in page and "E21" in page
    assert "No quote yet." in page and 'href="#hours"' in page

    url = f"/desk/tickets/{ticket.pk}"
    assert client.post(f"{url}/interventions/", {"intervention-description": "Sostituire la scheda"}).status_code == 302
    first = ticket.interventions.get()
    page = client.get(f"{url}/?follows={first.pk}").content.decode()
    assert f"Follow-up of {first.number}" in page
    assert (
        client.post(
            f"{url}/interventions/", {"intervention-description": "Collaudo", "intervention-follows_id": first.pk}
        ).status_code
        == 302
    )
    refused = client.post(f"/desk/interventions/{first.pk}/cancel/", {f"drop-{first.pk}-reason": ""})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    assert (
        client.post(
            f"/desk/interventions/{first.pk}/by_phone/", {f"outcome-{first.pk}-outcome": "Riarmata"}
        ).status_code
        == 302
    )
    first.refresh_from_db()
    assert first.status == WorkOrderStatus.DONE_BY_PHONE

    assert (
        client.post(
            f"{url}/charges/",
            {
                "form": "hours",
                "hours-description": "Diagnosi",
                "hours-minutes": "90",
                "hours-unit_price": "40",
                "hours-billable": "on",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"{url}/charges/",
            {
                "form": "parts",
                "parts-kind": "part",
                "parts-description": "Scheda",
                "parts-quantity": "2",
                "parts-unit_price": "10.50",
            },
        ).status_code
        == 302
    )
    page = client.get(f"{url}/").content.decode()
    assert (
        "90 minutes in all" in page and "60.00 €" in page and "81.00 €" in page
    )  # 60.00 + 21.00, the part not billable

    edit = client.post(
        f"{url}/edit/",
        {
            "call-customer_id": w.customer.pk,
            "call-subject": "Caldaia ferma",
            "call-contact_id": w.strangers_contact.pk,
            "call-kind": "fault",
            "call-priority": "high",
            "call-team_id": desk.team_id,
        },
    )
    assert edit.status_code == 400 and "Select a valid choice" in edit.content.decode()  # not among the customer's
    saved = client.post(
        f"{url}/edit/",
        {
            "call-customer_id": w.customer.pk,
            "call-subject": "Caldaia ferma",
            "call-contact_id": w.contact.pk,
            "call-equipment_id": w.boiler.pk,
            "call-kind": "fault",
            "call-priority": "high",
            "call-team_id": desk.team_id,
        },
    )
    assert saved.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.kind, ticket.priority) == ("Caldaia ferma", "fault", "high")


def test_a_technician_reads_the_call_and_charges_the_hours_of_the_visit(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    ticket = phone_call(scope, w)
    technician = member(tenant.company, Role.TECHNICIAN, email="tecnico@alpha-workshop.example")
    client = signed_in(technician)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="section-hours"' in page and "Add hours" in page
    assert "Change the call" not in page and "New intervention" not in page and 'id="reply"' not in page
    hours = {"form": "hours", "hours-description": "Sostituzione scheda", "hours-minutes": "45", "hours-billable": "on"}
    assert client.post(f"/desk/tickets/{ticket.pk}/charges/", hours).status_code == 302
    assert Charge.objects.get().author == technician
    assert client.post(f"/desk/tickets/{ticket.pk}/edit/", {"call-subject": "x"}).status_code == 403
    assert (
        client.post(f"/desk/tickets/{ticket.pk}/interventions/", {"intervention-description": "x"}).status_code == 403
    )


def test_a_new_call_is_taken_from_the_desk_after_finding_the_customer(desk, tenant):
    w = world(tenant.company)
    client = signed_in(tenant.company_admin)
    found = client.get("/desk/calls/new/?q=aurora").content.decode()
    assert f'href="?customer={w.customer.pk}"' in found and "Hotel Mare" not in found
    by_contact = client.get("/desk/calls/new/?q=333 1234").content.decode()  # the caller's number, a contact's
    assert f'href="?customer={w.customer.pk}"' in by_contact and "Hotel Mare" not in by_contact
    form = client.get(f"/desk/calls/new/?customer={w.customer.pk}").content.decode()
    assert "Anna Verdi" in form and "Marco Neri" not in form and "Caldaia (CX-1)" in form
    answer = client.post(
        "/desk/calls/new/",
        {
            "customer_id": w.customer.pk,
            "channel": "phone",
            "subject": "Perdita d'acqua",
            "description": "Gocciola sotto la caldaia.",
            "contact_id": w.contact.pk,
            "equipment_id": w.boiler.pk,
            "kind": "fault",
            "priority": "normal",
            "team_id": desk.team_id,
            "intervention": "Controllo perdite",
        },
    )
    ticket = Ticket.objects.get(subject="Perdita d'acqua")
    assert answer.status_code == 302 and answer["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert ticket.equipment == w.boiler and ticket.interventions.count() == 1
    blank = client.post(
        "/desk/calls/new/",
        {"channel": "phone", "subject": " ", "kind": "fault", "priority": "normal", "team_id": desk.team_id},
    )
    assert blank.status_code == 400
    assert signed_in(tenant.installer).get("/desk/calls/new/").status_code == 403


def test_the_customers_page_lists_its_requests_newest_first(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    older, newer = phone_call(scope, w), phone_call(scope, w, subject="Seconda chiamata")
    services.ticket_cancel(scope=scope, ticket_id=older.pk, reason="Doppione")
    panel = requests(scope, w.customer)
    assert panel is not None and [t.pk for t in panel.context["tickets"]] == [newer.pk, older.pk]  # every status
    assert requests(scope, w.other).context["tickets"] == []
    assert requests(tenant.scope(tenant.installer), w.customer) is None  # not someone of the desk or the office
    page = signed_in(tenant.company_admin).get(f"/customers/{w.customer.pk}/").content.decode()
    assert 'data-testid="requests-panel"' in page and f"/desk/calls/?customer={w.customer.pk}" in page


def test_the_api_takes_a_call_changes_it_and_keeps_its_interventions_and_charges(desk, tenant, other_tenant):
    w = world(tenant.company)
    admin = bearer(tenant, tenant.company_admin)
    made = post(
        "/tickets",
        admin,
        {
            "subject": "Caldaia in blocco",
            "customer_id": w.customer.pk,
            "contact_id": w.contact.pk,
            "equipment_id": w.boiler.pk,
            "type": "fault",
        },
    )
    assert made.status_code == 201, made.json()
    call = made.json()
    assert call["type"] == "fault" and call["site_id"] == w.site.pk and call["phone"] == "+393331234567"
    assert call["resolution_due_at"] is not None
    wrong = post(
        "/tickets", admin, {"subject": "x", "customer_id": w.customer.pk, "contact_id": w.strangers_contact.pk}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "contact_id"
    changed = patch(f"/tickets/{call['id']}", admin, {"type": "maintenance", "priority": "urgent"})
    assert changed.status_code == 200 and changed.json()["type"] == "maintenance"
    assert changed.json()["resolution_due_at"] < call["resolution_due_at"]

    work = post(f"/tickets/{call['id']}/interventions", admin, {"description": "Sostituire la scheda"})
    assert work.status_code == 201 and work.json()["status"] == "to_plan"
    follow = post(
        f"/tickets/{call['id']}/interventions", admin, {"description": "Collaudo", "follows_id": work.json()["id"]}
    )
    assert follow.json()["follows_id"] == work.json()["id"]
    assert post(f"/interventions/{follow.json()['id']}/cancel", admin, {"reason": " "}).status_code == 422
    assert (
        post(f"/interventions/{follow.json()['id']}/cancel", admin, {"reason": "Non serve"}).json()["status"]
        == "cancelled"
    )
    by_phone = post(f"/interventions/{work.json()['id']}/by-phone", admin, {"outcome": "Riarmata"})
    assert by_phone.json()["status"] == "by_phone"
    listed = get("/interventions", admin, status="by_phone").json()
    assert [i["number"] for i in listed["items"]] == [work.json()["number"]]
    assert len(get(f"/tickets/{call['id']}/interventions", admin).json()) == 2

    post(
        f"/tickets/{call['id']}/charges",
        admin,
        {"kind": "time", "description": "Diagnosi", "minutes": 90, "unit_price": "40"},
    )
    part = post(
        f"/tickets/{call['id']}/charges",
        admin,
        {"kind": "part", "description": "Scheda", "quantity": 2, "unit_price": "10.50"},
    )
    assert part.status_code == 201 and part.json()["amount"] == "21.00" and part.json()["quantity"] == "2.00"
    charges = get(f"/tickets/{call['id']}/charges", admin).json()
    assert charges["totals"] == {"minutes": 90, "amount": "81.00", "billable": "81.00", "unpriced": 0}
    assert Client().delete(f"/api/v1/charges/{part.json()['id']}", **admin).status_code == 204

    stranger = bearer(other_tenant, other_tenant.company_admin)
    for path in (f"/tickets/{call['id']}/interventions", f"/tickets/{call['id']}/charges"):
        assert get(path, stranger).status_code == 404
    assert patch(f"/tickets/{call['id']}", stranger, {"priority": "low"}).status_code == 404
    assert post(f"/interventions/{work.json()['id']}/cancel", stranger, {"reason": "x"}).status_code == 404
    assert get("/interventions", stranger).json()["items"] == []
    ticket = selectors.ticket_for(tenant.scope(tenant.company_admin), call["id"])
    stranger_page = signed_in(other_tenant.company_admin)
    assert stranger_page.get(f"/desk/tickets/{ticket.pk}/").status_code == 404
    assert stranger_page.post(f"/desk/tickets/{ticket.pk}/charges/", {"form": "hours"}).status_code == 404
    assert stranger_page.post(f"/desk/interventions/{work.json()['id']}/cancel/").status_code == 404


def test_a_ticket_merged_into_another_brings_its_messages_interventions_and_charges(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    first = phone_call(scope, w, intervention="Sostituire la scheda")
    twice = phone_call(scope, w, subject="Ancora la caldaia", description="Richiamo: sempre E21.")
    charge_add(scope=scope, ticket_id=twice.pk, kind="fee", description="Diritto di chiamata")
    intervention_create(scope=scope, ticket_id=twice.pk, description="Controllo pressione")
    client = signed_in(tenant.company_admin)
    page = f"/desk/tickets/{twice.pk}/"
    assert 'id="merge"' in client.get(page).content.decode()

    wrong = client.post(f"{page}merge/", {"into": "T9999999"})
    assert "No other ticket of yours has this number." in wrong.content.decode()
    assert Ticket.objects.get(pk=twice.pk).status == TicketStatus.NEW
    client.post(f"{page}merge/", {"into": first.number.removeprefix("T").lstrip("0")})

    twice.refresh_from_db()
    assert twice.status == TicketStatus.MERGED and not twice.messages.exists() and not twice.charges.exists()
    assert first.interventions.count() == 2 and first.charges.count() == 1
    said = [m.text for m in first.messages.order_by("pk")]
    assert "Richiamo: sempre E21." in said and f"Ticket {twice.number} was merged" in said[-1]
    # A merged ticket cannot be merged again, and nothing merges into an ended one.
    with pytest.raises(Conflict):
        services.calls.ticket_merge(scope=scope, ticket_id=twice.pk, into=first.number)
    third = phone_call(scope, w, subject="Terza")
    with pytest.raises(ValidationError):
        services.calls.ticket_merge(scope=scope, ticket_id=third.pk, into=twice.number)


def test_cancelling_a_call_cancels_its_interventions_still_to_plan(desk, tenant):
    scope, w = tenant.scope(tenant.company_admin), world(tenant.company)
    call = phone_call(scope, w, intervention="Sostituire la scheda")
    done = intervention_create(scope=scope, ticket_id=call.pk, description="Verifica al telefono")
    intervention_by_phone(scope=scope, intervention_id=done.pk, outcome="Risolto al telefono")
    services.ticket_cancel(scope=scope, ticket_id=call.pk, reason="Il cliente ha venduto la casa")
    states = dict(call.interventions.values_list("description", "status"))
    assert states == {"Sostituire la scheda": WorkOrderStatus.CANCELLED, "Verifica al telefono": "by_phone"}
    assert call.interventions.get(status=WorkOrderStatus.CANCELLED).outcome == "Il cliente ha venduto la casa"
