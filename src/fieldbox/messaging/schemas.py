"""Shapes of the messaging API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from fieldbox.core.pagination import PageFilters
from fieldbox.core.problems import Ids


class EventAck(Schema):
    id: int
    event_id: str
    duplicate: bool


class DeviceEventOut(Schema):
    id: int
    event_id: str
    type: str
    source_type: str
    serial: str
    imei: str | None
    occurred_at: datetime
    received_at: datetime
    status: str
    payload: dict[str, Any]


class DeviceEventFilters(PageFilters):
    device: str | None = Field(None, description="Serial number or IMEI")


class DeviceEventPage(Schema):
    items: list[DeviceEventOut]
    next_cursor: int | None


class NotificationOut(Schema):
    id: int
    event: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: int | None
    unread: int = Field(description="Unread notifications, counted up to 100")


class ReadIn(Schema):
    ids: Ids | None = Field(None, description="Notifications to mark read; all when omitted")


class ReadOut(Schema):
    marked: int


class MessageOut(Schema):
    id: int
    channel: str
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    provider_message_id: str
    response_status: int | None
    last_error: str


class MessageFilters(PageFilters):
    status: str | None = Field(None, pattern="^(pending|sent|failed)$")
    channel: str | None = Field(None, pattern="^(email|sms|webhook)$")


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: int | None


class WebhookIn(Schema):
    url: str = Field(max_length=500)
    event_types: list[str]
    description: str = Field("", max_length=200)


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = None
    description: str | None = Field(None, max_length=200)
    is_active: bool | None = Field(None, strict=True)


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signing secret: HMAC-SHA256 of '<timestamp>.<body>'")
