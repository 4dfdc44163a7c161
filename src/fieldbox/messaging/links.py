"""Action links in e-mails: signed, expiring, and harmless to open.

A link names an action and an object. Opening it (GET) only shows what it would do; the
recipient signs in if needed and confirms with a POST, which calls the same service as
the screens do, with the signed-in person's scope (so a forwarded link gives nothing to
someone who may not act). Mail scanners that open links therefore change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.functional import Promise

from fieldbox.core.tenancy import Scope

SALT = "fieldbox.messaging.action"


@dataclass(frozen=True)
class Action:
    key: str
    # What the confirmation button says ("Accept the partnership").
    label: str | Promise
    # What the page says about the object, or None when the person may not see it (404).
    describe: Callable[[Scope, int], str | None]
    # Do it; answers the message shown afterwards and the page to go to.
    perform: Callable[[Scope, int, str], tuple[str, str]]
    needs_reason: bool = False


ACTIONS: dict[str, Action] = {}


def register(*actions: Action) -> None:
    for action in actions:
        ACTIONS[action.key] = action


def action_url(action: str, object_id: int) -> str:
    """An absolute, signed link to confirm ``action`` on ``object_id``; valid ACTION_LINK_MAX_AGE."""
    if action not in ACTIONS:
        raise KeyError(action)
    token = signing.dumps({"a": action, "o": object_id}, salt=SALT, compress=True)
    return settings.SITE_URL + reverse("messaging:action", kwargs={"token": token})


def read(token: str) -> tuple[Action, int]:
    """The action and object a link names; ``signing.BadSignature`` (or ``SignatureExpired``) otherwise."""
    data: Any = signing.loads(token, salt=SALT, max_age=settings.ACTION_LINK_MAX_AGE)
    action = ACTIONS.get(str(data.get("a")))
    if action is None or not isinstance(data.get("o"), int):
        raise signing.BadSignature("unknown action")
    return action, data["o"]
