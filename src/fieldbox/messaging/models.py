"""Outgoing messages (the outbox), their templates, webhooks in and out, and in-app notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.models import LANGUAGE_CHOICES
from fieldbox.core.tenancy import AdminsOnlyQuerySet, OrganisationOwnedQuerySet, PersonalQuerySet
from fieldbox.messaging.choices import Channel, DeviceEventStatus, DeviceEventType, FeedFormat, MessageStatus


class OutboxMessage(models.Model):
    """One message to send, written in the same transaction as the change that causes it.

    Workers claim pending rows whose ``next_attempt_at`` has come (``SKIP LOCKED``), push the
    claim forward by a lease, send after commit, then mark them sent or schedule a retry.
    The idempotency key is unique: writing the same message twice keeps one row.
    """

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    endpoint = models.ForeignKey(
        "messaging.WebhookEndpoint",
        verbose_name=_("webhook endpoint"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.CharField(_("recipient"), max_length=500)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    html = models.TextField(_("HTML body"), blank=True)
    # Channel details: webhook event type, e-mail attachments (storage paths), headers.
    data = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=255, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = AdminsOnlyQuerySet["OutboxMessage"].as_manager()

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"], name="outbox_due", condition=Q(status=MessageStatus.PENDING)
            ),
            models.Index(fields=["organisation", "status", "-id"], name="outbox_org_status"),
            models.Index(fields=["endpoint", "-id"], name="outbox_endpoint"),
            # /metrics: the backlog and the oldest waiting message of each channel, and the failed ones, read from
            # these small indexes (a capped count, the first row) and never from the table of sent messages.
            models.Index(fields=["channel", "id"], name="outbox_pending_channel", condition=Q(status="pending")),
            models.Index(fields=["channel", "id"], name="outbox_failed_channel", condition=Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"


class MessageTemplate(models.Model):
    """A provider's own wording of one message kind in one language (otherwise the default is used)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("message"), max_length=64)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = OrganisationOwnedQuerySet["MessageTemplate"].as_manager()

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "language"], name="template_once_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"


class WebhookEndpoint(models.Model):
    """A URL of a provider's system that receives the events it subscribed to, signed with its secret."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The secret must be read back to sign each delivery, so it is kept as it is.
    secret = models.CharField(_("signing secret"), max_length=128)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = OrganisationOwnedQuerySet["WebhookEndpoint"].as_manager()

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class DeviceFeed(models.Model):
    """A provider's telematics backend that posts device events to us, with the secret it signs them with."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="device_feeds"
    )
    key_id = models.CharField(_("key id"), max_length=32, unique=True)
    secret = models.CharField(_("signing secret"), max_length=128)
    format = models.CharField(_("format"), max_length=16, choices=FeedFormat.choices, default=FeedFormat.FIELDBOX)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used on"), null=True, blank=True)

    objects = OrganisationOwnedQuerySet["DeviceFeed"].as_manager()

    class Meta:
        verbose_name = _("device event feed")
        verbose_name_plural = _("device event feeds")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.organisation} {self.key_id}"


class DeviceEvent(models.Model):
    """One event a device reported through a provider's feed; the event id makes it idempotent."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    device = models.ForeignKey(
        "fleet.Device", verbose_name=_("device"), on_delete=models.CASCADE, related_name="events"
    )
    event_id = models.CharField(_("event id"), max_length=100)
    type = models.CharField(_("type"), max_length=16, choices=DeviceEventType.choices)
    source_type = models.CharField(_("type at the source"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received on"), auto_now_add=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=DeviceEventStatus.choices, default=DeviceEventStatus.RECEIVED
    )

    objects = OrganisationOwnedQuerySet["DeviceEvent"].as_manager()

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "event_id"], name="device_event_once")]
        indexes = [
            models.Index(fields=["device", "-occurred_at"], name="device_event_device"),
            # The events still waiting (the sweep's and /metrics' reads): only these rows are in it.
            models.Index(fields=["received_at", "id"], name="device_event_waiting", condition=Q(status="received")),
        ]

    def __str__(self) -> str:
        return f"{self.device} {self.type} {self.occurred_at:%Y-%m-%d %H:%M}"


class UnknownDevice(models.Model):
    """Events refused because no device of the provider matched: counted for the admin to look at."""

    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    identifier = models.CharField(_("serial number or IMEI"), max_length=64)
    times = models.PositiveIntegerField(_("times"), default=1)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    objects = OrganisationOwnedQuerySet["UnknownDevice"].as_manager()

    class Meta:
        verbose_name = _("unknown device")
        verbose_name_plural = _("unknown devices")
        ordering = ["-last_seen_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "identifier"], name="unknown_device_once")]

    def __str__(self) -> str:
        return self.identifier


class Notification(models.Model):
    """One in-app notification of one person, in their organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="notifications"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    event = models.CharField(_("event"), max_length=64)
    # Kept in the language of the person at the time, like the e-mail they may also receive.
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)

    objects = PersonalQuerySet["Notification"].as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["user", "organisation", "-id"], name="notification_unread", condition=Q(read_at__isnull=True)
            ),
            models.Index(fields=["user", "organisation", "-id"], name="notification_user"),
        ]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """Whether a person also receives an event by e-mail (the in-app notification always comes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.CharField(_("event"), max_length=64)
    email = models.BooleanField(_("by e-mail"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.event}"
