"""Statuses of a removal request and of each of its lines (Traqueur Extranet PRO), with their transition table."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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

# status -> {action: new status}. "Prévenu → Effectuée" directly is allowed (a remover may report at once).
LINE_TRANSITIONS: dict[str, dict[str, str]] = {
    LineStatus.NEW: {"notify": LineStatus.NOTIFIED},
    LineStatus.NOTIFIED: {
        "accept": LineStatus.ACCEPTED,
        "refuse": LineStatus.REFUSED,
        "report": LineStatus.DONE,
        "cancel": LineStatus.CANCELLED,
    },
    LineStatus.ACCEPTED: {
        "refuse": LineStatus.REFUSED,
        "report": LineStatus.DONE,
        "cancel": LineStatus.CANCELLED,
    },
    LineStatus.DONE: {},
    LineStatus.REFUSED: {},
    LineStatus.CANCELLED: {},
}


class PickupStatus(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up by the carrier")
    RECEIVED = "received", _("Received at the warehouse")
