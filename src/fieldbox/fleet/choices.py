"""Kinds and statuses of the registry, with the transition tables of devices and subscriptions."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import CARE, INSTALLER_ROLES, LOGISTICS, PROVIDER_ROLES
from fieldbox.core.counters import Counted
from fieldbox.core.transitions import CREATED, SYSTEM, Move, Table


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class AddressKind(models.TextChoices):
    RESIDENCE = "residence", _("Residence")
    BILLING = "billing", _("Billing")
    HEAD_OFFICE = "head_office", _("Head office")
    PLANT = "plant", _("Plant")
    WAREHOUSE = "warehouse", _("Warehouse")
    BRANCH = "branch", _("Branch")
    OTHER = "other", _("Other")


class PaymentTerms(models.TextChoices):
    """When an invoice falls due ("condizioni di pagamento"): days from the invoice date (DF) or to the end of the
    month (FM) that many days after it; several numbers are as many instalments (Ri.Ba. 30/60/90)."""

    IMMEDIATE = "immediate", _("On receipt")
    DF30 = "30df", _("30 days from invoice")
    DF60 = "60df", _("60 days from invoice")
    FM30 = "30fm", _("30 days end of month")
    FM60 = "60fm", _("60 days end of month")
    FM90 = "90fm", _("90 days end of month")
    FM30_60 = "30-60fm", _("30 and 60 days end of month")
    FM30_60_90 = "30-60-90fm", _("30, 60 and 90 days end of month")


class VehicleType(models.TextChoices):
    CAR = "car", _("Car")
    VAN = "van", _("Van")
    TRUCK = "truck", _("Truck")
    MOTORBIKE = "motorbike", _("Motorbike")
    OTHER = "other", _("Other")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by installer")
    PAIRED = "paired", _("Paired")
    WAITING_ACTIVATION = "waiting_activation", _("Waiting for activation")
    ACTIVE = "active", _("Active")
    REMOVED = "removed", _("Removed")
    RETURNED = "returned", _("Returned")


S = DeviceStatus
WAITING = (S.PAIRED, S.WAITING_ACTIVATION)

# A device's life: loaded into the provider's stock, shipped to a partner company, confirmed there, paired by an
# installer (it then waits for its own activation), removed from a vehicle, collected, back in stock. Without a
# person (SYSTEM): its activation event, a removal reported with a job code.
DEVICE_TABLE: Table[Any] = Table(
    name="device",
    model="fleet.Device",
    states=DeviceStatus,
    refusal=_("Not possible while the device is “%(status)s”."),
    owner=lambda device, scope: device.provider_id,
    since="status_since",
    counted=(Counted("devices.provider", "provider_id"), Counted("devices.company", "company_id")),
    moves=(
        Move("load", CREATED, S.IN_STOCK, LOGISTICS),
        # A box already fitted and working when the provider starts with Fieldbox (its installed base).
        Move("load_installed", CREATED, S.ACTIVE, LOGISTICS),
        Move("ship", (S.IN_STOCK,), S.SHIPPED, LOGISTICS),
        Move("receive", (S.SHIPPED,), S.RECEIVED, INSTALLER_ROLES),
        Move("pair", (S.SHIPPED, S.RECEIVED), S.WAITING_ACTIVATION, INSTALLER_ROLES | CARE),
        Move("unpair", WAITING, S.RECEIVED, INSTALLER_ROLES | CARE),
        Move("activate", WAITING, S.ACTIVE, frozenset({SYSTEM})),
        Move("remove", (S.ACTIVE,), S.REMOVED, INSTALLER_ROLES | {SYSTEM}),
        Move("return", (S.REMOVED,), S.RETURNED, LOGISTICS),
        Move("restock", (S.RETURNED,), S.IN_STOCK, LOGISTICS),
    ),
)

# A subscription's service ends when its box is removed (the remover's report, or a job code).
SUBSCRIPTION_TABLE: Table[Any] = Table(
    name="subscription",
    model="fleet.Subscription",
    states=SubscriptionStatus,
    refusal=_("Not possible while the subscription is “%(status)s”."),
    owner=lambda subscription, scope: subscription.provider_id,
    counted=(Counted("subscriptions.provider", "provider_id"),),
    moves=(
        Move("create", CREATED, SubscriptionStatus.ACTIVE, PROVIDER_ROLES),
        Move("end", (SubscriptionStatus.ACTIVE,), SubscriptionStatus.ENDED, INSTALLER_ROLES | {SYSTEM}),
    ),
)
