"""An organisation's webhook endpoints (its admins'): registered, changed, tested, removed, each audited."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import events, outbox
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.models import WebhookEndpoint

MAX_ENDPOINTS = 10


def _clean(scope: Scope, url: str, event_types: list[str]) -> tuple[str, list[str]]:
    url = url.strip()
    errors = {}
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        errors["url"] = _("Enter a full URL, for example https://example.com/fieldbox.")
    else:
        if urlsplit(url).scheme != "https" and not settings.WEBHOOK_ALLOW_PRIVATE:
            errors["url"] = _("Use an https:// address: events carry personal data.")
    offered = {e.key for e in events.for_webhooks(scope.organisation.kind)}
    unknown = [e for e in event_types if e not in offered]
    if unknown or not event_types:
        errors["event_types"] = _("Choose at least one of the listed events.")
    if errors:
        raise ValidationError(errors)
    return url, sorted(set(event_types))


def webhook_create(*, scope: Scope, url: str, event_types: list[str], description: str = "") -> WebhookEndpoint:
    scope.require_role(*ADMIN_ROLES)
    url, event_types = _clean(scope, url, event_types)
    with transaction.atomic():
        if WebhookEndpoint.objects.filter(organisation=scope.organisation).count() >= MAX_ENDPOINTS:
            raise ValidationError({"url": _("At most %(n)s endpoints per organisation.") % {"n": MAX_ENDPOINTS}})
        endpoint = WebhookEndpoint.objects.create(
            organisation=scope.organisation,
            url=url,
            description=description.strip()[:200],
            event_types=event_types,
            secret="whsec_" + secrets.token_urlsafe(32),
        )
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=endpoint, action="webhook.create", to_state="active"
        )
    return endpoint


def webhook_update(
    *, scope: Scope, endpoint_id: int, url: str, event_types: list[str], description: str, is_active: bool
) -> WebhookEndpoint:
    scope.require_role(*ADMIN_ROLES)
    url, event_types = _clean(scope, url, event_types)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id, organisation=scope.organisation)
        before = "active" if endpoint.is_active else "off"
        endpoint.url, endpoint.event_types, endpoint.is_active = url, event_types, is_active
        endpoint.description = description.strip()[:200]
        endpoint.save(update_fields=["url", "event_types", "is_active", "description"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=endpoint,
            action="webhook.update",
            from_state=before,
            to_state="active" if is_active else "off",
        )
    return endpoint


def webhook_delete(*, scope: Scope, endpoint_id: int) -> None:
    scope.require_role(*ADMIN_ROLES)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id, organisation=scope.organisation)
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=endpoint, action="webhook.delete", to_state="deleted"
        )
        endpoint.delete()


def webhook_ping(*, scope: Scope, endpoint_id: int) -> None:
    """Send a signed test event to the endpoint, through the outbox like every delivery."""
    scope.require_role(*ADMIN_ROLES)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id, organisation=scope.organisation)
        key = f"ping:{endpoint.pk}:{timezone.now().timestamp()}"
        outbox.enqueue(
            outbox.message(
                key=key,
                channel=Channel.WEBHOOK,
                recipient=endpoint.url,
                kind="ping",
                organisation=scope.organisation,
                endpoint=endpoint,
                body=events.payload("ping", key, scope.organisation, {"endpoint_id": endpoint.pk}),
                data={"event": "ping"},
            )
        )
