"""Registry records for tests: a product, a customer with a vehicle and subscription, devices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Membership, Organisation
from fieldbox.accounts.tests.factories import member
from fieldbox.core import transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE, SUBSCRIPTION_TABLE
from fieldbox.fleet.models import Customer, Device, Product, Subscription, Vehicle
from fieldbox.fleet.validators import luhn_ok

_numbers = itertools.count(1)


def imei(seed: int) -> str:
    """A valid 15-digit IMEI (Luhn check digit) made from ``seed``."""
    body = f"35693803{seed:06d}"
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


@dataclass
class Registry:
    product: Product
    customer: Customer
    vehicle: Vehicle
    subscription: Subscription


def product_of(provider: Organisation) -> Product:
    return Product.objects.get_or_create(
        provider=provider,
        code="BOX",
        defaults={"name": "IOBox", "serial_prefix": "TBA", "imei_required": True, "emergency_button": True},
    )[0]


def logistics(provider: Organisation) -> Scope:
    """A dispatcher of ``provider`` (made if it has none): registry records go through their tables, counted."""
    found = Membership.objects.filter(organisation=provider, role=Role.DISPATCHER).select_related("user").first()
    if found is None:
        member(provider, Role.DISPATCHER)
        found = Membership.objects.select_related("user").get(organisation=provider, role=Role.DISPATCHER)
    return Scope(user=found.user, membership=found)


def registry(provider: Organisation, *, plate: str | None = None, arrived_on: date | None = None) -> Registry:
    n = next(_numbers)
    product = product_of(provider)
    customer = Customer.objects.create(
        organisation=provider, first_name="Luca", last_name=f"Bianchi{n}", phone="+393331234567", language="it"
    )
    vehicle = Vehicle.objects.create(
        provider=provider, plate=plate or f"AB{n:03d}CD", make="Fiat", model="Panda", vehicle_type="car"
    )
    subscription = Subscription(
        provider=provider,
        number=f"POL{n:06d}",
        customer=customer,
        vehicle=vehicle,
        product=product,
        arrived_on=arrived_on or date(2026, 1, 1),
    )
    with transitions.atomic():
        SUBSCRIPTION_TABLE.create(subscription, "create", scope=logistics(provider))
    return Registry(product, customer, vehicle, subscription)


def device(provider: Organisation, *, company: Organisation | None = None, serial: str | None = None) -> Device:
    """A device loaded into ``provider``'s stock, shipped to ``company`` when given (through the device table)."""
    n = next(_numbers)
    box = Device(provider=provider, product=product_of(provider), serial=serial or f"TBA{n:07d}", imei=imei(n))
    scope = logistics(provider)
    with transitions.atomic():
        DEVICE_TABLE.create(box, "load", scope=scope)
        if company is not None:
            DEVICE_TABLE.apply(box, "ship", scope=scope, changes={"company": company})
    return box


def many_registries(provider: Organisation, count: int) -> list[Registry]:
    """``count`` customers, vehicles and subscriptions in a few multi-row inserts (lists and totals at size)."""
    product = product_of(provider)
    start = next(_numbers) * 10_000
    customers = Customer.objects.bulk_create(
        [Customer(organisation=provider, first_name="Anna", last_name=f"Verdi{start + n}") for n in range(count)]
    )
    vehicles = Vehicle.objects.bulk_create(
        [Vehicle(provider=provider, plate=f"ZZ{start + n:07d}", make="Fiat") for n in range(count)]
    )
    subscriptions = [
        Subscription(
            provider=provider,
            number=f"BULK{start + n}",
            customer=c,
            vehicle=v,
            product=product,
            arrived_on=date(2026, 1, 1),
        )
        for n, (c, v) in enumerate(zip(customers, vehicles, strict=True))
    ]
    with transitions.atomic():
        SUBSCRIPTION_TABLE.create_many(subscriptions, "create", scope=logistics(provider))
    return [Registry(product, s.customer, s.vehicle, s) for s in subscriptions]
