"""Kinds and statuses of jobs, with their one transition table (drawn in docs/architecture.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


OPEN = (JobStatus.ASSIGNED, JobStatus.IN_PROGRESS)
ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)

# status -> {action: new status}
JOB_TRANSITIONS: dict[str, dict[str, str]] = {
    JobStatus.DRAFT: {"assign": JobStatus.ASSIGNED, "cancel": JobStatus.CANCELLED},
    JobStatus.ASSIGNED: {
        "reassign": JobStatus.ASSIGNED,
        "take": JobStatus.IN_PROGRESS,
        "appointment": JobStatus.ASSIGNED,
        "cancel": JobStatus.CANCELLED,
    },
    JobStatus.IN_PROGRESS: {
        "reassign": JobStatus.ASSIGNED,
        "take_over": JobStatus.IN_PROGRESS,
        "appointment": JobStatus.IN_PROGRESS,
        "pair": JobStatus.PAIRED,
        "complete": JobStatus.SUCCEEDED,
        "fail": JobStatus.FAILED,
        "cancel": JobStatus.CANCELLED,
    },
    JobStatus.PAIRED: {
        "activate": JobStatus.SUCCEEDED,
        "complete_manually": JobStatus.SUCCEEDED,
        "correct_pairing": JobStatus.PAIRED,
        "fail": JobStatus.FAILED,
    },
    JobStatus.SUCCEEDED: {},
    JobStatus.FAILED: {},
    JobStatus.CANCELLED: {},
}


class CheckType(models.TextChoices):
    CHECK = "check", _("Check (yes/no)")
    CHOICE = "choice", _("Choice")
    PHOTO = "photo", _("Photo")
