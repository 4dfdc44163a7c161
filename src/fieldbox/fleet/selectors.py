"""Reads of the registry, scoped: a provider sees its own records, a company the devices shipped to it."""

from __future__ import annotations

from django.db.models import QuerySet

from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Device, Subscription


def subscriptions_for(scope: Scope) -> QuerySet[Subscription]:
    if not scope.organisation.is_provider:
        return Subscription.objects.none()
    return Subscription.objects.filter(provider=scope.organisation)


def subscription_id_by_number(scope: Scope, number: str) -> int | None:
    return subscriptions_for(scope).filter(number__iexact=number.strip()).values_list("pk", flat=True).first()


def devices_for(scope: Scope) -> QuerySet[Device]:
    org = scope.organisation
    if org.is_provider:
        return Device.objects.filter(provider=org)
    return Device.objects.filter(company=org)
