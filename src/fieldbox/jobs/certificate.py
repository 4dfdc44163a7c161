"""The installation certificate: a PDF (WeasyPrint, from a template) in the customer's language.

Only a succeeded installation has one. Provider users download it; customer care sends it to the
customer by e-mail on request, through the outbox, with the PDF attached, audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldbox.core import transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.jobs import selectors
from fieldbox.jobs.choices import JOB_TABLE, JobKind, JobStatus
from fieldbox.jobs.models import Job
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email

PDF = "application/pdf"


def certificate_job(scope: Scope, job_id: int) -> Job:
    """The job whose certificate a provider user asks for (404 outside the scope, 409 until it succeeded)."""
    if not scope.organisation.is_provider:
        raise PermissionDenied
    job = selectors.job_for(scope, job_id)
    if not available(job):
        raise Conflict(_("There is an installation certificate only once an installation has succeeded."))
    return job


def available(job: Job) -> bool:
    """A succeeded installation, with its device, has a certificate."""
    return job.kind == JobKind.INSTALLATION and job.status == JobStatus.SUCCEEDED and job.device_id is not None


def filename(job: Job) -> str:
    return f"certificate-{job.number}.pdf"


def _activated_at(job: Job) -> datetime | None:
    return job.device.activated_at if job.device and job.device.activated_at else job.closed_at


def certificate_context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "provider": job.provider,
        "customer": job.customer,
        "vehicle": job.vehicle,
        "device": job.device,
        "company": job.company,
        "paired_at": job.paired_at,
        "activated_at": _activated_at(job),
        "issued_at": timezone.now(),
    }


def certificate_html(job: Job) -> str:
    """The certificate's HTML, in the customer's language, times in the provider's time zone."""
    with translation.override(job.customer.language), timezone.override(ZoneInfo(job.provider.time_zone)):
        return render_to_string("jobs/certificate.html", certificate_context(job))


def certificate_pdf(job: Job) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported on use: it loads Pango

    pdf: bytes = HTML(string=certificate_html(job)).write_pdf()
    return pdf


def certificate_send(*, scope: Scope, job_id: int) -> str:
    """E-mail the certificate to the customer; answers the address it goes to. The customer needs an e-mail."""
    JOB_TABLE.require("send_certificate", scope)
    job = certificate_job(scope, job_id)
    customer = job.customer
    if not customer.email:
        raise Conflict(
            _("%(customer)s has no e-mail address: add it to the customer's record, or download the certificate.")
            % {"customer": customer.display_name}
        )
    pdf = certificate_pdf(job)  # rendered before the transaction: it takes a moment
    with transitions.atomic():
        locked = JOB_TABLE.lock(Job.objects.visible_to(scope), job.pk)
        step = JOB_TABLE.apply(
            locked, "send_certificate", scope=scope, reason=customer.email, data={"to": customer.email}
        )
        assert step.event is not None
        send_email(
            "jobs.certificate",
            key=f"job:{job.pk}:certificate:{step.event.pk}",
            to=customer.email,
            language=customer.language,
            organisation=job.provider,
            context={
                "job": job.number,
                "plate": job.vehicle.plate,
                "customer": customer.display_name,
                "provider": job.provider.name,
            },
            attachments=[Attachment(filename(job), pdf, PDF)],
        )
    return customer.email
