"""Hours (SYS "consuntivazione ore", Appsistance "rendiconto ore"): a person enters and corrects their own time
entries; an admin anyone's, and a correction of someone else's says why. The rules of an entry itself (it ends
after it starts, lasts at most a day, overlaps nothing of the same person) live in ``services.hours.record_entry``
and only there; here: who may, on what, and the audit row of each write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.selectors import members_for
from fieldbox.core import audit, clock
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import TimeKind
from fieldbox.service.models import Ticket, TimeEntry, WorkOrder
from fieldbox.service.selectors_hours import HOURS_PEOPLE, entries_for, sees_everyone
from fieldbox.service.services.hours import record_entry

NOTE_LIMIT = 500
REASON_LIMIT = 500
# What a change may touch (the person and the organisation stay).
CHANGEABLE = ("starts_at", "ends_at", "kind", "work_order_id", "ticket_id", "billable", "note")

audit.label_actions(
    {
        "time_entry.add": gettext_lazy("Hours entered"),
        "time_entry.change": gettext_lazy("Hours corrected"),
        "time_entry.delete": gettext_lazy("Hours deleted"),
    }
)


def _text(value: str | None, field: str, limit: int) -> str:
    words = " ".join((value or "").split())
    if len(words) > limit:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": limit}})
    return words


def _reason(scope: Scope, person_id: int, reason: str | None, *, from_report: bool = False) -> str:
    """Someone else's hours are an admin's to correct, with a reason; so are the hours of a signed report."""
    words = _text(reason, "reason", REASON_LIMIT)
    if person_id == scope.user.pk and not from_report:
        return words
    if not sees_everyone(scope):
        raise PermissionDenied
    if not words:
        if from_report:
            raise ValidationError({"reason": _("These hours come from a signed work report: say why they change.")})
        raise ValidationError({"reason": _("Say why you change someone else's hours.")})
    return words


def _person(scope: Scope, user_id: int | None) -> int:
    """Whose hours: one's own, or (an admin) those of a person of the organisation who keeps hours."""
    person = user_id or scope.user.pk
    if person == scope.user.pk:
        return person
    if not sees_everyone(scope):
        raise PermissionDenied
    if not members_for(scope).filter(user_id=person, role__in=HOURS_PEOPLE, user__is_active=True).exists():
        raise ValidationError({"user_id": _("Choose a person of your organisation.")})
    return person


def _links(scope: Scope, work_order_id: int | None, ticket_id: int | None) -> dict[str, Any]:
    """The work order and the call the hours are on, both the organisation's and belonging together; a work
    order's call is the call of its hours."""
    order = None
    if work_order_id:
        order = WorkOrder.objects.visible_to(scope).filter(pk=work_order_id).first()
        if order is None:
            raise ValidationError({"work_order_id": _("Choose one of your work orders.")})
    ticket = None
    if ticket_id:
        ticket = Ticket.objects.visible_to(scope).filter(pk=ticket_id).first()
        if ticket is None:
            raise ValidationError({"ticket_id": _("Choose one of your calls.")})
    if order is not None and order.ticket_id:
        if ticket is not None and ticket.pk != order.ticket_id:
            raise ValidationError({"ticket_id": _("This work order belongs to another call.")})
        ticket_id = order.ticket_id
    return {"work_order_id": order.pk if order else None, "ticket_id": ticket.pk if ticket else ticket_id or None}


def _kind(kind: str | None) -> str:
    if kind not in TimeKind.values:
        raise ValidationError({"kind": _("Choose what the time was spent on.")})
    return str(kind)


def _facts(entry: TimeEntry, tz: str) -> dict[str, Any]:
    """What an entry says, for the audit row."""
    return {
        "user": entry.user_id,
        "day": entry.day.isoformat(),
        "from": clock.local(entry.starts_at, tz).strftime(clock.DATETIME_LOCAL),
        "to": clock.local(entry.ends_at, tz).strftime(clock.DATETIME_LOCAL),
        "minutes": entry.minutes,
        "kind": entry.kind,
        "work_order": entry.work_order_id,
        "ticket": entry.ticket_id,
        "billable": entry.billable,
        "note": entry.note,
    }


