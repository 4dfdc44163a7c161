"""Demo service desk: Officina Rossi runs its own after-sales service — its customers with their sites, contacts and
equipment, two teams with their support addresses, mail that came in through the same path as a mail server's pipe
(the .eml files in ``fixtures/``), calls taken by phone with their interventions and charges, tickets in every
status, and a customer's contact who signs in to the portal. Everything goes through the services, as a user's
clicks would."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from fieldbox.accounts.demo import PASSWORD
from fieldbox.accounts.models import Invitation, Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.accounts.services import invitation_accept
from fieldbox.core.tenancy import Scope
from fieldbox.core.tokens import hash_token, new_token
from fieldbox.fleet import services as registry
from fieldbox.fleet.models import Customer
from fieldbox.service import demo_work, services
from fieldbox.service.choices import ChargeKind, ClosedReply, Priority, TicketKind
from fieldbox.service.models import Contact, Equipment, InboundMail, Mailbox, Team, Ticket
from fieldbox.service.services import calls, contacts, equipment, portal
from fieldbox.service.services.sla import service_levels_save

COMPANY, DESK_ADMIN = "Officina Rossi", "admin@rossi.example"
# The contact who signs in to the portal (password: the demo's).
PORTAL_CONTACT = "info@barcentrale.example"
# (team, its support address, a reply to a closed ticket)
TEAMS = [
    ("Assistenza tecnica", "assistenza@rossi.example", ClosedReply.REOPEN),
    ("Amministrazione", "amministrazione@rossi.example", ClosedReply.NEW),
]
MAIL = Path(__file__).parent / "fixtures"
SITE = {"country": "IT"}
CUSTOMERS: list[dict[str, Any]] = [
    {
        "data": {
            "kind": "company",
            "company_name": "Bar Centrale",
            "code": "C001",
            "vat_number": "IT02817310150",
            "sdi_code": "M5UXCR1",
            "pec": "barcentrale@pec.example",
            "payment_terms": "30fm",
            "phone": "+390342210101",
            "email": "info@barcentrale.example",
            "portal_shared": True,
        },
        "sites": [
            {
                "kind": "head_office",
                "name": "Bar",
                "street": "Piazza Garibaldi 3",
                "postcode": "23100",
                "city": "Sondrio",
                "latitude": "46.169900",
                "longitude": "9.871500",
            },
        ],
        "contacts": [
            {"name": "Bar Centrale", "email": "info@barcentrale.example", "phone": "+390342210101", "is_default": True},
            {"name": "Ufficio amministrativo", "email": "amministrazione@barcentrale.example", "role": "accounts"},
        ],
        "equipment": [
            (
                "Macchina del caffè La Cimbali M26",
                "LC-M26-40117",
                "La Cimbali M26",
                None,
                {"gruppi": "2", "alimentazione": "230 V"},
            ),
            ("Macinadosatore", "MD-8812", "Mazzer Super Jolly", 0, {}),
            ("Addolcitore", "AD-551", "Brita Purity C300", 0, {}),
            ("Cartuccia filtrante", "CF-2026-03", "Brita C300", 2, {"cambio": "ogni 6 mesi"}),
        ],
    },
    {
        "data": {
            "kind": "company",
            "company_name": "Logistica Po S.r.l.",
            "code": "C002",
            "vat_number": "IT04123850010",
            "sdi_code": "KRRH6B9",
            "pec": "logisticapo@pec.example",
            "payment_terms": "60df",
            "phone": "+390115550200",
            "email": "flotta@logisticapo.example",
        },
        "sites": [
            {
                "kind": "head_office",
                "name": "Sede",
                "street": "Corso Francia 200",
                "postcode": "10143",
                "city": "Torino",
                "latitude": "45.076500",
                "longitude": "7.637800",
            },
            {
                "kind": "warehouse",
                "name": "Magazzino Settimo",
                "street": "Via Torino 150",
                "postcode": "10036",
                "city": "Settimo Torinese",
                "latitude": "45.137600",
                "longitude": "7.770800",
            },
        ],
        "contacts": [
            {
                "name": "Ufficio flotta",
                "email": "flotta@logisticapo.example",
                "phone": "+390115550200",
                "is_default": True,
            },
            {"name": "Sara Colombo", "email": "sara.colombo@logisticapo.example", "role": "fleet manager"},
        ],
        "equipment": [
            ("Furgone FK321GL", "FK321GL", "Iveco Daily 35S14", None, {"targa": "FK321GL"}),
            ("Centralina telematica", "CT-77120", "Teltonika FMC130", 0, {}),
            ("Cella frigorifera", "CF-9031", "Thermo King V-300", 0, {"refrigerante": "R452A"}),
        ],
    },
    {
        "data": {
            "kind": "person",
            "first_name": "Giulia",
            "last_name": "Ferrari",
            "fiscal_code": "FRRGLI80A41F205Z",
            "phone": "+393471234567",
            "email": "giulia.ferrari@example.com",
        },
        "sites": [
            {
                "kind": "residence",
                "street": "Via Roma 12",
                "postcode": "20121",
                "city": "Milano",
                "latitude": "45.466900",
                "longitude": "9.190000",
            },
        ],
        "contacts": [{"name": "Giulia Ferrari", "email": "giulia.ferrari@example.com", "is_default": True}],
        "equipment": [("Caldaia a condensazione", "CD-24-33091", "Vaillant ecoTEC plus", None, {"potenza": "24 kW"})],
    },
]


def companies() -> QuerySet[Organisation]:
    """The demo's after-sales workshop (a queryset: empty before the demo is loaded)."""
    return Organisation.objects.filter(name=COMPANY)


