"""/api/v1: jobs (create, assign, take, appointment, pairing, end)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from fieldbox.core.http import scope_of
from fieldbox.core.pagination import keyset_page
from fieldbox.core.problems import errors_of, fields_named, problem
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet_selectors
from fieldbox.fleet.choices import CustomerKind
from fieldbox.fleet.models import Subscription
from fieldbox.fleet.schemas import CompanyIn
from fieldbox.jobs import filters, selectors, services
from fieldbox.jobs.choices import JOB_TABLE, OPEN
from fieldbox.jobs.models import Job
from fieldbox.jobs.schemas import (
    AppointmentIn,
    CancelIn,
    CommentIn,
    CorrectPairingIn,
    ExtendIn,
    JobFilters,
    JobIn,
    JobOut,
    JobPage,
    JobPatch,
    MessageIn,
    PairIn,
    ReassignIn,
)

router = Router(tags=["jobs"])

JOB_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "provider_id",
    "provider__name",
    "subscription__number",
    "vehicle__plate",
    "vehicle__plate_country",
    "vehicle__vin",
    "vehicle__make",
    "vehicle__model",
    "customer__kind",
    "customer__first_name",
    "customer__last_name",
    "customer__company_name",
    "customer__phone",
    "customer__email",
    "product__name",
    "spec",
    "company_id",
    "company__name",
    "company__installer_code",
    "installer_id",
    "installer__first_name",
    "installer__last_name",
    "installer__email",
    "device__serial",
    "created_at",
    "assigned_at",
    "visible_from",
    "deadline_at",
    "appointment_at",
    "paired_at",
    "closed_at",
    "comment",
)
SPEC_KEYS = ("vehicle_model", "central_lock_type", "notes")


def _customer(row: dict[str, Any]) -> dict[str, Any]:
    if row["customer__kind"] == CustomerKind.COMPANY:
        name = row["customer__company_name"]
    else:
        name = f"{row['customer__first_name']} {row['customer__last_name']}".strip()
    return {"name": name, "phone": row["customer__phone"], "email": row["customer__email"]}


def job_out(scope: Scope, row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One job as the scope's projection read it: masked (``row["masked"]``) once an installer company no longer
    reads the owner's data."""
    personal = not row.get("masked")
    installer = f"{row['installer__first_name'] or ''} {row['installer__last_name'] or ''}".strip()
    return {
        "id": row["id"],
        "number": row["number"],
        "kind": row["kind"],
        "status": row["status"],
        "overdue": bool(row["status"] in OPEN and row["deadline_at"] and row["deadline_at"] < now),
        "provider_id": row["provider_id"],
        "provider_name": row["provider__name"],
        "subscription_number": row["subscription__number"] if personal else None,
        "plate": row["vehicle__plate"],
        "plate_country": row["vehicle__plate_country"],
        "vin": (row["vehicle__vin"] or None) if personal else None,
        "vehicle_make": row["vehicle__make"],
        "vehicle_model": row["vehicle__model"],
        "customer": _customer(row) if personal else None,
        "product_name": row["product__name"],
        "spec": {k: row["spec"].get(k) for k in SPEC_KEYS},
        "company_id": row["company_id"],
        "company_name": row["company__name"],
        "company_code": row["company__installer_code"],
        "installer_id": row["installer_id"],
        "installer_name": (installer or row["installer__email"]) if row["installer_id"] else None,
        "device_serial": row["device__serial"],
        **{f: row[f] for f in ("created_at", "assigned_at", "visible_from", "deadline_at", "appointment_at")},
        **{f: row[f] for f in ("paired_at", "closed_at", "comment")},
    }


def job_by_id(scope: Scope, job_id: int) -> dict[str, Any]:
    row = selectors.jobs_for(scope).filter(pk=job_id).values(*JOB_FIELDS).first()
    if row is None:
        raise Http404
    return job_out(scope, row, timezone.now())


def _filtered(scope: Scope, given: JobFilters) -> QuerySet[Job]:
    values = {"status": given.status, "kind": given.kind, "company": given.company_id, "overdue": given.overdue}
    return filters.apply(selectors.jobs_for(scope), scope, {**values, "q": given.q or ""})


