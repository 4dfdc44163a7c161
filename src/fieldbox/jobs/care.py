"""The vehicle owner's link to ask for another workshop, within the provider's change window.

The SMS that names the chosen workshop carries a short link ``/o/<token>/``. The token is signed
(own salt) and names the job, the company and the moment of the assignment: once customer care
moves the job to another company the old link stops working. Opening it needs no sign-in; it
shows the workshop and, while the change window is open, lets the owner ask customer care for
another one, once per link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.core import clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.jobs.choices import JOB_TABLE, OPEN
from fieldbox.jobs.models import Job
from fieldbox.messaging import events

OWNER_SALT = "fieldbox.jobs.owner-link"


SIGNATURE_CHARS = 22  # 132 bits of the HMAC-SHA256: ample for a link, and short enough for an SMS


def _signature(value: str) -> str:
    return signing.Signer(salt=OWNER_SALT).signature(value)[:SIGNATURE_CHARS]


def _stamp(job: Job) -> int:
    assert job.assigned_at is not None
    return int(job.assigned_at.timestamp())


def owner_token(job: Job) -> str:
    if job.company_id is None or job.assigned_at is None:
        raise ValueError("Only an assigned job has an owner's link.")
    value = f"{job.pk}.{job.company_id}.{int_to_base36(_stamp(job))}"
    # "." rather than ":" between the parts: SMS apps may end a link at a colon.
    return f"{value}.{_signature(value)}"


def owner_link(job: Job) -> str:
    """The absolute link of the owner's page for the job's current assignment."""
    return settings.SITE_URL + reverse("jobs:owner_link", kwargs={"token": owner_token(job)})


def change_window_end(job: Job) -> datetime:
    """End of the day of assignment, plus ``installer_change_days - 1`` days (0 and 1: the same day)."""
    assert job.assigned_at is not None
    provider = job.provider
    day = clock.day_of(job.assigned_at, provider.time_zone) + timedelta(days=max(provider.installer_change_days, 1) - 1)
    return clock.end_of_day(day, provider.time_zone)


@dataclass(frozen=True)
class OwnerPage:
    """What the owner's page shows; nothing of the owner's own data beyond what the SMS said."""

    job: Job
    workshop: Organisation
    provider: Organisation
    window_ends: datetime
    is_open: bool
    asked: bool


def _read(token: str) -> tuple[int, int, int]:
    value, _dot, signature = token.rpartition(".")
    if not constant_time_compare(signature, _signature(value)):
        raise signing.BadSignature("owner link signature does not match")
    try:
        job_id, company_id, stamp = value.split(".")
        return int(job_id), int(company_id), base36_to_int(stamp)
    except ValueError:
        raise signing.BadSignature("malformed owner link") from None


def owner_page(token: str, *, lock: bool = False) -> OwnerPage:
    """The page of a link; ``BadSignature`` for a tampered or superseded one, ``SignatureExpired`` when old."""
    job_id, company_id, stamp = _read(token)
    if timezone.now().timestamp() > stamp + settings.OWNER_LINK_MAX_AGE.total_seconds():
        raise signing.SignatureExpired("owner link expired")
    qs = Job.objects.select_related("provider", "company", "vehicle").filter(company_id=company_id)
    job = qs.filter(pk=job_id).first()
    if job is not None and lock:
        job = JOB_TABLE.lock(qs, job_id)
    if job is None or job.company is None or job.assigned_at is None or _stamp(job) != stamp:
        raise signing.BadSignature("the job moved to another company")
    ends = change_window_end(job)
    # Asked once per link: the column is cleared when the job is assigned again.
    asked = job.owner_change_asked_at is not None
    is_open = job.status in OPEN and clock.now() <= ends
    return OwnerPage(job, job.company, job.provider, ends, is_open, asked)


def owner_change_request(*, token: str, message: str) -> OwnerPage:
    """The owner asks for another workshop: customer care is told (in the app and by e-mail); once per link."""
    with transitions.atomic():
        page = owner_page(token, lock=True)
        job = page.job
        if page.asked:
            raise Conflict(_("You have already asked for another workshop: customer care will contact you."))
        if not page.is_open:
            raise Conflict(_("The time to change workshop has passed."))
        text = message.strip()[:1000]
        stamp = _stamp(job)
        JOB_TABLE.apply(
            job,
            "owner_change_request",
            scope=None,
            changes={"owner_change_asked_at": clock.now()},
            reason=text,
            data={"company": page.workshop.pk, "assigned": stamp},
        )
        events.emit(
            "job.owner_change_requested",
            organisation=page.provider,
            key=f"job:{job.pk}:owner-change:{page.workshop.pk}:{stamp}",
            data={"job_id": job.pk, "number": job.number, "company": page.workshop.installer_code},
            context={
                "job": job.number,
                "plate": job.vehicle.plate,
                "workshop": page.workshop.name,
                "message": text or "—",
                "link": f"{settings.SITE_URL}/jobs/{job.pk}/",
            },
            url=f"/jobs/{job.pk}/",
        )
    return OwnerPage(job, page.workshop, page.provider, page.window_ends, page.is_open, True)
