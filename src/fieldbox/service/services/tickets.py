"""Writes of the service desk. Mail reaches a ticket through ``mail_ingest`` only, whether IMAP polling fetched it
or a mail server piped it (``fieldbox ingest-mail``)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import formataddr
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.core import audit, crypto, numbering, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import services as messaging
from fieldbox.service import mail as mails
from fieldbox.service import sla as _sla  # private: `services.sla` is the levels' module
from fieldbox.service.choices import (
    TICKET_TABLE,
    WORK_ORDER_TABLE,
    Channel,
    ClosedReply,
    MailOutcome,
    MessageKind,
    TicketStatus,
    WorkOrderStatus,
    numbered,
)
from fieldbox.service.models import (
    Attachment,
    Contact,
    InboundMail,
    Mailbox,
    Team,
    Ticket,
    TicketMessage,
    WorkOrder,
)


@dataclass(frozen=True)
class Received:
    """What a message became: its outcome, why (a key of ``mail.REASONS``), the ticket, and whether it had been
    received before (then nothing was written)."""

    outcome: str
    reason: str = ""
    ticket: Ticket | None = None
    duplicate: bool = False


def ticket_number(organisation_id: int) -> str:
    """The next number of the organisation's tickets ("T0000042"), in the caller's transaction."""
    return ticket_number_of(numbering.take(f"service.ticket:{organisation_id}"))


def ticket_number_of(n: int) -> str:
    """How a ticket's number is written: "T" and seven digits at least."""
    return numbered("T", n)


def mail_ingest(*, mailbox: Mailbox, raw: bytes) -> Received:
    """Take one message that reached ``mailbox``: a new request opens a ticket in the mailbox's team, a reply
    joins its ticket, mail no person wrote is kept without a ticket, a message that cannot be read is refused
    with its reason. The same message a second time changes nothing."""
    org = mailbox.organisation_id
    try:
        read = mails.read(raw, own_addresses=_own_addresses(mailbox))
    except mails.Refused as refused:
        return _keep(mailbox, mails.digest(raw), len(raw), "", "", MailOutcome.REFUSED, refused.reason)
    if read.automatic:
        return _keep(mailbox, read.key, read.size, read.sender, read.subject, MailOutcome.IGNORED, read.automatic)
    try:
        with transitions.atomic():
            if InboundMail.objects.filter(organisation_id=org, key=read.key).exists():
                return _duplicate(org, read.key)
            ticket = _thread(mailbox, read)
            if ticket is None:
                ticket, outcome = _open(mailbox, read), MailOutcome.TICKET
            else:
                outcome = MailOutcome.REPLY
            _store(ticket, read)
            InboundMail.objects.create(
                organisation_id=org,
                mailbox=mailbox,
                key=read.key,
                size=read.size,
                sender=read.sender[:255],
                subject=read.subject,
                outcome=outcome,
                ticket=ticket,
            )
    except IntegrityError:  # the same message, delivered at the same moment through another path
        return _duplicate(org, read.key)
    return Received(outcome, ticket=ticket)


def _own_addresses(mailbox: Mailbox) -> frozenset[str]:
    """The organisation's support addresses, read once per mailbox instance: polling hands its messages over one
    after the other with the same instance."""
    if "_own_addresses" not in mailbox.__dict__:
        addresses = Mailbox.objects.filter(organisation_id=mailbox.organisation_id).values_list("address", flat=True)
        mailbox.__dict__["_own_addresses"] = frozenset(addresses)
    own: frozenset[str] = mailbox.__dict__["_own_addresses"]
    return own


def mail_too_large(*, mailbox: Mailbox, key: str, size: int) -> Received:
    """A message larger than the limit, refused without being read (IMAP tells its size first)."""
    return _keep(mailbox, key, size, "", "", MailOutcome.REFUSED, "too-large")


def _keep(mailbox: Mailbox, key: str, size: int, sender: str, subject: str, outcome: str, reason: str) -> Received:
    """Keep a message that makes no ticket, with its reason (once)."""
    try:
        with transaction.atomic():  # one INSERT: kept before, the unique key refuses it
            InboundMail.objects.create(
                organisation_id=mailbox.organisation_id,
                key=key,
                mailbox=mailbox,
                size=size,
                sender=sender[:255],
                subject=subject,
                outcome=outcome,
                reason=reason,
            )
    except IntegrityError:
        return Received(outcome, reason=reason, duplicate=True)
    return Received(outcome, reason=reason)


