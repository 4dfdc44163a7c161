"""Platform staff: every outgoing message (failed ones first to look at), device events and feeds."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fieldbox.messaging import outbox
from fieldbox.messaging.models import (
    DeviceEvent,
    DeviceFeed,
    MessageTemplate,
    Notification,
    OutboxMessage,
    UnknownDevice,
    WebhookEndpoint,
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "kind", "recipient", "organisation", "status", "attempts", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "idempotency_key", "subject", "provider_message_id"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_failed"]
    list_select_related = ["organisation"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send the selected failed messages again"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox.retry(queryset.values_list("pk", flat=True))
        text = ngettext("%(n)s message will be sent again.", "%(n)s messages will be sent again.", count)
        self.message_user(request, text % {"n": count}, messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "is_active", "created_at"]
    list_filter = ["is_active"]
    exclude = ["secret"]
    raw_id_fields = ["organisation"]


@admin.register(DeviceFeed)
class DeviceFeedAdmin(admin.ModelAdmin):
    list_display = ["key_id", "organisation", "format", "is_active", "last_used_at"]
    list_filter = ["format", "is_active"]
    exclude = ["secret"]
    raw_id_fields = ["organisation"]


@admin.register(DeviceEvent)
class DeviceEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "device", "type", "source_type", "event_id", "organisation", "status"]
    list_filter = ["type", "status"]
    search_fields = ["event_id", "device__serial", "device__imei"]
    raw_id_fields = ["organisation", "device"]


@admin.register(UnknownDevice)
class UnknownDeviceAdmin(admin.ModelAdmin):
    list_display = ["identifier", "organisation", "times", "first_seen_at", "last_seen_at"]
    search_fields = ["identifier"]


admin.site.register(MessageTemplate)
admin.site.register(Notification)
