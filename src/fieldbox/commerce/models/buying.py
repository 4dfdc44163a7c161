"""Buying (GESTIONE MAGAZZINO): supplier orders, the goods received against them with the supplier's delivery
note (DDT), in one or more deliveries, at a provisional cost that the month-end check against the supplier's
invoice fixes, the difference recorded beside it (never by editing the receipt or its stock move)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import PurchaseStatus
from fieldbox.commerce.models.catalogue import Item, Supplier, price_field, quantity_field
from fieldbox.commerce.models.stock import StockLocation, StockMove
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


class PurchaseOrder(models.Model):
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=24)
    status = models.CharField(_("status"), max_length=12, choices=PurchaseStatus.choices, default=PurchaseStatus.DRAFT)
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders")
    location = models.ForeignKey(
        StockLocation, verbose_name=_("deliver to"), on_delete=models.PROTECT, related_name="+"
    )
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    sent_at = models.DateTimeField(_("ordered on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier order")
        verbose_name_plural = _("supplier orders")
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="purchase_number_once")]

    def __str__(self) -> str:
        return self.number


class PurchaseLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field(_("quantity ordered"))
    received = quantity_field(_("quantity received"), default=Decimal(0))
    unit_cost = price_field(_("unit cost (€)"))

    class Meta:
        verbose_name = _("supplier order line")
        verbose_name_plural = _("supplier order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="purchaseline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received__gte=0) & Q(received__lte=F("quantity")), name="purchaseline_not_over_received"
            ),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="purchaseline_cost_ok"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} x {self.quantity}"


class Receipt(models.Model):
    """One delivery from a supplier, with the number and date of its delivery note."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    supplier_ddt = models.CharField(_("supplier's delivery note number"), max_length=40)
    supplier_ddt_date = models.DateField(_("delivery note date"))
    received_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(_("received on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("goods received")
        verbose_name_plural = _("goods received")

    def __str__(self) -> str:
        return self.supplier_ddt


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(PurchaseLine, on_delete=models.PROTECT, related_name="receipts")
    quantity = quantity_field(_("quantity received"))
    unit_cost = price_field(_("provisional unit cost (€)"))
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="receiptline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.order_line_id} x {self.quantity}"


class CostCheck(models.Model):
    """The month-end check of received goods against a supplier's invoice: it fixes their cost."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+")
    invoice_number = models.CharField(_("supplier's invoice number"), max_length=40)
    invoice_date = models.DateField(_("invoice date"))
    checked_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField(_("checked on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cost check")
        verbose_name_plural = _("cost checks")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "supplier", "invoice_number"], name="costcheck_invoice_once"
            )
        ]

    def __str__(self) -> str:
        return self.invoice_number


class CostCheckLine(models.Model):
    """A received line's final cost from the invoice, and the difference from its provisional cost."""

    check_run = models.ForeignKey(CostCheck, on_delete=models.CASCADE, related_name="lines")
    receipt_line = models.OneToOneField(ReceiptLine, on_delete=models.PROTECT, related_name="cost_check")
    provisional_cost = price_field(_("provisional unit cost (€)"))
    final_cost = price_field(_("invoiced unit cost (€)"))
    difference = models.DecimalField(_("difference (€)"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(final_cost__gte=0), name="costcheckline_cost_ok")]

    def __str__(self) -> str:
        return f"{self.receipt_line_id}: {self.final_cost}"
