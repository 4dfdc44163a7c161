"""Kinds and statuses of jobs, with their one transition table (drawn in docs/architecture.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.accounts.choices import ADMIN_ROLES, CARE, INSTALLER_ROLES, PLANNERS
from fieldbox.core.counters import Counted
from fieldbox.core.transitions import CREATED, DELETED, SAME, SYSTEM, Move, Table

if TYPE_CHECKING:
    from fieldbox.core.tenancy import Scope


class JobKind(models.TextChoices):
    INSTALLATION = "installation", _("Installation")
    REMOVAL = "removal", _("Removal")
    MAINTENANCE = "maintenance", _("Maintenance")


class JobStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PAIRED = "paired", _("Waiting for activation")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# IOINSTALLER's word for an installation whose device reported its activation (a removal or a maintenance that
# succeeded is just that).
ACTIVE = pgettext_lazy("an installation whose device is active", "ACTIVE")


def status_label(kind: str, status: str) -> str:
    """A job's status in words, on every page, list and export."""
    if kind == JobKind.INSTALLATION and status == JobStatus.SUCCEEDED:
        return str(ACTIVE)
    return str(JobStatus(status).label)


# Open: at an installer company, not yet paired (the deadline counts). Ended: final.
OPEN = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
# An installer company's "Completed" tab (IOINSTALLER "attività completate": a serial is paired to the plate).
DONE_FOR_COMPANY = (JobStatus.PAIRED, JobStatus.SUCCEEDED)
# A job that holds its vehicle: a second one would send two installers to the same car (a constraint refuses it).
BUSY = (JobStatus.DRAFT, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.PAIRED)
# While the on-site checklist is filled in.
FILLING = (JobStatus.IN_PROGRESS, JobStatus.PAIRED)
FILLING_REFUSAL = _("The checklist is filled in while the job is in progress or waiting for activation.")


def _take_refusal(job: Any, scope: Scope | None) -> str | None:
    if job.status != JobStatus.IN_PROGRESS:
        return None
    if scope is not None and job.installer_id == scope.user.pk:
        return str(_("This job is already yours."))
    return str(_("Another installer took this job a moment ago."))


def _take_over_refusal(job: Any, scope: Scope | None) -> str | None:
    if scope is not None and job.installer_id == scope.user.pk:
        return str(_("This job is already yours."))
    return None


def _pair_refusal(job: Any, scope: Scope | None) -> str | None:
    if job.kind != JobKind.INSTALLATION:
        return str(_("Only an installation pairs a device: complete this job instead."))
    if job.status == JobStatus.ASSIGNED:
        return str(_("Take the job (“Assign to me”) before pairing."))
    return None


def _complete_refusal(job: Any, scope: Scope | None) -> str | None:
    if job.kind == JobKind.INSTALLATION:
        return str(_("Pair the device first: an installation succeeds with its activation."))
    return None


def _manual_refusal(job: Any, scope: Scope | None) -> str | None:
    if job.activated_at is not None or not job.provider.allow_manual_completion:
        return str(_("This job succeeds when the device reports its activation."))
    return None


def _activate_refusal(job: Any, scope: Scope | None) -> str | None:
    """A person completes an activated job; the device's own event (no person) is the activation."""
    if scope is not None and job.activated_at is None:
        return str(_("This job succeeds when the device reports its activation."))
    return None


DRAFT, ASSIGNED, IN_PROGRESS, PAIRED = JobStatus.DRAFT, JobStatus.ASSIGNED, JobStatus.IN_PROGRESS, JobStatus.PAIRED
FITTERS = INSTALLER_ROLES | {SYSTEM}  # the removal lines' moves, also reported with a job code (no person)

