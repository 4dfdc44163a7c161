"""How the audit log names the actions of the accounts app, and the words of the states every log row holds.

A row keeps its action (``job.take``) and its states as codes (``assigned`` → ``in_progress``); people read them
in their language. The states of a stateful record are those of its transition table, whose name is the action's
prefix: each app registers its tables here with ``label_tables`` (next to its action labels), so the log, its
export and the job history name a state the way the rest of the screens do.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import INVITATION_TABLE, PARTNERSHIP_TABLE, Role
from fieldbox.core.audit import label_actions
from fieldbox.core.transitions import Table

# The action's prefix ("job" of "job.take") → the states its rows hold.
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


def label_tables(*tables: Table[Any]) -> None:
    """Name the states of these tables' rows with the labels of their ``states``."""
    for table in tables:
        STATES[table.name] = table.states


def label_states(prefix: str, states: type[models.TextChoices]) -> None:
    """Name the states of the rows of actions ``<prefix>.*`` that no table makes (a member's role…)."""
    STATES[prefix] = states


def state_label(action: str, state: str) -> str:
    """The words for ``state`` in a row of ``action``, in the reader's language; the code itself if unknown."""
    if not state:
        return ""
    states = STATES.get(action.partition(".")[0])
    if states is not None and state in states.values:
        return str(states(state).label)
    return str(OTHER_STATES.get(state, state))


label_tables(PARTNERSHIP_TABLE, INVITATION_TABLE)
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
