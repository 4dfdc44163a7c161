"""Items and what they cost and sell for (Appsistance "anagrafica prodotti", SYS "tariffario"): items with their
physical, supply and stock data, photos and barcodes; suppliers; price lists with prices per item and labour
rates per type of work, each valid from/to; the price list a customer buys at."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import (
    PRICE_DIGITS,
    PRICE_PLACES,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    BarcodeKind,
    ItemKind,
    Unit,
)
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

USER = settings.AUTH_USER_MODEL


def price_field(label: StrOrPromise, **kw: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kw)  # type: ignore[arg-type]


def quantity_field(label: StrOrPromise, **kw: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, **kw)  # type: ignore[arg-type]


class Supplier(models.Model):
    """Who an organisation buys from."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    lead_days = models.PositiveIntegerField(_("usual delivery in days"), default=7)
    active = models.BooleanField(_("active"), default=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="supplier_name_once")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A part, a consumable, a service or labour an organisation sells, fits or keeps in stock. A telematics
    product of the registry is an item through ``product`` (linked, never copied)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    description = models.CharField(_("description"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices, default=ItemKind.PART)
    unit = models.CharField(_("unit of measure"), max_length=6, choices=Unit.choices, default=Unit.PIECE)
    product = models.ForeignKey(
        "fleet.Product",
        verbose_name=_("telematics product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Physical data.
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=10, decimal_places=3, null=True, blank=True)
    length_cm = models.DecimalField(_("length (cm)"), max_digits=8, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=8, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=8, decimal_places=1, null=True, blank=True)
    # Supply data: the usual supplier (the others in ``suppliers``), the last cost paid.
    lead_days = models.PositiveIntegerField(_("lead time in days"), null=True, blank=True)
    last_cost = price_field(_("last cost"), null=True, blank=True)
    # Stock data.
    tracked = models.BooleanField(_("kept in stock"), default=True)
    serialised = models.BooleanField(_("tracked by serial number"), default=False)
    reorder_level = quantity_field(_("reorder level"), null=True, blank=True)
    barcode = models.CharField(_("barcode"), max_length=48, blank=True)
    barcode_kind = models.CharField(_("barcode type"), max_length=8, choices=BarcodeKind.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="item_code_once"),
            models.UniqueConstraint(
                fields=["organisation", "product"], condition=Q(product__isnull=False), name="item_product_once"
            ),
            models.CheckConstraint(condition=Q(last_cost__gte=0) | Q(last_cost__isnull=True), name="item_cost_ok"),
            models.CheckConstraint(condition=Q(serialised=False) | Q(tracked=True), name="item_serial_tracked"),
        ]
        indexes = [models.Index(fields=["organisation", "barcode"], name="item_barcode")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class ItemSupplier(models.Model):
    """A supplier of an item, with its own code for it, its lead time and the last cost it charged."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="suppliers")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="items")
    supplier_code = models.CharField(_("supplier's code"), max_length=40, blank=True)
    lead_days = models.PositiveIntegerField(_("lead time in days"), null=True, blank=True)
    last_cost = price_field(_("last cost"), null=True, blank=True)
    preferred = models.BooleanField(_("preferred"), default=False)

    class Meta:
        verbose_name = _("supplier of an item")
        verbose_name_plural = _("suppliers of items")
        constraints = [
            models.UniqueConstraint(fields=["item", "supplier"], name="itemsupplier_once"),
            models.UniqueConstraint(fields=["item"], condition=Q(preferred=True), name="itemsupplier_one_preferred"),
        ]

    def __str__(self) -> str:
        return self.supplier_code or str(self.supplier_id)


class ItemPhoto(models.Model):
    """A photo of an item (checked by ``core.images`` like every photo)."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to="items/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("added on"), default=timezone.now)

    class Meta:
        verbose_name = _("item photo")
        verbose_name_plural = _("item photos")

    def __str__(self) -> str:
        return self.name


class PriceList(models.Model):
    """A list of prices ("listino pubblico", "rivenditori", "contratto"): one per organisation is the default."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default list"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="pricelist_name_once"),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_default=True), name="pricelist_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    """An item's price on a list, valid from a day (and until one, or open-ended). Two prices of the same item on
    the same list never cover the same day (``commerce.pricing`` checks it; PostgreSQL also refuses it)."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="prices")
    price = price_field(_("unit price (€)"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="price_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="price_dates_in_order"
            ),
            models.UniqueConstraint(fields=["price_list", "item", "valid_from"], name="price_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.price}"


class LabourRate(models.Model):
    """The hourly rate of a type of work on a list (or of any work, without a type), valid from/to."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="labour_rates")
    work_type = models.ForeignKey(
        "service.WorkType", verbose_name=_("type of work"), on_delete=models.CASCADE, null=True, blank=True
    )
    hourly_rate = price_field(_("hourly rate (€)"))
    call_out_fee = price_field(_("call-out fee (€)"), default=Decimal(0))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("labour rate")
        verbose_name_plural = _("labour rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0) & Q(call_out_fee__gte=0), name="labourrate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="labourrate_dates_ok"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hourly_rate}/h"


class CustomerTerms(models.Model):
    """What a customer buys at: its price list and its usual payment (one row per customer that has them; the
    organisation's default list otherwise)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.OneToOneField("fleet.Customer", on_delete=models.CASCADE, related_name="+")
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, null=True, blank=True
    )
    payment = models.CharField(_("payment"), max_length=16, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer's terms")
        verbose_name_plural = _("customers' terms")

    def __str__(self) -> str:
        return str(self.customer_id)


class CommerceSettings(models.Model):
    """An organisation's rules of sales and stock."""

    organisation = models.OneToOneField(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    negative_stock = models.BooleanField(
        _("allow stock below zero"),
        default=False,
        help_text=_("When off, a move that would take a warehouse or a van below zero is refused."),
    )
    quote_valid_days = models.PositiveIntegerField(_("quotes valid for (days)"), default=30)
    offer_valid_days = models.PositiveIntegerField(_("offers valid for (days)"), default=30)
    series = models.CharField(
        _("document series"), max_length=8, blank=True, help_text=_("Empty, or a short mark such as “A”.")
    )

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales and stock settings")
        verbose_name_plural = _("sales and stock settings")

    def __str__(self) -> str:
        return str(self.organisation_id)
