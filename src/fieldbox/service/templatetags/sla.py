"""When a ticket falls due, for the pages that show a ticket (``service/_due.html``)."""

from __future__ import annotations

from typing import Any

from django import template

from fieldbox.service import sla
from fieldbox.service.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def ticket_due(context: template.Context, ticket: Ticket) -> sla.Due | None:
    """The promise ``ticket`` is held to now, on its organisation's working time (the reader's organisation, read
    once per page, when it is the ticket's: no query per row)."""
    scope: Any = context.get("scope")
    organisation = scope.organisation if scope and scope.organisation.pk == ticket.organisation_id else None
    return sla.due_of(ticket, organisation or ticket.organisation)
