"""Reads of the registry, scoped by each model's ``visible_to``: a provider sees its own records, an installer
company the devices at its premises and the vehicles of its open jobs (never the provider's customers,
subscriptions or products in a list). Every organisation sees its own customers, their sites and files."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer, CustomerAddress, CustomerFile, Device, Product, Subscription, Vehicle
from fieldbox.fleet.search import digits_of_phone


def subscriptions_for(scope: Scope) -> QuerySet[Subscription]:
    return Subscription.objects.visible_to(scope)


def subscription_id_by_number(scope: Scope, number: str) -> int | None:
    return subscriptions_for(scope).filter(number__iexact=number.strip()).values_list("pk", flat=True).first()


def subscription_for(scope: Scope, pk: int) -> Subscription:
    found = subscriptions_for(scope).select_related("customer", "vehicle", "product").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def devices_for(scope: Scope) -> QuerySet[Device]:
    return Device.objects.visible_to(scope)


def customers_for(scope: Scope) -> QuerySet[Customer]:
    return Customer.objects.visible_to(scope)


def customer_for(scope: Scope, pk: int) -> Customer:
    found = customers_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def customer_sites(customer: Customer) -> QuerySet[CustomerAddress]:
    """A customer (already read through its scope) and its sites, in the order they were given."""
    return customer.addresses.order_by("pk")


def customer_files(customer: Customer) -> QuerySet[CustomerFile]:
    """The files of a customer already read through its scope, newest first."""
    return customer.files.select_related("uploaded_by").order_by("-pk")


def customer_file_for(scope: Scope, pk: int, customer_id: int | None = None) -> CustomerFile:
    """A file of one of the scope's customers (of ``customer_id`` when given); 404 otherwise."""
    found = CustomerFile.objects.filter(pk=pk, customer__in=customers_for(scope))
    if customer_id is not None:
        found = found.filter(customer_id=customer_id)
    file = found.select_related("customer").first()
    if file is None:
        raise Http404
    return file


def search_customers(qs: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    text = text.strip()
    if not text:
        return qs
    q = (
        Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(company_name__icontains=text)
        | Q(email__icontains=text)
        | Q(code__iexact=text)
        | Q(vat_number__icontains="".join(text.split()).upper())
        | Q(fiscal_code__iexact="".join(text.split()))
    )
    digits = digits_of_phone(text, least=3)  # a part of the number is enough in the registry's list
    if digits:
        q |= Q(phone__contains=digits) | Q(phone_other__contains=digits)
    return qs.filter(q)


def vehicles_for(scope: Scope) -> QuerySet[Vehicle]:
    """A provider's vehicles; for an installer company, the vehicles of its open jobs."""
    return Vehicle.objects.visible_to(scope)


def vehicle_for(scope: Scope, pk: int) -> Vehicle:
    found = vehicles_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def vehicle_devices(scope: Scope, vehicle: Vehicle) -> QuerySet[Device]:
    return devices_for(scope).filter(vehicle=vehicle).select_related("product").order_by("-pk")


def vehicle_jobs(scope: Scope, vehicle: Vehicle) -> QuerySet[Any]:
    """The vehicle's jobs this scope sees (the jobs app's own ``visible_to``, through the relation)."""
    jobs: QuerySet[Any] = vehicle.jobs.visible_to(scope)
    return jobs.order_by("-pk")


def products_for(scope: Scope) -> QuerySet[Product]:
    return Product.objects.visible_to(scope)


def product_for(scope: Scope, pk: int) -> Product:
    found = products_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
