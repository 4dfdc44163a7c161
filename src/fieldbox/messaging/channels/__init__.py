"""Channels deliver claimed outbox messages: e-mail, SMS and webhooks.

A channel's ``send_batch`` gets the messages of one claim and answers one
:class:`Result` per message; it never touches the database. A failure it can classify
as final (a refused address, a 4xx from a gateway) is ``permanent`` and is not retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fieldbox.messaging.models import OutboxMessage


class DeliveryError(Exception):
    """A message could not be delivered; ``permanent`` ones are parked as failed at once."""

    def __init__(self, message: str, *, permanent: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status


@dataclass(frozen=True)
class Result:
    message_id: int
    ok: bool
    provider_message_id: str = ""
    error: str = ""
    permanent: bool = False
    status: int | None = None
    # Not tried: the batch ran out of its time (the claim's lease); handed back without counting a try.
    skipped: bool = False


# Until when (time.monotonic()) the current batch may start sending messages: its claim's lease must
# not run out while it is still sending, or another worker would claim the same messages.
send_deadline: ContextVar[float | None] = ContextVar("fieldbox_send_deadline", default=None)


def out_of_time() -> bool:
    deadline = send_deadline.get()
    return deadline is not None and time.monotonic() > deadline


Sender = Callable[[Sequence["OutboxMessage"]], list[Result]]


def each(messages: Sequence[OutboxMessage], send_one: Callable[[OutboxMessage], str]) -> list[Result]:
    """Send messages one by one with ``send_one`` (which returns the provider's id), catching failures."""
    results = []
    for message in messages:
        if out_of_time():
            results.append(Result(message.pk, False, skipped=True))
            continue
        try:
            provider_id = send_one(message)
        except DeliveryError as exc:
            results.append(Result(message.pk, False, error=str(exc), permanent=exc.permanent, status=exc.status))
        except Exception as exc:  # a network or backend error: retried later
            results.append(Result(message.pk, False, error=f"{type(exc).__name__}: {exc}"))
        else:
            results.append(Result(message.pk, True, provider_message_id=provider_id or ""))
    return results
