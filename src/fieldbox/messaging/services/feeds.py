"""Feeds of device events: the key and secret a provider's telematics backend signs with."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from fieldbox.accounts.choices import Role
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.messaging.choices import FeedFormat
from fieldbox.messaging.models import DeviceFeed


def feed_create(*, scope: Scope, format: str = FeedFormat.FIELDBOX) -> DeviceFeed:
    """A new key id and secret; the secret is shown to the admin, who configures the sender with it."""
    scope.require_role(Role.PROVIDER_ADMIN)
    with transaction.atomic():
        feed = DeviceFeed.objects.create(
            organisation=scope.organisation,
            key_id="fbk_" + secrets.token_hex(8),
            secret=secrets.token_urlsafe(32),
            format=FeedFormat(format),
        )
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=feed, action="feed.create", to_state="active"
        )
    return feed


def feed_revoke(*, scope: Scope, feed_id: int) -> DeviceFeed:
    scope.require_role(Role.PROVIDER_ADMIN)
    with transaction.atomic():
        feed = DeviceFeed.objects.select_for_update().get(pk=feed_id, organisation=scope.organisation, is_active=True)
        feed.is_active = False
        feed.save(update_fields=["is_active"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=feed,
            action="feed.revoke",
            from_state="active",
            to_state="revoked",
            data={"at": timezone.now().isoformat()},
        )
    return feed