# The one table of a job's life (drawn in docs/architecture.md). SAME: the status stays, the move is audited.
JOB_TABLE: Table[Any] = Table(
    name="job",
    model="jobs.Job",
    states=JobStatus,
    refusal=_("Not possible while the job is “%(status)s”."),
    owner=lambda job, scope: job.provider_id,
    closed=("closed_at", ENDED),
    touched="changed_at",
    counted=(
        Counted("jobs.provider", "provider_id"),
        # An installer company's tabs; a removal request's jobs are counted with their lines.
        Counted("jobs.company", "company_id", only_if={"in_removal_request": False}),
        # The provider's dashboard: its jobs at each company.
        Counted("jobs.provider_company", ("provider_id", "company_id")),
    ),
    moves=(
        # Customer care sends a job too: from a subscriber's ticket (service), a maintenance or a removal.
        Move("create", CREATED, DRAFT, PLANNERS | CARE),
        Move("create_removal", CREATED, ASSIGNED, PLANNERS),
        Move("update", (DRAFT,), SAME, PLANNERS),
        Move("delete", (DRAFT,), DELETED, PLANNERS),
        Move("assign", (DRAFT,), ASSIGNED, PLANNERS | CARE),
        Move("reassign", OPEN, ASSIGNED, CARE),
        Move("extend_deadline", OPEN, SAME, CARE, refusal=_("Only an open job has a deadline to move.")),
        Move("take", (ASSIGNED, IN_PROGRESS), IN_PROGRESS, FITTERS, unless=_take_refusal),
        Move("take_over", (IN_PROGRESS,), SAME, INSTALLER_ROLES, unless=_take_over_refusal),
        Move("take_back", OPEN, DRAFT, ADMIN_ROLES),
        Move("appointment", OPEN, SAME, INSTALLER_ROLES),
        Move("ask_care", (*OPEN, PAIRED), SAME, INSTALLER_ROLES),
        Move("check", FILLING, SAME, INSTALLER_ROLES, refusal=FILLING_REFUSAL),
        Move("photo_add", FILLING, SAME, INSTALLER_ROLES, refusal=FILLING_REFUSAL),
        Move(
            "photo_delete", FILLING, SAME, INSTALLER_ROLES, refusal=_("The job has ended: its photos stay as they are.")
        ),
        Move("pair", (ASSIGNED, IN_PROGRESS), PAIRED, INSTALLER_ROLES, unless=_pair_refusal),
        Move("complete", (IN_PROGRESS,), JobStatus.SUCCEEDED, FITTERS, unless=_complete_refusal),
        Move("complete_manually", (PAIRED,), JobStatus.SUCCEEDED, INSTALLER_ROLES, unless=_manual_refusal),
        Move("activate", (PAIRED,), JobStatus.SUCCEEDED, INSTALLER_ROLES | {SYSTEM}, unless=_activate_refusal),
        Move("record_activation", (PAIRED,), SAME, frozenset({SYSTEM})),
        Move("flag_activation", (PAIRED,), SAME, frozenset({SYSTEM})),
        Move(
            "correct_pairing",
            (PAIRED,),
            SAME,
            CARE,
            refusal=_("Only a pairing still waiting for activation can be corrected."),
        ),
        Move("fail", (IN_PROGRESS, PAIRED), JobStatus.FAILED, FITTERS),
        Move("cancel", (DRAFT, *OPEN), JobStatus.CANCELLED, PLANNERS | CARE),
        Move("owner_change_request", OPEN, SAME, frozenset({SYSTEM})),
        Move("send_certificate", (JobStatus.SUCCEEDED,), SAME, CARE),
    ),
)


def completing_move(job: Any) -> str:
    """What "Complete the job" does: a job without a device completes; a paired installation succeeds with its
    activation (already reported, or not needed when the provider allows manual completion)."""
    if job.status != JobStatus.PAIRED:
        return "complete"
    return "activate" if job.activated_at is not None else "complete_manually"


# Moves that change no status and are not told to the provider's systems as "job.status_changed".
QUIET = frozenset(
    {"create", "create_removal", "update", "delete", "extend_deadline", "ask_care", "check", "record_activation"}
    | {"photo_add", "photo_delete"}
    | {"flag_activation", "owner_change_request", "send_certificate"}
)


class CheckType(models.TextChoices):
    """How a checklist question is answered."""

    CHECK = "check", _("Check (yes/no)")
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Single choice")
    MULTI = "multi", _("Multiple choice")
    PHOTO = "photo", _("Photo")


WITH_OPTIONS = frozenset({CheckType.CHOICE, CheckType.MULTI})


class ChecklistKind(models.TextChoices):
    """What a checklist is for: one kind of job (the provider's, per product or for any product), or work orders."""

    INSTALLATION = "installation", _("Installation jobs")
    REMOVAL = "removal", _("Removal jobs")
    MAINTENANCE = "maintenance", _("Maintenance jobs")
    WORK_ORDER = "work_order", _("Work orders")
