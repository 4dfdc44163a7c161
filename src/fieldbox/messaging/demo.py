"""Demo data of messaging: devices of the Italian provider, its device event key, events and notifications."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fieldbox.accounts.models import Organisation, Partnership
from fieldbox.fleet.models import Device
from fieldbox.messaging import events
from fieldbox.messaging.choices import DeviceEventType, FeedFormat
from fieldbox.messaging.models import DeviceEvent, DeviceFeed

PROVIDER = "IOtelematics Demo"
# Public on purpose: the demo's telematics backend signs its events with these.
FEED_KEY_ID = "fbk_demo_iot"
FEED_SECRET = "demo-device-events-secret"
DEVICES = [("TBA0000001", "356938035643809"), ("TBA0000002", "490154203237518"), ("TBA0000003", "353918057290344")]


def reset() -> None:
    Device.objects.filter(serial__in=[serial for serial, _imei in DEVICES]).delete()


@transaction.atomic
def load() -> None:
    provider = Organisation.objects.get(name=PROVIDER)
    DeviceFeed.objects.create(organisation=provider, key_id=FEED_KEY_ID, secret=FEED_SECRET, format=FeedFormat.FIELDBOX)
    devices = [Device.objects.create(provider=provider, serial=s, imei=i) for s, i in DEVICES]
    now = timezone.now()
    DeviceEvent.objects.create(
        organisation=provider,
        device=devices[0],
        event_id="demo-1",
        type=DeviceEventType.ONLINE,
        source_type="online",
        occurred_at=now - timedelta(hours=3),
        status="processed",
    )
    devices[0].online, devices[0].last_event_at = True, now - timedelta(hours=3)
    devices[0].save(update_fields=["online", "last_event_at"])
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
