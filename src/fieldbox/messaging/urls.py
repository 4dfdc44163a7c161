from django.urls import path

from fieldbox.messaging.views import actions, integrations, notifications, outbox, wordings

app_name = "messaging"

urlpatterns = [
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
    path("notifications/preferences/", notifications.preferences, name="preferences"),
    path("messages/", outbox.message_list, name="messages"),
    path("messages/retry-failed/", outbox.messages_retry_failed, name="messages_retry_failed"),
    path("messages/test-sms/", outbox.test_sms, name="test_sms"),
    path("messages/<int:pk>/", outbox.message_detail, name="message_detail"),
    path("messages/<int:pk>/retry/", outbox.message_retry, name="message_retry"),
    path("messages/wordings/", wordings.wording_list, name="wordings"),
    path("messages/wordings/<str:kind>/<str:language>/", wordings.wording_edit, name="wording_edit"),
    path("messages/wordings/<str:kind>/<str:language>/preview/", wordings.wording_preview, name="wording_preview"),
    path("messages/wordings/<str:kind>/<str:language>/reset/", wordings.wording_reset, name="wording_reset"),
    path("integrations/webhooks/", integrations.webhook_list, name="webhooks"),
    path("integrations/webhooks/<int:pk>/", integrations.webhook_detail, name="webhook_detail"),
    path("integrations/webhooks/<int:pk>/ping/", integrations.webhook_ping, name="webhook_ping"),
    path("integrations/webhooks/<int:pk>/delete/", integrations.webhook_delete, name="webhook_delete"),
    path("integrations/device-feeds/", integrations.feed_list, name="feeds"),
    path("integrations/device-feeds/<int:pk>/revoke/", integrations.feed_revoke, name="feed_revoke"),
    path("integrations/device-events/", integrations.device_event_list, name="device_events"),
    path("a/<str:token>/", actions.action, name="action"),
]
