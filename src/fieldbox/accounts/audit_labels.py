"""How the audit log names the actions of the accounts app, and the words of the states every log row holds.

A row keeps its action (``job.take``) and its states as codes (``assigned`` → ``in_progress``); people read them
in their language. The states of a stateful record are those of its transition table, whose name is the action's
prefix (the kernel's registry, ``core.transitions.TABLES``), so the log, its export and the job history name a
state the way the rest of the screens do.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import Role
from fieldbox.core.audit import label_actions
from fieldbox.core.transitions import TABLES

# The action's prefix ("member" of "member.role") → the states of rows that no transition table writes.
STATES: dict[str, type[models.TextChoices]] = {}

# States written by rows that no transition table makes (tokens, keys, webhooks, members, two-factor).
OTHER_STATES: dict[str, Any] = {
    "active": pgettext_lazy("audit state", "Active"),
    "revoked": pgettext_lazy("audit state", "Revoked"),
    "deleted": pgettext_lazy("audit state", "Deleted"),
    "removed": pgettext_lazy("audit state", "Removed"),
    "on": pgettext_lazy("audit state", "On"),
    "off": pgettext_lazy("audit state", "Off"),
}


def label_states(prefix: str, states: type[models.TextChoices]) -> None:
    """Name the states of the rows of actions ``<prefix>.*`` that no table makes (a member's role…)."""
    STATES[prefix] = states


def state_label(action: str, state: str) -> str:
    """The words for ``state`` in a row of ``action``, in the reader's language; the code itself if unknown."""
    if not state:
        return ""
    prefix = action.partition(".")[0]
    table = TABLES.get(prefix)
    states = table.states if table is not None else STATES.get(prefix)
    if states is not None and state in states.values:
        return str(states(state).label)
    return str(OTHER_STATES.get(state, state))


label_states("member", Role)

label_actions(
    {
        "partnership.invite": _("Company invited"),
        "partnership.claim": _("Invitation received by the company"),
        "partnership.accept": _("Invitation accepted"),
        "partnership.decline": _("Invitation declined"),
        "partnership.end": _("Partnership ended"),
        "invitation.create": _("Person invited"),
        "invitation.accept": _("Invitation used"),
        "invitation.revoke": _("Invitation withdrawn"),
        "member.role": _("Role changed"),
        "member.remove": _("Member removed"),
        "organisation.update": _("Settings changed"),
        "organisation.register": _("Company registered"),
        "organisation.delete": _("Company deleted"),
        "user.register": _("Account created"),
        "user.profile": _("Profile changed"),
        "user.password_reset": _("Password reset"),
        "user.two_factor": _("Two-factor authentication changed"),
        "token.create": _("API token created"),
        "token.revoke": _("API token revoked"),
    }
)