@router.get(
    "/jobs",
    response={200: JobPage, **errors_of(422)},
    summary="Jobs I may see, newest first",
    description=(
        "A provider sees its jobs; an installer company sees the jobs assigned to it once they are visible. "
        "Once a job ended (succeeded, failed, cancelled) a company sees the plate masked and no owner data."
    ),
)
def job_list(request: HttpRequest, filters: Query[JobFilters]) -> Any:
    scope = scope_of(request)
    rows, cursor = keyset_page(_filtered(scope, filters), filters.cursor, filters.limit, values=JOB_FIELDS)
    now = timezone.now()
    return {"items": [job_out(scope, row, now) for row in rows], "next_cursor": cursor}


@router.post(
    "/jobs/take-next",
    response={200: JobOut, **errors_of(403, 404)},
    summary="Take the next available job of my company, the one closest to its deadline (installers)",
    description=(
        "Installers taking at once never get the same job; 404 when no job is available right now. "
        "Declared before /jobs/{job_id} so that its path is matched first."
    ),
)
def job_take_next(request: HttpRequest) -> Any:
    scope = scope_of(request)
    job = services.job_take_next(scope=scope)
    if job is None:
        return problem(404, _("No job is available right now."))
    return job_by_id(scope, job.pk)


@router.get("/jobs/{job_id}", response={200: JobOut, **errors_of(404)}, summary="One job")
def job_get(request: HttpRequest, job_id: int) -> Any:
    return job_by_id(scope_of(request), job_id)


def _subscription_id(scope: Scope, payload: JobIn) -> int:
    if payload.subscription_id is not None:
        return payload.subscription_id
    number = (payload.subscription_number or "").strip()
    if not number:
        raise ValidationError({"subscription_number": _("Give the subscription number or its id.")})
    found = fleet_selectors.subscription_id_by_number(scope, number)
    if found is None:
        raise ValidationError({"subscription_number": _("No subscription has this number.")})
    return found


def _spec(payload: JobIn) -> dict[str, Any]:
    return payload.spec.model_dump(exclude_none=True) if payload.spec else {}


@router.post(
    "/jobs",
    response={201: JobOut, **errors_of(403, 422)},
    summary="Create a draft job for the vehicle of a subscription (provider planners)",
    description="A draft stays invisible to installer companies until it is assigned.",
)
def job_create(request: HttpRequest, payload: JobIn) -> Any:
    scope = scope_of(request)
    JOB_TABLE.require("create", scope)
    subscription_id = _subscription_id(scope, payload)
    field = "subscription_id" if payload.subscription_id is not None else "subscription_number"
    try:
        with fields_named(subscription=field):
            job = services.job_create(
                scope=scope, subscription_id=subscription_id, kind=payload.kind, spec=_spec(payload)
            )
    except Subscription.DoesNotExist:
        raise ValidationError({"subscription_id": _("No subscription has this id.")}) from None
    return Status(201, job_by_id(scope, job.pk))


@router.patch(
    "/jobs/{job_id}",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Change the instructions of a draft job (provider planners)",
)
def job_update(request: HttpRequest, job_id: int, payload: JobPatch) -> Any:
    scope = scope_of(request)
    job = selectors.job_for(scope, job_id)
    spec = {**job.spec, **payload.spec.model_dump(exclude_unset=True)}
    services.job_update(scope=scope, job_id=job.pk, spec={k: v for k, v in spec.items() if v is not None})
    return job_by_id(scope, job.pk)


@router.delete(
    "/jobs/{job_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Delete a draft job (provider planners); cancel an assigned one instead",
)
def job_delete(request: HttpRequest, job_id: int) -> Any:
    services.job_delete(scope=scope_of(request), job_id=job_id)
    return Status(204, None)


