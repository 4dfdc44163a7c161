"""How the apps below messaging (accounts) ask for an e-mail, tell an event or sign an action link.

DESIGN.md §3 puts ``messaging`` above ``accounts``: the outbox addresses people and organisations, so accounts may
not import it. Accounts calls these functions instead, and messaging installs what they do when it starts
(``messaging.apps``): the same outbox rows, written in the caller's transaction, as any other app writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from fieldbox.accounts.models import Organisation


class Messenger(Protocol):
    def send_email(
        self,
        kind: str,
        *,
        key: str,
        to: str,
        context: dict[str, Any],
        language: str,
        organisation: Organisation | None = None,
    ) -> None: ...

    def emit(
        self,
        event: str,
        *,
        organisation: Organisation,
        key: str,
        context: dict[str, Any] | None = None,
        url: str = "",
        data: dict[str, Any] | None = None,
    ) -> None: ...

    def action_url(self, action: str, pk: int) -> str: ...


_installed: list[Messenger] = []


def install(messenger: Messenger) -> None:
    _installed[:] = [messenger]


def messenger() -> Messenger:
    if not _installed:
        raise RuntimeError("messaging is not installed: add fieldbox.messaging to INSTALLED_APPS")
    return _installed[0]