def _duplicate(org: int, key: str) -> Received:
    first = InboundMail.objects.filter(organisation_id=org, key=key).select_related("ticket").first()
    if first is None:
        return Received(MailOutcome.IGNORED, duplicate=True)
    return Received(first.outcome, reason=first.reason, ticket=first.ticket, duplicate=True)


def _thread(mailbox: Mailbox, read: mails.Mail) -> Ticket | None:
    """The ticket a reply belongs to, in the mailbox's organisation only: by the number in its subject, then by
    the messages it answers (In-Reply-To, References). A reply to a closed ticket reopens it or opens a new one,
    as the team chooses; a cancelled or merged ticket is not answered again."""
    org = mailbox.organisation_id
    ticket_id: int | None = None
    if read.ticket_number:
        numbered = Ticket.objects.filter(organisation_id=org, number=read.ticket_number)
        ticket_id = numbered.values_list("pk", flat=True).first()
    if ticket_id is None and read.references:
        answered = TicketMessage.objects.filter(organisation_id=org, message_id__in=read.references[:50]).values_list(
            "message_id", "ticket_id"
        )
        by_id = dict(answered)
        ticket_id = next((by_id[r] for r in read.references if r in by_id), None)
    if ticket_id is None:
        return None
    # Its team (what a reply to a closed ticket does) and contact come with the locked row.
    ticket = TICKET_TABLE.lock(Ticket.objects.filter(organisation_id=org).select_related("team", "contact"), ticket_id)
    move = customer_move(ticket)
    if move is None:
        return None
    TICKET_TABLE.apply(ticket, move, scope=None, data={"by": "mail"} if move == "reopen" else None)
    return ticket


def customer_move(ticket: Ticket) -> str | None:
    """The move a customer's message makes on ``ticket``, however it came (mail, the portal): a message on a new or
    open ticket, the answer that brings it back from waiting, the reopening of a resolved or closed one when its
    team chooses so; None when the message opens a new ticket instead (the team's choice, or the ticket was
    cancelled or merged)."""
    if ticket.status in (TicketStatus.CANCELLED, TicketStatus.MERGED):
        return None
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return "reopen" if ticket.team.closed_reply == ClosedReply.REOPEN else None
    return "customer_replied" if ticket.status == TicketStatus.WAITING else "message_in"


def _open(mailbox: Mailbox, read: mails.Mail) -> Ticket:
    """A new ticket in the mailbox's team, from the sender's contact (one to confirm when nobody knows them)."""
    org = mailbox.organisation_id
    contact = Contact.objects.filter(organisation_id=org, email__iexact=read.sender).first()
    if contact is None:
        contact = Contact.objects.create(organisation_id=org, email=read.sender, name=read.sender_name)
    ticket = Ticket(
        organisation_id=org,
        number=ticket_number(org),
        subject=read.subject or "—",
        team_id=mailbox.team_id,
        mailbox=mailbox,
        contact=contact,
        customer_id=contact.customer_id,
        channel=Channel.EMAIL,
    )
    _sla.restamp(ticket)  # its dues go in with the row (the table's hook stamps only a ticket made without them)
    TICKET_TABLE.create(ticket, "receive", scope=None, organisation=org, data={"mailbox": mailbox.address})
    return ticket


def _store(ticket: Ticket, read: mails.Mail) -> TicketMessage:
    message = TicketMessage.objects.create(
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        message_id=read.message_id,
        sender=read.sender[:255],
        subject=read.subject,
        text=read.text,
        html=read.html,
        contact=ticket.contact if ticket.contact and ticket.contact.email == read.sender else None,
        skipped=read.skipped,
    )
    attach(message, read.files)
    return message


def attach(message: TicketMessage, files: list[mails.File]) -> None:
    """Keep a message's files, already checked, in the storage backend, each under a random name."""
    for file in files:
        stored = Attachment(message=message, name=file.name, content_type=file.content_type, size=len(file.data))
        extension = PurePosixPath(file.name).suffix.lower()[:10]
        stored.file.save(secrets.token_hex(16) + extension, ContentFile(file.data), save=False)
        stored.save()


