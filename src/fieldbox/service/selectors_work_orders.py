"""Reads of the office's work-order pages and of the API: the list with its filters, one work order with its
people (each one's answer), resources, materials and history, and the organisation's resources and types of work.
Each read is scoped by the model's ``visible_to``: another organisation's work order answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.accounts.choices import DESK, WORK_DOERS
from fieldbox.core import clock
from fieldbox.core.models import AuditEvent
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import WAITING_START, MaterialUse
from fieldbox.service.models import Booking, Material, Resource, Team, WorkOrder, WorkType

HISTORY_LIMIT = 200
# Who reads the work orders: the desk, the office, the technicians (and an installer company's installers).
WORK_READERS = tuple(sorted(DESK | WORK_DOERS))


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; ``None`` leaves a filter out."""

    status: str | None = None
    technician_id: int | None = None
    customer_id: int | None = None
    day: date | None = None


def work_orders_for(scope: Scope) -> QuerySet[WorkOrder]:
    return WorkOrder.objects.visible_to(scope).select_related(
        "customer", "site", "equipment", "work_type", "technician", "ticket", "follows"
    )


def work_orders_filtered(scope: Scope, filters: Filters) -> QuerySet[WorkOrder]:
    """The organisation's work orders narrowed to a status, a person (lead or helper), a customer, a day (its
    planned start on the organisation's clock)."""
    qs = work_orders_for(scope)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.technician_id:
        helper = Booking.objects.filter(user_id=filters.technician_id).values("work_order_id")
        qs = qs.filter(Q(technician_id=filters.technician_id) | Q(pk__in=helper))
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.day:
        tz = scope.organisation.time_zone
        qs = qs.filter(
            starts_at__gte=clock.start_of_day(filters.day, tz), starts_at__lt=clock.day_after(filters.day, tz)
        )
    return qs


def late_to_start_q(now: datetime) -> Q:
    """The work orders at risk: planned (sent, accepted) for a start that has passed, and not started."""
    return Q(status__in=WAITING_START, starts_at__lt=now)


def work_order_for(scope: Scope, pk: int) -> WorkOrder:
    found = work_orders_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def people_of(order: WorkOrder) -> list[Booking]:
    """The work order's people, the lead first, each with their answer."""
    rows = list(Booking.objects.filter(work_order=order, user__isnull=False).select_related("user"))
    return sorted(rows, key=lambda b: (b.user_id != order.technician_id, str(b.user)))


def resources_of(order: WorkOrder) -> list[Resource]:
    ids = Booking.objects.filter(work_order=order, resource__isnull=False).values("resource_id")
    return list(Resource.objects.filter(pk__in=ids).order_by("name"))


def helper_ids_of(order: WorkOrder) -> list[int]:
    rows = Booking.objects.filter(work_order=order, user__isnull=False).exclude(user_id=order.technician_id)
    return list(rows.values_list("user_id", flat=True))


def resource_ids_of(order: WorkOrder) -> list[int]:
    return list(Booking.objects.filter(work_order=order, resource__isnull=False).values_list("resource_id", flat=True))


def materials_of(order: WorkOrder, use: str | None = MaterialUse.TO_BRING) -> list[Material]:
    qs = Material.objects.filter(work_order=order)
    if use:
        qs = qs.filter(use=use)
    return list(qs.order_by("pk"))


def material_for(scope: Scope, pk: int) -> Material:
    found = Material.objects.visible_to(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def history_of(order: WorkOrder) -> list[AuditEvent]:
    """The work order's changes, first to last (its own organisation's log only)."""
    return list(
        AuditEvent.objects.filter(
            object_type=WorkOrder._meta.label_lower, object_id=str(order.pk), organisation_id=order.organisation_id
        )
        .select_related("actor")
        .order_by("at", "id")[:HISTORY_LIMIT]
    )


def resources_for(scope: Scope, *, active_only: bool = False) -> QuerySet[Resource]:
    qs = Resource.objects.visible_to(scope)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("-active", "name", "pk")


def resource_for(scope: Scope, pk: int) -> Resource:
    found = Resource.objects.visible_to(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def work_types_for(scope: Scope, *, active_only: bool = False) -> QuerySet[WorkType]:
    qs = WorkType.objects.visible_to(scope)
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("-active", "name", "pk")


def work_type_for(scope: Scope, pk: int) -> WorkType:
    found = WorkType.objects.visible_to(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def team_for(scope: Scope, pk: int) -> Team:
    found = Team.objects.visible_to(scope).prefetch_related("members").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def choices(rows: Any) -> list[tuple[int, str]]:
    return [(r.pk, str(r)) for r in rows]
