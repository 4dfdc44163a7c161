"""Kinds and statuses of the registry, with the device's transition table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class AddressKind(models.TextChoices):
    RESIDENCE = "residence", _("Residence")
    BILLING = "billing", _("Billing")
    OTHER = "other", _("Other")


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


# status -> {action: new status}. Pairing leaves the device waiting for its activation.
DEVICE_TRANSITIONS: dict[str, dict[str, str]] = {
    DeviceStatus.IN_STOCK: {"ship": DeviceStatus.SHIPPED},
    DeviceStatus.SHIPPED: {"receive": DeviceStatus.RECEIVED, "pair": DeviceStatus.WAITING_ACTIVATION},
    DeviceStatus.RECEIVED: {"pair": DeviceStatus.WAITING_ACTIVATION},
    DeviceStatus.PAIRED: {"activate": DeviceStatus.ACTIVE, "unpair": DeviceStatus.RECEIVED},
    DeviceStatus.WAITING_ACTIVATION: {"activate": DeviceStatus.ACTIVE, "unpair": DeviceStatus.RECEIVED},
    DeviceStatus.ACTIVE: {"remove": DeviceStatus.REMOVED},
    DeviceStatus.REMOVED: {"return": DeviceStatus.RETURNED},
    DeviceStatus.RETURNED: {"restock": DeviceStatus.IN_STOCK},
}
