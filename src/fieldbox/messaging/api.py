"""/api/v1: device events in, notifications, outgoing messages, webhook endpoints."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from pydantic import BaseModel

from fieldbox.accounts.choices import ADMIN_ROLES, Role
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import Problem, errors_of, problem
from fieldbox.core.throttles import AnonThrottle
from fieldbox.messaging import inbound, selectors, services
from fieldbox.messaging.choices import FeedFormat
from fieldbox.messaging.models import DeviceEvent, OutboxMessage, WebhookEndpoint
from fieldbox.messaging.schemas import (
    DeviceEventFilters,
    DeviceEventPage,
    EventAck,
    MessageFilters,
    MessageOut,
    MessagePage,
    NotificationPage,
    ReadIn,
    ReadOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["messaging"])
SIGNED_ERRORS = dict.fromkeys((400, 401, 413, 422, 429), Problem)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with its ``$ref`` to pydantic's local ``$defs`` replaced by their definitions."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _signed_body(model: type[BaseModel], **rules: Any) -> dict[str, Any]:
    """The documented body of a device event operation: the shape ``inbound`` reads from the raw, signed body (the
    operation takes no parsed body, so that the signature is checked over the bytes as sent)."""
    schema = model.model_json_schema()
    body = _inline(schema, schema.pop("$defs", {})) | rules
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


# One of the two names the device; an empty one is no name.
NAMED = {"anyOf": [{"required": [f], "properties": {f: {"minLength": 1}}} for f in ("serial", "imei")]}


def _receive(request: HttpRequest, fmt: str) -> Any:
    try:
        feed = inbound.authenticate(request.headers, request.body, fmt)
        event, created = inbound.receive(feed, inbound.parse(request.body, fmt))
    except inbound.Refused as refused:
        return problem(refused.status, refused.title, refused.detail, refused.errors)
    return Status(202 if created else 200, {"id": event.pk, "event_id": event.event_id, "duplicate": not created})


@router.post(
    "/device-events",
    auth=None,
    throttle=[AnonThrottle(settings.DEVICE_EVENT_RATE)],
    response={202: EventAck, 200: EventAck, **SIGNED_ERRORS},
    summary="Receive a device event from a telematics backend (signed with HMAC-SHA256)",
    description=(
        "Headers: `X-Fieldbox-Key` (key id of a device event feed), `X-Fieldbox-Timestamp` (Unix seconds, "
        "within 5 minutes of our clock), `X-Fieldbox-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>`. "
        "Body: `{id, type, serial | imei, time, payload}`. 202 when stored and queued; 200 for an event id already "
        "received (nothing is done twice)."
    ),
    openapi_extra=_signed_body(inbound.EventIn, **NAMED),
)
def device_event_receive(request: HttpRequest) -> Any:
    return _receive(request, FeedFormat.FIELDBOX)


@router.post(
    "/device-events/traccar",
    auth=None,
    throttle=[AnonThrottle(settings.DEVICE_EVENT_RATE)],
    response={202: EventAck, 200: EventAck, **SIGNED_ERRORS},
    summary="Receive a Traccar forwarded event (event.forward.url)",
    description=(
        "Traccar's JSON `{event, device, position}`; configure `event.forward.header` as "
        "`Authorization: Bearer <key id>.<secret>` of a Traccar feed. The device is found by `device.uniqueId`."
    ),
    openapi_extra=_signed_body(inbound.TraccarBody),
)
def device_event_traccar(request: HttpRequest) -> Any:
    return _receive(request, FeedFormat.TRACCAR)


def _device_event(e: DeviceEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "event_id": e.event_id,
        "type": e.type,
        "source_type": e.source_type,
        "serial": e.device.serial,
        "imei": e.device.imei,
        "occurred_at": e.occurred_at,
        "received_at": e.received_at,
        "status": e.status,
        "payload": e.payload,
    }


@router.get("/device-events", response={200: DeviceEventPage, **errors_of(403, 422)}, summary="Device events received")
def device_event_list(request: HttpRequest, filters: Query[DeviceEventFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(Role.PROVIDER_ADMIN, Role.DISPATCHER, Role.CUSTOMER_CARE)
    items, cursor = keyset_page(selectors.device_events_for(scope, filters.device or ""), filters.cursor, filters.limit)
    return {"items": [_device_event(e) for e in items], "next_cursor": cursor}


@router.get("/notifications", response={200: NotificationPage, **errors_of(422)}, summary="My notifications")
def notification_list(request: HttpRequest, filters: Query[PageFilters]) -> Any:
    scope = scope_of(request)
    items, cursor = keyset_page(selectors.notifications_for(scope), filters.cursor, filters.limit)
    rows = [
        {"id": n.pk, "event": n.event, "text": n.text, "url": n.url, "created_at": n.created_at, "read_at": n.read_at}
        for n in items
    ]
    return {"items": rows, "next_cursor": cursor, "unread": selectors.unread_count(scope)}


@router.post("/notifications/read", response={200: ReadOut, **errors_of(422)}, summary="Mark notifications read")
def notifications_read(request: HttpRequest, payload: ReadIn) -> Any:
    return {"marked": services.notifications_read(scope=scope_of(request), ids=payload.ids)}


def _message(m: OutboxMessage) -> dict[str, Any]:
    return {f: getattr(m, f) for f in MessageOut.model_fields if f != "id"} | {"id": m.pk}


@router.get(
    "/messages", response={200: MessagePage, **errors_of(403, 422)}, summary="My organisation's outgoing messages"
)
def message_list(request: HttpRequest, filters: Query[MessageFilters]) -> Any:
    scope = scope_of(request)
    scope.require_admin()
    qs = selectors.messages_for(scope, filters.status, filters.channel)
    items, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_message(m) for m in items], "next_cursor": cursor}


@router.post(
    "/messages/{message_id}/retry",
    response={200: MessageOut, **errors_of(403, 404, 409)},
    summary="Send a failed message again",
)
def message_retry(request: HttpRequest, message_id: int) -> Any:
    scope = scope_of(request)
    scope.require_admin()
    row = selectors.message_for(scope, message_id)
    if not services.messages_retry(scope=scope, ids=[row.pk]):
        return problem(409, _("Not allowed in the current state."), _("Only a failed message can be sent again."))
    row.refresh_from_db()
    return _message(row)


def _webhook(e: WebhookEndpoint) -> dict[str, Any]:
    return {f: getattr(e, f) for f in WebhookOut.model_fields if f != "id"} | {"id": e.pk}


@router.get("/webhooks", response={200: list[WebhookOut], **errors_of(403)}, summary="My webhook endpoints")
def webhook_list(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    return [_webhook(e) for e in selectors.webhooks_for(scope)]


@router.post("/webhooks", response={201: WebhookCreated, **errors_of(403, 422)}, summary="Register an endpoint")
def webhook_create(request: HttpRequest, payload: WebhookIn) -> Any:
    endpoint = services.webhook_create(scope=scope_of(request), **payload.dict())
    return Status(201, _webhook(endpoint) | {"secret": endpoint.secret})


@router.get("/webhooks/{endpoint_id}", response={200: WebhookOut, **errors_of(403, 404)}, summary="One endpoint")
def webhook_get(request: HttpRequest, endpoint_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    return _webhook(selectors.webhook_for(scope, endpoint_id))


@router.patch(
    "/webhooks/{endpoint_id}", response={200: WebhookOut, **errors_of(403, 404, 422)}, summary="Change an endpoint"
)
def webhook_update(request: HttpRequest, endpoint_id: int, payload: WebhookPatch) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    endpoint = selectors.webhook_for(scope, endpoint_id)
    data = _webhook(endpoint) | payload.dict(exclude_unset=True, exclude_none=True)
    changed = services.webhook_update(
        scope=scope,
        endpoint_id=endpoint.pk,
        url=data["url"],
        event_types=data["event_types"],
        description=data["description"],
        is_active=data["is_active"],
    )
    return _webhook(changed)


@router.delete("/webhooks/{endpoint_id}", response={204: None, **errors_of(403, 404)}, summary="Remove an endpoint")
def webhook_delete(request: HttpRequest, endpoint_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    services.webhook_delete(scope=scope, endpoint_id=selectors.webhook_for(scope, endpoint_id).pk)
    return HttpResponse(status=204)


@router.get(
    "/webhooks/{endpoint_id}/deliveries",
    response={200: MessagePage, **errors_of(403, 404, 422)},
    summary="Delivery log of an endpoint",
)
def webhook_deliveries(request: HttpRequest, endpoint_id: int, filters: Query[PageFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    endpoint = selectors.webhook_for(scope, endpoint_id)
    items, cursor = keyset_page(selectors.deliveries_of(endpoint), filters.cursor, filters.limit)
    return {"items": [_message(m) for m in items], "next_cursor": cursor}


@router.post("/webhooks/{endpoint_id}/ping", response={202: None, **errors_of(403, 404)}, summary="Send a test event")
def webhook_ping(request: HttpRequest, endpoint_id: int) -> Any:
    scope = scope_of(request)
    scope.require_role(*ADMIN_ROLES)
    services.webhook_ping(scope=scope, endpoint_id=selectors.webhook_for(scope, endpoint_id).pk)
    return HttpResponse(status=202)
