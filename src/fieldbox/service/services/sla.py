"""Writes of the service levels: an admin sets the organisation's promise per priority (``service.sla``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.service import sla
from fieldbox.service.choices import Priority
from fieldbox.service.models import ServiceLevel

SAVED = "service_levels.save"
audit.label_actions({SAVED: gettext_lazy("Service levels changed")})
FIELDS = ("response_hours", "resolution_hours")


def field_name(priority: str, field: str) -> str:
    """The name a row's value goes by in forms and errors: ``urgent_response_hours``."""
    return f"{priority}_{field}"


def _hours(value: Any, name: str, errors: dict[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not sla.MIN_HOURS <= value <= sla.MAX_HOURS:
        errors[name] = _("Between %(min)s and %(max)s working hours.") % {"min": sla.MIN_HOURS, "max": sla.MAX_HOURS}
        return 0
    return value


def _clean(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int]]:
    """Each priority once, with whole hours in bounds and the first answer no later than the resolution."""
    clean: dict[str, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    for row in rows:
        priority = row.get("priority")
        if priority not in Priority.values or priority in clean:
            errors["priority"] = _("Give each priority once: urgent, high, normal or low.")
            continue
        response, resolution = (_hours(row.get(f), field_name(priority, f), errors) for f in FIELDS)
        if response and resolution and response > resolution:
            errors[field_name(priority, "response_hours")] = _("The first answer cannot come after the resolution.")
        clean[priority] = (response, resolution)
    if errors:
        raise ValidationError(errors)
    return clean


def service_levels_save(*, scope: Scope, rows: Iterable[Mapping[str, Any]]) -> list[sla.Level]:
    """Set the promise of the priorities given (``priority``, ``response_hours``, ``resolution_hours``, in working
    hours); the others keep theirs. Tickets already open keep the dues they were given."""
    scope.require_role(*ADMIN_ROLES)
    clean = _clean(rows)
    with transaction.atomic():
        # The organisation's row first: two admins saving at once are served one after the other.
        Organisation.objects.select_for_update().get(pk=scope.organisation.pk)
        kept = {level.priority: level for level in ServiceLevel.objects.visible_to(scope)}
        before = {p: [level.response_hours, level.resolution_hours] for p, level in kept.items()}
        for priority, (response, resolution) in clean.items():
            level = kept.get(priority)
            if level is None:
                ServiceLevel.objects.create(
                    organisation=scope.organisation,
                    priority=priority,
                    response_hours=response,
                    resolution_hours=resolution,
                )
            elif (level.response_hours, level.resolution_hours) != (response, resolution):
                level.response_hours, level.resolution_hours = response, resolution
                level.save(update_fields=list(FIELDS))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=scope.organisation,
            action=SAVED,
            data={"before": before, "after": {p: list(hours) for p, hours in clean.items()}},
        )
    return sla.levels_for(scope)
