"""Reads of the messaging app, always scoped to the person's organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.messaging.models import (
    DeviceEvent,
    DeviceFeed,
    MessageTemplate,
    Notification,
    NotificationPreference,
    OutboxMessage,
    UnknownDevice,
    WebhookEndpoint,
)

# Counting unread notifications stops here: the bell shows "99+".
UNREAD_CAP = 100


def notifications_for(scope: Scope) -> QuerySet[Notification]:
    return Notification.objects.filter(user=scope.user, organisation=scope.organisation)


def unread_count(scope: Scope) -> int:
    """Unread notifications, counted up to UNREAD_CAP only."""
    return notifications_for(scope).filter(read_at__isnull=True).order_by()[:UNREAD_CAP].count()


def email_choices(scope: Scope) -> dict[str, bool]:
    return dict(NotificationPreference.objects.filter(user=scope.user).values_list("event", "email"))


def messages_for(scope: Scope, status: str | None = None, channel: str | None = None) -> QuerySet[OutboxMessage]:
    """The organisation's outgoing messages (what it sent to its people, customers and systems)."""
    qs = OutboxMessage.objects.filter(organisation=scope.organisation)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs


def message_for(scope: Scope, pk: int) -> OutboxMessage:
    try:
        return messages_for(scope).get(pk=pk)
    except OutboxMessage.DoesNotExist:
        raise Http404 from None


def wordings_for(scope: Scope) -> dict[tuple[str, str], MessageTemplate]:
    rows = MessageTemplate.objects.filter(organisation=scope.organisation)
    return {(t.kind, t.language): t for t in rows}


def webhooks_for(scope: Scope) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organisation=scope.organisation)


def webhook_for(scope: Scope, pk: int) -> WebhookEndpoint:
    try:
        return webhooks_for(scope).get(pk=pk)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(endpoint=endpoint)


def feeds_for(scope: Scope) -> QuerySet[DeviceFeed]:
    return DeviceFeed.objects.filter(organisation=scope.organisation)


def feed_for(scope: Scope, pk: int) -> DeviceFeed:
    try:
        return feeds_for(scope).get(pk=pk)
    except DeviceFeed.DoesNotExist:
        raise Http404 from None


def device_events_for(scope: Scope, device: str = "") -> QuerySet[DeviceEvent]:
    qs = DeviceEvent.objects.filter(organisation=scope.organisation).select_related("device")
    if device:
        qs = qs.filter(device__serial=device) | qs.filter(device__imei=device)
    return qs


def unknown_devices_for(scope: Scope) -> QuerySet[UnknownDevice]:
    return UnknownDevice.objects.filter(organisation=scope.organisation)
