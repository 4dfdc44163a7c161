"""/api/v1 for customer care: the one search box and the installation certificate (download, send)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.problems import errors_of
from fieldbox.jobs import certificate, selectors
from fieldbox.jobs.api.core import JOB_FIELDS, job_out
from fieldbox.jobs.schemas import JobOut

router = Router(tags=["customer care"])

SEARCH_LIMIT = 50


class SearchOut(Schema):
    items: list[JobOut]
    more: bool = Field(description="More than the items shown match: narrow the search.")


class CertificateSentOut(Schema):
    to: str = Field(description="The customer's e-mail address the certificate goes to.")


@router.get(
    "/search",
    response={200: SearchOut, **errors_of(422)},
    summary="Find jobs by plate, VIN, subscription number, customer name or phone",
    description=(
        "One text over the plate (spaces, dashes and case ignored), the VIN, the subscription number, the "
        "customer's name and phone (with or without +39, 0039 or a leading 0). At most 50 jobs, newest first; "
        "`more` says there are others. An installer company finds only its open jobs."
    ),
)
def search(request: HttpRequest, q: str = "") -> Any:
    scope = scope_of(request)
    rows = list(selectors.search(scope, q).values(*JOB_FIELDS)[: SEARCH_LIMIT + 1]) if q.strip() else []
    now = timezone.now()
    return {"items": [job_out(scope, row, now) for row in rows[:SEARCH_LIMIT]], "more": len(rows) > SEARCH_LIMIT}


@router.get(
    "/jobs/{job_id}/certificate",
    response={200: None, **errors_of(403, 404, 409)},
    summary="The installation certificate, a PDF (provider users; succeeded installations only)",
    openapi_extra={
        "responses": {200: {"description": "The PDF", "content": {certificate.PDF: {"schema": {"type": "string"}}}}}
    },
)
def certificate_get(request: HttpRequest, job_id: int) -> Any:
    job = certificate.certificate_job(scope_of(request), job_id)
    response = HttpResponse(certificate.certificate_pdf(job), content_type=certificate.PDF)
    response["Content-Disposition"] = f'attachment; filename="{certificate.filename(job)}"'
    return response


@router.post(
    "/jobs/{job_id}/certificate/send",
    response={202: CertificateSentOut, **errors_of(403, 404, 409)},
    summary="E-mail the installation certificate to the customer (customer care, provider admins)",
    description=(
        "Queued in the outbox with the PDF attached, in the customer's language, and audited. "
        "409 when the job has not succeeded or the customer has no e-mail address."
    ),
)
def certificate_post(request: HttpRequest, job_id: int) -> Any:
    sent_to = certificate.certificate_send(scope=scope_of(request), job_id=job_id)
    return Status(202, {"to": sent_to})
