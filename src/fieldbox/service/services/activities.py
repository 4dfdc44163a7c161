"""Activities (SYS "planner attività"): time a person or a resource is taken by something other than a work order
— office work, training, leave, a meeting, a van's upkeep. An activity books its person or resource like a work
order does (a busy ``Booking``), so neither is planned twice for the same time: the service says who is busy with
what (``clashes``/``refuse_clashes``, the work orders' own), and on PostgreSQL the exclusion constraint refuses
what two planners did at once (``booking_*_not_twice``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import User
from fieldbox.accounts.selectors import members_for
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ActivityKind
from fieldbox.service.models import Activity, Booking, Resource
from fieldbox.service.selectors_planner import in_calendar
from fieldbox.service.services.work_orders import clashes, refuse_clashes

LONGEST = timedelta(days=31)  # selectors_planner.LONGEST_ACTIVITY: a longer leave is several activities
TITLE_LIMIT = 200
NOTES_LIMIT = 20_000
# What a resource may be taken by (its upkeep, or something else); a person is never "in upkeep".
RESOURCE_KINDS = frozenset({ActivityKind.UPKEEP, ActivityKind.OTHER})

audit.label_actions(
    {
        "activity.create": gettext_lazy("Activity added"),
        "activity.change": gettext_lazy("Activity changed"),
        "activity.delete": gettext_lazy("Activity deleted"),
    }
)


def _checked(
    scope: Scope,
    *,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    user_id: int | None,
    resource_id: int | None,
    title: str,
    notes: str,
) -> dict[str, Any]:
    """The activity's fields, each checked, or a ValidationError naming every wrong one."""
    errors: dict[str, str] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = _("Choose a kind of activity.")
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = _("Give the day and the time.")
    if ends_at is None or timezone.is_naive(ends_at):
        errors["ends_at"] = _("Give the day and the time.")
    elif starts_at is not None and not timezone.is_naive(starts_at):
        if not (in_calendar(starts_at.date()) and in_calendar(ends_at.date())):
            errors["starts_at"] = _("Give a day between the years 1900 and 2199.")
        elif ends_at <= starts_at:
            errors["ends_at"] = _("The end comes after the start.")
        elif ends_at - starts_at > LONGEST:
            errors["ends_at"] = _("An activity lasts at most 31 days: add a longer one in parts.")
    words, more = (title or "").strip(), (notes or "").strip()
    if len(words) > TITLE_LIMIT:
        errors["title"] = _("At most %(n)s characters.") % {"n": TITLE_LIMIT}
    if len(more) > NOTES_LIMIT:
        errors["notes"] = _("At most %(n)s characters.") % {"n": NOTES_LIMIT}
    person, resource = _whom(scope, user_id, resource_id, errors)
    if resource is not None and kind in ActivityKind.values and kind not in RESOURCE_KINDS:
        errors["kind"] = _("A resource is taken by its upkeep (or by something else).")
    if person is not None and kind == ActivityKind.UPKEEP:
        errors["kind"] = _("Upkeep is for a resource: choose another kind for a person.")
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "starts_at": starts_at, "ends_at": ends_at, "title": words, "notes": more} | {
        "user": person,
        "resource": resource,
    }


def _whom(
    scope: Scope, user_id: int | None, resource_id: int | None, errors: dict[str, str]
) -> tuple[User | None, Resource | None]:
    """One person of the organisation or one of its resources in use: exactly one of the two."""
    if bool(user_id) == bool(resource_id):
        errors["user_id"] = _("Choose a person or a resource (one of the two).")
        return None, None
    if user_id:
        members = members_for(scope).values("user_id")
        person = User.objects.filter(pk=user_id, pk__in=members, is_active=True).first()
        if person is None:
            errors["user_id"] = _("Choose one of your people.")
        return person, None
    resource = Resource.objects.visible_to(scope).filter(pk=resource_id, active=True).first()
    if resource is None:
        errors["resource_id"] = _("Choose among your resources in use.")
    return None, resource


def _refuse_clashes(activity: Activity, fields: dict[str, Any]) -> None:
    person, resource = fields["user"], fields["resource"]
    found = clashes(
        activity.organisation_id,
        [person.pk] if person else [],
        [resource.pk] if resource else [],
        fields["starts_at"],
        fields["ends_at"],
        activity_id=activity.pk,
    )
    refuse_clashes(activity.organisation_id, found)


def _book(activity: Activity, fields: dict[str, Any]) -> None:
    """The activity's one booking holds its person or resource for its time."""
    Booking.objects.filter(activity=activity).delete()
    Booking.objects.create(
        organisation_id=activity.organisation_id,
        activity=activity,
        user=fields["user"],
        resource=fields["resource"],
        starts_at=fields["starts_at"],
        ends_at=fields["ends_at"],
        busy=True,
    )


def _facts(activity: Activity, fields: dict[str, Any]) -> dict[str, Any]:
    who = fields["user"] or fields["resource"]
    return {
        "kind": activity.kind,
        "title": activity.title,
        "who": str(who) if who else "",
        "starts_at": activity.starts_at.isoformat(),
        "ends_at": activity.ends_at.isoformat(),
    }


def activity_save(
    *,
    scope: Scope,
    kind: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
    user_id: int | None = None,
    resource_id: int | None = None,
    title: str = "",
    notes: str = "",
    activity_id: int | None = None,
) -> Activity:
    """Add an activity (no ``activity_id``) or change one: its kind, time, person or resource, title and notes.
    Refused with the reason when the person or resource is busy meanwhile; nothing changes then."""
    scope.require_role(*WORK_PLANNERS)
    if activity_id is not None and not Activity.objects.visible_to(scope).filter(pk=activity_id).exists():
        raise Activity.DoesNotExist  # 404 before any other refusal: nothing said of another's activity
    fields = _checked(
        scope,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        user_id=user_id,
        resource_id=resource_id,
        title=title,
        notes=notes,
    )
    with transaction.atomic():
        if activity_id is None:
            activity = Activity(organisation=scope.organisation, created_by=scope.user)
            action, before = "activity.create", {}
        else:
            activity = Activity.objects.visible_to(scope).select_for_update().get(pk=activity_id)
            action, before = "activity.change", _facts(activity, {"user": None, "resource": None, **_was(activity)})
        for name in ("kind", "starts_at", "ends_at", "title", "notes"):
            setattr(activity, name, fields[name])
        _refuse_clashes(activity, fields)
        try:
            with transaction.atomic():  # a savepoint: the constraint's refusal leaves the transaction usable
                activity.save()
                _book(activity, fields)
        except IntegrityError as error:
            if "not_twice" not in str(error):
                raise
            _refuse_clashes(activity, fields)
            raise ValidationError({"starts_at": _("Someone else just booked this time. Look again.")}) from None
        data = {"now": _facts(activity, fields), **({"before": before} if before else {})}
        audit.record(actor=scope.user, organisation=scope.organisation, obj=activity, action=action, data=data)
    return activity


def _was(activity: Activity) -> dict[str, Any]:
    row = Booking.objects.filter(activity=activity).select_related("user", "resource").order_by("pk").first()
    return {"user": row.user, "resource": row.resource} if row else {}


def activity_delete(*, scope: Scope, activity_id: int) -> None:
    """Take an activity off the calendar: its person or resource is free again for its time."""
    scope.require_role(*WORK_PLANNERS)
    with transaction.atomic():
        activity = Activity.objects.visible_to(scope).select_for_update().get(pk=activity_id)
        facts = _facts(activity, {"user": None, "resource": None, **_was(activity)})
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=activity,
            action="activity.delete",
            data={"before": facts},
        )
        activity.delete()
