"""What a device's activation does to its job: a paired job succeeds (once its required checks are complete).
Registered with ``messaging.inbound`` after the registry's own handler (``fleet.events``)."""

from __future__ import annotations

from fieldbox.fleet.models import Device
from fieldbox.jobs.services.devices import job_activate
from fieldbox.messaging import inbound
from fieldbox.messaging.choices import DeviceEventType
from fieldbox.messaging.models import DeviceEvent


def activate_job(event: DeviceEvent) -> None:
    if event.type == DeviceEventType.ACTIVATED:
        device: Device = event.device
        job_activate(device, event.occurred_at)


inbound.HANDLERS.append(activate_job)
