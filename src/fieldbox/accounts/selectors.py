"""Reads of the accounts app, always scoped to what the asking user may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import CharField, Count, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _
from django_otp import user_has_device

from fieldbox.accounts.choices import TWO_FACTOR_REQUIRED_ROLES, PartnershipStatus, Role
from fieldbox.accounts.models import ApiToken, Invitation, Membership, Organisation, Partnership, User
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope


def memberships_of(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )


def scope_for(user: User, organisation_id: int | None) -> Scope | None:
    """The user's scope in ``organisation_id``, or in its first organisation when that is not one of its own."""
    memberships = list(memberships_of(user))
    if not memberships:
        return None
    chosen = next((m for m in memberships if m.organisation_id == organisation_id), memberships[0])
    return Scope(user=user, membership=chosen, memberships=tuple(memberships))


def user_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def two_factor_required(user: User, memberships: Iterable[Membership] | None = None) -> bool:
    """The person's roles (or platform staff status) demand two-factor authentication.

    Pass the memberships already loaded (``scope.memberships``) to spare a query.
    """
    if user.is_staff:
        return True
    if memberships is None:
        return Membership.objects.filter(
            user=user, role__in=TWO_FACTOR_REQUIRED_ROLES, organisation__is_active=True
        ).exists()
    return any(m.role in TWO_FACTOR_REQUIRED_ROLES for m in memberships)


def two_factor_missing(user: User, memberships: Iterable[Membership] | None = None) -> bool:
    """Two-factor is required of this person, who has not set it up yet."""
    return two_factor_required(user, memberships) and not user_has_device(user, confirmed=True)


def addresses_of(organisation: Organisation) -> list[str]:
    """The members' own addresses (each proven by a link sent to it); never the editable contact address."""
    return [e.lower() for e in organisation.memberships.values_list("user__email", flat=True)]


def partnerships_for(scope: Scope, status: str | None = None) -> QuerySet[Partnership]:
    org = scope.organisation
    if org.is_provider:
        qs = Partnership.objects.filter(provider=org)
    else:
        unclaimed = Q(installer__isnull=True, status=PartnershipStatus.PENDING, invited_email__in=addresses_of(org))
        qs = Partnership.objects.filter(Q(installer=org) | unclaimed)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("provider", "installer").order_by("-created_at", "-id")


def partnership_for(scope: Scope, partnership_id: int) -> Partnership:
    try:
        return partnerships_for(scope).get(pk=partnership_id)
    except Partnership.DoesNotExist:
        raise Http404 from None


def partnership_counts(scope: Scope) -> dict[str, int]:
    counts = dict.fromkeys(PartnershipStatus.values, 0)
    for row in partnerships_for(scope).order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def partner_provider_ids(scope: Scope) -> frozenset[int]:
    """The providers an installer company works for now (accepted partnerships), looked up once per request."""
    org = scope.organisation

    def lookup() -> frozenset[int]:
        rows = Partnership.objects.filter(installer=org, status=PartnershipStatus.ACCEPTED).values_list(
            "provider_id", flat=True
        )
        return frozenset(rows)

    return frozenset() if org.is_provider else scope.remember("partner_provider_ids", lookup)


def accepted_partner(scope: Scope, company_id: int, *, field: str) -> Organisation:
    """The installer company ``company_id`` if it accepted a partnership with this provider (an error on ``field``
    otherwise): only accepted partners receive jobs and devices."""
    company = accepted_installers_for(scope).filter(pk=company_id).first()
    if company is None:
        raise ValidationError({field: _("Choose an installer company that accepted your partnership.")})
    return company


def accepted_installers_for(scope: Scope) -> QuerySet[Organisation]:
    """Installer companies that may receive this provider's jobs."""
    return Organisation.objects.filter(
        is_active=True,
        provider_partnerships__provider=scope.organisation,
        provider_partnerships__status=PartnershipStatus.ACCEPTED,
    ).order_by("name")


def members_for(scope: Scope) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=scope.organisation)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )


def member_for(scope: Scope, membership_id: int) -> Membership:
    try:
        return members_for(scope).get(pk=membership_id)
    except Membership.DoesNotExist:
        raise Http404 from None


def invitations_for(scope: Scope, status: str | None = None) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(organisation=scope.organisation).select_related("invited_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def invitation_for(scope: Scope, invitation_id: int) -> Invitation:
    try:
        return invitations_for(scope).get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise Http404 from None


def tokens_for(scope: Scope) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=scope.user, organisation=scope.organisation).order_by("-created_at", "-id")


def token_for(scope: Scope, token_id: int) -> ApiToken:
    try:
        return tokens_for(scope).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None


def audit_events_for(scope: Scope, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The organisation's audit log, for its admins only."""
    if scope.role not in (Role.PROVIDER_ADMIN, Role.INSTALLER_ADMIN):
        return AuditEvent.objects.none()
    org = scope.organisation
    # Both sides of a partnership read its history, whoever acted.
    shared = (
        Partnership.objects.filter(Q(provider=org) | Q(installer=org))
        .annotate(object_key=Cast("pk", CharField()))
        .values("object_key")
    )
    qs = AuditEvent.objects.filter(
        Q(organisation=org) | Q(object_type=Partnership._meta.label_lower, object_id__in=shared)
    )
    filters = filters or {}
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"])
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=filters["actor"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("since"):
        qs = qs.filter(at__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(at__lt=filters["until"])
    return qs.order_by("-at", "-id")
