"""What other apps do when a call's charge is added or removed, without service knowing them: commerce takes a time
charge's minutes from the customer's prepaid package (and gives them back when the charge is removed).

An app registers, once when it starts, a function called inside the transaction of ``charge_add`` (after the
charge is saved and audited) or of ``charge_remove`` (before the charge is deleted), with the scope and the
charge; the call is locked then. A function that raises (a ``ValidationError``, a ``Conflict``) refuses the whole
change: nothing is written::

    from fieldbox.service import charge_hooks

    def use_minutes(*, scope, charge):
        ...

    charge_hooks.on_added(use_minutes)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldbox.core.tenancy import Scope

Hook = Callable[..., Any]
_added: list[Hook] = []
_removed: list[Hook] = []


def on_added(hook: Hook) -> Hook:
    """Call ``hook(scope=, charge=)`` after each charge is added (once, however often it is registered)."""
    if hook not in _added:
        _added.append(hook)
    return hook


def on_removed(hook: Hook) -> Hook:
    """Call ``hook(scope=, charge=)`` before each charge is removed (once, however often it is registered)."""
    if hook not in _removed:
        _removed.append(hook)
    return hook


def added(*, scope: Scope, charge: Any) -> None:
    for hook in _added:
        hook(scope=scope, charge=charge)


def removed(*, scope: Scope, charge: Any) -> None:
    for hook in _removed:
        hook(scope=scope, charge=charge)
