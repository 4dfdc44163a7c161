"""Quotes raised from a technician's finding (PREVENTIVAZIONE INTERVENTI) and spare-parts offers that become
orders (SYS "Ordini/Offerte"), each with its lines. Amounts are computed from the lines with ``core.money``."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import (
    DeliveryTerms,
    LineKind,
    OfferStatus,
    PaymentType,
    QuoteStatus,
    Transport,
    VatTreatment,
)
from fieldbox.commerce.models.catalogue import Item, PriceList, price_field, quantity_field
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


class Quote(models.Model):
    """A quote for work at a customer: raised by a technician's finding on a work order or a call (the parts and
    work needed), priced by the office from a price list, accepted or refused by the customer by its link."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("number"), max_length=24)
    status = models.CharField(_("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "service.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("call"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finding = models.TextField(_("technician's finding"), blank=True)
    requested_by = models.ForeignKey(
        USER, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    vat = models.CharField(_("VAT"), max_length=4, choices=VatTreatment.choices, default=VatTreatment.STANDARD)
    notes = models.TextField(_("notes for the customer"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    answer_note = models.TextField(_("customer's note"), blank=True)
    # What it became: the work order its lines were added to, or the new one.
    converted_to = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("converted into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="quote_number_once")]
        indexes = [models.Index(fields=["organisation", "status", "-created_at"], name="quote_list")]

    def __str__(self) -> str:
        return self.number


class QuoteLine(models.Model):
    """A part, some labour or anything else a quote lists: the technician names it, the office prices it."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=LineKind.choices, default=LineKind.PART)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = quantity_field(_("quantity"), default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=6, default="pc")
    unit_price = price_field(_("unit price (€)"), null=True, blank=True)
    discount = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quoteline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) | Q(unit_price__isnull=True), name="quoteline_price_ok"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0) & Q(discount__lte=100), name="quoteline_discount_ok"),
        ]

    def __str__(self) -> str:
        return self.description


class Offer(models.Model):
    """A spare-parts offer to a customer, and the order it becomes once accepted (same number, same history)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(_("offer/order number"), max_length=24)
    status = models.CharField(_("status"), max_length=12, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        "service.Contact", verbose_name=_("contact"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    equipment = models.ForeignKey(
        "service.Equipment",
        verbose_name=_("for the serial"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    billing_customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("billed to"), on_delete=models.PROTECT, related_name="+"
    )
    billing_site = models.ForeignKey(
        "fleet.CustomerAddress",
        verbose_name=_("billing site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    billing_contact = models.ForeignKey(
        "service.Contact",
        verbose_name=_("billing contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    ticket = models.ForeignKey(
        "service.Ticket", verbose_name=_("call"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    delivery_days = models.PositiveIntegerField(_("delivery (days from the order)"), default=7)
    payment = models.CharField(
        _("payment"), max_length=16, choices=PaymentType.choices, default=PaymentType.BANK_TRANSFER
    )
    vat = models.CharField(_("VAT"), max_length=4, choices=VatTreatment.choices, default=VatTreatment.STANDARD)
    delivery_terms = models.CharField(
        _("delivery terms"), max_length=16, choices=DeliveryTerms.choices, default=DeliveryTerms.DELIVERED
    )
    transport = models.CharField(
        _("transport"), max_length=10, choices=Transport.choices, default=Transport.OUR_CARRIER
    )
    packing_included = models.BooleanField(_("packing included"), default=True)
    show_prices = models.BooleanField(_("show prices on the offer"), default=True)
    notes = models.TextField(_("notes for the customer"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent on"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("ordered on"), null=True, blank=True)
    customer_reference = models.CharField(_("customer's order reference"), max_length=60, blank=True)
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    answer_note = models.TextField(_("customer's note"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="offer_number_once")]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="offer_list"),
            models.Index(fields=["organisation", "status", "valid_until"], name="offer_expiry"),
        ]

    def __str__(self) -> str:
        return self.number


class OfferLine(models.Model):
    """An item in an offer's cart, with its quantity and price."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = quantity_field(_("quantity"), default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=6, default="pc")
    unit_price = price_field(_("unit price (€)"), default=Decimal(0))
    discount = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=Decimal(0))

    class Meta:
        verbose_name = _("offer line")
        verbose_name_plural = _("offer lines")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="offerline_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="offerline_price_ok"),
            models.CheckConstraint(condition=Q(discount__gte=0) & Q(discount__lte=100), name="offerline_discount_ok"),
        ]

    def __str__(self) -> str:
        return self.description
