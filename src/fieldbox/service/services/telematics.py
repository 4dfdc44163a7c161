"""From a provider's ticket to the telematics side: the subscriber's vehicle the ticket is about, a maintenance or
removal job sent from it to an accepted partner through the jobs' own services (their checks: the role, the
partner, a vehicle with no other open job), and the ticket resolved when that job succeeds.

The job reaches the ticket through a hook on the jobs' transition table (``JOB_TABLE.on_move``), in the job's own
transaction: the jobs app never knows of tickets. A job that failed or was cancelled leaves the ticket with the
desk, with a note saying so: the customer's request is not met, someone decides what comes next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import CARE
from fieldbox.core import audit, transitions
from fieldbox.core.audit import label_actions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.fleet.choices import SubscriptionStatus
from fieldbox.fleet.models import Subscription
from fieldbox.fleet.selectors import subscriptions_for, vehicles_for
from fieldbox.jobs import services as jobs
from fieldbox.jobs.choices import ENDED, JOB_TABLE, JobKind, JobStatus, status_label
from fieldbox.jobs.models import Job
from fieldbox.service.choices import OPEN_TICKET, TICKET_TABLE, MessageKind, TicketStatus
from fieldbox.service.models import Ticket, TicketMessage

# The jobs a ticket sends: work on a subscriber's equipped vehicle (an installation starts from a new subscription).
KINDS = (JobKind.MAINTENANCE, JobKind.REMOVAL)
# How a job ends that resolves the ticket that sent it.
RESOLVING = (JobStatus.SUCCEEDED,)
NOTE_LENGTH = 500  # the job's notes for the installer (``jobs.services.planning.clean_spec``)

label_actions({"ticket.vehicle_set": gettext_lazy("Vehicle of a ticket set")})


def active_subscription(scope: Scope, vehicle_id: int) -> Subscription | None:
    """The vehicle's active subscription (the newest, should there be two), among those the scope sees."""
    active = subscriptions_for(scope).filter(vehicle_id=vehicle_id, status=SubscriptionStatus.ACTIVE)
    found: Subscription | None = active.select_related("customer").order_by("-arrived_on", "-pk").first()
    return found


def running_job(scope: Scope, ticket: Ticket) -> Job | None:
    """The job the ticket sent, while it has not ended."""
    if ticket.job_id is None:
        return None
    found: Job | None = Job.objects.visible_to(scope).filter(pk=ticket.job_id).exclude(status__in=ENDED).first()
    return found


def _locked_open(scope: Scope, ticket_id: int) -> Ticket:
    """The ticket, locked, among those the scope sees (404 otherwise); 409 once it is resolved or ended."""
    ticket = TICKET_TABLE.lock(Ticket.objects.visible_to(scope), ticket_id)
    if ticket.status not in OPEN_TICKET:
        raise Conflict(str(TICKET_TABLE.refusal) % {"status": ticket.get_status_display()})
    return ticket


def _refuse_running(scope: Scope, ticket: Ticket) -> None:
    job = running_job(scope, ticket)
    if job is not None:
        message = _("Job %(job)s of this ticket is “%(status)s”: wait for its end, or cancel it on its page.")
        raise Conflict(message % {"job": job.number, "status": status_label(job.kind, job.status)})


def ticket_vehicle_set(*, scope: Scope, ticket_id: int, vehicle_id: int) -> Ticket:
    """The provider's vehicle the ticket is about; a ticket without a customer takes the vehicle's subscriber."""
    scope.require_role(*CARE)
    with transitions.atomic():
        ticket = _locked_open(scope, ticket_id)
        vehicle = vehicles_for(scope).filter(pk=vehicle_id).first()
        if vehicle is None:
            raise ValidationError({"vehicle_id": _("Choose one of your vehicles.")})
        if vehicle.pk == ticket.vehicle_id:
            return ticket
        _refuse_running(scope, ticket)
        ticket.vehicle = vehicle
        fields = ["vehicle", "changed_at"]
        subscription = active_subscription(scope, vehicle.pk)
        if ticket.customer_id is None and subscription is not None:
            ticket.customer = subscription.customer
            fields.append("customer")
        ticket.changed_at = timezone.now()
        ticket.save(update_fields=fields)
        audit.record(
            actor=scope.user,
            organisation=ticket.organisation_id,
            obj=ticket,
            action="ticket.vehicle_set",
            data={"plate": vehicle.plate, "customer": ticket.customer_id},
        )
    return ticket


