"""API shapes of the accounts app."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, EmailStr, Field

from fieldbox.core.problems import NOT_BLANK, NUMBER, ONE_LINE, Count, QueryDay
from fieldbox.core.validators import plain_text


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    installer_code: str | None
    email: str
    phone: str
    address: str
    time_zone: str
    language: str
    install_deadline_days: int
    installer_change_days: int
    job_visible_after_days: int
    allow_manual_completion: bool


class OrganisationPatch(Schema):
    name: Annotated[str, AfterValidator(plain_text)] | None = Field(
        None, min_length=1, max_length=200, json_schema_extra=ONE_LINE
    )
    email: EmailStr | None = None
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=255)
    time_zone: str | None = None
    language: str | None = None
    install_deadline_days: Annotated[int, Field(ge=1, le=365), NUMBER] | None = None
    installer_change_days: Annotated[int, Field(ge=0, le=60), NUMBER] | None = None
    job_visible_after_days: Annotated[int, Field(ge=0, le=60), NUMBER] | None = None
    allow_manual_completion: bool | None = Field(None, strict=True)


class MembershipOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    language: str
    organisation: OrganisationOut
    role: str
    memberships: list[MembershipOut]


class PartnershipOut(Schema):
    id: int
    provider_id: int
    provider_name: str
    installer_id: int | None
    installer_name: str | None
    installer_code: str | None
    invited_email: str
    status: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    ended_at: datetime | None
    reason: str


class PartnershipPage(Schema):
    items: list[PartnershipOut]
    next_cursor: int | None


class PartnershipIn(Schema):
    email: EmailStr


class PartnershipReasonIn(Schema):
    reason: str = Field("", max_length=1000)


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    status: str
    created_at: datetime
    expires_at: datetime


class InvitationIn(Schema):
    email: EmailStr
    role: str


class MemberOut(Schema):
    id: int
    user_id: int
    email: str
    first_name: str
    last_name: str
    role: str
    created_at: datetime


class MemberPatch(Schema):
    role: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, json_schema_extra=NOT_BLANK)
    days: Count = Field(90, ge=1, le=366)


class TokenCreated(TokenOut):
    token: str


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    from_state: str
    to_state: str
    reason: str
    ip_address: str | None


class AuditPage(Schema):
    items: list[AuditEventOut]
    next_cursor: int | None


class AuditFilters(Schema):
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    since: QueryDay | None = None
    until: QueryDay | None = None
    cursor: int | None = None
    limit: int = Field(50, ge=1, le=200)