# ---- Moves people make (the desk's screens and the API call these) ----------------------------------------


def _move(scope: Scope, ticket_id: int, action: str, reason: str = "") -> Ticket:
    TICKET_TABLE.require(action, scope)
    with transitions.atomic():
        ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope), ticket_id)
        TICKET_TABLE.apply(ticket, action, scope=scope, reason=reason)
    return ticket


def ticket_open(*, scope: Scope, ticket_id: int) -> Ticket:
    """Someone of the team takes up a new ticket."""
    return _move(scope, ticket_id, "open")


def ticket_wait(*, scope: Scope, ticket_id: int) -> Ticket:
    """The next step is the customer's: their reply brings the ticket back."""
    return _move(scope, ticket_id, "wait")


def ticket_resolve(*, scope: Scope, ticket_id: int) -> Ticket:
    return _move(scope, ticket_id, "resolve")


def ticket_close(*, scope: Scope, ticket_id: int) -> Ticket:
    return _move(scope, ticket_id, "close")


def ticket_reopen(*, scope: Scope, ticket_id: int) -> Ticket:
    return _move(scope, ticket_id, "reopen")


def ticket_cancel(*, scope: Scope, ticket_id: int, reason: str) -> Ticket:
    """Cancel a ticket, and with it the interventions still to plan on it (nobody goes for a call that is off)."""
    TICKET_TABLE.require("cancel", scope)
    with transitions.atomic():
        ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope), ticket_id)
        TICKET_TABLE.apply(ticket, "cancel", scope=scope, reason=reason)
        waiting = WorkOrder.objects.filter(ticket=ticket, status=WorkOrderStatus.TO_PLAN).order_by("pk")
        for pk in waiting.values_list("pk", flat=True):
            intervention = WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), pk)
            WORK_ORDER_TABLE.apply(intervention, "cancel", scope=scope, reason=reason, changes={"outcome": reason})
    return ticket


def ticket_note(*, scope: Scope, ticket_id: int, text: str) -> TicketMessage:
    """A note between colleagues on the ticket: the customer never sees it."""
    TICKET_TABLE.require("note", scope)
    words = message_text(text)
    with transitions.atomic():
        ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope), ticket_id)
        TICKET_TABLE.apply(ticket, "note", scope=scope)
        return TicketMessage.objects.create(
            organisation_id=ticket.organisation_id, ticket=ticket, kind=MessageKind.NOTE, text=words, author=scope.user
        )


def ticket_reply(*, scope: Scope, ticket_id: int, text: str) -> TicketMessage:
    """Answer the customer by e-mail, from the support address the request came to (or the team's), threaded
    under their messages so that their mail client shows one conversation; a new ticket opens with it."""
    TICKET_TABLE.require("reply", scope)
    words = message_text(text)
    with transitions.atomic():
        ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope).select_related("contact", "team"), ticket_id)
        to = ticket.contact.email if ticket.contact else ""
        mailbox = ticket.mailbox or Mailbox.objects.filter(team_id=ticket.team_id, active=True).first()
        if not to or mailbox is None:
            raise ValidationError({"text": _("This ticket has no e-mail address to answer: call the customer.")})
        if ticket.status == TicketStatus.NEW:
            TICKET_TABLE.apply(ticket, "open", scope=scope)
            TICKET_TABLE.hold(ticket)
        TICKET_TABLE.apply(ticket, "reply", scope=scope)
        message = TicketMessage.objects.create(
            organisation_id=ticket.organisation_id,
            ticket=ticket,
            kind=MessageKind.OUTBOUND,
            text=words,
            author=scope.user,
        )
        earlier = list(
            TicketMessage.objects.filter(ticket=ticket)
            .exclude(message_id="")
            .order_by("-created_at", "-pk")
            .values_list("message_id", "kind")[:10]
        )
        answered = next((f"<{mid}>" for mid, kind in earlier if kind == MessageKind.INBOUND), "")
        subject = ticket.subject if ticket.subject.lower().startswith("re:") else f"Re: {ticket.subject}"
        sent_id = messaging.send_written_email(
            key=f"ticket:{ticket.pk}:message:{message.pk}",
            to=to,
            sender=formataddr((ticket.team.name, mailbox.address)),
            subject=f"{subject} [#{ticket.number}]",
            body=words,
            organisation=ticket.organisation,
            headers={
                "In-Reply-To": answered,
                "References": " ".join(f"<{mid}>" for mid, _kind in reversed(earlier)),
                "Auto-Submitted": "auto-replied",
                "X-Loop": settings.SERVICE_LOOP_MARKER,
            },
        )
        message.message_id = sent_id.strip("<>")
        message.sender = mailbox.address
        message.subject = f"{subject} [#{ticket.number}]"[:255]
        message.save(update_fields=["message_id", "sender", "subject"])
    return message