def entry_add(
    *,
    scope: Scope,
    starts_at: datetime | None,
    ends_at: datetime | None,
    kind: str = TimeKind.WORK,
    user_id: int | None = None,
    work_order_id: int | None = None,
    ticket_id: int | None = None,
    billable: bool = True,
    note: str = "",
    reason: str = "",
) -> TimeEntry:
    """Enter hours: one's own, or (an admin, with a reason) someone else's."""
    scope.require_role(*HOURS_PEOPLE)
    person = _person(scope, user_id)
    why = _reason(scope, person, reason)
    fields = {
        **_links(scope, work_order_id, ticket_id),
        "billable": bool(billable),
        "note": _text(note, "note", NOTE_LIMIT),
    }
    with transaction.atomic(), timezone.override(scope.organisation.time_zone):  # messages on the org's clock
        entry = record_entry(
            organisation=scope.organisation,
            user_id=person,
            starts_at=starts_at,  # type: ignore[arg-type]
            ends_at=ends_at,  # type: ignore[arg-type]
            kind=_kind(kind),
            actor=scope.user,
            **fields,
        )
        tz = scope.organisation.time_zone
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=entry,
            action="time_entry.add",
            reason=why,
            data={"entry": _facts(entry, tz)},
        )
    return entry


def _locked(scope: Scope, entry_id: int) -> TimeEntry:
    """The entry, locked; one that ``scope`` may not see does not exist."""
    return entries_for(scope).select_for_update().get(pk=entry_id)


def entry_change(*, scope: Scope, entry_id: int, reason: str = "", **changes: Any) -> TimeEntry:
    """Correct an entry: one's own, or (an admin, with a reason) someone else's or a signed report's. ``changes``:
    any of starts_at, ends_at, kind, work_order_id, ticket_id, billable, note; the others stay."""
    scope.require_role(*HOURS_PEOPLE)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("This field cannot be changed.")})
    with transaction.atomic(), timezone.override(scope.organisation.time_zone):
        entry = _locked(scope, entry_id)
        why = _reason(scope, entry.user_id, reason, from_report=entry.report_id is not None)
        tz = scope.organisation.time_zone
        before = _facts(entry, tz)
        values = {name: getattr(entry, name) for name in CHANGEABLE}
        values.update(changes)
        work_order_id, ticket_id = values.pop("work_order_id"), values.pop("ticket_id")
        if "work_order_id" in changes and "ticket_id" not in changes and entry.work_order_id:
            ticket_id = None  # the call came with the work order it leaves
        links = _links(scope, work_order_id, ticket_id)
        starts_at, ends_at = values.pop("starts_at"), values.pop("ends_at")
        entry = record_entry(
            organisation=scope.organisation,
            user_id=entry.user_id,
            starts_at=starts_at,
            ends_at=ends_at,
            kind=_kind(values.pop("kind")),
            actor=scope.user,
            entry=entry,
            billable=bool(values["billable"]),
            note=_text(values["note"], "note", NOTE_LIMIT),
            **links,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=entry,
            action="time_entry.change",
            reason=why,
            data={"before": before, "after": _facts(entry, tz)},
        )
    return entry


def entry_delete(*, scope: Scope, entry_id: int, reason: str = "") -> None:
    """Delete an entry: one's own, or (an admin, with a reason) someone else's or a signed report's."""
    scope.require_role(*HOURS_PEOPLE)
    with transaction.atomic():
        entry = _locked(scope, entry_id)
        why = _reason(scope, entry.user_id, reason, from_report=entry.report_id is not None)
        event = audit.build(
            actor=scope.user,
            organisation=scope.organisation,
            obj=entry,
            action="time_entry.delete",
            reason=why,
            data={"before": _facts(entry, scope.organisation.time_zone)},
        )
        entry.delete()
        event.save()
