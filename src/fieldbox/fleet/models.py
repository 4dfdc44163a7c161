"""The registry: devices (one telematics unit each: serial number and IMEI)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fieldbox.fleet.choices import DeviceStatus


class Device(models.Model):
    """One telematics unit of a provider. Serial and IMEI are unique on the platform."""

    provider = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("provider"), on_delete=models.PROTECT, related_name="devices"
    )
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    imei = models.CharField(_("IMEI"), max_length=15, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK)
    online = models.BooleanField(_("online"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["serial"]

    def __str__(self) -> str:
        return self.serial
