"""States of a removal request, of each of its lines (Traqueur Extranet PRO) and of box pick-ups, with their transition
tables."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import INSTALLER_ROLES, LOGISTICS, PLANNERS, PROVIDER_ROLES
from fieldbox.core.counters import Counted
from fieldbox.core.transitions import CREATED, DELETED, SAME, SYSTEM, Move, Table


class RequestState(models.TextChoices):
    """Where the file of a request is: checked and summarised, then saved once the requester confirms."""

    CHECKING = "checking", _("Checking the file")
    READY = "ready", _("Waiting for confirmation")
    SAVING = "saving", _("Saving")
    SAVED = "saved", _("Saved")
    REFUSED = "refused", _("Refused")  # the file could not be read or had errors and the requester gave up


class LineStatus(models.TextChoices):
    NEW = "new", _("New")  # Traqueur "Nouvelle": in the summary, before the requester confirms
    NOTIFIED = "notified", _("Notified")  # "Prévenu": the remover was told
    ACCEPTED = "accepted", _("Accepted")  # "Acceptée"
    DONE = "done", _("Done")  # "Effectuée": the box was removed
    REFUSED = "refused", _("Refused")  # "Refusée", with a reason
    # "Annulée" by the requester while not done; its own context, as the line's statuses agree with "removal".
    CANCELLED = "cancelled", pgettext_lazy("removal line", "Cancelled")


OPEN_LINE = (LineStatus.NOTIFIED, LineStatus.ACCEPTED)
# A request not saved yet: the provider finds it again in its list of drafts until it is confirmed or purged.
DRAFT_STATES = (RequestState.CHECKING, RequestState.READY, RequestState.SAVING, RequestState.REFUSED)

# A request's file: checked (in a worker when large), confirmed (saved by a worker when large), or discarded.
# Without a person (SYSTEM): the worker's check, a background save that failed, the daily purge of old drafts.
R = RequestState
REQUEST_TABLE: Table[Any] = Table(
    name="removal_request",
    model="removals.RemovalRequest",
    states=RequestState,
    field="state",
    refusal=_("Not possible while the request is “%(status)s”."),
    owner=lambda request, scope: request.provider_id,
    moves=(
        Move("upload", CREATED, R.CHECKING, PLANNERS),
        Move("check", (R.CHECKING,), R.READY, PLANNERS | {SYSTEM}),
        Move("refuse", (R.CHECKING,), R.REFUSED, PLANNERS | {SYSTEM}),
        Move("confirm_later", (R.READY,), R.SAVING, PLANNERS),
        Move("confirm", (R.READY, R.SAVING), R.SAVED, PLANNERS),
        Move("confirm_failed", (R.SAVING,), R.READY, frozenset({SYSTEM})),
        # A save still waiting for its worker can be discarded: the worker then finds nothing to save.
        Move("discard", DRAFT_STATES, DELETED, PLANNERS),
        Move("expire", DRAFT_STATES, DELETED, frozenset({SYSTEM})),
    ),
)

# A removal line (Traqueur: Prévenu → Acceptée → Effectuée, or Refusée, Annulée). "Prévenu → Effectuée" directly is
# allowed (a remover may report at once). Without a person (SYSTEM): a removal reported with a job code.
LINE_TABLE: Table[Any] = Table(
    name="removal",
    model="removals.RemovalLine",
    states=LineStatus,
    refusal=_("Not possible while the removal is “%(status)s”."),
    owner=lambda line, scope: line.provider_id,
    counted=(
        Counted("removals.provider", "provider_id"),
        Counted("removals.company", "company_id"),
        Counted("removals.request", "request_id"),
    ),
    moves=(
        Move("notify", CREATED, LineStatus.NOTIFIED, PLANNERS),
        Move("accept", (LineStatus.NOTIFIED,), LineStatus.ACCEPTED, INSTALLER_ROLES),
        Move("refuse", OPEN_LINE, LineStatus.REFUSED, INSTALLER_ROLES),
        Move("report", OPEN_LINE, LineStatus.DONE, INSTALLER_ROLES | {SYSTEM}),
        Move("cancel", OPEN_LINE, LineStatus.CANCELLED, PROVIDER_ROLES),
        Move(
            "code_issue",
            OPEN_LINE,
            SAME,
            INSTALLER_ROLES,
            refusal=_("This removal is over: its job code cannot be given any more."),
        ),
    ),
)


class PickupStatus(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up by the carrier")
    RECEIVED = "received", _("Received at the warehouse")


# Boxes a carrier collected at a remover's, then received at the provider's warehouse.
PICKUP_TABLE: Table[Any] = Table(
    name="pickup",
    model="removals.BoxPickup",
    states=PickupStatus,
    refusal=_("These boxes were already received at the warehouse."),
    owner=lambda pickup, scope: pickup.provider_id,
    moves=(
        Move("record", CREATED, PickupStatus.PICKED_UP, LOGISTICS),
        Move("receive", (PickupStatus.PICKED_UP,), PickupStatus.RECEIVED, LOGISTICS),
    ),
)
