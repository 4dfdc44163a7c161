"""Maintenance plans (Appsistance "programmazione"): month by month, which of a customer's equipment gets which type
of work (with its checklists); from a plan, the work orders due in a month are generated for one customer, several
or all, each plan line and date once only (``PlanVisit``, unique on both)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.service.models.contracts import Contract
from fieldbox.service.models.desk import ORGANISATION, Equipment, OwnedQuerySet
from fieldbox.service.models.work import WorkOrder, WorkType


class MaintenancePlan(models.Model):
    """One customer's maintenance plan for a year, optionally the plan of one of their contracts. Only an active
    plan generates work orders."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        indexes = [
            models.Index(fields=["organisation", "year", "active"], name="plan_org_year"),
            models.Index(fields=["customer", "year"], name="plan_customer_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class PlanLine(models.Model):
    """One piece of the customer's equipment in a plan: the type of work it gets (whose checklists its work orders
    are filled in with) in the months "1,4,7,10"."""

    plan = models.ForeignKey(MaintenancePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="lines")
    # Equipment removed from the customer's records leaves the plan with it (its work orders stay).
    equipment = models.ForeignKey(Equipment, verbose_name=_("equipment"), on_delete=models.CASCADE, related_name="+")
    work_type = models.ForeignKey(
        WorkType, verbose_name=_("type of work"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The months of the year the work is due, "1,4,7,10" (1 to 12, ascending, each once).
    months = models.CharField(_("months"), max_length=40)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    class Meta:
        verbose_name = _("plan line")
        verbose_name_plural = _("plan lines")
        indexes = [models.Index(fields=["plan", "equipment"], name="planline_plan")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.equipment_id} [{self.months}]"

    @property
    def month_numbers(self) -> list[int]:
        return [int(m) for m in self.months.split(",") if m.strip()]


class PlanVisit(models.Model):
    """A plan line's work due on a date, and the work order generated for it. Inserted before the work order, under
    the unique constraint: a line never generates twice for the same date, by hand, by the scheduler or twice at
    once. A work order removed later leaves the visit (it is not generated again)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(PlanLine, verbose_name=_("plan line"), on_delete=models.CASCADE, related_name="visits")
    due_on = models.DateField(_("due on"))
    work_order = models.OneToOneField(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_visit",
    )
    created_at = models.DateTimeField(_("generated on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("planned visit")
        verbose_name_plural = _("planned visits")
        constraints = [models.UniqueConstraint(fields=["line", "due_on"], name="planvisit_line_date_once")]
        indexes = [models.Index(fields=["organisation", "due_on"], name="planvisit_org_due")]

    def __str__(self) -> str:
        return f"{self.line_id}@{self.due_on}"
