"""Demo data of messaging: the Italian provider's device event key and its notifications (its devices and their
first event are the registry's: ``fleet.demo``)."""

from __future__ import annotations

from django.db import transaction

from fieldbox.accounts.models import Organisation, Partnership
from fieldbox.messaging import events
from fieldbox.messaging.choices import FeedFormat
from fieldbox.messaging.models import DeviceFeed

PROVIDER = "IOtelematics Demo"
# Public on purpose: the demo's telematics backend signs its events with these.
FEED_KEY_ID = "fbk_demo_iot"
FEED_SECRET = "demo-device-events-secret"


def reset() -> None:
    DeviceFeed.objects.filter(key_id=FEED_KEY_ID).delete()


@transaction.atomic
def load() -> None:
    provider = Organisation.objects.get(name=PROVIDER)
    DeviceFeed.objects.create(organisation=provider, key_id=FEED_KEY_ID, secret=FEED_SECRET, format=FeedFormat.FIELDBOX)
    for partnership in Partnership.objects.filter(provider=provider, status="accepted").select_related("installer"):
        assert partnership.installer is not None
        events.emit(
            "partnership.accepted",
            organisation=provider,
            key=f"demo:partnership:{partnership.pk}:accept",
            context={
                "organisation": partnership.installer.name,
                "reason": "",
                "link": f"/partners/{partnership.pk}/",
                "action": "accept",
            },
            url=f"/partners/{partnership.pk}/",
        )
