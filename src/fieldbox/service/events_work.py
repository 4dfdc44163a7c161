"""What work orders tell other systems (webhooks): a work order was created, changed status, or an assignee
answered it (accepted or declined)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.models import Organisation
from fieldbox.core.transitions import Step
from fieldbox.messaging import events
from fieldbox.messaging.events import EventType
from fieldbox.service.choices import WORK_ORDER_TABLE
from fieldbox.service.models import WorkOrder

events.register(
    EventType("work_order.created", _("A work order was created")),
    EventType("work_order.status_changed", _("A work order changed status")),
    EventType("work_order.answered", _("An assignee accepted or declined a work order")),
)
ANSWERS = {"accept": "accepted", "accept_last": "accepted", "decline": "declined"}


def _data(order: WorkOrder, step: Step) -> dict[str, Any]:
    return {
        "work_order_id": order.pk,
        "number": order.number,
        "ticket_id": order.ticket_id,
        "technician_id": order.technician_id,
        "starts_at": order.starts_at.isoformat() if order.starts_at else None,
        "minutes": order.minutes,
        "from": step.old,
        "to": step.new,
        "action": step.action,
    }


@WORK_ORDER_TABLE.on_move
def _tell(step: Step) -> None:
    order: WorkOrder = step.record
    assert step.event is not None
    organisation = Organisation(pk=order.organisation_id)  # its id is all the webhooks need
    key = f"work_order:{order.pk}:event:{step.event.pk}"
    data = _data(order, step)
    if step.action == "create":
        events.emit("work_order.created", organisation=organisation, key=key, data=data)
    elif step.old != step.new:
        events.emit("work_order.status_changed", organisation=organisation, key=key, data=data)
    if step.action in ANSWERS:
        answer = {
            **data,
            "answer": ANSWERS[step.action],
            "person_id": step.scope.user.pk if step.scope else None,
            "reason": step.event.reason,
        }
        events.emit("work_order.answered", organisation=organisation, key=f"{key}:answer", data=answer)
