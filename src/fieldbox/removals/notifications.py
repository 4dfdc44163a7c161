"""E-mails of removal requests: one to each remover per request, and one to the requester at each step of a line.

``notify_removers`` is called inside the transaction that confirms a request; ``tell_requester`` inside the one that
moves a line. Both only write outbox rows (sent after commit).
"""

from __future__ import annotations

from fieldbox.removals.models import RemovalLine, RemovalRequest


def notify_removers(request: RemovalRequest) -> None:
    """One e-mail per remover listing its vehicles of this request, with signed action links per line."""
    del request  # written with the remover's screens


def tell_requester(line: RemovalLine, action: str) -> None:
    """The requester (and its follow-up address) learns that a line moved (accepted, refused, done, cancelled)."""
    del line, action  # written with the remover's screens
