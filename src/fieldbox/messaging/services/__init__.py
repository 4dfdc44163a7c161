"""Writes of the messaging app: messages to send, wordings, webhook endpoints, feeds, notifications.

Every message goes through the outbox, written in the caller's transaction.
"""

from fieldbox.messaging.rendering import sender_for
from fieldbox.messaging.services.feeds import feed_create, feed_revoke
from fieldbox.messaging.services.messages import (
    messages_retry,
    send_email,
    send_sms,
    send_written_email,
    test_sms_send,
)
from fieldbox.messaging.services.notifications import notifications_read, preferences_save
from fieldbox.messaging.services.webhooks import webhook_create, webhook_delete, webhook_ping, webhook_update
from fieldbox.messaging.services.wordings import wording_delete, wording_save

__all__ = [
    "feed_create",
    "feed_revoke",
    "messages_retry",
    "notifications_read",
    "preferences_save",
    "send_email",
    "send_sms",
    "send_written_email",
    "sender_for",
    "test_sms_send",
    "webhook_create",
    "webhook_delete",
    "webhook_ping",
    "webhook_update",
    "wording_delete",
    "wording_save",
]
