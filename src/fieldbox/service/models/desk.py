"""The service desk: teams and their support mailboxes, contacts, tickets and their conversation, and every message
that reached a mailbox (with what it became)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import PORTAL
from fieldbox.core.tenancy import Scope, ScopedQuerySet
from fieldbox.service.choices import (
    OPEN_TICKET,
    Channel,
    ChargeKind,
    ClosedReply,
    ImapSecurity,
    MailOutcome,
    MessageKind,
    Priority,
    TicketKind,
    TicketStatus,
)

ORGANISATION = "accounts.Organisation"
# The open tickets' states in the partial indexes, as plain strings (a migration's condition must not change when
# the choices' labels do).
OPEN_STATES = tuple(str(status.value) for status in OPEN_TICKET)


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
    # The people whose calendar the team's planner shows (technicians, mostly).
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="service_teams"
    )

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
    role = models.CharField(_("role"), max_length=100, blank=True, help_text=_("e.g. plant manager, accounts"))
    is_default = models.BooleanField(_("default contact"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    # The portal: the account this contact signs in with (made when they accept the invitation).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="portal_contact"
    )
    invited_at = models.DateTimeField(_("invited to the portal on"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"], condition=~Q(email=""), name="contact_email_once"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_default=True), name="contact_one_default_per_customer"
            ),
        ]
        # A sender is found by their address in any case (mail → ticket, once per message).
        indexes = [models.Index("organisation", Upper("email"), name="contact_email_ci")]

    def __str__(self) -> str:
        return self.name or self.email


class EquipmentQuerySet(OwnedQuerySet):
    def visible_to(self, scope: Scope) -> EquipmentQuerySet:
        """The organisation's equipment; a portal contact's, only their own customer's."""
        qs = self.filter(organisation=scope.organisation)
        if scope.role in PORTAL:
            qs = qs.filter(customer__in=Contact.objects.filter(user=scope.user).values("customer_id"))
        return qs


class Equipment(models.Model):
    """A customer's equipment at a site (Appsistance "impianto", SYS "matricola"), with its components: equipment
    inside equipment, any depth. A provider's telematics box and the vehicle it sits in are equipment too, linked
    (never copied): the serial is then the device's."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.PROTECT, null=True, blank=True, related_name="components"
    )
    name = models.CharField(_("description"), max_length=200)
    serial = models.CharField(_("serial number"), max_length=64, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    # Free attributes ("potenza": "12 kW", "refrigerante": "R32"): a flat object of short texts.
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    device = models.OneToOneField(
        "fleet.Device",
        verbose_name=_("telematics device"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment",
    )
    vehicle = models.OneToOneField(
        "fleet.Vehicle",
        verbose_name=_("vehicle"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="equipment",
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = EquipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        indexes = [
            models.Index(fields=["organisation", "serial"], name="equipment_serial"),
            models.Index(fields=["customer", "parent"], name="equipment_tree"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})" if self.serial else self.name


class TicketQuerySet(OwnedQuerySet):
    def visible_to(self, scope: Scope) -> TicketQuerySet:
        """The organisation's tickets; a portal contact's: their own, or all of their customer's when the customer
        lets its contacts see each other's."""
        qs = self.filter(organisation=scope.organisation)
        if scope.role in PORTAL:
            me = Contact.objects.filter(user=scope.user, customer__isnull=False)
            shared = me.filter(customer__portal_shared=True).values("customer_id")
            qs = qs.filter(Q(contact__in=me.values("pk")) | Q(customer__in=shared))
        return qs


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
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A provider's ticket about a subscriber's vehicle, and the job it sent to a partner (ticket → job).
    vehicle = models.ForeignKey(
        "fleet.Vehicle", verbose_name=_("vehicle"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=12, choices=TicketKind.choices, default=TicketKind.REQUEST)
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
    # The service level (service.sla): when the first answer and the resolution fall due, in working hours.
    first_response_at = models.DateTimeField(_("first answered on"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved on"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="ticket_number_once")]
        indexes = [
            models.Index(fields=["organisation", "team", "status", "-id"], name="ticket_team_status"),
            models.Index(fields=["organisation", "-id"], name="ticket_newest"),
            models.Index(fields=["organisation", "customer", "-id"], name="ticket_customer"),
            # The call search by day (SYS "Chiamata": date range).
            models.Index(fields=["organisation", "created_at"], name="ticket_created"),
            models.Index(
                fields=["organisation", "resolution_due_at"],
                name="ticket_due",
                condition=Q(status__in=OPEN_STATES),
            ),
            # /metrics: the open tickets past their promise, over every organisation (service.sla.late_q).
            models.Index(
                fields=["resolution_due_at"], name="ticket_open_resolution", condition=Q(status__in=OPEN_STATES)
            ),
            models.Index(
                fields=["response_due_at"],
                name="ticket_unanswered",
                condition=Q(status__in=OPEN_STATES, first_response_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number or "T-"


class Charge(models.Model):
    """What a call cost or is billed (time spent, a fee, a part): billable or not. Amounts in euro, ``Decimal``,
    rounded as ``core.money`` says."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, verbose_name=_("call"), on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(_("kind"), max_length=8, choices=ChargeKind.choices)
    description = models.CharField(_("description"), max_length=255)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, null=True, blank=True)
    billable = models.BooleanField(_("billable"), default=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("added on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="charge_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0), name="charge_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.description


class ServiceLevel(models.Model):
    """An organisation's promise per priority: the first answer and the resolution within so many working hours
    (its working week and its country's holidays, service.sla)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    response_hours = models.PositiveSmallIntegerField(_("first answer within (working hours)"))
    resolution_hours = models.PositiveSmallIntegerField(_("resolution within (working hours)"))

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        constraints = [models.UniqueConstraint(fields=["organisation", "priority"], name="service_level_once")]

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.response_hours} h / {self.resolution_hours} h"


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
