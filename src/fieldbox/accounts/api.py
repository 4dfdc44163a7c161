"""/api/v1: me, organisations, partnerships, invitations, members, tokens, audit events."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from fieldbox.accounts import selectors, services
from fieldbox.accounts.choices import PartnershipStatus
from fieldbox.accounts.models import ApiToken, Membership, Organisation, Partnership
from fieldbox.accounts.schemas import (
    AuditFilters,
    AuditPage,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberPatch,
    MembershipOut,
    MeOut,
    OrganisationOut,
    OrganisationPatch,
    PartnershipIn,
    PartnershipOut,
    PartnershipPage,
    PartnershipReasonIn,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from fieldbox.core.http import scope_of
from fieldbox.core.pagination import keyset_page
from fieldbox.core.problems import errors_of
from fieldbox.core.tenancy import Scope

router = Router(tags=["accounts"])


def _org(o: Organisation) -> dict[str, Any]:
    return {f: getattr(o, f) for f in OrganisationOut.model_fields}


def _partnership(p: Partnership, scope: Scope) -> dict[str, Any]:
    # A provider learns which company stands behind an invited address only once it accepts.
    shown = p.installer if p.installer and (scope.organisation.is_installer or p.status != "pending") else None
    return {
        "id": p.pk,
        "provider_id": p.provider_id,
        "provider_name": p.provider.name,
        "installer_id": shown.pk if shown else None,
        "installer_name": shown.name if shown else None,
        "installer_code": shown.installer_code if shown else None,
        "invited_email": p.invited_email,
        "status": p.status,
        "created_at": p.created_at,
        "expires_at": p.expires_at,
        "responded_at": p.responded_at,
        "ended_at": p.ended_at,
        "reason": p.reason,
    }


def _member(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "user_id": m.user_id,
        "email": m.user.email,
        "first_name": m.user.first_name,
        "last_name": m.user.last_name,
        "role": m.role,
        "created_at": m.created_at,
    }


def _token(t: ApiToken) -> dict[str, Any]:
    return {f: getattr(t, f) for f in TokenOut.model_fields}


@router.get("/me", response={200: MeOut, **errors_of()}, summary="Who I am, where, in which role")
def me(request: HttpRequest) -> Any:
    scope = scope_of(request)
    user = scope.user
    memberships = [
        {"id": m.pk, "organisation_id": m.organisation_id, "organisation_name": m.organisation.name, "role": m.role}
        for m in selectors.memberships_of(user)
    ]
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "organisation": _org(scope.organisation),
        "role": scope.role,
        "memberships": memberships,
    }


@router.get(
    "/organisations", response={200: list[MembershipOut], **errors_of()}, summary="The organisations I belong to"
)
def organisations(request: HttpRequest) -> Any:
    return [
        {"id": m.pk, "organisation_id": m.organisation_id, "organisation_name": m.organisation.name, "role": m.role}
        for m in selectors.memberships_of(scope_of(request).user)
    ]


@router.get(
    "/organisations/current",
    response={200: OrganisationOut, **errors_of()},
    summary="The organisation this token or session acts for",
)
def organisation_current(request: HttpRequest) -> Any:
    return _org(scope_of(request).organisation)


@router.patch(
    "/organisations/current",
    response={200: OrganisationOut, **errors_of(403, 422)},
    summary="Change settings and deadlines (admins)",
)
def organisation_update(request: HttpRequest, payload: OrganisationPatch) -> Any:
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _org(services.organisation_update(scope=scope_of(request), changes=changes))


@router.get("/partnerships", response={200: PartnershipPage, **errors_of(422)}, summary="Partners, by status")
def partnership_list(
    request: HttpRequest, status: PartnershipStatus | None = None, cursor: int | None = None, limit: int = 50
) -> Any:
    scope = scope_of(request)
    items, next_cursor = keyset_page(selectors.partnerships_for(scope, status), cursor, limit)
    return {"items": [_partnership(p, scope) for p in items], "next_cursor": next_cursor}


@router.post(
    "/partnerships",
    response={201: PartnershipOut, **errors_of(403, 422)},
    summary="Invite an installer company by e-mail (provider admins)",
)
def partnership_invite(request: HttpRequest, payload: PartnershipIn) -> Any:
    partnership = services.partnership_invite(scope=scope_of(request), email=str(payload.email))
    return Status(201, _partnership(selectors.partnership_for(scope_of(request), partnership.pk), scope_of(request)))


@router.get("/partnerships/{partnership_id}", response={200: PartnershipOut, **errors_of(404)})
def partnership_get(request: HttpRequest, partnership_id: int) -> Any:
    return _partnership(selectors.partnership_for(scope_of(request), partnership_id), scope_of(request))


@router.post(
    "/partnerships/{partnership_id}/accept",
    response={200: PartnershipOut, **errors_of(403, 404, 409)},
    summary="Accept an invitation (installer company admins)",
)
def partnership_accept(request: HttpRequest, partnership_id: int) -> Any:
    scope = scope_of(request)
    selectors.partnership_for(scope, partnership_id)
    services.partnership_accept(scope=scope, partnership_id=partnership_id)
    return _partnership(selectors.partnership_for(scope, partnership_id), scope)


@router.post(
    "/partnerships/{partnership_id}/decline",
    response={200: PartnershipOut, **errors_of(403, 404, 409, 422)},
    summary="Decline an invitation (installer company admins)",
)
def partnership_decline(request: HttpRequest, partnership_id: int, payload: PartnershipReasonIn) -> Any:
    scope = scope_of(request)
    selectors.partnership_for(scope, partnership_id)
    services.partnership_decline(scope=scope, partnership_id=partnership_id, reason=payload.reason)
    return _partnership(selectors.partnership_for(scope, partnership_id), scope)


@router.post(
    "/partnerships/{partnership_id}/end",
    response={200: PartnershipOut, **errors_of(403, 404, 409, 422)},
    summary="End a partnership or withdraw an invitation (either side's admins)",
)
def partnership_end(request: HttpRequest, partnership_id: int, payload: PartnershipReasonIn) -> Any:
    scope = scope_of(request)
    selectors.partnership_for(scope, partnership_id)
    services.partnership_end(scope=scope, partnership_id=partnership_id, reason=payload.reason)
    return _partnership(selectors.partnership_for(scope, partnership_id), scope)


@router.get(
    "/invitations",
    response={200: list[InvitationOut], **errors_of()},
    summary="Invitations of people into my organisation (admins see them)",
)
def invitation_list(request: HttpRequest) -> Any:
    scope = scope_of(request)
    if not scope.is_admin:
        return []
    return list(selectors.invitations_for(scope)[:500])


@router.post(
    "/invitations",
    response={201: InvitationOut, **errors_of(403, 422)},
    summary="Invite a person with a role no higher than mine (admins)",
)
def invitation_create(request: HttpRequest, payload: InvitationIn) -> Any:
    return Status(201, services.invitation_create(scope=scope_of(request), email=str(payload.email), role=payload.role))


@router.post("/invitations/{invitation_id}/revoke", response={200: InvitationOut, **errors_of(403, 404, 409)})
def invitation_revoke(request: HttpRequest, invitation_id: int) -> Any:
    scope = scope_of(request)
    scope.require_admin()
    selectors.invitation_for(scope, invitation_id)
    return services.invitation_revoke(scope=scope, invitation_id=invitation_id)


@router.get("/members", response={200: list[MemberOut], **errors_of()}, summary="People of my organisation")
def member_list(request: HttpRequest) -> Any:
    return [_member(m) for m in selectors.members_for(scope_of(request))]


@router.patch(
    "/members/{membership_id}",
    response={200: MemberOut, **errors_of(403, 404, 409, 422)},
    summary="Change a member's role (admins)",
)
def member_update(request: HttpRequest, membership_id: int, payload: MemberPatch) -> Any:
    scope = scope_of(request)
    selectors.member_for(scope, membership_id)
    services.member_change_role(scope=scope, membership_id=membership_id, role=payload.role)
    return _member(selectors.member_for(scope, membership_id))


@router.delete(
    "/members/{membership_id}",
    response={204: None, **errors_of(403, 404, 409)},
    summary="Remove a member from my organisation (admins)",
)
def member_delete(request: HttpRequest, membership_id: int) -> Any:
    scope = scope_of(request)
    selectors.member_for(scope, membership_id)
    services.member_remove(scope=scope, membership_id=membership_id)
    return Status(204, None)


@router.get("/tokens", response={200: list[TokenOut], **errors_of()}, summary="My API tokens here")
def token_list(request: HttpRequest) -> Any:
    return [_token(t) for t in selectors.tokens_for(scope_of(request))]


@router.post(
    "/tokens",
    response={201: TokenCreated, **errors_of(403, 422)},
    summary="Create a token; its secret is in this answer only (signed-in session, not another token)",
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    if getattr(request, "api_token", None) is not None:
        raise PermissionDenied  # a token cannot mint tokens that would outlive it
    token, raw = services.token_create(scope=scope_of(request), name=payload.name, days=payload.days)
    return Status(201, {**_token(token), "token": raw})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **errors_of(404, 409)})
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    scope = scope_of(request)
    selectors.token_for(scope, token_id)
    return _token(services.token_revoke(scope=scope, token_id=token_id))


@router.get(
    "/audit-events",
    response={200: AuditPage, **errors_of(403, 422)},
    summary="My organisation's audit log (admins), newest first",
)
def audit_list(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    scope = scope_of(request)
    scope.require_admin()
    tz = timezone.get_current_timezone()
    data: dict[str, Any] = filters.model_dump(exclude={"cursor", "limit"})
    if filters.since:
        data["since"] = datetime.combine(filters.since, time.min, tzinfo=tz)
    if filters.until:
        data["until"] = datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=tz)
    items, next_cursor = keyset_page(selectors.audit_events_for(scope, data), filters.cursor, filters.limit)
    return {
        "items": [
            {
                "id": e.pk,
                "at": e.at,
                "actor": e.actor_label,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "object_label": e.object_label,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
                "ip_address": e.ip_address if e.organisation_id == scope.organisation.pk else None,
            }
            for e in items
        ],
        "next_cursor": next_cursor,
    }
