"""Maintenance contracts (Appsistance "gestione contratti"): what a customer's contract covers (equipment, and in
which months work on each piece is planned), for how long, how it renews, and its billing terms."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import PORTAL
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ContractStatus, FeePeriod, Renewal
from fieldbox.service.models.desk import ORGANISATION, Contact, Equipment, OwnedQuerySet
from fieldbox.service.models.work import WorkType


class ContractQuerySet(OwnedQuerySet):
    def visible_to(self, scope: Scope) -> ContractQuerySet:
        """The organisation's contracts; a portal contact's, only their own customer's."""
        qs = self.filter(organisation=scope.organisation)
        if scope.role in PORTAL:
            qs = qs.filter(customer__in=Contact.objects.filter(user=scope.user).values("customer_id"))
        return qs


class Contract(models.Model):
    """A customer's maintenance contract. A draft changes freely; once active it never changes: at its end an
    automatic renewal makes the next contract (``renews`` points back to this one), which stays as it was."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("number"), max_length=16)  # "C0000042", from the organisation's series
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    notice_days = models.PositiveIntegerField(_("notice period in days"), default=30)
    # The notice deadline, ends_on - notice_days, kept with the dates (set by the services) so a list can filter it.
    notice_by = models.DateField(_("notice deadline"))
    renewal = models.CharField(_("renewal"), max_length=16, choices=Renewal.choices, default=Renewal.AUTOMATIC)
    renewal_months = models.PositiveIntegerField(_("renewed for months"), default=12)
    fee = models.DecimalField(
        _("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    fee_period = models.CharField(_("fee period"), max_length=16, choices=FeePeriod.choices, default=FeePeriod.YEAR)
    included_minutes = models.PositiveIntegerField(_("included minutes of work"), default=0)
    included_visits = models.PositiveIntegerField(_("included visits"), default=0)
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    notes = models.TextField(_("notes"), blank=True)
    # Why the office ended it early (terminated).
    end_reason = models.CharField(_("reason for termination"), max_length=500, blank=True)
    # The last day it covers when terminated early (empty: its end).
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed on"), auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="contract_number_once"),
            models.UniqueConstraint(fields=["renews"], name="contract_renewed_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="contract_ends_after_start"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="contract_fee_not_negative"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"], name="contract_status"),
            models.Index(fields=["organisation", "ends_on"], name="contract_ends"),
            models.Index(fields=["status", "notice_by"], name="contract_notice"),
            models.Index(fields=["customer", "starts_on"], name="contract_customer"),
        ]

    def __str__(self) -> str:
        return self.number


class ContractEquipment(models.Model):
    """A piece of equipment a contract covers, with the months (1 to 12) in which its maintenance is planned."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines")
    equipment = models.ForeignKey(Equipment, verbose_name=_("equipment"), on_delete=models.PROTECT, related_name="+")
    # The service periods: months of the year, "1,4,7,10" (empty: none planned, covered on call only).
    months = models.CharField(_("service months"), max_length=40, blank=True)
    work_type = models.ForeignKey(
        WorkType, verbose_name=_("type of work"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("covered equipment")
        verbose_name_plural = _("covered equipment")
        constraints = [
            models.UniqueConstraint(fields=["contract", "equipment"], name="contract_equipment_once"),
        ]
        indexes = [models.Index(fields=["equipment", "contract"], name="contract_equipment_by")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.equipment_id}"

    @property
    def month_numbers(self) -> list[int]:
        return [int(m) for m in self.months.split(",") if m.strip()]


class ContractNotice(models.Model):
    """An announcement to the office that a contract's notice deadline is near, made once per contract and number
    of days before it (30, 7): the row is the idempotency of the daily run."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="notices")
    days = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract", "days"], name="contract_notice_once")]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.days}"
