"""The final verification (SYS "verifica intervento finale"): an admin checks a done work order or a resolved call
before it is billed — its hours, parts, expenses and call time, what a contract covers — corrects a line with a
reason and marks it verified. The verified lines are what invoicing bills (billable and not covered); the signed
work report and the recorded hours, materials and charges stay as they were."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldbox.service.models.desk import ORGANISATION, OwnedQuerySet, Ticket
from fieldbox.service.models.work import WorkOrder, WorkType

USER = settings.AUTH_USER_MODEL


class VerifiedLineKind(models.TextChoices):
    """What a verified line bills."""

    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    EXPENSE = "expense", pgettext_lazy("verified line", "Expense")
    CALL_TIME = "call_time", _("Call time")
    VISIT = "visit", _("Visit")


class Verification(models.Model):
    """One work order or one call, verified once by an admin (the row is the call's "verified" state)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("call"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The contract that covered the equipment (the first day's), if any.
    contract = models.ForeignKey(
        "service.Contract",
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        USER, verbose_name=_("verified by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified on"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        constraints = [
            models.UniqueConstraint(fields=["work_order"], name="verification_work_order_once"),
            models.UniqueConstraint(fields=["ticket"], name="verification_ticket_once"),
            models.CheckConstraint(
                condition=Q(work_order__isnull=False, ticket__isnull=True)
                | Q(work_order__isnull=True, ticket__isnull=False),
                name="verification_work_order_or_call",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "customer", "-id"], name="verification_customer")]

    def __str__(self) -> str:
        return f"{self.work_order_id or self.ticket_id}@{self.verified_at:%Y-%m-%d}"


class VerifiedLine(models.Model):
    """One line as verified: from a recorded time entry, material, expense or call charge (``source_kind``,
    ``source_id``), or added by the admin. ``recorded`` keeps what was recorded when the admin changed it, and
    ``reason`` says why. A dropped line stays, not billable, with its reason."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    verification = models.ForeignKey(Verification, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("kind"), max_length=10, choices=VerifiedLineKind.choices)
    description = models.CharField(_("description"), max_length=255)
    work_type = models.ForeignKey(
        WorkType, verbose_name=_("type of work"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    item_code = models.CharField(_("item code"), max_length=40, blank=True)
    day = models.DateField(_("day"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    # The price recorded with it (an expense's amount, a call charge's unit price); empty: the price list's.
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, null=True, blank=True)
    covered = models.BooleanField(_("covered by the contract"), default=False)
    billable = models.BooleanField(_("billable"), default=True)
    dropped = models.BooleanField(_("dropped"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    recorded = models.JSONField(_("as recorded"), default=dict, blank=True)
    source_kind = models.CharField(_("recorded as"), max_length=20, blank=True)
    source_id = models.PositiveBigIntegerField(_("recorded line"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("verified line")
        verbose_name_plural = _("verified lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="verifiedline_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0), name="verifiedline_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["verification", "source_kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="verifiedline_source_once",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "billable", "covered"], name="verifiedline_to_bill")]

    def __str__(self) -> str:
        return self.description
