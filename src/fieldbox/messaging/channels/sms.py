"""The SMS channel: claimed outbox messages go out through the backend ``SMS_BACKEND`` names.

``console`` prints them and ``file`` writes one file each (development and the demo),
``locmem`` keeps them in :data:`outbox` (tests), ``twilio`` sends them through Twilio's
Messages API (production); a dotted path names a backend class of one's own.
"""

from __future__ import annotations

import sys
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from fieldbox.messaging.channels import DeliveryError, Result, each
from fieldbox.messaging.segments import sms_parts

if TYPE_CHECKING:
    from fieldbox.messaging.models import OutboxMessage

# Messages the ``locmem`` backend "sent", oldest first: dicts with to, body, sender and reference.
outbox: list[dict[str, str]] = []


class SmsBackend(ABC):
    """Sends one SMS and answers the provider's id of the message."""

    @abstractmethod
    def send(self, *, to: str, body: str, sender: str, reference: str) -> str: ...

    def close(self) -> None:  # noqa: B027 - an optional hook: most backends hold nothing
        """Releases what the backend holds (connections) at the end of a batch."""


def _render(message_id: str, *, to: str, body: str, sender: str, reference: str) -> str:
    parts = sms_parts(body)
    return (
        f"Id: {message_id}\nDate: {timezone.now().isoformat()}\nFrom: {sender}\nTo: {to}\n"
        f"Reference: {reference}\nParts: {parts.segments} ({parts.encoding}, {parts.units} units)\n"
        f"\n{body}\n"
    )


class ConsoleBackend(SmsBackend):
    """Prints each message to ``stream`` (standard output), like Django's console e-mail backend."""

    _lock = threading.RLock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        text = _render(message_id, to=to, body=body, sender=sender, reference=reference)
        with self._lock:
            self.stream.write(f"{text}{'-' * 79}\n")
            self.stream.flush()
        return message_id


class FileBackend(SmsBackend):
    """Writes each message to its own file under ``SMS_FILE_PATH``; the file name is the message id."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.txt"
        text = _render(name, to=to, body=body, sender=sender, reference=reference)
        with (self.path / name).open("x", encoding="utf-8") as file:
            file.write(text)
        return name


class LocmemBackend(SmsBackend):
    """Keeps each message in :data:`outbox`, for tests."""

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        outbox.append({"to": to, "body": body, "sender": sender, "reference": reference})
        return f"locmem-{len(outbox)}"


class TwilioBackend(SmsBackend):
    """Twilio's Messages API: one POST per message, through one HTTP client kept for the batch.

    A refusal (4xx, except 408 and 429) is permanent; throttling, server errors, timeouts and
    network errors are retried later. Redirects are never followed.
    """

    def __init__(self) -> None:
        self.base_url = settings.SMS_API_URL.rstrip("/")
        self.user = settings.SMS_API_USER
        self.token = settings.SMS_API_TOKEN
        self.timeout = settings.SMS_TIMEOUT
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(auth=(self.user, self.token), timeout=self.timeout, follow_redirects=False)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def send(self, *, to: str, body: str, sender: str, reference: str) -> str:
        if not (self.user and self.token):
            raise DeliveryError("SMS gateway credentials missing: set SMS_API_USER and SMS_API_TOKEN.", permanent=True)
        url = f"{self.base_url}/2010-04-01/Accounts/{quote(self.user, safe='')}/Messages.json"
        try:
            response = self.client.post(url, data={"To": to, "From": sender, "Body": body})
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"SMS gateway timed out after {self.timeout:g}s: {type(exc).__name__}") from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway unreachable: {type(exc).__name__}: {exc}") from exc
        return _twilio_sid(response)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _twilio_sid(response: httpx.Response) -> str:
    """The message sid of a 2xx answer, or the ``DeliveryError`` the answer stands for."""
    status = response.status_code
    data = _json(response)
    if response.is_success:
        sid = data.get("sid")
        if isinstance(sid, str) and sid:
            return sid
        # Possibly sent: parked for a person to look at rather than sent twice.
        raise DeliveryError(f"SMS gateway answered HTTP {status} without a message sid.", permanent=True, status=status)
    if "code" in data or "message" in data:
        detail = f"code {data.get('code')}: {data.get('message', '')}"
    else:
        detail = response.text[:300]
    transient = status in (408, 429) or status >= 500
    what = "SMS gateway error" if transient else "SMS gateway refused the message"
    raise DeliveryError(f"{what} (HTTP {status}) {detail}".strip(), permanent=not transient, status=status)


BACKENDS: dict[str, type[SmsBackend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "locmem": LocmemBackend,
    "twilio": TwilioBackend,
}


def get_backend() -> SmsBackend:
    """A new instance of the backend ``SMS_BACKEND`` names (a short name or a dotted path to a class)."""
    name = str(settings.SMS_BACKEND)
    if name in BACKENDS:
        return BACKENDS[name]()
    if "." not in name:
        raise ImproperlyConfigured(f"Unknown SMS_BACKEND {name!r}: use one of {', '.join(BACKENDS)} or a dotted path.")
    return cast(SmsBackend, import_string(name)())


def _check(message: OutboxMessage) -> None:
    parts = sms_parts(message.body)
    if parts.segments == 0:
        raise DeliveryError("The SMS has no text.", permanent=True)
    if parts.segments > settings.SMS_MAX_SEGMENTS:
        raise DeliveryError(
            f"The SMS needs {parts.segments} parts ({parts.encoding}, {parts.units} units), "
            f"more than SMS_MAX_SEGMENTS = {settings.SMS_MAX_SEGMENTS}.",
            permanent=True,
        )


def send_batch(messages: Sequence[OutboxMessage]) -> list[Result]:
    """Sends the messages of one claim through one backend instance, one :class:`Result` each."""
    backend = get_backend()

    def send_one(message: OutboxMessage) -> str:
        _check(message)
        return backend.send(
            to=message.recipient,
            body=message.body,
            sender=message.sender or settings.SMS_SENDER,
            reference=message.idempotency_key,
        )

    try:
        return each(messages, send_one)
    finally:
        close = getattr(backend, "close", None)
        if callable(close):
            close()
