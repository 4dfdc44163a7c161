"""What a device event changes in the registry: the device's last event, whether it is online, its activation.
Registered with ``messaging.inbound`` (which knows no device); the jobs app registers what an activation does
to the paired job."""

from __future__ import annotations

from django.db.models import Q

from fieldbox.accounts.models import Organisation
from fieldbox.fleet.choices import DEVICE_TABLE
from fieldbox.fleet.models import Device
from fieldbox.messaging import inbound
from fieldbox.messaging.choices import DeviceEventType
from fieldbox.messaging.models import DeviceEvent


def find_device(provider: Organisation, serial: str, imei: str) -> int | None:
    """The provider's device with this serial number or IMEI."""
    match = Q()
    if serial:
        match |= Q(serial=serial)
    if imei:
        match |= Q(imei=imei)
    if not match:
        return None
    found: int | None = Device.objects.filter(match, provider=provider).values_list("pk", flat=True).first()
    return found


def record_event(event: DeviceEvent) -> None:
    """The device's last event and whether it is online (a late event changes neither); an activation makes the
    device active (its job follows, ``jobs.events``)."""
    device = DEVICE_TABLE.lock(Device.objects.filter(provider_id=event.organisation_id), event.device_id)
    fields = []
    if device.last_event_at is None or event.occurred_at >= device.last_event_at:
        device.last_event_at = event.occurred_at
        fields.append("last_event_at")
        if event.type in (DeviceEventType.ONLINE, DeviceEventType.OFFLINE):
            device.online = event.type == DeviceEventType.ONLINE
            fields.append("online")
    if event.type == DeviceEventType.ACTIVATED and device.activated_at is None:
        device.activated_at = event.occurred_at  # its first activation, whatever the device's status says
        fields.append("activated_at")
    if fields:
        device.save(update_fields=fields)
    if event.type == DeviceEventType.ACTIVATED and DEVICE_TABLE.why_not(device, "activate", None) is None:
        DEVICE_TABLE.hold(device)
        DEVICE_TABLE.apply(device, "activate", scope=None)
    event.device = device  # what the event tells the provider reads the device as it is now


inbound.FINDERS.append(find_device)
inbound.HANDLERS.append(record_event)