def _subscription_to_serve(scope: Scope, ticket: Ticket) -> Subscription:
    """What the job is for: the active subscription of the ticket's vehicle, once no job of the ticket runs."""
    _refuse_running(scope, ticket)
    if ticket.vehicle_id is None:
        raise ValidationError({"vehicle": _("Set the vehicle the ticket is about first.")})
    subscription = active_subscription(scope, ticket.vehicle_id)
    if subscription is None:
        raise ValidationError({"vehicle": _("This vehicle has no active subscription: no job can be sent for it.")})
    return subscription


def ticket_job_send(*, scope: Scope, ticket_id: int, kind: str, company_id: int, note: str = "") -> Job:
    """Send a maintenance or removal job for the ticket's vehicle to an accepted partner: created and assigned by
    the jobs' services, linked to the ticket, told in an internal note; all of it or nothing."""
    scope.require_role(*CARE)
    if kind not in KINDS:
        raise ValidationError({"kind": _("Choose maintenance or removal.")})
    words = (note or "").strip()
    if len(words) > NOTE_LENGTH:
        raise ValidationError({"note": _("At most %(count)d characters.") % {"count": NOTE_LENGTH}})
    with transitions.atomic():
        ticket = _locked_open(scope, ticket_id)
        subscription = _subscription_to_serve(scope, ticket)
        job = jobs.job_create(scope=scope, subscription_id=subscription.pk, kind=kind, spec={"notes": words})
        job = jobs.job_assign(scope=scope, job_id=job.pk, company_id=company_id)
        assert job.company is not None
        if ticket.status == TicketStatus.NEW:  # sending the work takes the ticket up
            TICKET_TABLE.apply(ticket, "open", scope=scope)
            TICKET_TABLE.hold(ticket)
        data = {"job": job.number, "kind": kind, "company": job.company.installer_code}
        TICKET_TABLE.apply(ticket, "note", scope=scope, changes={"job": job}, data=data)
        sent = _("Job %(job)s (%(kind)s) sent to %(company)s.")
        text = sent % {"job": job.number, "kind": job.get_kind_display(), "company": job.company.name}
        _note(ticket, "\n".join(filter(None, (text, words))), author=scope)
    return job


def _note(ticket: Ticket, text: str, *, author: Scope | None) -> TicketMessage:
    return TicketMessage.objects.create(
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        kind=MessageKind.NOTE,
        text=text,
        author=author.user if author else None,
    )


# ---- The job's end reaches its ticket (in the job's transaction) ----------------------------------------------


@JOB_TABLE.on_move
def _job_ended(step: Step) -> None:
    """A job reaching its end tells the open ticket that sent it: resolved when the job succeeded, a note for the
    desk otherwise. A ticket resolved, closed or cancelled meanwhile is left alone."""
    if step.new not in ENDED or step.old in ENDED:
        return
    job: Job = step.record
    linked = Ticket.objects.filter(organisation_id=job.provider_id, job_id=job.pk)
    for ticket in linked.select_for_update(of=("self",)).order_by("pk"):
        if ticket.status in OPEN_TICKET:
            _tell_ticket(TICKET_TABLE.hold(ticket), job, step.new)


def _tell_ticket(ticket: Ticket, job: Job, status: str) -> None:
    words = {"job": job.number, "status": status_label(job.kind, status), "comment": job.comment.strip()}
    with translation.override(job.provider.language):
        if status in RESOLVING:
            text = _("Job %(job)s ended: %(status)s. The ticket is resolved.") % words
        elif words["comment"]:
            text = _("Job %(job)s ended: %(status)s (%(comment)s). Send another job or resolve the ticket.") % words
        else:
            text = _("Job %(job)s ended: %(status)s. Send another job or resolve the ticket.") % words
    data = {"job": job.number, "status": status}
    TICKET_TABLE.apply(ticket, "note", scope=None, data=data)
    _note(ticket, text, author=None)
    if status in RESOLVING:
        TICKET_TABLE.hold(ticket)
        TICKET_TABLE.apply(ticket, "resolve", scope=None, data=data)
