"""The service desk: teams and their support mailboxes, contacts, tickets and their conversation, and every message
that reached a mailbox (with what it became)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.core.tenancy import Scope, ScopedQuerySet
from fieldbox.service.choices import (
    Channel,
    ClosedReply,
    ImapSecurity,
    MailOutcome,
    MessageKind,
    Priority,
    TicketStatus,
)

ORGANISATION = "accounts.Organisation"


class OwnedQuerySet(ScopedQuerySet[Any]):
    """A record of one organisation's service desk: that organisation only."""

    def visible_to(self, scope: Scope) -> OwnedQuerySet:
        return self.filter(organisation=scope.organisation)


class Team(models.Model):
    """A group of people who answer one kind of request ("Assistenza tecnica", "Amministrazione")."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    closed_reply = models.CharField(
        _("a reply to a closed ticket"), max_length=8, choices=ClosedReply.choices, default=ClosedReply.REOPEN
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_name_once")]

    def __str__(self) -> str:
        return self.name


class Mailbox(models.Model):
    """A support address of a team: mail sent to it becomes tickets of the team."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="mailboxes")
    address = models.EmailField(_("address"), unique=True)  # lower case: where piped mail is routed
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    # IMAP polling (optional: a mail server may pipe the mail instead). The password is encrypted (core.crypto).
    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(_("IMAP security"), max_length=8, choices=ImapSecurity.choices, default="ssl")
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = models.TextField(_("IMAP password (encrypted)"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    # Where polling stands: the folder's UIDVALIDITY and the last UID taken (nothing read twice, nothing skipped).
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID taken"), default=0)
    polled_at = models.DateTimeField(_("last polled on"), null=True, blank=True)
    poll_error = models.CharField(_("last polling error"), max_length=255, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("support mailbox")
        verbose_name_plural = _("support mailboxes")

    def __str__(self) -> str:
        return self.address


class Contact(models.Model):
    """A person who writes or calls for a customer. A sender nobody knows becomes a contact to confirm (no
    customer, ``confirmed_at`` empty): never a customer made silently."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default contact"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "email"], condition=~Q(email=""), name="contact_email_once")
        ]

    def __str__(self) -> str:
        return self.name or self.email


class Ticket(models.Model):
    """A request for help (SYS "chiamata"), by e-mail, phone, the portal or from the staff."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=16)  # "T0000042", from the organisation's series
    subject = models.CharField(_("subject"), max_length=255)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="tickets")
    # The support address the request came to: replies leave from it.
    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("support mailbox"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="ticket_number_once")]
        indexes = [models.Index(fields=["organisation", "team", "status", "-id"], name="ticket_team_status")]

    def __str__(self) -> str:
        return self.number or "T-"


class TicketMessage(models.Model):
    """One message of a ticket's conversation: from the customer, to the customer, or a note between colleagues."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=4, choices=MessageKind.choices)
    # The mail's Message-ID (without <>), by which replies find their ticket (In-Reply-To, References).
    message_id = models.CharField(_("message ID"), max_length=255, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)  # as received; shown only once sanitised
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Files that came with it and were not kept: [{"name": …, "reason": "too-large" | "type" | "content"}].
    skipped = models.JSONField(_("files not kept"), default=list, blank=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["organisation", "message_id"], name="ticket_message_id", condition=~Q(message_id=""))
        ]

    def __str__(self) -> str:
        return self.subject or str(self.pk)


class Attachment(models.Model):
    """A file that came with a message, kept in the storage backend under a random name."""

    message = models.ForeignKey(TicketMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="service/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class InboundMail(models.Model):
    """Every message that reached a support mailbox, once: what it became (a ticket, a reply, nothing and why, or
    refused and why). Its key (the Message-ID, or a digest of the bytes without one) makes a second delivery of
    the same message a no-op."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="received")
    key = models.CharField(_("key"), max_length=255)
    received_at = models.DateTimeField(_("received on"), default=timezone.now)
    size = models.PositiveIntegerField(_("size"))
    sender = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=MailOutcome.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="inbound_mail_once")]

    def __str__(self) -> str:
        return self.subject or self.key
