"""What every move of a job shares: the locked job of the job screens, the webhooks told of each move, the owner's
SMS. The moves themselves, who may make them and from which status, are ``JOB_TABLE`` (``jobs.choices``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import numbering
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.jobs.choices import ENDED, JOB_TABLE, QUIET
from fieldbox.jobs.models import Job
from fieldbox.messaging import events
from fieldbox.messaging.services import send_sms


def locked(scope: Scope, job_id: int) -> Job:
    """The job, locked, among those this scope sees (404 otherwise, like a missing one).

    The job of a removal request's line moves only with its line (``removals.services.lines``): the job screens
    refuse to move it, so that a line and its job never disagree."""
    job = JOB_TABLE.lock(Job.objects.visible_to(scope).select_related("provider"), job_id)
    refusal = _screen_refusal(job)
    if refusal:
        raise Conflict(refusal)
    return job


def _screen_refusal(job: Job) -> str | None:
    if job.in_removal_request:
        return str(_("This job belongs to a removal request: accept, refuse or report it under Removals."))
    if job.masked and job.status not in ENDED:
        return str(_("Your company no longer works for this provider: this job can no longer be changed."))
    return None


def screen_actions(scope: Scope, job: Job) -> set[str]:
    """The moves the job page offers this scope: the table's, unless the job screens may not move this job."""
    return set() if _screen_refusal(job) else JOB_TABLE.allowed(job, scope)


def job_number(provider_id: int, count: int = 1) -> list[str]:
    """The next ``count`` numbers of the provider's jobs ("J0000042"), in the caller's transaction."""
    first = numbering.take(f"jobs.job:{provider_id}", count)
    return [f"J{n:07d}" for n in range(first, first + count)]


@JOB_TABLE.on_move
def _tell_webhooks(step: Step) -> None:
    """Every move of the table reaches the provider's systems as ``job.status_changed`` (not mere notes)."""
    if step.action in QUIET:
        return
    job: Job = step.record
    assert step.event is not None
    emit_move(job, step.action, step.old, step.new, step.event.pk, **step.data)


def emit_move(job: Job, action: str, old: str, new: str, audit_id: int, **data: Any) -> None:
    # job.status_changed goes to webhooks only (no e-mail speaks in the provider's name), which need its key alone:
    # no query for the provider in a bulk move.
    events.emit(
        "job.status_changed",
        organisation=Organisation(pk=job.provider_id),
        key=f"job:{job.pk}:audit:{audit_id}",
        data={"job_id": job.pk, "number": job.number, "action": action, "from": old, "to": new, **data},
    )


def assignment_key(job: Job) -> str:
    """One SMS per assignment: a job moved back to a company it had before is told again, with a new link."""
    assert job.company_id is not None
    assert job.assigned_at is not None
    return f"job:{job.pk}:installer:{job.company_id}:{job.assigned_at.timestamp():.6f}"


def sms_owner(job: Job, kind: str, *, key: str, **extra: str) -> None:
    customer, company = job.customer, job.company
    if not customer.phone or company is None:
        return
    send_sms(
        kind,
        key=key,
        to=customer.phone,
        language=customer.language,
        organisation=job.provider,
        context={
            "workshop": company.name,
            "address": company.address,
            "phone": company.phone,
            "plate": job.vehicle.plate,
            "provider": job.provider.name,
            **extra,
        },
    )
