"""Channels and statuses of outgoing messages, inbound device events and notifications."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeviceEventType(models.TextChoices):
    ACTIVATED = "activated", _("Activated")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    OTHER = "other", _("Other")


class DeviceEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")


class FeedFormat(models.TextChoices):
    FIELDBOX = "fieldbox", _("Fieldbox (signed JSON)")
    TRACCAR = "traccar", _("Traccar event forwarding")
