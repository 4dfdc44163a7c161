"""Writes of the customer portal. The desk or the office invites a customer's contacts by e-mail (the invitation's own
first-access flow: the link sets the password); a contact opens requests with files and answers them, through the
same ticket table as a customer's mail, so the desk is told the same way; the desk or the office withdraws an
access. A contact reaches only what ``visible_to`` gives them: their own tickets (all of their customer's when it
shares them) and their customer's equipment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fieldbox.accounts.choices import CALL_WORKERS, INVITATION_TABLE, PORTAL, InvitationStatus, Role
from fieldbox.accounts.models import Invitation, Membership
from fieldbox.accounts.services import invitation_create_contact
from fieldbox.core import audit, files, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.fleet.models import Customer
from fieldbox.service import mail as mails
from fieldbox.service.choices import TICKET_TABLE, Channel, MessageKind
from fieldbox.service.models import Contact, Equipment, Team, Ticket, TicketMessage
from fieldbox.service.services.tickets import attach, customer_move, message_text, ticket_number

__all__ = [
    "INVITERS",
    "Invited",
    "portal_invite",
    "portal_invite_customer",
    "portal_reply",
    "portal_revoke",
    "portal_ticket_open",
]

# Who gives and withdraws a contact's access to the portal (accounts.choices).
INVITERS = CALL_WORKERS
MAX_FILES = 5  # files with one message

audit.label_actions(
    {
        "invitation.invite_contact": gettext_lazy("Contact invited to the portal"),
        "contact.portal_revoke": gettext_lazy("Portal access withdrawn"),
    }
)


# ---- Access: invited, linked, withdrawn ---------------------------------------------------------------------


@dataclass
class Invited:
    """What inviting a customer's contacts did: the invitations sent, and each contact left out with why."""

    invitations: list[Invitation] = field(default_factory=list)
    refused: list[tuple[Contact, str]] = field(default_factory=list)


def portal_invite(*, scope: Scope, contact_id: int) -> Invitation:
    """Invite a customer's contact to the portal: an e-mail with a link that sets their password (a new link
    replaces one still pending)."""
    scope.require_role(*INVITERS)
    with transitions.atomic():
        contact = Contact.objects.visible_to(scope).select_for_update().get(pk=contact_id)
        return _invite(scope, contact)


def portal_invite_customer(*, scope: Scope, customer_id: int) -> Invited:
    """Invite every contact of a customer who has an e-mail address and no access yet."""
    scope.require_role(*INVITERS)
    done = Invited()
    with transitions.atomic():
        customer = Customer.objects.visible_to(scope).select_for_update().get(pk=customer_id)
        contacts = Contact.objects.visible_to(scope).filter(customer=customer, user__isnull=True).exclude(email="")
        for contact in contacts.select_for_update().order_by("pk"):
            try:
                with transitions.atomic():
                    done.invitations.append(_invite(scope, contact))
            except ValidationError as refused:
                done.refused.append((contact, " ".join(refused.messages)))
    if not done.invitations and not done.refused:
        raise ValidationError({"customer": _("No contact of this customer has an e-mail address and no access yet.")})
    return done


def _invite(scope: Scope, contact: Contact) -> Invitation:
    if not contact.email:
        raise ValidationError({"email": _("Give the contact an e-mail address first: the invitation is sent there.")})
    if contact.customer_id is None:
        message = _("Link the contact to a customer first: the portal shows that customer's requests.")
        raise ValidationError({"customer": message})
    if contact.user_id is not None:
        if Membership.objects.filter(user_id=contact.user_id, organisation=scope.organisation).exists():
            raise ValidationError({"email": _("This contact already signs in to the portal.")})
        contact.user = None  # the access was taken away elsewhere (the organisation's people)
    invitation = invitation_create_contact(scope=scope, email=contact.email)
    contact.invited_at = timezone.now()
    contact.save(update_fields=["user", "invited_at"])
    return invitation


@INVITATION_TABLE.on_move
def _link_contact(step: Step) -> None:
    """A contact who used their portal invitation signs in with the account it made (or the one they had): their
    contact, found by the address invited, is linked to it in the same transaction."""
    invitation = step.record
    if step.action != "accept" or invitation.role != Role.PORTAL_CONTACT or step.event is None:
        return
    user_id = step.event.actor_id
    if user_id is None or Contact.objects.filter(user_id=user_id).exists():
        return  # an account is one contact's (the portal then says the access is linked to no customer)
    Contact.objects.filter(
        organisation_id=invitation.organisation_id, email__iexact=invitation.email, user__isnull=True
    ).update(user_id=user_id)


