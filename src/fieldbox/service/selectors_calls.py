"""Reads of the call page (SYS "gestione chiamata"): what a call may be about (a customer's contacts, sites and
equipment), who may take it or go on site, its interventions and charges with their totals, and a customer's
history of requests. Each is scoped by the model's ``visible_to``, and the services check their input against the
same functions, so a list on screen and a refusal never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.accounts.choices import DESK, FIELD_WORKERS
from fieldbox.accounts.models import User
from fieldbox.accounts.selectors import members_for
from fieldbox.core.money import line_total
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.fleet.search import digits_of_phone
from fieldbox.service.choices import ChargeKind
from fieldbox.service.models import Charge, Contact, Equipment, Ticket, WorkOrder

FIELD_ROLES = FIELD_WORKERS
HOUR = Decimal(60)


def customer_for(scope: Scope, pk: int | None) -> Customer | None:
    if pk is None:
        return None
    return Customer.objects.visible_to(scope).filter(pk=pk).first()


def find_customers(scope: Scope, text: str, limit: int = 20) -> list[Customer]:
    """The customers a caller may be, newest first: by the registry's own matching (name, phone, e-mail), or by one
    of their contacts (name, e-mail, part of the phone number)."""
    words = " ".join(text.split())
    if not words:
        return []
    customers = Customer.objects.visible_to(scope)
    by_contact = Q(name__icontains=words) | Q(email__icontains=words)
    digits = digits_of_phone(words, least=3)
    if digits:
        by_contact |= Q(phone__contains=digits)
    contacts = Contact.objects.visible_to(scope).filter(by_contact, customer__isnull=False).values("customer_id")
    direct = fleet.search_customers(customers, words).values("pk")
    return list(customers.filter(Q(pk__in=direct) | Q(pk__in=contacts)).order_by("-pk")[:limit])


def contacts_of(scope: Scope, customer_id: int) -> QuerySet[Contact]:
    """The customer's contacts, the default one first."""
    return Contact.objects.visible_to(scope).filter(customer_id=customer_id).order_by("-is_default", "name", "pk")


def sites_of(scope: Scope, customer_id: int) -> QuerySet[CustomerAddress]:
    return CustomerAddress.objects.filter(customer__in=Customer.objects.visible_to(scope), customer_id=customer_id)


def equipment_of(scope: Scope, customer_id: int) -> QuerySet[Equipment]:
    return Equipment.objects.visible_to(scope).filter(customer_id=customer_id).order_by("name", "pk")


def desk_people(scope: Scope) -> QuerySet[User]:
    """Who may take a call: the organisation's people with a desk role."""
    ids = members_for(scope).filter(role__in=DESK).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "email")


def field_people(scope: Scope) -> QuerySet[User]:
    """Who may be sent on an intervention: the organisation's technicians (and an installer company's installers)."""
    ids = members_for(scope).filter(role__in=FIELD_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("last_name", "first_name", "email")


def interventions_for(scope: Scope) -> QuerySet[WorkOrder]:
    """The work orders of calls (the call page's interventions)."""
    return (
        WorkOrder.objects.visible_to(scope)
        .filter(ticket__isnull=False)
        .select_related("ticket", "technician", "follows")
    )


def intervention_for(scope: Scope, pk: int) -> WorkOrder:
    found = interventions_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def interventions_of(ticket: Ticket) -> list[WorkOrder]:
    """A call's interventions, first to last."""
    return list(ticket.interventions.select_related("technician", "follows").order_by("created_at", "pk"))


def charges_of(ticket: Ticket) -> list[Charge]:
    return list(ticket.charges.select_related("author"))


def charge_for(scope: Scope, pk: int) -> Charge:
    found = Charge.objects.visible_to(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def amount(charge: Charge) -> Decimal | None:
    """A charge's amount, rounded once: time at its hourly rate, a fee or a part at its unit price; none unpriced."""
    if charge.unit_price is None:
        return None
    if charge.kind == ChargeKind.TIME:
        return line_total(Decimal(charge.minutes or 0) / HOUR, charge.unit_price)
    return line_total(charge.quantity, charge.unit_price)


@dataclass(frozen=True)
class Line:
    charge: Charge
    amount: Decimal | None


@dataclass(frozen=True)
class Totals:
    """What a call's charges add up to: minutes of work, the amount of all and of the billable ones."""

    minutes: int
    amount: Decimal
    billable: Decimal
    unpriced: int


def lines(charges: list[Charge]) -> list[Line]:
    return [Line(c, amount(c)) for c in charges]


def totals(charged: list[Line]) -> Totals:
    """The sum of amounts each rounded once (``core.money``): the total is what the lines show, added up."""
    priced = [(line.amount, line.charge.billable) for line in charged if line.amount is not None]
    return Totals(
        minutes=sum(line.charge.minutes or 0 for line in charged if line.charge.kind == ChargeKind.TIME),
        amount=sum((a for a, _billable in priced), Decimal("0.00")),
        billable=sum((a for a, billable in priced if billable), Decimal("0.00")),
        unpriced=len(charged) - len(priced),
    )


def customer_tickets(scope: Scope, customer_id: int, limit: int = 20) -> list[Ticket]:
    """A customer's requests, every status, newest first (the history that stays after closing)."""
    qs = Ticket.objects.visible_to(scope).filter(customer_id=customer_id).select_related("team", "contact")
    return list(qs.order_by("-pk")[:limit])
