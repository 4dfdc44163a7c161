"""Work orders: what is planned where and with whom (types of work, resources, work orders, their checklists,
other activities, and the bookings that keep a person or a resource in one place at a time) and the materials to
bring or used. What was done there is in ``field``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import (
    WAITING_START,
    ActivityKind,
    Answer,
    MaterialUse,
    ResourceKind,
    WorkOrderStatus,
)
from fieldbox.service.models.desk import ORGANISATION, Equipment, OwnedQuerySet, Ticket

USER = settings.AUTH_USER_MODEL
# The states in the partial index, as plain strings (a migration's condition must not change with the labels).
WAITING_STATES = tuple(str(status.value) for status in WAITING_START)


class WorkType(models.Model):
    """A kind of work order an organisation carries out ("Manutenzione ordinaria", "Collaudo"), with its usual
    length and the checklists its technicians fill in."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    minutes = models.PositiveIntegerField(_("usual length in minutes"), default=60)
    active = models.BooleanField(_("active"), default=True)
    # The checklists its technicians fill in (the organisation's work-order checklists, ``jobs.Checklist``).
    checklists = models.ManyToManyField("jobs.Checklist", verbose_name=_("checklists"), blank=True, related_name="+")

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("type of work")
        verbose_name_plural = _("types of work")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="worktype_name_once")]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A van, a tool or an instrument booked with work orders (Appsistance "attrezzature"), shown in the calendar
    like a person."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=ResourceKind.choices, default=ResourceKind.VAN)
    code = models.CharField(_("code"), max_length=40, blank=True, help_text=_("A plate, a serial, an inventory code."))
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="resource_name_once")]

    def __str__(self) -> str:
        return self.name


class WorkOrderQuerySet(OwnedQuerySet):
    def assigned_to(self, scope: Scope) -> WorkOrderQuerySet:
        """The work orders a person is on (lead or helper)."""
        return self.filter(Q(technician=scope.user) | Q(assignments__user=scope.user)).distinct()


class WorkOrder(models.Model):
    """Planned work at a customer's site (SYS "intervento", Appsistance "ordine di lavoro"): a lead technician
    and helpers, resources, a day, a time and a length. From a call (a technician who could not finish leaves a
    follow-up on the same call), from a maintenance plan, or on its own."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="interventions",
    )
    number = models.CharField(_("number"), max_length=16)  # "I0000042"
    status = models.CharField(
        _("status"), max_length=16, choices=WorkOrderStatus.choices, default=WorkOrderStatus.TO_PLAN
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    equipment = models.ForeignKey(
        Equipment, verbose_name=_("equipment"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    work_type = models.ForeignKey(
        WorkType, verbose_name=_("type of work"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.TextField(_("work to do"))
    # The lead technician ("responsabile"); the helpers are the other people booked on it.
    technician = models.ForeignKey(
        USER,
        verbose_name=_("lead technician"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("planned start"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("planned length in minutes"), default=60)
    ends_at = models.DateTimeField(_("planned end"), null=True, blank=True)  # starts_at + minutes, for queries
    follows = models.ForeignKey(
        "self", verbose_name=_("follows"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)
    closed_at = models.DateTimeField(_("ended on"), null=True, blank=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="intervention_number_once"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="workorder_ends_after"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"], name="intervention_status"),
            models.Index(fields=["organisation", "starts_at"], name="workorder_start"),
            # /metrics: the work orders late to start, over every organisation (selectors_work_orders.late_to_start_q).
            models.Index(fields=["starts_at"], name="workorder_waiting_start", condition=Q(status__in=WAITING_STATES)),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderRun(models.Model):
    """A checklist filled in on a work order (``jobs.Run``, the one checklist mechanism): started from its type of
    work's checklists, kept with the questions as they were, and copied into the signed report."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checklist_runs")
    run = models.OneToOneField("jobs.Run", on_delete=models.CASCADE, related_name="work_order_link")

    class Meta:
        verbose_name = _("work order checklist")
        verbose_name_plural = _("work order checklists")

    def __str__(self) -> str:
        return f"{self.work_order_id}/{self.run_id}"


class Activity(models.Model):
    """Time a person (or a resource) is taken by something other than a work order: office, training, leave,
    upkeep of a van (SYS "planner attività"). It books its person like a work order does."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=ActivityKind.choices, default=ActivityKind.OFFICE)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after")]

    def __str__(self) -> str:
        return self.title or str(self.get_kind_display())


class Booking(models.Model):
    """One person or one resource on one work order or activity, for its time. While ``busy``, no other busy
    booking of the same person or resource may overlap it: a PostgreSQL exclusion constraint on the time range
    (migration 0006), the same check by the planning service on SQLite. An assignee's answer to a work order sent
    to them is kept here too."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="bookings")
    user = models.ForeignKey(
        USER, verbose_name=_("person"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, null=True, blank=True, related_name="bookings"
    )
    starts_at = models.DateTimeField(_("start"), null=True, blank=True)
    ends_at = models.DateTimeField(_("end"), null=True, blank=True)
    busy = models.BooleanField(_("holds the time"), default=False)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, resource__isnull=True) | Q(user__isnull=True, resource__isnull=False),
                name="booking_person_or_resource",
            ),
            models.CheckConstraint(
                condition=Q(work_order__isnull=False, activity__isnull=True)
                | Q(work_order__isnull=True, activity__isnull=False),
                name="booking_work_or_activity",
            ),
            models.CheckConstraint(
                condition=Q(busy=False) | Q(starts_at__isnull=False, ends_at__gt=F("starts_at")),
                name="booking_busy_has_time",
            ),
            models.UniqueConstraint(fields=["work_order", "user"], name="booking_person_once"),
            models.UniqueConstraint(fields=["work_order", "resource"], name="booking_resource_once"),
        ]
        indexes = [
            models.Index(fields=["organisation", "starts_at"], name="booking_org_start", condition=Q(busy=True)),
            models.Index(fields=["user", "starts_at"], name="booking_user_start"),
            models.Index(fields=["resource", "starts_at"], name="booking_resource_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id or self.resource_id}@{self.starts_at}"


class Material(models.Model):
    """What to bring to a work order, and what was used there or left with the customer to bill later
    (Appsistance "rendiconto materiali"). The commerce side prices these lines and takes them out of stock."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="materials")
    use = models.CharField(_("use"), max_length=10, choices=MaterialUse.choices, default=MaterialUse.TO_BRING)
    code = models.CharField(_("code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=10, default="pc")
    billable = models.BooleanField(_("billable"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("added on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="material_quantity_positive")]

    def __str__(self) -> str:
        return self.description
