"""Reads of the customer portal: what a customer's contact sees, scoped by each model's ``visible_to`` (their own
tickets, or all of their customer's when the customer shares them; their customer's equipment), and never a note
between the organisation's colleagues."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import OPEN_TICKET, MessageKind
from fieldbox.service.models import Attachment, Contact, Ticket, TicketMessage


def contact_of(scope: Scope) -> Contact | None:
    """The contact the signed-in person is, with their customer; None when the access is linked to none."""
    return (
        Contact.objects.visible_to(scope)
        .filter(user=scope.user, customer__isnull=False)
        .select_related("customer")
        .first()
    )


def _said(field: str) -> Subquery:
    """A field of a ticket's last message the customer sees (a note is not one)."""
    said = TicketMessage.objects.filter(ticket=OuterRef("pk")).exclude(kind=MessageKind.NOTE)
    return Subquery(said.order_by("-created_at", "-pk").values(field)[:1])


def tickets_of(scope: Scope) -> QuerySet[Ticket]:
    """The requests the contact sees, each with its last message: from the customer or to them (``last_kind``), by
    which contact and their name, its text and time."""
    return (
        Ticket.objects.visible_to(scope)
        .select_related("team", "contact", "equipment")
        .annotate(
            last_kind=_said("kind"),
            last_contact=_said("contact_id"),
            last_name=_said("contact__name"),
            last_text=_said("text"),
            last_at=_said("created_at"),
        )
    )


def open_tickets(scope: Scope, limit: int) -> list[Ticket]:
    """The requests still being handled, newest first (a contact has few; the list shows at most ``limit``)."""
    return list(tickets_of(scope).filter(status__in=OPEN_TICKET).order_by("-pk")[:limit])


def earlier_tickets(scope: Scope) -> QuerySet[Ticket]:
    """The requests resolved, closed or cancelled (keyset pages)."""
    return tickets_of(scope).exclude(status__in=OPEN_TICKET)


def ticket_for(scope: Scope, pk: int) -> Ticket:
    """One request the contact sees; another customer's answers 404 exactly like a number that does not exist."""
    found = Ticket.objects.visible_to(scope).select_related("team", "contact", "equipment").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def conversation(ticket: Ticket) -> list[TicketMessage]:
    """The messages the customer sees, in order, with their files: notes between colleagues are never read."""
    said = ticket.messages.exclude(kind=MessageKind.NOTE)
    return list(said.select_related("contact").prefetch_related("attachments"))


def attachment_for(scope: Scope, pk: int) -> Attachment:
    """A file of a message the contact sees (never one of a note)."""
    found = (
        Attachment.objects.filter(pk=pk, message__ticket__in=Ticket.objects.visible_to(scope))
        .exclude(message__kind=MessageKind.NOTE)
        .first()
    )
    if found is None:
        raise Http404
    return found
