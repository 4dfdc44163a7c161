"""Reads of the service desk, scoped by each model's ``visible_to``: an organisation sees its own desk only."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.core import counters
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ENDED_TICKET, OPEN_TICKET, TicketStatus
from fieldbox.service.models import Attachment, Mailbox, Team, Ticket, TicketMessage

# The desk's tabs: the statuses each one lists.
TABS: dict[str, tuple[str, ...]] = {
    "open": OPEN_TICKET,
    "resolved": (TicketStatus.RESOLVED,),
    "ended": ENDED_TICKET,
}


def teams_for(scope: Scope) -> QuerySet[Team]:
    return Team.objects.visible_to(scope).order_by("name")


def tickets_for(scope: Scope) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(scope).select_related("team", "contact", "assignee")


def desk_list(scope: Scope, *, tab: str, team: int | None, text: str) -> QuerySet[Ticket]:
    """A tab of the desk, narrowed to a team and to a number, subject or sender."""
    qs = tickets_for(scope).filter(status__in=TABS.get(tab, OPEN_TICKET))
    if team:
        qs = qs.filter(team_id=team)
    words = " ".join(text.split())
    if words:
        qs = qs.filter(Q(number__iexact=words) | Q(subject__icontains=words) | Q(contact__email__icontains=words))
    return qs


def tab_totals(scope: Scope) -> dict[str, int]:
    """Each tab's number of tickets, exact: one read of the organisation's counters."""
    key = f"service.tickets:{scope.organisation.pk}"
    kept = counters.read([key])
    return {tab: sum(kept[(key, status)] for status in statuses) for tab, statuses in TABS.items()}


def ticket_for(scope: Scope, pk: int) -> Ticket:
    found = tickets_for(scope).select_related("mailbox").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def conversation(ticket: Ticket) -> list[TicketMessage]:
    """The ticket's messages in order, with their authors and files: two queries whatever their number."""
    return list(ticket.messages.select_related("author", "contact").prefetch_related("attachments"))


def attachment_for(scope: Scope, pk: int) -> Attachment:
    found = Attachment.objects.filter(pk=pk, message__ticket__in=Ticket.objects.visible_to(scope)).first()
    if found is None:
        raise Http404
    return found


def mailbox_for(scope: Scope, pk: int) -> Mailbox:
    found = Mailbox.objects.visible_to(scope).select_related("team").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
