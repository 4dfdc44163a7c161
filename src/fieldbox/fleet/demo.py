"""Demo data of the registry: devices of the Italian provider in its warehouse, one of them online since its first
event three hours ago (loaded through the device table, like a file of devices)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from fieldbox.accounts.models import Membership, Organisation
from fieldbox.core import transitions
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.choices import DEVICE_TABLE
from fieldbox.fleet.models import Device
from fieldbox.messaging.choices import DeviceEventStatus, DeviceEventType
from fieldbox.messaging.models import DeviceEvent

PROVIDER = "IOtelematics Demo"
LOADED_BY = "admin@iot.example"
DEVICES = [("TBA0000001", "356938035643809"), ("TBA0000002", "490154203237518"), ("TBA0000003", "353918057290344")]


def reset() -> None:
    Device.objects.filter(serial__in=[serial for serial, _imei in DEVICES]).delete()


def load() -> None:
    provider = Organisation.objects.get(name=PROVIDER)
    membership = Membership.objects.select_related("user", "organisation").get(
        organisation=provider, user__email=LOADED_BY
    )
    scope = Scope(user=membership.user, membership=membership)
    with transitions.atomic():
        devices = DEVICE_TABLE.create_many(
            [Device(provider=provider, serial=serial, imei=imei) for serial, imei in DEVICES], "load", scope=scope
        )
        first, seen = devices[0], timezone.now() - timedelta(hours=3)
        DeviceEvent.objects.create(
            organisation=provider,
            device=first,
            event_id="demo-1",
            type=DeviceEventType.ONLINE,
            source_type="online",
            occurred_at=seen,
            status=DeviceEventStatus.PROCESSED,
        )
        Device.objects.filter(pk=first.pk).update(online=True, last_event_at=seen)
