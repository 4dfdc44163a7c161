"""Statuses, channels and priorities of the service desk, with the ticket's one transition table."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import DESK, OFFICE, VERIFIERS, WORK_DOERS, WORK_PLANNERS
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


class WorkOrderStatus(models.TextChoices):
    """A work order's state (SYS "intervento", "ordine di lavoro")."""

    TO_PLAN = "to_plan", _("To plan")
    PLANNED = "planned", pgettext_lazy("work order", "Planned")
    SENT = "sent", pgettext_lazy("work order", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("work order", "Accepted")
    IN_PROGRESS = "in_progress", pgettext_lazy("work order", "In progress")
    ON_HOLD = "on_hold", pgettext_lazy("work order", "On hold")
    DONE = "done", pgettext_lazy("work order", "Done")
    FOLLOW_UP = "follow_up", _("Needs a follow-up")
    VERIFIED = "verified", pgettext_lazy("work order", "Verified")
    DECLINED = "declined", pgettext_lazy("work order", "Declined")
    DONE_BY_PHONE = "by_phone", _("Done by phone")
    CANCELLED = "cancelled", pgettext_lazy("intervention", "Cancelled")


class Answer(models.TextChoices):
    """An assignee's answer to a work order sent to them (Appsistance "validazione dell'impegno")."""

    PENDING = "pending", _("Not answered yet")
    ACCEPTED = "accepted", pgettext_lazy("answer", "Accepted")
    DECLINED = "declined", pgettext_lazy("answer", "Declined")


class ResourceKind(models.TextChoices):
    VAN = "van", _("Van")
    TOOL = "tool", _("Tool")
    INSTRUMENT = "instrument", _("Instrument")
    ROOM = "room", _("Room")
    OTHER = "other", pgettext_lazy("resource", "Other")


class ActivityKind(models.TextChoices):
    """What a person (or a resource) does besides work orders, on the activity planner."""

    OFFICE = "office", _("Office work")
    TRAINING = "training", _("Training")
    LEAVE = "leave", _("Leave")
    MEETING = "meeting", _("Meeting")
    UPKEEP = "upkeep", _("Upkeep (resource unavailable)")
    OTHER = "other", pgettext_lazy("activity", "Other")


class MaterialUse(models.TextChoices):
    """A material line of a work order (Appsistance "rendiconto materiali")."""

    TO_BRING = "to_bring", _("To bring")
    USED = "used", _("Used")
    LEFT = "left", _("Left with the customer")


class TimeKind(models.TextChoices):
    """What a time entry was spent on (SYS "consuntivazione ore")."""

    WORK = "work", _("Work on site")
    TRAVEL = "travel", _("Travel")
    REMOTE = "remote", _("Remote work")
    OFFICE = "office", _("Office work")
    TRAINING = "training", _("Training")
    LEAVE = "leave", _("Leave")


class ExpenseKind(models.TextChoices):
    MILEAGE = "mileage", _("Mileage")
    TOLL = "toll", _("Tolls")
    PARKING = "parking", _("Parking")
    MEAL = "meal", _("Meals")
    LODGING = "lodging", _("Lodging")
    OTHER = "other", pgettext_lazy("expense", "Other")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("report", "Draft")
    SIGNED = "signed", pgettext_lazy("report", "Signed")
    CORRECTED = "corrected", _("Replaced by a correction")


class ClockKind(models.TextChoices):
    IN = "in", _("Clock in")
    OUT = "out", _("Clock out")


class ClockRule(models.TextChoices):
    """How a clock event was checked."""

    POSITION = "position", _("Position")
    NETWORK = "network", _("Network address")
    MANUAL = "manual", _("Manual correction")
    NONE = "none", _("Not checked")


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

W = WorkOrderStatus
# Where a work order holds its people and resources in the calendar (they cannot be booked twice meanwhile).
BUSY = (W.PLANNED, W.SENT, W.ACCEPTED, W.IN_PROGRESS, W.DONE, W.FOLLOW_UP, W.VERIFIED)
# Still to be carried out: a planner may move it; a resource or a person may be changed.
MOVABLE = (W.TO_PLAN, W.PLANNED, W.SENT, W.ACCEPTED, W.DECLINED, W.ON_HOLD)
ENDED_WORK = (W.DONE, W.FOLLOW_UP, W.VERIFIED, W.DONE_BY_PHONE, W.CANCELLED)
# Planned and not started yet: late to start once its planned start has passed (service.selectors_work_orders).
WAITING_START = (W.PLANNED, W.SENT, W.ACCEPTED)

# A work order's life (SYS "intervento", Appsistance "ordine di lavoro"): to plan (from a call, a plan or by
# hand) → planned (a day, a time, people, resources) → sent to its assignees → accepted by every one of them →
# in progress → done (its report signed) → verified by an admin, ready to bill. An assignee may decline (the
# planner replans it); it may wait on hold; a technician who could not finish leaves a follow-up (a new work
# order on the same call). From the call: done by phone, or cancelled.
WORK_ORDER_TABLE: Table[Any] = Table(
    name="work_order",
    model="service.WorkOrder",
    states=WorkOrderStatus,
    refusal=_("Not possible while the work order is “%(status)s”."),
    owner=lambda order, scope: order.organisation_id,
    closed=("closed_at", ENDED_WORK),
    touched="changed_at",
    moves=(
        Move("create", CREATED, W.TO_PLAN, DESK | OFFICE | {SYSTEM}),
        Move("by_phone", (W.TO_PLAN,), W.DONE_BY_PHONE, DESK | OFFICE),
        Move("edit", (W.TO_PLAN, W.PLANNED, W.DECLINED, W.ON_HOLD), SAME, DESK | OFFICE),
        Move("plan", (W.TO_PLAN, W.DECLINED), W.PLANNED, WORK_PLANNERS),
        # Moved in the calendar or its people changed: a planned one stays planned; one already sent goes back
        # to its assignees, whose answers start again.
        Move("replan", (W.PLANNED,), SAME, WORK_PLANNERS),
        Move("resend", (W.SENT, W.ACCEPTED), W.SENT, WORK_PLANNERS),
        Move("unplan", (W.PLANNED, W.SENT, W.ACCEPTED, W.DECLINED), W.TO_PLAN, WORK_PLANNERS),
        Move("send", (W.PLANNED,), W.SENT, WORK_PLANNERS),
        # An assignee answers; the last acceptance makes the work order accepted.
        Move("accept", (W.SENT,), SAME, WORK_DOERS),
        Move("accept_last", (W.SENT,), W.ACCEPTED, WORK_DOERS),
        Move("decline", (W.SENT, W.ACCEPTED), W.DECLINED, WORK_DOERS),
        Move("start", (W.ACCEPTED,), W.IN_PROGRESS, WORK_DOERS),
        Move("hold", (W.PLANNED, W.SENT, W.ACCEPTED, W.IN_PROGRESS), W.ON_HOLD, WORK_DOERS),
        Move("resume", (W.ON_HOLD,), W.TO_PLAN, WORK_PLANNERS),
        # Its report signed (service.services.reports), or the office records it done.
        Move("finish", (W.IN_PROGRESS,), W.DONE, WORK_DOERS),
        Move("follow_up", (W.IN_PROGRESS, W.DONE), W.FOLLOW_UP, WORK_DOERS),
        Move("verify", (W.DONE, W.FOLLOW_UP), W.VERIFIED, VERIFIERS),
        Move("cancel", (W.TO_PLAN, W.PLANNED, W.SENT, W.ACCEPTED, W.DECLINED, W.ON_HOLD), W.CANCELLED, DESK | OFFICE),
        # The work order's report, its checklist, materials and files are added while it is carried out.
        Move("record", (W.ACCEPTED, W.IN_PROGRESS), SAME, WORK_DOERS),
        Move("note", (W.TO_PLAN, W.PLANNED, W.SENT, W.ACCEPTED, W.IN_PROGRESS, W.ON_HOLD, W.DONE), SAME, WORK_DOERS),
    ),
)

R = ReportStatus
# A work report's life (Appsistance "rapportino"): a draft, changed while the work is carried out, signed by the
# technician and the customer (then it never changes), sent to the customer (again if asked); a correction is a
# new draft version pointing to the signed one, which is replaced ("corrected") only when the correction is signed.
REPORT_TABLE: Table[Any] = Table(
    name="work_report",
    model="service.WorkReport",
    states=ReportStatus,
    refusal=_("Not possible while the report is “%(status)s”."),
    owner=lambda report, scope: report.organisation_id,
    moves=(
        Move("create", CREATED, R.DRAFT, WORK_DOERS),
        Move("correct", CREATED, R.DRAFT, WORK_DOERS),
        Move("update", (R.DRAFT,), SAME, WORK_DOERS),
        Move(
            "sign",
            (R.DRAFT,),
            R.SIGNED,
            WORK_DOERS,
            refusal=_("This report is already signed: it cannot change. Write a correction instead."),
        ),
        Move("supersede", (R.SIGNED,), R.CORRECTED, WORK_DOERS),
        Move(
            "send",
            (R.SIGNED,),
            SAME,
            WORK_DOERS,
            refusal=_("Only the signed report in force is sent (this one is “%(status)s”)."),
        ),
    ),
)


# -- Maintenance contracts (issue 16, Appsistance "gestione contratti") ---------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("contract", "Draft")
    ACTIVE = "active", pgettext_lazy("contract", "Active")
    RENEWED = "renewed", pgettext_lazy("contract", "Renewed")
    TERMINATED = "terminated", pgettext_lazy("contract", "Terminated")
    EXPIRED = "expired", pgettext_lazy("contract", "Expired")


class Renewal(models.TextChoices):
    """What happens at a contract's end (Appsistance "rinnovo")."""

    NONE = "none", _("No renewal")
    AUTOMATIC = "automatic", _("Automatic renewal")
    ON_REQUEST = "on_request", _("Renewal on request")


class FeePeriod(models.TextChoices):
    """How often a contract's fee is due (Appsistance "periodicità canone")."""

    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    HALF_YEAR = "half_year", _("Half-yearly")
    YEAR = "year", _("Yearly")


# The months of one fee period, for the invoicing of a fee.
FEE_PERIOD_MONTHS = {FeePeriod.MONTH: 1, FeePeriod.QUARTER: 3, FeePeriod.HALF_YEAR: 6, FeePeriod.YEAR: 12}
C = ContractStatus
# A contract that binds its equipment: two of these never cover the same equipment on the same day.
BINDING_CONTRACT = (C.DRAFT, C.ACTIVE)
ENDED_CONTRACT = (C.RENEWED, C.TERMINATED, C.EXPIRED)

# A maintenance contract's life: a draft (changed freely: terms, covered equipment) → active (then it never
# changes) → at its end renewed (an automatic renewal made the next contract, which points to it), or expired
# (no renewal, or on request only); the office may terminate an active one early, with a reason. Without a person
# (SYSTEM): the daily renewal run.
CONTRACT_TABLE: Table[Any] = Table(
    name="contract",
    model="service.Contract",
    states=ContractStatus,
    refusal=_("Not possible while the contract is “%(status)s”."),
    owner=lambda contract, scope: contract.organisation_id,
    touched="changed_at",
    moves=(
        Move("create", CREATED, C.DRAFT, OFFICE),
        Move("renew_as", CREATED, C.ACTIVE, frozenset({SYSTEM})),
        Move(
            "edit",
            (C.DRAFT,),
            SAME,
            OFFICE,
            refusal=_("The contract is “%(status)s”: only a draft contract changes. Its history stays as it was."),
        ),
        Move("activate", (C.DRAFT,), C.ACTIVE, OFFICE),
        Move("terminate", (C.ACTIVE,), C.TERMINATED, OFFICE),
        Move("renew", (C.ACTIVE,), C.RENEWED, frozenset({SYSTEM})),
        Move("expire", (C.ACTIVE,), C.EXPIRED, frozenset({SYSTEM})),
    ),
)
