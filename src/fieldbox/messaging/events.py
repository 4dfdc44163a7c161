"""Events: something happened that people and other systems want to hear about.

``emit`` is called by a service inside its transaction. For one event it writes the in-app
notifications of the organisation's people concerned, the e-mails of those who want it
by e-mail, and one webhook delivery per endpoint subscribed to it: all through the outbox,
all with keys derived from the event's own key, so a repeated call sends nothing twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.functional import Promise

from fieldbox.messaging import kinds, outbox
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.models import Notification, NotificationPreference, WebhookEndpoint
from fieldbox.messaging.rendering import Rendered, render, sender_for

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation, User


@dataclass(frozen=True)
class EventType:
    key: str
    label: str | Promise
    # The message kind whose subject is the notification and whose e-mail is sent; None: webhooks only.
    kind: str | None = None
    # Roles of the organisation told in the app (and by e-mail if they want).
    roles: frozenset[str] = frozenset()
    email_default: bool = True
    # The kinds of organisation it is emitted for (webhooks offer only those); empty: every organisation.
    kinds: frozenset[str] = frozenset()


def for_webhooks(organisation_kind: str) -> list[EventType]:
    """The events an organisation of this kind may subscribe its webhook endpoints to."""
    return [e for e in EVENTS.values() if not e.kinds or organisation_kind in e.kinds]


EVENTS: dict[str, EventType] = {}
SUBSCRIBED_CACHE_SECONDS = 300
SUBSCRIBED_LOCAL_SECONDS = 2.0
_local: dict[int, tuple[float, frozenset[str]]] = {}


def register(*events: EventType) -> None:
    for event in events:
        EVENTS[event.key] = event


def for_people(role: str | None = None) -> list[EventType]:
    """Events people (of ``role``) can be notified of, for the preferences page."""
    return [e for e in EVENTS.values() if e.kind and e.roles and (role is None or role in e.roles)]


def emit(
    event: str,
    *,
    organisation: Organisation,
    key: str,
    context: dict[str, Any] | None = None,
    url: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Tell ``organisation`` that ``event`` happened; ``key`` identifies this occurrence for good."""
    spec = EVENTS[event]
    if spec.kind and spec.roles:
        _notify_people(spec, organisation, key, context or {}, url)
    _deliver_webhooks(spec, organisation, key, data or {})


def _recipients(spec: EventType, organisation: Organisation) -> list[User]:
    from fieldbox.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True, memberships__organisation=organisation, memberships__role__in=spec.roles
        ).distinct()
    )


def _notify_people(spec: EventType, organisation: Organisation, key: str, context: dict[str, Any], url: str) -> None:
    assert spec.kind is not None
    kind = kinds.get(spec.kind)
    people = _recipients(spec, organisation)
    choices = dict(
        NotificationPreference.objects.filter(user__in=people, event=spec.key).values_list("user_id", "email")
    )
    notes, mails = [], []
    by_language: dict[str, Rendered] = {}  # one rendering (and one wording look-up) per language, not per person
    for person in people:
        if person.language not in by_language:
            with translation.override(person.language):
                by_language[person.language] = render(kind, context, person.language, organisation)
        rendered = by_language[person.language]
        notes.append(
            Notification(user=person, organisation=organisation, event=spec.key, text=rendered.subject[:500], url=url)
        )
        if choices.get(person.pk, spec.email_default):
            mails.append(
                outbox.message(
                    key=f"{key}:email:{person.pk}",
                    channel=Channel.EMAIL,
                    recipient=person.email,
                    kind=kind.key,
                    organisation=organisation,
                    sender=sender_for(organisation),
                    language=person.language,
                    subject=rendered.subject[:255],
                    body=rendered.body,
                    html=rendered.html,
                )
            )
    Notification.objects.bulk_create(notes)
    outbox.enqueue(*mails)


def payload(event: str, key: str, organisation: Organisation, data: dict[str, Any]) -> str:
    body = {
        "id": key,
        "type": event,
        "created_at": timezone.now().isoformat(),
        "organisation_id": organisation.pk,
        "data": data,
    }
    return orjson.dumps(body).decode()


def subscribed(organisation_id: int) -> set[str]:
    """The event types an organisation's active endpoints want.

    Kept in the shared cache (cleared when endpoints change) and, for a couple of seconds, in this
    process too: a busy morning emits many events and most organisations have no endpoint. A new
    endpoint therefore receives events from at most SUBSCRIBED_LOCAL_SECONDS after it is saved.
    """
    now = time.monotonic()
    local = _local.get(organisation_id)
    if local is not None and local[0] > now:
        return set(local[1])
    cache_key = f"webhook-events:{organisation_id}"
    types = cache.get(cache_key)
    if types is None:
        rows = WebhookEndpoint.objects.filter(organisation_id=organisation_id, is_active=True)
        types = {t for event_types in rows.values_list("event_types", flat=True) for t in event_types}
        cache.set(cache_key, types, SUBSCRIBED_CACHE_SECONDS)
    _local[organisation_id] = (now + SUBSCRIBED_LOCAL_SECONDS, frozenset(types))
    return set(types)


def forget_subscriptions(organisation_id: int) -> None:
    _local.pop(organisation_id, None)
    cache.delete(f"webhook-events:{organisation_id}")


def _deliver_webhooks(spec: EventType, organisation: Organisation, key: str, data: dict[str, Any]) -> None:
    if spec.key not in subscribed(organisation.pk):
        return  # nobody listens: no query per event
    endpoints = WebhookEndpoint.objects.filter(organisation=organisation, is_active=True)
    body = payload(spec.key, key, organisation, data)
    outbox.enqueue(
        *(
            outbox.message(
                key=f"{key}:webhook:{endpoint.pk}",
                channel=Channel.WEBHOOK,
                recipient=endpoint.url,
                kind=spec.key,
                organisation=organisation,
                endpoint=endpoint,
                body=body,
                data={"event": spec.key},
            )
            for endpoint in endpoints
            if spec.key in endpoint.event_types
        )
    )