def company() -> Organisation:
    return Organisation.objects.get(name=COMPANY)


def reset() -> None:
    companies = Organisation.objects.filter(name=COMPANY)
    demo_work.reset(companies)
    InboundMail.objects.filter(organisation__in=companies).delete()
    Ticket.objects.filter(organisation__in=companies).delete()
    owned = Equipment.objects.filter(organisation__in=companies)
    while owned.exists():  # the leaves first: a component keeps its parent
        owned.filter(components__isnull=True).delete()
    portal_users = Contact.objects.filter(organisation__in=companies, user__isnull=False).values("user_id")
    User.objects.filter(pk__in=portal_users).delete()
    Contact.objects.filter(organisation__in=companies).delete()
    Customer.objects.filter(organisation__in=companies).delete()
    Mailbox.objects.filter(organisation__in=companies).delete()
    Team.objects.filter(organisation__in=companies).delete()
    Invitation.objects.filter(organisation__in=companies, email=PORTAL_CONTACT).delete()


def load() -> None:
    company = Organisation.objects.get(name=COMPANY)
    scope = scope_for(User.objects.get(email=DESK_ADMIN), company.pk)
    assert scope is not None
    service_levels_save(
        scope=scope,
        rows=[
            {"priority": Priority.URGENT, "response_hours": 1, "resolution_hours": 8},
            {"priority": Priority.HIGH, "response_hours": 4, "resolution_hours": 16},
        ],
    )
    for spec in CUSTOMERS:
        _customer(scope, spec)
    boxes = {}
    for name, address, closed_reply in TEAMS:
        team = Team.objects.create(organisation=company, name=name, closed_reply=closed_reply)
        boxes[address] = Mailbox.objects.create(organisation=company, team=team, address=address)
    received = {}
    for path in sorted(MAIL.glob("*.eml")):
        raw = path.read_bytes()
        to = next(a for a in boxes if a.encode() in raw.split(b"\n\n", 1)[0])
        received[path.stem] = services.mail_ingest(mailbox=boxes[to], raw=raw).ticket
    _mail_answered(scope, received)
    _calls(scope)
    _portal(scope)
    demo_work.load(company)


def _customer(scope: Scope, spec: dict[str, Any]) -> None:
    customer = registry.customer_save(scope=scope, data=spec["data"], addresses=[SITE | s for s in spec["sites"]])
    for data in spec["contacts"]:
        contacts.contact_save(scope=scope, data=data, customer_id=customer.pk)
    site = customer.addresses.order_by("pk").first()
    made: list[Equipment] = []
    for name, serial, product, parent, attributes in spec["equipment"]:
        data = {
            "name": name,
            "serial": serial,
            "product": product,
            "attributes": attributes,
            "installed_on": date(2024, 3, 15),
            "warranty_ends_on": date(2027, 3, 15),
            "site": site.pk if site else None,
            "parent": made[parent].pk if parent is not None else None,
        }
        made.append(equipment.equipment_save(scope=scope, data=data, customer_id=customer.pk))


