"""The organisations, people, tokens and draft jobs of ``test_many_processes``'s working day.

Run as a script against the day's own database (``DATABASE_URL``), in its own process with the production-like
environment of the servers: the rows are committed before the servers are asked anything. Prints one JSON object:
the tokens of the people who act over HTTP and the ids of what they act on."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import django


def billing(company: Any, customers: int) -> list[int]:
    """The installer company's back office: its seller data, a price list, and something left to bill to each of
    ``customers`` Italian customers (one draft invoice each in a run)."""
    from fieldbox.commerce.models import Billable, Item, Price, PriceList
    from fieldbox.commerce.models.invoicing import InvoicingSettings
    from fieldbox.fleet.models import Customer, CustomerAddress

    InvoicingSettings.objects.create(
        organisation=company,
        vat_number="01234560033",
        street="Via Emilia 10",
        postcode="40100",
        town="Bologna",
        province="BO",
        iban="IT60X0542811101000000123456",
    )
    public = PriceList.objects.create(organisation=company, name="Listino pubblico", is_default=True)
    part = Item.objects.create(organisation=company, code="FLT-100", description="Filtro aria", last_cost=Decimal(8))
    Price.objects.create(price_list=public, item=part, price=Decimal("24.90"), valid_from=date(2026, 1, 1))
    made = []
    for n in range(customers):
        customer = Customer.objects.create(
            organisation=company,
            kind="company",
            company_name=f"Condominio {n}",
            vat_number="04567890126",
            sdi_code="ABC1234",
        )
        CustomerAddress.objects.create(
            customer=customer, kind="plant", street=f"Via Roma {n}", city="Bologna", postcode="40121"
        )
        Billable.objects.create(
            organisation=company, customer=customer, item=part, description="Filtro aria", quantity=Decimal(2)
        )
        made.append(customer.pk)
    return made


def removable(provider: Any, vehicles: int) -> list[list[str]]:
    """Vehicles of ``provider`` with a VIN and an active subscription: [VIN, subscription number] each."""
    from fieldbox.fleet.models import Vehicle
    from fieldbox.fleet.tests.factories import registry

    rows = []
    for n in range(vehicles):
        reg = registry(provider)
        vin = f"WBA1T5108{n + 1:08d}"
        Vehicle.objects.filter(pk=reg.vehicle.pk).update(vin=vin, make="BMW", model="SERIE 1")
        rows.append([vin, reg.subscription.number])
    return rows


def main(jobs: int, installers: int, customers: int, removals: int) -> dict[str, object]:
    from fieldbox.accounts.choices import Role
    from fieldbox.accounts.services.tokens import token_create
    from fieldbox.accounts.tests.factories import member
    from fieldbox.accounts.tests.fixtures import make_tenant, scope_of
    from fieldbox.jobs.tests.factories import draft_job

    tenant = make_tenant("day")
    fitters = [tenant.installer] + [
        member(tenant.company, Role.INSTALLER, email=f"fitter{n}@day-workshop.example") for n in range(1, installers)
    ]

    from fieldbox.service.models import Mailbox, Team

    billed = billing(tenant.company, customers)
    technicians = [
        member(
            tenant.company,
            Role.TECHNICIAN,
            email=f"tech{n}@day-workshop.example",
            first_name="Tecnico",
            last_name=f"N{n}",
        )
        for n in range(2)
    ]
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    mailbox = Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@day-workshop.example")
    office = member(tenant.company, Role.OFFICE, email="office@day-workshop.example")

    def token(user: Any, organisation: Any) -> str:
        return token_create(scope=scope_of(user, organisation), name="many processes", days=1)[1]

    return {
        "company_id": tenant.company.pk,
        "dispatcher": token(tenant.dispatcher, tenant.provider),
        "installers": [token(user, tenant.company) for user in fitters],
        "office": token(office, tenant.company),
        "desk": token(tenant.company_admin, tenant.company),
        "customers": billed,
        "technicians": [{"id": user.pk, "token": token(user, tenant.company)} for user in technicians],
        "mailbox": mailbox.address,
        "installer_code": tenant.company.installer_code,
        "removals": removable(tenant.provider, removals),
        "jobs": [draft_job(tenant).pk for _ in range(jobs)],
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
    django.setup()
    print(json.dumps(main(*(int(arg) for arg in sys.argv[1:5]))))
