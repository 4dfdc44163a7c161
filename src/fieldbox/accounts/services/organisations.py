"""Organisation settings and members."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fieldbox.accounts.choices import (
    ROLE_RANK,
    ROLES_BY_KIND,
    OrganisationKind,
)
from fieldbox.accounts.models import Membership, Organisation
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import no_control_characters

DEADLINE_FIELDS = (
    "install_deadline_days",
    "installer_change_days",
    "job_visible_after_days",
    "allow_manual_completion",
)
SETTINGS_FIELDS = (
    "name",
    "email",
    "phone",
    "address",
    "time_zone",
    "language",
    "install_deadline_days",
    "installer_change_days",
    "job_visible_after_days",
    "allow_manual_completion",
)


def next_installer_code(name: str) -> str:
    """A free public code for a new installer company: two letters of its name and a number."""
    letters = re.sub(r"[^A-Z]", "", name.upper())[:2].ljust(2, "X")
    taken = set(
        Organisation.objects.filter(installer_code__startswith=letters).values_list("installer_code", flat=True)
    )
    number = 1
    while f"{letters}{number:03d}" in taken:
        number += 1
    return f"{letters}{number:03d}"


def create_installer_company(**fields: Any) -> Organisation:
    """A new installer company with a free installer code (retried if another took it meanwhile)."""
    no_control_characters(fields["name"], field="name")
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Organisation.objects.create(
                    kind=OrganisationKind.INSTALLER, installer_code=next_installer_code(fields["name"]), **fields
                )
        except IntegrityError:
            continue
    raise Conflict(_("No installer code is free right now: try again."))


def organisation_update(*, scope: Scope, changes: dict[str, Any]) -> Organisation:
    """An admin changes the organisation's name, contacts, time zone, language and deadlines."""
    scope.require_admin()
    allowed = set(SETTINGS_FIELDS) if scope.organisation.is_provider else set(SETTINGS_FIELDS) - set(DEADLINE_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    if not changes:
        return scope.organisation
    if "name" in changes:  # its e-mails are sent under its name: one line
        no_control_characters(changes["name"], field="name")
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=scope.organisation.pk)
        before = {name: getattr(org, name) for name in changes}
        for name, value in changes.items():
            setattr(org, name, value)
        org.full_clean()
        org.save(update_fields=list(changes))
        audit.record(
            actor=scope.user,
            organisation=org,
            obj=org,
            action="organisation.update",
            data={"before": before, "after": {name: getattr(org, name) for name in changes}},
        )
    return org


def check_role_grant(scope: Scope, role: str) -> None:
    """Admins grant roles of their kind of organisation, never above their own."""
    scope.require_admin()
    if role not in ROLES_BY_KIND[scope.organisation.kind]:
        raise ValidationError({"role": _("This role does not exist in this kind of organisation.")})
    if ROLE_RANK[role] > ROLE_RANK[scope.role]:
        raise ValidationError({"role": _("You cannot grant a role higher than your own.")})


def _lock_member(scope: Scope, membership_id: int) -> Membership:
    # The organisation row first: two admins changing each other at once are served one after the other,
    # so "at least one admin stays" holds.
    Organisation.objects.select_for_update().get(pk=scope.organisation.pk)
    return (
        Membership.objects.select_for_update()
        .select_related("user")
        .get(pk=membership_id, organisation=scope.organisation)
    )


def _ensure_another_admin(membership: Membership) -> None:
    others = Membership.objects.filter(organisation=membership.organisation, role=membership.role).exclude(
        pk=membership.pk
    )
    if membership.is_admin and not others.exists():
        raise Conflict(_("An organisation keeps at least one admin."))


def member_change_role(*, scope: Scope, membership_id: int, role: str) -> Membership:
    check_role_grant(scope, role)
    with transaction.atomic():
        membership = _lock_member(scope, membership_id)
        if ROLE_RANK[membership.role] > ROLE_RANK[scope.role]:
            raise PermissionDenied
        old = membership.role
        if old == role:
            return membership
        if membership.is_admin:
            _ensure_another_admin(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=membership,
            action="member.role",
            from_state=old,
            to_state=role,
        )
    return membership


def member_remove(*, scope: Scope, membership_id: int) -> Membership:
    scope.require_admin()
    with transaction.atomic():
        membership = _lock_member(scope, membership_id)
        _ensure_another_admin(membership)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=membership,
            action="member.remove",
            from_state=membership.role,
            to_state="removed",
            data={"email": membership.user.email},
        )
        membership.delete()
    return membership
