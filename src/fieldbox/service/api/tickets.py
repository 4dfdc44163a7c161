"""/api/v1: the service desk — teams and their support addresses, tickets, their conversation and their moves.

The same services as the desk's pages; the same scope (``visible_to``): an organisation reads its own desk only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fieldbox.accounts.choices import DESK
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import PageFilters, keyset_page
from fieldbox.core.problems import NOT_BLANK, errors_of
from fieldbox.service import selectors, services
from fieldbox.service.api.telematics import TicketJobOut, TicketVehicleOut, job_out, vehicle_out
from fieldbox.service.choices import ClosedReply, ImapSecurity, TicketKind, TicketStatus
from fieldbox.service.models import Contact, Mailbox, Team, Ticket, TicketMessage
from fieldbox.service.services import calls as call_services

router = Router(tags=["service desk"])


class MailboxOut(Schema):
    id: int
    address: str
    active: bool
    imap_host: str
    imap_port: int
    imap_security: ImapSecurity
    imap_user: str
    imap_folder: str
    polled_at: datetime | None
    poll_error: str


class ImapIn(Schema):
    imap_host: str = Field("", max_length=255, description="Empty: the address is not polled (mail is piped)")
    imap_port: int = 993
    imap_security: ImapSecurity = ImapSecurity.SSL
    imap_user: str = Field("", max_length=255)
    imap_password: str = Field("", max_length=255, description="Kept encrypted, never answered; empty keeps it")
    imap_folder: str = Field("INBOX", max_length=255)


class TeamOut(Schema):
    id: int
    name: str
    closed_reply: ClosedReply
    mailboxes: list[MailboxOut]


class TeamIn(Schema):
    name: str = Field(max_length=100, json_schema_extra=NOT_BLANK)
    closed_reply: ClosedReply = ClosedReply.REOPEN


class MailboxIn(Schema):
    team_id: int
    address: str = Field(max_length=254, description="The support address (an e-mail address)")


class ContactOut(Schema):
    id: int
    name: str
    email: str
    confirmed: bool


class TicketOut(Schema):
    id: int
    number: str
    subject: str
    status: TicketStatus
    type: TicketKind
    team_id: int
    team_name: str
    channel: str
    priority: str
    contact: ContactOut | None
    customer_id: int | None
    phone: str
    site_id: int | None
    equipment_id: int | None
    assignee_id: int | None
    created_at: datetime
    changed_at: datetime
    closed_at: datetime | None
    response_due_at: datetime | None = Field(description="When the first answer falls due (working hours)")
    first_response_at: datetime | None
    resolution_due_at: datetime | None = Field(description="When the resolution falls due (working hours)")
    resolved_at: datetime | None
    vehicle: TicketVehicleOut | None = Field(description="A provider's ticket: the subscriber's vehicle")
    job: TicketJobOut | None = Field(description="The job this ticket sent to a partner, with its progress")


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: int | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class TicketMessageOut(Schema):
    id: int
    kind: str
    sender: str
    author: str | None
    subject: str
    text: str
    created_at: datetime
    attachments: list[AttachmentOut]
    skipped: list[dict[str, str]]


class TicketDetailOut(TicketOut):
    messages: list[TicketMessageOut]


class TicketFilters(PageFilters):
    status: TicketStatus | None = Field(None, description="Only the tickets in this status")
    team_id: int | None = Field(None, description="Only the tickets of this team")


class TextIn(Schema):
    text: str = Field(max_length=20_000, json_schema_extra=NOT_BLANK)


class ReasonIn(Schema):
    reason: str = Field(max_length=500, json_schema_extra=NOT_BLANK)


def _team(team: Team) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "closed_reply": team.closed_reply,
        "mailboxes": [_mailbox(m) for m in team.mailboxes.all()],
    }


def _mailbox(mailbox: Mailbox) -> dict[str, Any]:
    fields = ("address", "active", "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder")
    return {
        "id": mailbox.pk,
        **{f: getattr(mailbox, f) for f in fields},
        "polled_at": mailbox.polled_at,
        "poll_error": mailbox.poll_error,
    }


def _contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "email": contact.email,
        "confirmed": contact.confirmed_at is not None,
    }


def _ticket(ticket: Ticket) -> dict[str, Any]:
    contact = ticket.contact
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "team_id": ticket.team_id,
        "team_name": ticket.team.name,
        "channel": ticket.channel,
        "priority": ticket.priority,
        "contact": (
            {
                "id": contact.pk,
                "name": contact.name,
                "email": contact.email,
                "confirmed": contact.confirmed_at is not None,
            }
            if contact
            else None
        ),
        "customer_id": ticket.customer_id,
        "type": ticket.kind,
        **{f: getattr(ticket, f) for f in CALL_OUT},
        "vehicle": vehicle_out(ticket),
        "job": job_out(ticket),
    }


# What the output says of a call besides its people: where, what, when it falls due (read as stored).
CALL_OUT = (
    "phone",
    "site_id",
    "equipment_id",
    "assignee_id",
    "created_at",
    "changed_at",
    "closed_at",
    "response_due_at",
    "first_response_at",
    "resolution_due_at",
    "resolved_at",
)


def _message(message: TicketMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "kind": message.kind,
        "sender": message.sender,
        "author": str(message.author) if message.author else None,
        "subject": message.subject,
        "text": message.text,
        "created_at": message.created_at,
        "attachments": [
            {"id": a.pk, "name": a.name, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
        "skipped": message.skipped,
    }


@router.get(
    "/teams", response={200: list[TeamOut], **errors_of(403)}, summary="The teams of my desk and their addresses"
)
def team_list(request: HttpRequest) -> Any:
    scope = scope_of(request)
    scope.require_role(*DESK)
    return [_team(t) for t in selectors.teams_for(scope).prefetch_related("mailboxes")]


@router.post("/teams", response={201: TeamOut, **errors_of(403, 422)}, summary="Add a team (admins)")
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    team = services.team_create(scope=scope_of(request), name=payload.name, closed_reply=payload.closed_reply)
    return 201, _team(team)


@router.post(
    "/mailboxes",
    response={201: MailboxOut, **errors_of(403, 422)},
    summary="Add a support address to one of my teams (admins)",
    description="An address routes to one desk only: one taken by any organisation is refused.",
)
def mailbox_create(request: HttpRequest, payload: MailboxIn) -> Any:
    mailbox = services.mailbox_create(scope=scope_of(request), team_id=payload.team_id, address=payload.address)
    return 201, _mailbox(mailbox)


@router.put(
    "/mailboxes/{mailbox_id}/imap",
    response={200: MailboxOut, **errors_of(403, 404, 422)},
    summary="Poll a support address on an IMAP server, or stop (admins)",
)
def mailbox_imap(request: HttpRequest, mailbox_id: int, payload: ImapIn) -> Any:
    mailbox = services.mailbox_imap_set(
        scope=scope_of(request),
        mailbox_id=mailbox_id,
        host=payload.imap_host,
        port=payload.imap_port,
        security=payload.imap_security,
        user=payload.imap_user,
        password=payload.imap_password,
        folder=payload.imap_folder,
    )
    return _mailbox(mailbox)


@router.get("/tickets", response={200: TicketPage, **errors_of(403, 422)}, summary="My desk's tickets, newest first")
def ticket_list(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    scope = scope_of(request)
    scope.require_role(*DESK)
    qs = selectors.tickets_for(scope).select_related("vehicle", "job__company")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    rows, cursor = keyset_page(qs, filters.cursor, filters.limit)
    return {"items": [_ticket(t) for t in rows], "next_cursor": cursor}


def _detail(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    ticket = selectors.ticket_for(scope_of(request), ticket_id)
    return {**_ticket(ticket), "messages": [_message(m) for m in selectors.conversation(ticket)]}


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketDetailOut, **errors_of(403, 404)},
    summary="One ticket with its whole conversation",
)
def ticket_get(request: HttpRequest, ticket_id: int) -> Any:
    scope_of(request).require_role(*DESK)
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/reply",
    response={200: TicketDetailOut, **errors_of(403, 404, 409, 422)},
    summary="Answer the customer by e-mail, threaded; a new ticket opens with it",
)
def ticket_reply(request: HttpRequest, ticket_id: int, payload: TextIn) -> Any:
    services.ticket_reply(scope=scope_of(request), ticket_id=ticket_id, text=payload.text)
    return _detail(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/notes",
    response={200: TicketDetailOut, **errors_of(403, 404, 409, 422)},
    summary="Add an internal note (the customer never sees it)",
)
def ticket_note(request: HttpRequest, ticket_id: int, payload: TextIn) -> Any:
    services.ticket_note(scope=scope_of(request), ticket_id=ticket_id, text=payload.text)
    return _detail(request, ticket_id)


def _move(name: str, call: Any, summary: str) -> None:
    def move(request: HttpRequest, ticket_id: int) -> Any:
        call(scope=scope_of(request), ticket_id=ticket_id)
        return _detail(request, ticket_id)

    move.__name__ = f"ticket_{name}"
    router.post(
        f"/tickets/{{ticket_id}}/{name}", response={200: TicketDetailOut, **errors_of(403, 404, 409)}, summary=summary
    )(move)


_move("open", services.ticket_open, "Take up a new ticket")
_move("wait", services.ticket_wait, "Wait for the customer: their reply brings the ticket back")
_move("resolve", services.ticket_resolve, "Mark the ticket resolved")
_move("close", services.ticket_close, "Close a resolved ticket")
_move("reopen", services.ticket_reopen, "Reopen a resolved or closed ticket")


@router.post(
    "/tickets/{ticket_id}/cancel",
    response={200: TicketDetailOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel a ticket that was no request, with the reason",
)
def ticket_cancel(request: HttpRequest, ticket_id: int, payload: ReasonIn) -> Any:
    services.ticket_cancel(scope=scope_of(request), ticket_id=ticket_id, reason=payload.reason)
    return _detail(request, ticket_id)


class MergeIn(Schema):
    into: str = Field(max_length=20, description="The number of the open ticket to merge into (T0000042, or 42)")


@router.post(
    "/tickets/{ticket_id}/merge",
    response={200: TicketDetailOut, **errors_of(403, 404, 409, 422)},
    summary="Merge a ticket into another open one: its messages, interventions and charges move there",
)
def ticket_merge(request: HttpRequest, ticket_id: int, payload: MergeIn) -> Any:
    scope = scope_of(request)
    merged = call_services.ticket_merge(scope=scope, ticket_id=ticket_id, into=payload.into)
    return _detail(request, merged.pk)
