"""/api/v1: from a provider's ticket to the telematics side — the subscriber's vehicle a ticket is about, and the
maintenance or removal job it sends to a partner. The same services as the ticket page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from fieldbox.core.http import scope_of
from fieldbox.core.problems import Count, errors_of, fields_named
from fieldbox.jobs.choices import JobKind, JobStatus
from fieldbox.service import selectors
from fieldbox.service.choices import TicketStatus
from fieldbox.service.models import Ticket
from fieldbox.service.services import telematics

router = Router(tags=["service desk"])


class TicketVehicleOut(Schema):
    id: int
    plate: str
    plate_country: str
    make: str
    model: str


class TicketJobOut(Schema):
    id: int
    number: str = Field(description="The job's number, e.g. J0000042")
    kind: JobKind
    status: JobStatus
    status_label: str = Field(description="The status in the reader's words")
    company_id: int | None = Field(description="The installer company doing the job")
    company_name: str | None
    appointment_at: datetime | None
    deadline_at: datetime | None
    closed_at: datetime | None = Field(description="When the job ended")


class TicketTelematicsOut(Schema):
    id: int
    number: str
    status: TicketStatus
    customer_id: int | None
    vehicle: TicketVehicleOut | None = Field(description="The subscriber's vehicle the ticket is about")
    job: TicketJobOut | None = Field(description="The last job the ticket sent, ended or not")


class TicketVehicleIn(Schema):
    vehicle_id: Count = Field(description="One of your vehicles")


class TicketJobIn(Schema):
    kind: Literal["maintenance", "removal"] = Field(description="The work to do on the vehicle")
    company_id: Count = Field(description="Installer company that accepted a partnership with you")
    note: str = Field("", max_length=telematics.NOTE_LENGTH, description="Notes for the installer")


def vehicle_out(ticket: Ticket) -> dict[str, Any] | None:
    """The ticket's vehicle as the API gives it (``TicketVehicleOut``), or None."""
    vehicle = ticket.vehicle
    if vehicle is None:
        return None
    fields = ("plate", "plate_country", "make", "model")
    return {"id": vehicle.pk, **{f: getattr(vehicle, f) for f in fields}}


def job_out(ticket: Ticket) -> dict[str, Any] | None:
    """The job the ticket sent as the API gives it (``TicketJobOut``), or None."""
    job = ticket.job
    if job is None:
        return None
    return {
        "id": job.pk,
        "number": job.number,
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "company_id": job.company_id,
        "company_name": job.company.name if job.company else None,
        "appointment_at": job.appointment_at,
        "deadline_at": job.deadline_at,
        "closed_at": job.closed_at,
    }


def _out(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    ticket = selectors.ticket_for(scope_of(request), ticket_id)
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "status": ticket.status,
        "customer_id": ticket.customer_id,
        "vehicle": vehicle_out(ticket),
        "job": job_out(ticket),
    }


@router.put(
    "/tickets/{ticket_id}/vehicle",
    response={200: TicketTelematicsOut, **errors_of(403, 404, 409, 422)},
    summary="Say which of your vehicles the ticket is about (provider admins, customer care)",
    description=(
        "An open ticket only (409 otherwise), and not while a job it sent runs. A ticket without a customer takes "
        "the subscriber of the vehicle's active subscription."
    ),
)
def ticket_vehicle(request: HttpRequest, ticket_id: int, payload: TicketVehicleIn) -> Any:
    telematics.ticket_vehicle_set(scope=scope_of(request), ticket_id=ticket_id, vehicle_id=payload.vehicle_id)
    return _out(request, ticket_id)


@router.post(
    "/tickets/{ticket_id}/job",
    response={201: TicketTelematicsOut, **errors_of(403, 404, 409, 422)},
    summary="Send a maintenance or removal job for the ticket's vehicle to a partner (provider admins, customer care)",
    description=(
        "The job is created for the vehicle's active subscription and assigned to the company at once, as "
        "`POST /jobs` and `POST /jobs/{id}/assign` do; an internal note on the ticket says so. 422 without a "
        "vehicle (`vehicle`), without an active subscription or when the vehicle has another open job (`vehicle`), "
        "or for a company that did not accept your partnership (`company_id`); 409 while the ticket's last job "
        "runs or once the ticket is resolved. The ticket is resolved when the job succeeds."
    ),
)
def ticket_job(request: HttpRequest, ticket_id: int, payload: TicketJobIn) -> Any:
    with fields_named(company="company_id", subscription="vehicle"):
        telematics.ticket_job_send(
            scope=scope_of(request),
            ticket_id=ticket_id,
            kind=payload.kind,
            company_id=payload.company_id,
            note=payload.note,
        )
    return Status(201, _out(request, ticket_id))
