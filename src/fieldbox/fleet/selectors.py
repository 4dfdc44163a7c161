"""Reads of the registry, scoped: a provider sees its own records, a company the devices shipped to it.

An installer company sees a vehicle only while it has an open job on it (``jobs.selectors.sees_personal_data``),
and never the provider's customers, subscriptions or products.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer, Device, Product, Subscription, Vehicle
from fieldbox.jobs import selectors as job_selectors
from fieldbox.jobs.choices import ENDED
from fieldbox.jobs.models import Job


def subscriptions_for(scope: Scope) -> QuerySet[Subscription]:
    if not scope.organisation.is_provider:
        return Subscription.objects.none()
    return Subscription.objects.filter(provider=scope.organisation)


def subscription_id_by_number(scope: Scope, number: str) -> int | None:
    return subscriptions_for(scope).filter(number__iexact=number.strip()).values_list("pk", flat=True).first()


def subscription_for(scope: Scope, pk: int) -> Subscription:
    found = subscriptions_for(scope).select_related("customer", "vehicle", "product").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def devices_for(scope: Scope) -> QuerySet[Device]:
    org = scope.organisation
    if org.is_provider:
        return Device.objects.filter(provider=org)
    return Device.objects.filter(company=org)


def device_since(device_ids: list[int]) -> dict[int, datetime]:
    """When each device entered its current status (its last audited move), in one query."""
    rows = (
        AuditEvent.objects.filter(object_type=Device._meta.label_lower, object_id__in=[str(i) for i in device_ids])
        .values("object_id")
        .annotate(last=Max("at"))
    )
    return {int(r["object_id"]): r["last"] for r in rows}


def customers_for(scope: Scope) -> QuerySet[Customer]:
    if not scope.organisation.is_provider:
        return Customer.objects.none()
    return Customer.objects.filter(provider=scope.organisation)


def customer_for(scope: Scope, pk: int) -> Customer:
    found = customers_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def search_customers(qs: QuerySet[Customer], text: str) -> QuerySet[Customer]:
    text = text.strip()
    if not text:
        return qs
    digits = "".join(c for c in text if c.isdigit())
    q = (
        Q(first_name__icontains=text)
        | Q(last_name__icontains=text)
        | Q(company_name__icontains=text)
        | Q(email__icontains=text)
    )
    if len(digits) >= 3:
        q |= Q(phone__contains=digits.lstrip("0")) | Q(phone_other__contains=digits.lstrip("0"))
    return qs.filter(q)


def vehicles_for(scope: Scope) -> QuerySet[Vehicle]:
    """A provider's vehicles; for an installer company, the vehicles of its open jobs."""
    org = scope.organisation
    if org.is_provider:
        return Vehicle.objects.filter(provider=org)
    open_jobs = job_selectors.jobs_for(scope).exclude(status__in=ENDED)
    return Vehicle.objects.filter(pk__in=open_jobs.values("vehicle_id"))


def vehicle_for(scope: Scope, pk: int) -> Vehicle:
    found = vehicles_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def vehicle_devices(scope: Scope, vehicle: Vehicle) -> QuerySet[Device]:
    return devices_for(scope).filter(vehicle=vehicle).select_related("product").order_by("-pk")


def vehicle_jobs(scope: Scope, vehicle: Vehicle) -> QuerySet[Job]:
    return job_selectors.jobs_for(scope).filter(vehicle=vehicle).order_by("-pk")


def products_for(scope: Scope) -> QuerySet[Product]:
    if not scope.organisation.is_provider:
        return Product.objects.none()
    return Product.objects.filter(provider=scope.organisation)


def product_for(scope: Scope, pk: int) -> Product:
    found = products_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
