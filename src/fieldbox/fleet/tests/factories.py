"""Registry records for tests: a product, a customer with a vehicle and subscription, devices."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from fieldbox.accounts.models import Organisation
from fieldbox.fleet.choices import DeviceStatus
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


def registry(provider: Organisation, *, plate: str | None = None, arrived_on: date | None = None) -> Registry:
    n = next(_numbers)
    product = product_of(provider)
    customer = Customer.objects.create(
        provider=provider, first_name="Luca", last_name=f"Bianchi{n}", phone="+393331234567", language="it"
    )
    vehicle = Vehicle.objects.create(
        provider=provider, plate=plate or f"AB{n:03d}CD", make="Fiat", model="Panda", vehicle_type="car"
    )
    subscription = Subscription.objects.create(
        provider=provider,
        number=f"POL{n:06d}",
        customer=customer,
        vehicle=vehicle,
        product=product,
        arrived_on=arrived_on or date(2026, 1, 1),
    )
    return Registry(product, customer, vehicle, subscription)


def device(provider: Organisation, *, company: Organisation | None = None, serial: str | None = None) -> Device:
    n = next(_numbers)
    return Device.objects.create(
        provider=provider,
        product=product_of(provider),
        serial=serial or f"TBA{n:07d}",
        imei=imei(n),
        status=DeviceStatus.SHIPPED if company else DeviceStatus.IN_STOCK,
        company=company,
    )