def _mail_answered(scope: Scope, received: dict[str, Ticket | None]) -> None:
    van, invoice, coffee = received["02-furgone-centralina"], received["04-fattura"], received["01-perdita-acqua"]
    assert van is not None
    assert invoice is not None
    assert coffee is not None
    # The van: answered, then the customer added a line (03 threads by its references), so it is open again.
    services.ticket_reply(
        scope=scope, ticket_id=van.pk, text="Buongiorno, passiamo giovedì mattina a controllare la centralina."
    )
    calls.intervention_create(scope=scope, ticket_id=van.pk, description="Controllo centralina e cablaggio CAN.")
    # The invoice: answered, resolved and closed.
    services.ticket_reply(scope=scope, ticket_id=invoice.pk, text="Verificato: vi mandiamo la nota di credito.")
    services.ticket_resolve(scope=scope, ticket_id=invoice.pk)
    services.ticket_close(scope=scope, ticket_id=invoice.pk)
    # The coffee machine: asked for a photo of the leak, waiting for the customer.
    services.ticket_reply(scope=scope, ticket_id=coffee.pk, text="Ci mandate una foto della perdita, per favore?")
    services.ticket_wait(scope=scope, ticket_id=coffee.pk)


def _calls(scope: Scope) -> None:
    """Calls taken by phone: one solved on the phone (it stays, never planned), one with a visit to plan and its
    charges, one cancelled."""
    giulia = Customer.objects.get(organisation=scope.organisation, last_name="Ferrari")
    boiler = Equipment.objects.get(customer=giulia)
    team = Team.objects.get(organisation=scope.organisation, name="Assistenza tecnica")
    base = {"customer_id": giulia.pk, "equipment_id": boiler.pk, "team_id": team.pk, "channel": "phone"}
    reset_call = calls.ticket_create(
        scope=scope,
        data=base
        | {
            "subject": "Caldaia in blocco (errore F28)",
            "kind": TicketKind.FAULT,
            "priority": Priority.HIGH,
            "description": "La caldaia è in blocco da stamattina.",
            "intervention": "Verifica accensione.",
        },
    )
    first = reset_call.interventions.get()
    calls.intervention_by_phone(
        scope=scope, intervention_id=first.pk, outcome="Sbloccata al telefono: pressione riportata a 1,5 bar."
    )
    calls.charge_add(
        scope=scope,
        ticket_id=reset_call.pk,
        kind=ChargeKind.TIME,
        description="Assistenza telefonica",
        minutes=15,
        unit_price=Decimal("40.00"),
        billable=False,
    )
    services.ticket_resolve(scope=scope, ticket_id=reset_call.pk)
    service = calls.ticket_create(
        scope=scope,
        data=base
        | {
            "subject": "Manutenzione annuale caldaia",
            "kind": TicketKind.MAINTENANCE,
            "description": "Vorrei fissare la manutenzione annuale.",
            "intervention": "Manutenzione annuale e analisi fumi.",
        },
    )
    calls.charge_add(
        scope=scope,
        ticket_id=service.pk,
        kind=ChargeKind.FEE,
        description="Diritto di chiamata",
        unit_price=Decimal("35.00"),
    )
    calls.charge_add(
        scope=scope,
        ticket_id=service.pk,
        kind=ChargeKind.PART,
        description="Kit guarnizioni",
        quantity=Decimal("1"),
        unit_price=Decimal("18.50"),
    )
    services.ticket_open(scope=scope, ticket_id=service.pk)
    dup = calls.ticket_create(
        scope=scope, data=base | {"subject": "Richiamata per la manutenzione", "description": "Ha già chiamato."}
    )
    calls.ticket_merge(scope=scope, ticket_id=dup.pk, into=service.number)
    wrong = calls.ticket_create(
        scope=scope, data=base | {"subject": "Numero sbagliato", "description": "Cercava un idraulico."}
    )
    services.ticket_cancel(scope=scope, ticket_id=wrong.pk, reason="Non era per noi: numero sbagliato.")


def _portal(scope: Scope) -> None:
    """Bar Centrale's contact signs in to the portal: invited, and the invitation's link used with the demo's
    password (the link the e-mail carries, made known here)."""
    contact = Contact.objects.get(organisation=scope.organisation, email=PORTAL_CONTACT)
    invitation = portal.portal_invite(scope=scope, contact_id=contact.pk)
    raw, token_hash = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    assert hash_token(raw) == token_hash
    user = invitation_accept(raw_token=raw, user=None, first_name="Bar", last_name="Centrale", password=PASSWORD)
    # A request opened on the portal, not yet seen by the desk (new).
    contact_scope = scope_for(user, scope.organisation.pk)
    assert contact_scope is not None
    machine = Equipment.objects.get(customer=contact.customer, parent=None)
    portal.portal_ticket_open(
        scope=contact_scope,
        subject="Il macinino fa rumore",
        text="Da ieri il macinadosatore fa un rumore metallico quando macina.",
        equipment_id=machine.pk,
    )
