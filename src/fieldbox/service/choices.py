"""Statuses, channels and priorities of the service desk, with the ticket's one transition table."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import DESK, OFFICE
from fieldbox.core.counters import Counted
from fieldbox.core.transitions import CREATED, SAME, SYSTEM, Move, Table

# How a call's and an intervention's numbers are written: a letter and this many digits at least ("T0000042").
NUMBER_DIGITS = 7


def numbered(letter: str, n: int) -> str:
    return f"{letter}{n:0{NUMBER_DIGITS}d}"


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket", "New")
    OPEN = "open", pgettext_lazy("ticket", "Open")
    WAITING = "waiting", _("Waiting for the customer")
    RESOLVED = "resolved", pgettext_lazy("ticket", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket", "Closed")
    CANCELLED = "cancelled", pgettext_lazy("ticket", "Cancelled")
    MERGED = "merged", pgettext_lazy("ticket", "Merged")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    PORTAL = "portal", _("Portal")
    STAFF = "staff", _("Staff")


class Priority(models.TextChoices):
    LOW = "low", pgettext_lazy("priority", "Low")
    NORMAL = "normal", pgettext_lazy("priority", "Normal")
    HIGH = "high", pgettext_lazy("priority", "High")
    URGENT = "urgent", pgettext_lazy("priority", "Urgent")


class TicketKind(models.TextChoices):
    """What a call is about (SYS "tipo chiamata")."""

    FAULT = "fault", _("Fault")
    REQUEST = "request", _("Request for information")
    MAINTENANCE = "maintenance", _("Maintenance")
    INSTALLATION = "install", _("Installation")
    REMOVAL = "removal", _("Removal")
    ADMIN = "admin", _("Administrative")
    COMPLAINT = "complaint", _("Complaint")


class ChargeKind(models.TextChoices):
    TIME = "time", _("Time")
    FEE = "fee", _("Fee")
    PART = "part", _("Part")


class InterventionStatus(models.TextChoices):
    """An intervention's state here; the planning of work orders (the next stage) adds its own after "to plan"."""

    TO_PLAN = "to_plan", _("To plan")
    DONE_BY_PHONE = "by_phone", _("Done by phone")
    CANCELLED = "cancelled", pgettext_lazy("intervention", "Cancelled")


class MessageKind(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")
    NOTE = "note", _("Internal note")


class MailOutcome(models.TextChoices):
    """What a message that reached a support mailbox became."""

    TICKET = "ticket", _("Opened a ticket")
    REPLY = "reply", _("Joined its ticket")
    IGNORED = "ignored", _("Kept, no ticket")
    REFUSED = "refused", _("Refused")


class ClosedReply(models.TextChoices):
    """What a customer's reply to a closed ticket does (a team's choice)."""

    REOPEN = "reopen", _("Reopens the ticket")
    NEW = "new", _("Opens a new ticket")


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (a server on this machine only)")


OPEN_TICKET = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
ENDED_TICKET = (TicketStatus.CLOSED, TicketStatus.CANCELLED, TicketStatus.MERGED)
T = TicketStatus

# A ticket's life (SYS "chiamata"): new → open ⇄ waiting for the customer → resolved → closed, or cancelled, or
# merged into another. Without a person (SYSTEM): mail opens a ticket, a customer's reply brings it back from
# waiting (or reopens it, as its team chooses).
TICKET_TABLE: Table[Any] = Table(
    name="ticket",
    model="service.Ticket",
    states=TicketStatus,
    refusal=_("Not possible while the ticket is “%(status)s”."),
    owner=lambda ticket, scope: ticket.organisation_id,
    closed=("closed_at", ENDED_TICKET),
    touched="changed_at",
    counted=(
        Counted("service.tickets", "organisation_id"),
        Counted("service.team", "team_id"),
    ),
    moves=(
        Move("receive", CREATED, T.NEW, frozenset({SYSTEM})),
        Move("create", CREATED, T.NEW, DESK),
        Move("open", (T.NEW,), T.OPEN, DESK),
        Move("wait", (T.NEW, T.OPEN), T.WAITING, DESK),
        Move("message_in", (T.NEW, T.OPEN), SAME, frozenset({SYSTEM})),
        Move("customer_replied", (T.WAITING,), T.OPEN, frozenset({SYSTEM})),
        Move("note", OPEN_TICKET, SAME, DESK | {SYSTEM}),
        # The desk answers the customer (a new ticket opens with its first answer).
        Move("reply", (T.OPEN, T.WAITING), SAME, DESK),
        # Without a person: the job a ticket sent to a partner ended (service.services.telematics).
        Move("resolve", OPEN_TICKET, T.RESOLVED, DESK | {SYSTEM}),
        Move("close", (T.RESOLVED,), T.CLOSED, DESK | {SYSTEM}),
        Move("reopen", (T.RESOLVED, T.CLOSED), T.OPEN, DESK | {SYSTEM}),
        Move("cancel", OPEN_TICKET, T.CANCELLED, DESK),
        Move("merge", OPEN_TICKET, T.MERGED, DESK),
    ),
)

IS = InterventionStatus
# An intervention's life here (SYS "intervento"): to plan, then planned by work orders (the next stage), or ended
# from the call: done by phone (it stays for the statistics, never planned) or cancelled (with a reason).
INTERVENTION_TABLE: Table[Any] = Table(
    name="intervention",
    model="service.Intervention",
    states=InterventionStatus,
    refusal=_("Not possible while the intervention is “%(status)s”."),
    owner=lambda intervention, scope: intervention.organisation_id,
    closed=("closed_at", (IS.DONE_BY_PHONE, IS.CANCELLED)),
    touched="changed_at",
    moves=(
        Move("create", CREATED, IS.TO_PLAN, DESK | OFFICE),
        Move("by_phone", (IS.TO_PLAN,), IS.DONE_BY_PHONE, DESK | OFFICE),
        Move("cancel", (IS.TO_PLAN,), IS.CANCELLED, DESK | OFFICE),
    ),
)
