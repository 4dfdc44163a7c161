"""The world of the sales and stock tests: an after-sales workshop with its office, two technicians with a van
each, a warehouse, a customer with a site and a contact, a supplier, items and a price list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.commerce.choices import ItemKind, LocationKind
from fieldbox.commerce.models import Item, Price, PriceList, StockLocation, Supplier
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.models import Contact, Resource, WorkType


@dataclass
class Shop:
    org: Organisation
    admin: User
    office: User
    marco: User  # a technician with van 1
    luca: User  # a technician with van 2
    customer: Customer
    site: CustomerAddress
    contact: Contact
    supplier: Supplier
    warehouse: StockLocation
    van1: StockLocation
    van2: StockLocation
    filter_: Item  # a spare part
    gas: Item  # a consumable, by the kilogram
    labour: Item
    public: PriceList  # the default list
    work_type: WorkType

    def scope(self, user: User) -> Scope:
        return scope_of(user, self.org)


@pytest.fixture
def shop(tenant) -> Shop:
    org = tenant.company
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    luca = member(org, Role.TECHNICIAN, email="luca@rossi.example", first_name="Luca", last_name="Neri")
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    contact = Contact.objects.create(
        organisation=org, customer=customer, name="Giulia Verdi", email="giulia@aurora.example", is_default=True
    )
    van = Resource.objects.create(organisation=org, name="Furgone 1", code="FG123AB")
    public = PriceList.objects.create(organisation=org, name="Listino pubblico", is_default=True)
    filter_ = Item.objects.create(
        organisation=org, code="FLT-100", description="Filtro aria caldaia", last_cost=Decimal("8.5")
    )
    gas = Item.objects.create(
        organisation=org, code="R32", description="Gas refrigerante R32", kind=ItemKind.CONSUMABLE, unit="kg"
    )
    labour = Item.objects.create(
        organisation=org, code="MO", description="Manodopera", kind=ItemKind.LABOUR, unit="h", tracked=False
    )
    since = date(2026, 1, 1)
    for item, amount in ((filter_, "24.90"), (gas, "38.00"), (labour, "45.00")):
        Price.objects.create(price_list=public, item=item, price=Decimal(amount), valid_from=since)
    return Shop(
        org=org,
        admin=tenant.company_admin,
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=marco,
        luca=luca,
        customer=customer,
        site=site,
        contact=contact,
        supplier=Supplier.objects.create(organisation=org, name="Ricambi Emilia srl", email="ordini@ricambi.example"),
        warehouse=StockLocation.objects.create(
            organisation=org, kind=LocationKind.WAREHOUSE, name="Magazzino centrale"
        ),
        van1=StockLocation.objects.create(
            organisation=org, kind=LocationKind.VAN, name="Furgone 1", keeper=marco, resource=van
        ),
        van2=StockLocation.objects.create(organisation=org, kind=LocationKind.VAN, name="Furgone 2", keeper=luca),
        filter_=filter_,
        gas=gas,
        labour=labour,
        public=public,
        work_type=WorkType.objects.create(organisation=org, name="Manutenzione ordinaria"),
    )
