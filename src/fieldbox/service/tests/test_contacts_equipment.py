"""A customer's contacts (one the default, senders nobody knew confirmed) and equipment (components at any depth,
a provider's own device and vehicle linked, never another's), on the pages and the API; nothing leaks."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs.tests.test_api import PROBLEM, bearer, get, post
from fieldbox.service import customers as reads
from fieldbox.service import services
from fieldbox.service.models import Contact, Equipment, Ticket
from fieldbox.service.services.contacts import contact_confirm, contact_remove, contact_save
from fieldbox.service.services.equipment import equipment_remove, equipment_save
from fieldbox.service.tests.conftest import mail

pytestmark = pytest.mark.django_db


def patch(path: str, auth: dict[str, str], body: dict):
    return Client().patch(f"/api/v1{path}", body, content_type="application/json", **auth)


def delete(path: str, auth: dict[str, str]):
    return Client().delete(f"/api/v1{path}", **auth)


def customer_of(organisation, name: str = "Condominio Aurora") -> Customer:
    return Customer.objects.create(organisation=organisation, kind="company", company_name=name)


def tree(scope, customer, *names: str) -> list[Equipment]:
    """A chain of equipment, each a component of the one before."""
    made: list[Equipment] = []
    for name in names:
        parent = made[-1].pk if made else None
        made.append(equipment_save(scope=scope, data={"name": name, "parent": parent}, customer_id=customer.pk))
    return made


def test_making_a_contact_the_default_unsets_the_former_default(tenant):
    scope = tenant.scope(tenant.company_admin)
    customer = customer_of(tenant.company)
    first = contact_save(scope=scope, data={"name": "Anna Verdi", "phone": "333 123 4567"}, customer_id=customer.pk)
    assert first.is_default and first.phone == "+393331234567"  # a customer's first contact is its default
    second = contact_save(
        scope=scope, data={"name": "Marco Neri", "email": "Marco@Aurora.example"}, customer_id=customer.pk
    )
    assert not second.is_default and second.email == "marco@aurora.example"
    contact_save(scope=scope, data={"is_default": True}, contact_id=second.pk)
    assert list(Contact.objects.filter(customer=customer, is_default=True)) == [second]

    with pytest.raises(ValidationError) as bad:
        contact_save(scope=scope, data={"name": "X", "email": "not-an-address", "phone": "12"}, customer_id=customer.pk)
    assert set(bad.value.message_dict) == {"email", "phone"}
    with pytest.raises(ValidationError) as taken:
        contact_save(scope=scope, data={"email": "MARCO@aurora.example"}, customer_id=customer.pk)
    assert taken.value.message_dict == {"email": ["Another contact has this address."]}
    assert Contact.objects.filter(customer=customer).count() == 2  # nothing written

    page = signed_in(tenant.company_admin).get(f"/customers/{customer.pk}/").content.decode()
    assert re.search(r'data-testid="default-contact">\s*<div[^>]*>\s*<strong>Marco Neri</strong>', page)
    assert f"/desk/contacts/{first.pk}/edit/" in page and f"/desk/customers/{customer.pk}/contacts/new/" in page
    client = signed_in(tenant.company_admin)
    made = client.post(
        f"/desk/customers/{customer.pk}/contacts/new/", {"name": "Luisa Bianchi", "is_default": "on"}, follow=True
    )
    assert "Contact Luisa Bianchi saved." in made.content.decode()
    assert Contact.objects.get(customer=customer, is_default=True).name == "Luisa Bianchi"
    assert AuditEvent.objects.filter(action="contact.update", object_id=str(second.pk)).exists()


def test_a_sender_nobody_knew_is_confirmed_for_a_customer_and_their_tickets_follow(desk, tenant):
    customer = customer_of(tenant.company)
    ticket = services.mail_ingest(mailbox=desk, raw=mail("Perdita d'acqua")).ticket
    assert ticket is not None and ticket.customer is None
    sender = ticket.contact
    client = signed_in(tenant.company_admin)
    listed = client.get("/desk/contacts/").content.decode()
    assert "anna@cliente.example" in listed and f"/desk/contacts/{sender.pk}/confirm/" in listed
    searched = client.get(f"/desk/contacts/{sender.pk}/confirm/?q=Aurora").content.decode()
    assert "Condominio Aurora" in searched and ticket.number in searched
    done = client.post(f"/desk/contacts/{sender.pk}/confirm/", {"customer": customer.pk}, follow=True)
    assert "Anna Verdi is now a contact of Condominio Aurora." in done.content.decode()
    sender.refresh_from_db()
    ticket.refresh_from_db()
    assert sender.customer == customer and sender.confirmed_at and sender.is_default
    assert ticket.customer == customer
    assert "anna@cliente.example" not in client.get("/desk/contacts/").content.decode()

    with pytest.raises(Conflict, match="has a ticket"):  # a contact with tickets stays
        contact_remove(scope=tenant.scope(tenant.company_admin), contact_id=sender.pk)
    other = services.mail_ingest(mailbox=desk, raw=mail("Ancora", sender="Anna <anna.verdi@casa.example>")).ticket
    assert other is not None
    kept = contact_confirm(scope=tenant.scope(tenant.company_admin), contact_id=other.contact_id, into_id=sender.pk)
    assert kept == sender and not Contact.objects.filter(email="anna.verdi@casa.example").exists()
    assert Ticket.objects.get(pk=other.pk).contact == sender and Ticket.objects.get(pk=other.pk).customer == customer


def test_an_equipment_tree_three_deep_is_read_in_one_query_and_shown_nested(tenant, django_assert_num_queries):
    scope = tenant.scope(tenant.company_admin)
    customer = customer_of(tenant.company)
    plant, unit, fan = tree(scope, customer, "Impianto di climatizzazione", "Unità esterna", "Ventilatore")
    equipment_save(scope=scope, data={"name": "Caldaia", "serial": "CLD-1"}, customer_id=customer.pk)
    with django_assert_num_queries(1):
        tops = reads.equipment_tree(scope, customer)
    assert [(b.item.name, b.depth) for b in reads.walk(tops)] == [
        ("Caldaia", 0),
        ("Impianto di climatizzazione", 0),
        ("Unità esterna", 1),
        ("Ventilatore", 2),
    ]
    client = signed_in(tenant.company_admin)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    drawn = re.sub(r"\s+", " ", page)
    assert re.search(
        r'<li data-depth="0"[^>]*><a [^>]*>Impianto di climatizzazione</a>.*?<ul[^>]*> <li data-depth="1"[^>]*>'
        r'<a [^>]*>Unità esterna</a>.*?<ul[^>]*> <li data-depth="2"[^>]*><a [^>]*>Ventilatore</a>.*?</li></ul></li>'
        r"</ul></li> ?</ul>",
        drawn,
    )
    panel = drawn.split('data-testid="equipment-panel"', 1)[1].split("</section>", 1)[0]
    assert panel.count("<ul") == panel.count("</ul>") == 3
    assert len(re.findall(r"<li[ >]", panel)) == panel.count("</li>") == 4
    detail = client.get(f"/desk/equipment/{fan.pk}/").content.decode()
    assert "Impianto di climatizzazione</a> \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} <a" in detail
    assert "No component." in detail
    top = client.get(f"/desk/equipment/{plant.pk}/").content.decode()
    assert re.search(r'data-depth="0".*Unità esterna.*data-depth="1".*Ventilatore', top, re.S)
    found = client.get("/desk/equipment/?serial=cld").content.decode()
    assert re.findall(r'href="/desk/equipment/(\d+)/"', found) == [str(Equipment.objects.get(serial="CLD-1").pk)]
    with pytest.raises(Conflict, match="It has a component"):
        equipment_remove(scope=scope, equipment_id=unit.pk)
    equipment_remove(scope=scope, equipment_id=fan.pk)
    assert not Equipment.objects.filter(pk=fan.pk).exists()


def test_a_loop_and_a_parent_or_site_of_another_customer_are_refused(tenant):
    scope = tenant.scope(tenant.company_admin)
    customer, other = customer_of(tenant.company), customer_of(tenant.company, "Hotel Miramare")
    plant, unit, fan = tree(scope, customer, "Impianto", "Unità", "Ventilatore")
    for parent in (fan.pk, plant.pk):
        with pytest.raises(ValidationError) as loop:
            equipment_save(scope=scope, data={"parent": parent}, equipment_id=plant.pk)
        assert loop.value.message_dict == {
            "parent": ["Equipment cannot be part of itself or of one of its own components."]
        }
    [elsewhere] = tree(scope, other, "Caldaia")
    with pytest.raises(ValidationError) as foreign:
        equipment_save(scope=scope, data={"name": "Pompa", "parent": elsewhere.pk}, customer_id=customer.pk)
    assert "same customer" in foreign.value.message_dict["parent"][0]
    site = CustomerAddress.objects.create(customer=other, kind="plant", street="Via Roma 1", city="Rimini")
    with pytest.raises(ValidationError) as wrong_site:
        equipment_save(scope=scope, data={"site": site.pk}, equipment_id=fan.pk)
    assert wrong_site.value.message_dict == {"site": ["Choose one of this customer's sites."]}
    data = {"installed_on": date(2025, 5, 1), "warranty_ends_on": date(2025, 4, 30)}
    with pytest.raises(ValidationError) as dates:
        equipment_save(scope=scope, data=data, equipment_id=fan.pk)
    assert list(dates.value.message_dict) == ["warranty_ends_on"]
    for attributes in ({"a": {"b": "c"}}, {f"k{n}": "v" for n in range(51)}, {"potenza": "x" * 201}):
        with pytest.raises(ValidationError) as bad:
            equipment_save(scope=scope, data={"attributes": attributes}, equipment_id=fan.pk)
        assert list(bad.value.message_dict) == ["attributes"]
    plant.refresh_from_db()
    fan.refresh_from_db()
    assert plant.parent_id is None and fan.parent_id == unit.pk and fan.site_id is None and fan.attributes == {}

    client = signed_in(tenant.company_admin)
    refused = client.post(f"/desk/equipment/{plant.pk}/edit/", {"name": "Impianto", "parent": fan.pk})
    assert refused.status_code == 400  # a component is not offered as the parent, nor accepted
    form = client.get(f"/desk/equipment/{unit.pk}/edit/").content.decode()
    assert f'value="{plant.pk}"' in form and f'value="{fan.pk}"' not in form and f'value="{elsewhere.pk}"' not in form
    moved = client.post(
        f"/desk/equipment/{fan.pk}/edit/",
        {"name": "Ventilatore", "parent": plant.pk, "attributes": "potenza: 12 kW\nrefrigerante: R32"},
    )
    assert moved.status_code == 302
    fan.refresh_from_db()
    assert fan.parent == plant and fan.attributes == {"potenza": "12 kW", "refrigerante": "R32"}


def test_a_provider_links_its_own_device_and_vehicle_never_another_providers(tenant, other_tenant):
    scope = tenant.scope(tenant.dispatcher)
    reg = registry(tenant.provider)
    box = device(tenant.provider, serial="TBA0042424")
    car = equipment_save(
        scope=scope,
        data={"name": "Furgone", "serial": "typed", "device": box.pk, "vehicle": reg.vehicle.pk},
        customer_id=reg.customer.pk,
    )
    assert car.device == box and car.vehicle == reg.vehicle and car.serial == ""  # linked, not copied
    assert reads.equipment_item(scope, car.pk).serial_shown == "TBA0042424"
    with pytest.raises(ValidationError) as twice:
        equipment_save(scope=scope, data={"name": "Altro", "device": box.pk}, customer_id=reg.customer.pk)
    assert twice.value.message_dict == {"device": ["TBA0042424 is linked to “Furgone” already."]}
    foreign_box = device(other_tenant.provider)
    foreign_car = registry(other_tenant.provider).vehicle
    data = {"device": foreign_box.pk, "vehicle": foreign_car.pk}
    with pytest.raises(ValidationError) as foreign:
        equipment_save(scope=scope, data=data, equipment_id=car.pk)
    assert foreign.value.message_dict == {"device": ["Link one of your own telematics devices."]}
    with pytest.raises(ValidationError) as foreign_vehicle:
        equipment_save(scope=scope, data={"vehicle": foreign_car.pk}, equipment_id=car.pk)
    assert foreign_vehicle.value.message_dict == {"vehicle": ["Link one of your vehicles."]}
    # An installer company holds the provider's devices it was shipped; it does not own them.
    shipped = device(tenant.provider, company=tenant.company)
    with pytest.raises(ValidationError, match="your own telematics devices"):
        equipment_save(
            scope=tenant.scope(tenant.company_admin),
            data={"name": "Box", "device": shipped.pk},
            customer_id=customer_of(tenant.company).pk,
        )

    page = signed_in(tenant.dispatcher).get(f"/desk/equipment/{car.pk}/").content.decode()
    assert re.search(r'data-testid="serial">TBA0042424', page) and reg.vehicle.plate in page
    api = bearer(tenant, tenant.dispatcher)
    found = get("/equipment", api, serial="0042424").json()["items"]
    assert [e["serial"] for e in found] == ["TBA0042424"]
    refused = patch(f"/equipment/{car.pk}", api, {"device_id": foreign_box.pk})
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert refused.json()["errors"] == [{"field": "device_id", "message": "Link one of your own telematics devices."}]
    unlinked = patch(f"/equipment/{car.pk}", api, {"device_id": None, "serial": "SN-1"}).json()
    assert unlinked["device_id"] is None and unlinked["serial"] == "SN-1" and unlinked["vehicle_id"] == reg.vehicle.pk


def test_the_api_keeps_contacts_and_equipment_in_keyset_pages_with_components(tenant):
    api = bearer(tenant, tenant.company_admin)
    customer = customer_of(tenant.company)
    made = post("/contacts", api, {"customer_id": customer.pk, "name": "Anna", "email": "anna@aurora.example"})
    assert made.status_code == 201 and made.json()["is_default"] and made.json()["confirmed"]
    second = post("/contacts", api, {"customer_id": customer.pk, "name": "Marco", "is_default": True}).json()
    page = get("/contacts", api, customer_id=customer.pk, limit=1).json()
    assert [c["name"] for c in page["items"]] == ["Marco"] and page["next_cursor"] == second["id"]
    rest = get("/contacts", api, customer_id=customer.pk, limit=1, cursor=page["next_cursor"]).json()
    assert [c["is_default"] for c in rest["items"]] == [False] and rest["next_cursor"] is None
    bad = post("/contacts", api, {"customer_id": customer.pk, "phone": "abc"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"phone"}
    assert patch(f"/contacts/{made.json()['id']}", api, {"role": "Amministratore"}).json()["role"] == "Amministratore"
    assert delete(f"/contacts/{made.json()['id']}", api).status_code == 204

    top = post("/equipment", api, {"customer_id": customer.pk, "name": "Impianto", "attributes": {"kW": "12"}})
    assert top.status_code == 201, top.json()
    unit = post("/equipment", api, {"customer_id": customer.pk, "name": "Unità", "parent_id": top.json()["id"]})
    post("/equipment", api, {"customer_id": customer.pk, "name": "Ventola", "parent_id": unit.json()["id"]})
    detail = get(f"/equipment/{top.json()['id']}", api).json()
    assert detail["attributes"] == {"kW": "12"}
    assert [(c["name"], [g["name"] for g in c["components"]]) for c in detail["components"]] == [("Unità", ["Ventola"])]
    loop = patch(f"/equipment/{top.json()['id']}", api, {"parent_id": unit.json()["id"]})
    assert loop.status_code == 422 and loop.json()["errors"][0]["field"] == "parent_id"
    listed = get("/equipment", api, customer_id=customer.pk, limit=2).json()
    assert len(listed["items"]) == 2 and listed["next_cursor"] is not None
    busy = delete(f"/equipment/{top.json()['id']}", api)
    assert busy.status_code == 409 and "component" in busy.json()["detail"]
    dates = {"installed_on": "2025-06-01", "warranty_ends_on": "2025-01-01"}
    late = patch(f"/equipment/{top.json()['id']}", api, dates)
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "warranty_ends_on"
    assert get("/equipment", bearer(tenant, tenant.installer)).status_code == 403  # not the back office


def test_another_organisation_gets_404_on_the_pages_and_the_api(tenant, other_tenant):
    scope = tenant.scope(tenant.company_admin)
    customer = customer_of(tenant.company)
    contact = contact_save(scope=scope, data={"name": "Anna"}, customer_id=customer.pk)
    [plant] = tree(scope, customer, "Impianto")
    stranger = signed_in(other_tenant.company_admin)
    for url in (
        f"/desk/equipment/{plant.pk}/",
        f"/desk/equipment/{plant.pk}/edit/",
        f"/desk/contacts/{contact.pk}/edit/",
        f"/desk/contacts/{contact.pk}/confirm/",
        f"/desk/customers/{customer.pk}/contacts/new/",
        f"/desk/customers/{customer.pk}/equipment/new/",
    ):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/desk/equipment/{plant.pk}/remove/").status_code == 404
    assert stranger.post(f"/desk/contacts/{contact.pk}/remove/").status_code == 404
    assert "Impianto" not in stranger.get("/desk/equipment/").content.decode()
    api = bearer(other_tenant, other_tenant.company_admin)
    assert get(f"/equipment/{plant.pk}", api).status_code == 404
    assert patch(f"/equipment/{plant.pk}", api, {"name": "Mio"}).status_code == 404
    assert delete(f"/equipment/{plant.pk}", api).status_code == 404
    assert patch(f"/contacts/{contact.pk}", api, {"name": "Mio"}).status_code == 404
    assert delete(f"/contacts/{contact.pk}", api).status_code == 404
    assert get("/equipment", api, customer_id=customer.pk).json()["items"] == []
    assert get("/contacts", api, customer_id=customer.pk).json()["items"] == []
    taken = post("/equipment", api, {"customer_id": customer.pk, "name": "Mio"})
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "customer_id"
    assert Equipment.objects.get(pk=plant.pk).name == "Impianto" and Contact.objects.filter(pk=contact.pk).exists()
