"""Delivery notes (DDT, "documento di trasporto") to a customer: numbered per year with no gap when issued, and
never changed afterwards."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import DeliveryNoteStatus, Transport, TransportReason
from fieldbox.commerce.models.catalogue import Item, quantity_field
from fieldbox.commerce.models.sales import Offer
from fieldbox.commerce.models.stock import StockLocation
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


class DeliveryNote(models.Model):
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=24, blank=True)  # given when issued
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryNoteStatus.choices, default=DeliveryNoteStatus.DRAFT
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+"
    )
    destination = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(
        _("reason for transport"), max_length=10, choices=TransportReason.choices, default=TransportReason.SALE
    )
    transport = models.CharField(_("transport by"), max_length=10, choices=Transport.choices, default=Transport.SENDER)
    carrier = models.CharField(_("carrier"), max_length=120, blank=True)
    packages = models.PositiveIntegerField(_("packages"), default=1)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True)
    appearance = models.CharField(_("appearance of the goods"), max_length=60, blank=True)
    # Where the goods leave from: the stock moves it makes when issued (none when its lines already left a van
    # with a signed report).
    source = models.ForeignKey(
        StockLocation, verbose_name=_("shipped from"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="delivery_notes"
    )
    notes = models.TextField(_("notes"), blank=True)
    # The sender, recipient and destination as they were when the note was issued (the PDF shows these).
    parties = models.JSONField(_("parties"), default=dict, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=500, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    invoiced_at = models.DateTimeField(_("invoiced on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery note")
        verbose_name_plural = _("delivery notes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], condition=~Q(number=""), name="deliverynote_number_once"
            ),
            models.CheckConstraint(
                condition=Q(status=DeliveryNoteStatus.DRAFT) | ~Q(number=""), name="deliverynote_issued_numbered"
            ),
        ]

    def __str__(self) -> str:
        return self.number or str(_("draft"))


class DeliveryNoteLine(models.Model):
    note = models.ForeignKey(DeliveryNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = quantity_field(_("quantity"), default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=6, default="pc")
    serial = models.CharField(_("serial number"), max_length=64, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="deliverynoteline_quantity_positive")]

    def __str__(self) -> str:
        return self.description