def portal_revoke(*, scope: Scope, contact_id: int) -> Contact:
    """Withdraw a contact's access: the invitation still pending is revoked, their portal membership ends. Their
    requests stay, with the customer's history."""
    scope.require_role(*INVITERS)
    with transitions.atomic():
        contact = Contact.objects.visible_to(scope).select_for_update().get(pk=contact_id)
        ended = _withdraw_invitations(scope, contact.email) if contact.email else 0
        members = Membership.objects.filter(
            organisation=scope.organisation, role=Role.PORTAL_CONTACT, user_id=contact.user_id
        ).select_related("user")
        for membership in members:
            _remove(scope, membership)
            ended += 1
        if not ended and contact.user_id is None:
            raise ValidationError({"email": _("This contact has no access to the portal and no invitation pending.")})
        contact.user, contact.invited_at = None, None
        contact.save(update_fields=["user", "invited_at"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=contact,
            action="contact.portal_revoke",
            data={"address": contact.email},
        )
    return contact


def _withdraw_invitations(scope: Scope, email: str) -> int:
    """Revoke the portal invitations to ``email`` still pending; how many there were."""
    pending = Invitation.objects.visible_to(scope).filter(
        email__iexact=email, role=Role.PORTAL_CONTACT, status=InvitationStatus.PENDING
    )
    found = list(pending.values_list("pk", flat=True))
    for pk in found:
        invitation = INVITATION_TABLE.lock(pending, pk)
        INVITATION_TABLE.apply(invitation, "revoke", scope=None, actor=scope.user, data={"role": invitation.role})
    return len(found)


def _remove(scope: Scope, membership: Membership) -> None:
    audit.record(
        actor=scope.user,
        organisation=scope.organisation,
        obj=membership,
        action="member.remove",
        from_state=membership.role,
        to_state="removed",
        data={"email": membership.user.email},
    )
    membership.delete()


# ---- Requests: opened and answered by the contact -----------------------------------------------------------


def _contact(scope: Scope) -> Contact:
    """The signed-in contact, with a customer: the portal opens for nobody else."""
    scope.require_role(*PORTAL)
    contact = Contact.objects.visible_to(scope).filter(user=scope.user, customer__isnull=False).first()
    if contact is None:
        raise PermissionDenied
    return contact


def checked_files(uploads: Sequence[UploadedFile[Any]]) -> list[mails.File]:
    """The files of a contact's message, each accepted by the same check as a mail's attachments (``core.files``:
    its type by its name, confirmed by its first bytes; its size). One refused refuses the message: nothing is
    written."""
    if len(uploads) > MAX_FILES:
        message = ngettext(
            "At most %(count)s file with a message.", "At most %(count)s files with a message.", MAX_FILES
        )
        raise ValidationError({"attachments": message % {"count": MAX_FILES}})
    limit = settings.SERVICE_ATTACHMENT_MAX_BYTES
    kept: list[mails.File] = []
    for upload in uploads:
        name = files.clean_name(upload.name or "", default="attachment")
        kind = files.type_of(name)
        data = upload.read(limit + 1)  # one byte more than the limit says it is too large, without reading it all
        why = files.refusal(kind, data, limit)
        if why:
            reason = files.refusal_message(why, limit)
            raise ValidationError({"attachments": _("%(name)s: %(reason)s") % {"name": name, "reason": reason}})
        kept.append(mails.File(name, kind, data))
    return kept


def _team(scope: Scope, team_id: int | None) -> Team:
    """The team a request goes to: the one chosen, or the organisation's first."""
    teams = Team.objects.visible_to(scope).order_by("pk")
    team = teams.filter(pk=team_id).first() if team_id else teams.first()
    if team is None and team_id:
        raise ValidationError({"team": _("Choose one of the offered subjects.")})
    if team is None:
        raise ValidationError(_("Requests cannot be opened here yet: please call or write to us."))
    return team


def _equipment(scope: Scope, equipment_id: int | None) -> Equipment | None:
    if not equipment_id:
        return None
    found = Equipment.objects.visible_to(scope).filter(pk=equipment_id).first()
    if found is None:
        raise ValidationError({"equipment": _("Choose one of your equipment.")})
    return found


def portal_ticket_open(
    *,
    scope: Scope,
    subject: str,
    text: str,
    equipment_id: int | None = None,
    team_id: int | None = None,
    uploads: Sequence[UploadedFile[Any]] = (),
) -> Ticket:
    """A contact opens a request: a new ticket of their customer, numbered like every other, in the team chosen,
    about one of their customer's equipment if they say so, with their files."""
    scope.require_role(*PORTAL)
    title = " ".join((subject or "").split())
    if not title:
        raise ValidationError({"subject": _("Say in a few words what it is about.")})
    words, kept = message_text(text), checked_files(uploads)
    with transitions.atomic():
        contact = _contact(scope)
        equipment = _equipment(scope, equipment_id)
        org = scope.organisation.pk
        ticket = Ticket(
            organisation_id=org,
            number=ticket_number(org),
            subject=title[:255],
            team=_team(scope, team_id),
            customer_id=contact.customer_id,
            contact=contact,
            phone=contact.phone,
            equipment=equipment,
            site_id=equipment.site_id if equipment else None,
            channel=Channel.PORTAL,
        )
        TICKET_TABLE.create(
            ticket, "receive", scope=None, actor=scope.user, organisation=org, data={"channel": Channel.PORTAL}
        )
        _said(ticket, contact, words, kept)
    return ticket


def portal_reply(
    *, scope: Scope, ticket_id: int, text: str, uploads: Sequence[UploadedFile[Any]] = ()
) -> TicketMessage:
    """A contact answers one of their requests: the same move as a customer's e-mail (it comes back from waiting
    for them; a resolved or closed one reopens, when its team chooses so)."""
    scope.require_role(*PORTAL)
    words, kept = message_text(text), checked_files(uploads)
    with transitions.atomic():
        contact = _contact(scope)
        ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope).select_related("team"), ticket_id)
        move = customer_move(ticket)
        if move is None:
            raise ValidationError({"text": _("This request is closed: open a new one.")})
        data = {"by": Channel.PORTAL} if move == "reopen" else None
        TICKET_TABLE.apply(ticket, move, scope=None, actor=scope.user, data=data)
        return _said(ticket, contact, words, kept)


def _said(ticket: Ticket, contact: Contact, words: str, kept: list[mails.File]) -> TicketMessage:
    message = TicketMessage.objects.create(
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        kind=MessageKind.INBOUND,
        sender=contact.email,
        subject=ticket.subject,
        text=words,
        contact=contact,
    )
    attach(message, kept)
    return message
