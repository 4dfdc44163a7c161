"""A person's notifications: marking them read, and choosing which events also come by e-mail."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from fieldbox.core.tenancy import Scope
from fieldbox.messaging import events
from fieldbox.messaging.models import Notification, NotificationPreference


def notifications_read(*, scope: Scope, ids: Iterable[int] | None = None) -> int:
    """Mark the given notifications (all when ``ids`` is None) of this person in this organisation read."""
    mine = Notification.objects.filter(user=scope.user, organisation=scope.organisation, read_at__isnull=True)
    if ids is not None:
        mine = mine.filter(pk__in=list(ids))
    return mine.update(read_at=timezone.now())


def preferences_save(*, scope: Scope, by_email: Iterable[str]) -> None:
    """Keep, for every event a person can hear of, whether it also comes by e-mail."""
    wanted = set(by_email)
    with transaction.atomic():
        for event in events.for_people(scope.role):
            NotificationPreference.objects.update_or_create(
                user=scope.user, event=event.key, defaults={"email": event.key in wanted}
            )
