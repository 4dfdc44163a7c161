"""Device events from a provider's telematics backend: authenticated, parsed, stored once, processed later.

Two formats arrive on two URLs: ours (signed with HMAC-SHA256 over timestamp and body,
see docs/api.md) and Traccar's event forwarding (which cannot sign, so it sends the feed's
secret as a Bearer header configured with ``event.forward.header``).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, Field, ValidationError, field_validator

from fieldbox.core import transitions
from fieldbox.core.later import later
from fieldbox.messaging import events, signing
from fieldbox.messaging.choices import DeviceEventStatus, DeviceEventType, FeedFormat
from fieldbox.messaging.models import DeviceEvent, DeviceFeed, UnknownDevice

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024

# The domain apps that own devices register here: messaging knows no device, no job.
# ``FINDERS``: the id of a provider's device with this serial number or IMEI, or None.
FINDERS: list[Callable[[Organisation, str, str], int | None]] = []
# ``HANDLERS``: what an event changes, in the transaction that marks it processed (the device's last event, its
# activation and its job's success).
HANDLERS: list[Callable[[DeviceEvent], None]] = []
TRACCAR_TYPES = {"deviceOnline": DeviceEventType.ONLINE, "deviceOffline": DeviceEventType.OFFLINE}


class Refused(Exception):
    """The request is refused with ``status``; nothing was written (but an unknown device is counted)."""

    def __init__(self, status: int, title: str, detail: str = "", errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []


@dataclass(frozen=True)
class Incoming:
    event_id: str
    type: str
    source_type: str
    serial: str
    imei: str
    occurred_at: datetime
    payload: dict[str, Any]


class EventIn(BaseModel):
    """Our format: one event per request."""

    id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=64)
    serial: str = Field(default="", max_length=64)
    imei: str = Field(default="", max_length=15)
    time: datetime
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("time")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its UTC offset, e.g. 2026-11-22T08:30:00Z")
        return value


def authenticate(request_headers: Any, body: bytes, fmt: str) -> DeviceFeed:
    """The feed that sent this request, or :class:`Refused` (401)."""
    if len(body) > MAX_BODY:
        raise Refused(413, _("The event is too large."))
    if fmt == FeedFormat.TRACCAR:
        key_id, _dot, secret = request_headers.get("Authorization", "").removeprefix("Bearer ").partition(".")
    else:
        key_id, secret = request_headers.get("X-Fieldbox-Key", ""), ""
    feed = DeviceFeed.objects.select_related("organisation").filter(key_id=key_id, is_active=True).first()
    if feed is None or feed.format != fmt or not feed.organisation.is_active:
        raise Refused(401, _("Unknown or revoked key."), _("Send the key id of an active device event feed."))
    if fmt == FeedFormat.TRACCAR:
        if not hmac.compare_digest(secret, feed.secret):
            raise Refused(401, _("Unknown or revoked key."), _("Send the key id of an active device event feed."))
        return feed
    try:
        signing.verify(
            feed.secret,
            request_headers.get("X-Fieldbox-Timestamp"),
            request_headers.get("X-Fieldbox-Signature"),
            body,
            max_skew=settings.DEVICE_EVENT_MAX_SKEW_SECONDS,
        )
    except signing.SignatureError as exc:
        raise Refused(401, _("The signature is not valid."), str(exc)) from None
    return feed


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(400, _("The body is not valid JSON.")) from None


def _invalid(exc: ValidationError) -> Refused:
    errors = [{"field": ".".join(str(p) for p in e["loc"]) or "__all__", "message": e["msg"]} for e in exc.errors()]
    return Refused(422, _("The event has invalid fields."), errors=errors)


def parse(body: bytes, fmt: str) -> Incoming:
    data = _json(body)
    if fmt == FeedFormat.TRACCAR:
        return _parse_traccar(data)
    try:
        event = EventIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    if not (event.serial or event.imei):
        raise Refused(
            422,
            _("The event has invalid fields."),
            errors=[{"field": "serial", "message": _("Give the device's serial number or IMEI.")}],
        )
    known = {t.value for t in DeviceEventType} - {DeviceEventType.OTHER}
    kind = event.type if event.type in known else DeviceEventType.OTHER
    return Incoming(event.id, kind, event.type, event.serial.strip(), event.imei.strip(), event.time, event.payload)


class TraccarEvent(BaseModel):
    id: int
    type: str = Field(max_length=64)
    eventTime: datetime | None = None
    serverTime: datetime | None = None


class TraccarDevice(BaseModel):
    uniqueId: str = Field(min_length=1, max_length=64)


class TraccarBody(BaseModel):
    event: TraccarEvent
    device: TraccarDevice


def _parse_traccar(data: Any) -> Incoming:
    try:
        body = TraccarBody.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None
    when = body.event.eventTime or body.event.serverTime or timezone.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    unique = body.device.uniqueId.strip()
    payload = {k: data[k] for k in ("event", "position") if isinstance(data, dict) and k in data}
    kind = TRACCAR_TYPES.get(body.event.type, DeviceEventType.OTHER)
    return Incoming(f"traccar-{body.event.id}", kind, body.event.type, unique, unique, when, payload)


def receive(feed: DeviceFeed, incoming: Incoming) -> tuple[DeviceEvent, bool]:
    """Store the event once (a repeated event id answers the first one) and queue its processing."""
    provider = feed.organisation
    device = _device_of(provider, incoming.serial, incoming.imei)
    if device is None:
        _count_unknown(feed, incoming.imei or incoming.serial)
        raise Refused(
            422,
            _("Unknown device."),
            _("No device of yours has this serial number or IMEI."),
        )
    try:
        with transaction.atomic():
            event = DeviceEvent.objects.create(
                organisation=provider,
                device_id=device,
                event_id=incoming.event_id,
                type=incoming.type,
                source_type=incoming.source_type,
                occurred_at=incoming.occurred_at,
                payload=incoming.payload,
            )
            DeviceFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
            transaction.on_commit(lambda: _queue(event.pk))
    except IntegrityError:
        return DeviceEvent.objects.get(organisation=provider, event_id=incoming.event_id), False
    return event, True


def _device_of(provider: Organisation, serial: str, imei: str) -> int | None:
    for find in FINDERS:
        found = find(provider, serial, imei)
        if found is not None:
            return found
    return None


def _count_unknown(feed: DeviceFeed, identifier: str) -> None:
    log.warning("device event from %s for unknown device %s", feed.organisation, identifier)
    updated = UnknownDevice.objects.filter(organisation=feed.organisation, identifier=identifier[:64]).update(
        times=F("times") + 1, last_seen_at=timezone.now()
    )
    if not updated:
        UnknownDevice.objects.bulk_create(
            [UnknownDevice(organisation=feed.organisation, identifier=identifier[:64])], ignore_conflicts=True
        )


def _queue(event_id: int) -> None:
    try:
        later("fieldbox.messaging.tasks.process_device_event", event_id)
    except Exception:
        log.warning("could not queue device event %s; the scheduled sweep processes it", event_id)


def process(event_id: int) -> bool:
    """Attach the event to its device's state and tell the provider; answers False if already done."""
    with transitions.atomic():
        event = (
            DeviceEvent.objects.select_for_update(of=("self",))
            .filter(pk=event_id, status=DeviceEventStatus.RECEIVED)
            .select_related("organisation", "device")
            .first()
        )
        if event is None:
            return False
        for handle in HANDLERS:
            handle(event)
        event.status = DeviceEventStatus.PROCESSED
        event.save(update_fields=["status"])
        device = event.device
        events.emit(
            f"device.{event.type}" if event.type != DeviceEventType.OTHER else "device.event",
            organisation=event.organisation,
            key=f"device-event:{event.pk}",
            context={"serial": device.serial, "imei": device.imei or "", "time": event.occurred_at},
            data={
                "event_id": event.event_id,
                "type": event.type,
                "source_type": event.source_type,
                "serial": device.serial,
                "imei": device.imei,
                "time": event.occurred_at.isoformat(),
                "payload": event.payload,
            },
        )
    return True


def sweep(older_than_seconds: int = 60) -> int:
    """Process events whose queued task never ran (broker down when they arrived)."""
    limit = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = DeviceEvent.objects.filter(status=DeviceEventStatus.RECEIVED, received_at__lt=limit).values_list(
        "pk", flat=True
    )[:1000]
    return sum(process(pk) for pk in list(ids))
