"""Statuses of the registry's records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received by installer")
    PAIRED = "paired", _("Paired")
    WAITING_ACTIVATION = "waiting_activation", _("Waiting for activation")
    ACTIVE = "active", _("Active")
    REMOVED = "removed", _("Removed")
    RETURNED = "returned", _("Returned")
