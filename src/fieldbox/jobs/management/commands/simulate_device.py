"""Play a device: send a correctly signed event for it, as the provider's telematics backend would."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fieldbox.fleet.models import Device
from fieldbox.messaging import signing
from fieldbox.messaging.choices import FeedFormat
from fieldbox.messaging.models import DeviceFeed


class Command(BaseCommand):
    help = "Send a signed device event (default: activated) for the device with this serial number."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--serial", required=True)
        parser.add_argument("--type", default="activated", choices=["activated", "online", "offline"])
        parser.add_argument("--url", default=None, help="Fieldbox's address (default: SITE_URL)")

    def handle(self, *args: Any, **options: Any) -> None:
        device = Device.objects.filter(serial=options["serial"].strip().upper()).first()
        if device is None:
            raise CommandError(f"No device with serial number {options['serial']}.")
        feed = DeviceFeed.objects.filter(
            organisation=device.provider_id, is_active=True, format=FeedFormat.FIELDBOX
        ).first()
        if feed is None:
            raise CommandError("The device's provider has no active device event key (Webhooks → Device event feeds).")
        body = orjson.dumps(
            {
                "id": f"simulated-{uuid.uuid4()}",
                "type": options["type"],
                "serial": device.serial,
                "imei": device.imei or "",
                "time": timezone.now().isoformat(),
                "payload": {"simulated": True},
            }
        )
        url = (options["url"] or settings.SITE_URL).rstrip("/") + "/api/v1/device-events"
        headers = {
            "Content-Type": "application/json",
            "X-Fieldbox-Key": feed.key_id,
            **signing.headers(feed.secret, body),
        }
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10)
        except httpx.HTTPError as exc:
            raise CommandError(f"Fieldbox did not answer at {url}: {exc}") from exc
        if response.status_code not in (200, 202):
            raise CommandError(f"Refused ({response.status_code}): {response.text}")
        self.stdout.write(f"{device.serial}: {options['type']} sent ({response.status_code}).")
