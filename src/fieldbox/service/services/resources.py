"""The organisation's resources (vans, tools, instruments), its types of work and its teams' members: kept by
the planners (office and admins), each change audited. A resource is retired, never deleted: the work orders
that booked it keep naming it."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.selectors import members_for
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.service.choices import ResourceKind
from fieldbox.service.models import Booking, Resource, Team, WorkType
from fieldbox.service.services.work_orders import MAX_MINUTES

audit.label_actions(
    {
        "resource.create": gettext_lazy("Resource added"),
        "resource.edit": gettext_lazy("Resource changed"),
        "resource.retire": gettext_lazy("Resource retired"),
        "resource.restore": gettext_lazy("Resource back in use"),
        "work_type.create": gettext_lazy("Type of work added"),
        "work_type.edit": gettext_lazy("Type of work changed"),
        "team.members": gettext_lazy("Team members changed"),
    }
)


def _words(field: str, value: str | None, limit: int, *, required: bool = False, lines: bool = False) -> str:
    return typed_text(value, field, limit, required=required, lines=lines)


def resource_save(
    *,
    scope: Scope,
    resource_id: int | None = None,
    name: str,
    kind: str = ResourceKind.VAN,
    code: str = "",
    notes: str = "",
) -> Resource:
    """Add a resource, or change one (its name is the organisation's only one by that name)."""
    scope.require_role(*WORK_PLANNERS)
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds.")})
    fields = {
        "name": _words("name", name, 100, required=True),
        "kind": kind,
        "code": _words("code", code, 40),
        "notes": _words("notes", notes, 5000, lines=True),
    }
    with transaction.atomic():
        own = Resource.objects.visible_to(scope)
        if own.filter(name__iexact=fields["name"]).exclude(pk=resource_id or 0).exists():
            raise ValidationError({"name": _("Another resource has this name.")})
        if resource_id:
            resource = own.select_for_update().get(pk=resource_id)
            for name_, value in fields.items():
                setattr(resource, name_, value)
            resource.save(update_fields=list(fields))
        else:
            resource = Resource.objects.create(organisation=scope.organisation, **fields)
        action = "resource.edit" if resource_id else "resource.create"
        audit.record(actor=scope.user, organisation=scope.organisation, obj=resource, action=action, data=fields)
    return resource


def resource_retire(*, scope: Scope, resource_id: int, retired: bool = True) -> Resource:
    """Take a resource out of use (no longer offered to the planner), or bring it back. A resource still booked
    on work to come cannot be retired: move that work first."""
    scope.require_role(*WORK_PLANNERS)
    with transaction.atomic():
        resource = Resource.objects.visible_to(scope).select_for_update().get(pk=resource_id)
        if retired:
            ahead = Booking.objects.filter(resource=resource, busy=True, ends_at__gt=timezone.now())
            count = ahead.count()
            if count:
                raise ValidationError(
                    {"resource": _("It is still booked on %(n)s work orders or activities to come.") % {"n": count}}
                )
        resource.active = not retired
        resource.save(update_fields=["active"])
        action = "resource.retire" if retired else "resource.restore"
        audit.record(actor=scope.user, organisation=scope.organisation, obj=resource, action=action)
    return resource


def work_type_save(
    *,
    scope: Scope,
    work_type_id: int | None = None,
    name: str,
    minutes: int | None = 60,
    active: bool = True,
) -> WorkType:
    """Add a type of work, or change one (its usual length, whether it is still offered)."""
    scope.require_role(*WORK_PLANNERS)
    if minutes is None or not 5 <= int(minutes) <= MAX_MINUTES:
        raise ValidationError({"minutes": _("A length between 5 minutes and 24 hours.")})
    fields = {"name": _words("name", name, 100, required=True), "minutes": int(minutes), "active": bool(active)}
    with transaction.atomic():
        own = WorkType.objects.visible_to(scope)
        if own.filter(name__iexact=fields["name"]).exclude(pk=work_type_id or 0).exists():
            raise ValidationError({"name": _("Another type of work has this name.")})
        if work_type_id:
            work_type = own.select_for_update().get(pk=work_type_id)
            for name_, value in fields.items():
                setattr(work_type, name_, value)
            work_type.save(update_fields=list(fields))
        else:
            work_type = WorkType.objects.create(organisation=scope.organisation, **fields)
        action = "work_type.edit" if work_type_id else "work_type.create"
        audit.record(actor=scope.user, organisation=scope.organisation, obj=work_type, action=action, data=fields)
    return work_type


def team_members_set(*, scope: Scope, team_id: int, user_ids: Iterable[int]) -> Team:
    """The team's members are exactly these people of the organisation (whose calendars its planner shows)."""
    scope.require_role(*WORK_PLANNERS)
    wanted = set(user_ids)
    found = set(members_for(scope).filter(user_id__in=wanted).values_list("user_id", flat=True))
    if wanted - found:
        raise ValidationError({"members": _("Choose people of your organisation.")})
    with transaction.atomic():
        team = Team.objects.visible_to(scope).select_for_update().get(pk=team_id)
        team.members.set(sorted(wanted))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=team,
            action="team.members",
            data={"members": sorted(wanted)},
        )
    return team
