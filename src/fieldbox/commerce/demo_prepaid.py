"""The demo's prepaid minutes, for Officina Rossi, made through the same services a person uses: a package of 300
minutes sold to the customer of an open call a month ago, half used by the time recorded on that call (rounded to
blocks of 15 minutes) and by one call the office wrote down by hand; the customer is told at 60 minutes left.

``load(company)`` runs after ``commerce.demo.load``; ``reset(companies)`` before ``commerce.demo.reset`` (the
packages hold their customers)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import QuerySet

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services import prepaid
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import OPEN_TICKET
from fieldbox.service.models import Ticket
from fieldbox.service.services.calls import charge_add

OFFICE = "ufficio@rossi.example"
# The time recorded on the call (minutes, what was done): 40 → 45, 25 → 30, 70 → 75 counted = 150 of 300.
CALL_TIME = [
    (40, "Assistenza telefonica: reset della centralina"),
    (25, "Richiamata: verifica pressione impianto"),
    (70, "Intervento da remoto sul termostato"),
]


def reset(companies: QuerySet[Organisation]) -> None:
    """Delete the demo's packages and their ledgers (moves first: a reversal holds the move it reverses)."""
    MinuteMove.objects.filter(organisation__in=companies).order_by("-pk").delete()
    PrepaidPackage.objects.filter(organisation__in=companies).delete()


def _scope(company: Organisation, email: str) -> Scope | None:
    user = User.objects.filter(email=email).first()
    return scope_for(user, company.pk) if user is not None else None


def load(company: Organisation) -> PrepaidPackage | None:
    """A package half used: 300 minutes, 150 used (answers it; None when the demo has no call with a customer)."""
    office = _scope(company, OFFICE)
    calls = Ticket.objects.filter(organisation=company, customer__isnull=False)
    ticket = calls.filter(status__in=OPEN_TICKET).order_by("pk").first() or calls.order_by("pk").first()
    if office is None or ticket is None or ticket.customer_id is None:
        return None
    today = clock.today(company.time_zone)
    package = prepaid.package_create(
        scope=office,
        customer_id=ticket.customer_id,
        data={
            "minutes": 300,
            "price": Decimal("210.00"),
            "rounding_minutes": 15,
            "minimum_minutes": 15,
            "valid_from": today - timedelta(days=30),
            "valid_until": today + timedelta(days=335),
            "low_minutes": 60,
            "tell_customer": True,
            "notes": "Pacchetto assistenza telefonica 5 ore",
        },
    )
    if ticket.status in OPEN_TICKET:
        for minutes, what in CALL_TIME:
            charge_add(scope=office, ticket_id=ticket.pk, kind="time", description=what, minutes=minutes)
    else:
        prepaid.minutes_use(scope=office, package_id=package.pk, minutes=150, reason="Assistenza telefonica")
    return package
