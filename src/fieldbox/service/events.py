"""What the service desk tells other systems (webhooks): a ticket opened, changed status, or got a message."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.models import Organisation
from fieldbox.core.transitions import Step
from fieldbox.messaging import events
from fieldbox.messaging.events import EventType
from fieldbox.service.choices import TICKET_TABLE
from fieldbox.service.models import Ticket

events.register(
    EventType("ticket.created", _("A ticket was opened")),
    EventType("ticket.status_changed", _("A ticket changed status")),
    EventType("ticket.message_received", _("A customer wrote on a ticket")),
)
# Moves that carry a customer's message (the webhook says so, with the new status when it changed).
MESSAGE_MOVES = {"receive", "message_in", "customer_replied"}


def _data(ticket: Ticket, step: Step) -> dict[str, Any]:
    return {
        "ticket_id": ticket.pk,
        "number": ticket.number,
        "team_id": ticket.team_id,
        "from": step.old,
        "to": step.new,
        "action": step.action,
    }


@TICKET_TABLE.on_move
def _tell(step: Step) -> None:
    ticket: Ticket = step.record
    assert step.event is not None
    organisation = Organisation(pk=ticket.organisation_id)  # its id is all the webhooks need
    key = f"ticket:{ticket.pk}:event:{step.event.pk}"
    data = _data(ticket, step)
    if step.action in ("receive", "create"):
        events.emit("ticket.created", organisation=organisation, key=key, data=data)
    elif step.old != step.new:
        events.emit("ticket.status_changed", organisation=organisation, key=key, data=data)
    if step.action in MESSAGE_MOVES or (step.action == "reopen" and step.scope is None):
        events.emit("ticket.message_received", organisation=organisation, key=f"{key}:message", data=data)