@router.post(
    "/jobs/{job_id}/assign",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Assign a draft job to a partner installer company (provider planners)",
    description=(
        "Sets the deadline (the provider's install deadline days from today) and the moment the job shows to the "
        "company; the vehicle owner gets an SMS with the workshop's details."
    ),
)
def job_assign(request: HttpRequest, job_id: int, payload: CompanyIn) -> Any:
    scope = scope_of(request)
    with fields_named(company="company_id"):
        services.job_assign(scope=scope, job_id=job_id, company_id=payload.company_id)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/reassign",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Move an assigned job to another partner company (customer care)",
)
def job_reassign(request: HttpRequest, job_id: int, payload: ReassignIn) -> Any:
    scope = scope_of(request)
    with fields_named(company="company_id"):
        services.job_reassign(scope=scope, job_id=job_id, company_id=payload.company_id, reason=payload.reason)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/take",
    response={200: JobOut, **errors_of(403, 404, 409)},
    summary="Assign to me (installers)",
    description="Of two installers taking the same job, exactly one gets it; the other gets 409.",
)
def job_take(request: HttpRequest, job_id: int) -> Any:
    scope = scope_of(request)
    services.job_take(scope=scope, job_id=job_id)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/take-over",
    response={200: JobOut, **errors_of(403, 404, 409)},
    summary="Take over a colleague's job in progress (installers)",
)
def job_take_over(request: HttpRequest, job_id: int) -> Any:
    scope = scope_of(request)
    services.job_take_over(scope=scope, job_id=job_id)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/appointment",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Record or move the appointment (installers)",
    description="Never in the past nor after the deadline; the vehicle owner gets an SMS each time.",
)
def job_appointment(request: HttpRequest, job_id: int, payload: AppointmentIn) -> Any:
    scope = scope_of(request)
    services.job_appointment(scope=scope, job_id=job_id, when=payload.when)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/ask-care",
    response={202: None, **errors_of(403, 404, 409, 422)},
    summary="Ask the provider's customer care (e.g. to extend the deadline)",
)
def job_ask_care(request: HttpRequest, job_id: int, payload: MessageIn) -> Any:
    services.job_ask_care(scope=scope_of(request), job_id=job_id, message=payload.message)
    return HttpResponse(status=202)


@router.post(
    "/jobs/{job_id}/pair",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Pair a device to the job's vehicle (installers)",
    description=(
        "Serial number and the last 4 IMEI digits of a device shipped to the company; the job then waits for the "
        "device's activation. A wrong serial or IMEI answers 422 naming the field and changes nothing."
    ),
)
def job_pair(request: HttpRequest, job_id: int, payload: PairIn) -> Any:
    scope = scope_of(request)
    services.job_pair(scope=scope, job_id=job_id, serial=payload.serial, imei_last4=payload.imei_last4)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/fail",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Close the job as failed, saying why",
)
def job_fail(request: HttpRequest, job_id: int, payload: CommentIn) -> Any:
    scope = scope_of(request)
    services.job_fail(scope=scope, job_id=job_id, comment=payload.comment)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/cancel",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Cancel the job (provider planners and customer care)",
)
def job_cancel(request: HttpRequest, job_id: int, payload: CancelIn) -> Any:
    scope = scope_of(request)
    services.job_cancel(scope=scope, job_id=job_id, reason=payload.reason)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/extend-deadline",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Give the company more time (customer care, with a reason)",
)
def job_extend_deadline(request: HttpRequest, job_id: int, payload: ExtendIn) -> Any:
    scope = scope_of(request)
    services.job_extend_deadline(scope=scope, job_id=job_id, until=payload.until, reason=payload.reason)
    return job_by_id(scope, job_id)


@router.post(
    "/jobs/{job_id}/correct-pairing",
    response={200: JobOut, **errors_of(403, 404, 409, 422)},
    summary="Swap the paired device before activation (customer care, with a reason)",
)
def job_correct_pairing(request: HttpRequest, job_id: int, payload: CorrectPairingIn) -> Any:
    scope = scope_of(request)
    services.job_correct_pairing(
        scope=scope, job_id=job_id, serial=payload.serial, imei_last4=payload.imei_last4, reason=payload.reason
    )
    return job_by_id(scope, job_id)
