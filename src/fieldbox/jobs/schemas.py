"""Shapes of the jobs API: jobs and their actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from fieldbox.core.pagination import PageFilters
from fieldbox.core.problems import NOT_BLANK, Count, WrittenAwareDateTime, WrittenDate
from fieldbox.fleet.schemas import CompanyIn
from fieldbox.jobs.choices import JobKind, JobStatus


def said(max_length: int, description: str) -> Any:
    """A text the service strips, then requires: documented as holding more than spaces (the service's own
    message answers a blank one)."""
    return Field(min_length=1, max_length=max_length, description=description, json_schema_extra=NOT_BLANK)


class JobFilters(PageFilters):
    status: JobStatus | None = Field(None, description="Only jobs in this status")
    kind: JobKind | None = Field(None, description="Only jobs of this kind")
    company_id: int | None = Field(None, description="Only jobs assigned to this installer company")
    overdue: bool | None = Field(None, description="`true`: open jobs past their deadline; `false`: every other job")
    q: str | None = Field(
        None,
        max_length=40,
        description="Exact plate (spaces ignored) or subscription number. Installer companies find open jobs only.",
    )


class JobSpec(Schema):
    """What the installer must follow; the rest of the installation is the installer's choice."""

    vehicle_model: str | None = Field(None, max_length=500, description="Vehicle model as the provider knows it")
    central_lock_type: str | None = Field(
        None, max_length=500, description="How to connect the central lock (one of the product's connection types)"
    )
    notes: str | None = Field(None, max_length=500, description="Free notes for the installer")


class JobIn(Schema):
    subscription_number: str | None = Field(
        None, max_length=40, description="Subscription (contract) number; give this or `subscription_id`"
    )
    subscription_id: Count | None = Field(
        None, description="Id of the subscription; give this or `subscription_number`"
    )
    kind: JobKind = Field(JobKind.INSTALLATION, description="What the installer does on the vehicle")
    spec: JobSpec | None = Field(None, description="Instructions for the installer")


class JobPatch(Schema):
    spec: JobSpec = Field(
        description="Fields to change; a field sent as null or empty is removed, a field left out is kept"
    )


class JobCustomerOut(Schema):
    name: str = Field(description="Person's full name or company name")
    phone: str = Field(description="E.164 phone number, may be empty")
    email: str


class JobOut(Schema):
    id: int
    number: str = Field(description="Job number shown to people, e.g. J0000042")
    kind: JobKind
    status: JobStatus
    overdue: bool = Field(description="Open and past its deadline")
    provider_id: int
    provider_name: str
    subscription_number: str | None = Field(description="Null for an installer company once the job ended")
    plate: str = Field(description="Vehicle plate; masked (AB•••CD) for an installer company once the job ended")
    plate_country: str
    vin: str | None = Field(description="Null for an installer company once the job ended")
    vehicle_make: str
    vehicle_model: str
    customer: JobCustomerOut | None = Field(description="The vehicle owner; null for an installer company once ended")
    product_name: str
    spec: JobSpec
    company_id: int | None = Field(description="Installer company the job is assigned to")
    company_name: str | None
    company_code: str | None = Field(description="Public installer code of the company")
    installer_id: int | None = Field(description="The person who took the job")
    installer_name: str | None
    device_serial: str | None = Field(description="Serial number of the paired device")
    created_at: datetime
    assigned_at: datetime | None
    visible_from: datetime | None = Field(description="When the job shows to the installer company")
    deadline_at: datetime | None = Field(description="Install by this moment")
    appointment_at: datetime | None
    paired_at: datetime | None
    closed_at: datetime | None
    comment: str = Field(description="Why the job failed or was cancelled")


class JobPage(Schema):
    items: list[JobOut]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null on the last page")


class ReassignIn(CompanyIn):
    reason: str = said(1000, "Why the job moves (kept in the audit log)")


class AppointmentIn(Schema):
    when: WrittenAwareDateTime = Field(
        description="Date and time with its UTC offset, e.g. 2026-12-01T09:30:00+01:00; not past the deadline"
    )


class MessageIn(Schema):
    message: str = said(2000, "What the installer asks customer care")


class PairIn(Schema):
    serial: str = said(64, "Serial number printed on the device")
    imei_last4: str = Field(
        "",
        pattern=r"^(\d{4})?$",
        description="Last 4 digits of the device's IMEI (required when the product has an IMEI)",
    )


class CommentIn(Schema):
    comment: str = said(2000, "Why the job failed: the provider reads it")


class CancelIn(Schema):
    reason: str = said(1000, "Why the job is cancelled")


class ExtendIn(Schema):
    until: WrittenDate = Field(description="The new last day, in the provider's time zone")
    reason: str = said(1000, "Why the deadline moves")


class CorrectPairingIn(PairIn):
    reason: str = said(1000, "Why the pairing is corrected")