def message_text(text: str) -> str:
    """A message's text as written, trimmed: refused when empty or longer than 20,000 characters."""
    words = (text or "").strip()
    if not words:
        raise ValidationError({"text": _("Write the message.")})
    if len(words) > 20_000:
        raise ValidationError({"text": _("At most 20,000 characters.")})
    return words


# ---- Teams and their support addresses (an admin's settings) ------------------------------------------------


def team_create(*, scope: Scope, name: str, closed_reply: str) -> Team:
    scope.require_role(*ADMIN_ROLES)
    words = " ".join(name.split())
    if not words:
        raise ValidationError({"name": _("Name the team.")})
    if Team.objects.visible_to(scope).filter(name__iexact=words).exists():
        raise ValidationError({"name": _("There is a team of this name already.")})
    with transaction.atomic():
        team = Team.objects.create(organisation=scope.organisation, name=words, closed_reply=closed_reply)
        audit.record(actor=scope.user, organisation=scope.organisation, obj=team, action="team.create")
    return team


def mailbox_create(*, scope: Scope, team_id: int, address: str) -> Mailbox:
    """A support address of a team: mail the mail server pipes to it becomes the team's tickets."""
    scope.require_role(*ADMIN_ROLES)
    team = Team.objects.visible_to(scope).filter(pk=team_id).first()
    if team is None:
        raise ValidationError({"team": _("Choose one of your teams.")})
    clean = address.strip().lower()
    try:
        validate_email(clean)
    except ValidationError:
        raise ValidationError({"address": _("Enter a valid e-mail address.")}) from None
    taken = ValidationError({"address": _("This address is already a support address.")})
    if Mailbox.objects.filter(address=clean).exists():  # anyone's: an address routes to one desk only
        raise taken
    try:
        with transaction.atomic():
            mailbox = Mailbox.objects.create(organisation=scope.organisation, team=team, address=clean)
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=mailbox,
                action="mailbox.create",
                data={"team": team.name},
            )
    except IntegrityError:  # taken a moment ago
        raise taken from None
    return mailbox


def mailbox_imap_set(
    *, scope: Scope, mailbox_id: int, host: str, port: int, security: str, user: str, password: str, folder: str
) -> Mailbox:
    """Poll this support address on an IMAP server (an empty host stops polling). The password is kept encrypted;
    an empty one keeps the one saved. Polling starts from the folder's first message (what was stored is
    recognised)."""
    scope.require_role(*ADMIN_ROLES)
    with transaction.atomic():
        mailbox = Mailbox.objects.visible_to(scope).select_for_update().get(pk=mailbox_id)
        host = host.strip()
        if host and not (user.strip() and (password or mailbox.imap_password)):
            raise ValidationError({"imap_user": _("An IMAP server needs a user and a password.")})
        if not 0 < port < 65536:
            raise ValidationError({"imap_port": _("A port is between 1 and 65535.")})
        changed = (host, user.strip(), folder.strip() or "INBOX") != (
            mailbox.imap_host,
            mailbox.imap_user,
            mailbox.imap_folder,
        )
        mailbox.imap_host, mailbox.imap_port, mailbox.imap_security = host, port, security
        mailbox.imap_user, mailbox.imap_folder = user.strip(), folder.strip() or "INBOX"
        if password:
            mailbox.imap_password = crypto.encrypt(password)
        if changed:  # another folder: its UIDs say nothing of the one before
            mailbox.uidvalidity, mailbox.last_uid, mailbox.poll_error = None, 0, ""
        mailbox.save()
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=mailbox,
            action="mailbox.imap",
            data={"host": host, "user": mailbox.imap_user, "folder": mailbox.imap_folder},  # never the password
        )
    return mailbox
