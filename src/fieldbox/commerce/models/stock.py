"""The warehouse (GESTIONE MAGAZZINO): where stock is (warehouses, each technician's van, and the customer, the
supplier and the scrap it comes from or goes to), every movement as an append-only stock move, the balance of
each item at each location kept in step with the moves, and what was left with a customer waiting to be billed.

A move is never edited or deleted: a correction is a reverse move pointing to the one it cancels. The balances
are a sum of the moves, kept in the same transaction, and ``fieldbox stock-check`` proves they agree."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import LocationKind, MoveKind
from fieldbox.commerce.models.catalogue import Item, Supplier, price_field, quantity_field
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


class StockLocation(models.Model):
    """A place stock is in or passes through. A van belongs to its technician (``keeper``) and may be the van of
    the resource calendar; a customer's and a supplier's location are made the first time stock goes there."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices, default=LocationKind.WAREHOUSE)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, blank=True)
    keeper = models.ForeignKey(
        USER, verbose_name=_("technician"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resource = models.ForeignKey(
        "service.Resource", verbose_name=_("van"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind", "name"], name="location_name_once"),
            models.UniqueConstraint(
                fields=["organisation", "keeper"],
                condition=Q(kind=LocationKind.VAN, keeper__isnull=False),
                name="location_one_van_a_technician",
            ),
            models.UniqueConstraint(
                fields=["organisation", "customer"], condition=Q(customer__isnull=False), name="location_customer_once"
            ),
            models.UniqueConstraint(
                fields=["organisation", "supplier"], condition=Q(supplier__isnull=False), name="location_supplier_once"
            ),
            # One scrap and one inventory-adjustments location per organisation (made on demand).
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=Q(kind__in=[LocationKind.SCRAP, LocationKind.INVENTORY]),
                name="location_one_scrap_one_inventory",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StockMove(models.Model):
    """One movement of an item from a location to another: append-only (never updated, never deleted)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = quantity_field(_("quantity"))
    source = models.ForeignKey(StockLocation, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(StockLocation, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=MoveKind.choices)
    unit_cost = price_field(_("unit cost (€)"), null=True, blank=True)
    serial = models.CharField(_("serial number"), max_length=64, blank=True)
    # The document that caused it ("report", "receipt", "ddt", "transfer", …) and its id.
    document = models.CharField(_("document"), max_length=16, blank=True)
    document_id = models.PositiveBigIntegerField(_("document id"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("moved on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="stockmove_quantity_positive"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="stockmove_somewhere_else"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0) | Q(unit_cost__isnull=True), name="stockmove_cost_ok"),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="stockmove_recent"),
            models.Index(fields=["item", "-created_at"], name="stockmove_item"),
            # The moves of a location, newest first (keyset pages by id).
            models.Index(fields=["source", "-id"], name="stockmove_out"),
            models.Index(fields=["target", "-id"], name="stockmove_in"),
            models.Index(fields=["document", "document_id"], name="stockmove_document"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} x {self.quantity}"


class StockBalance(models.Model):
    """How much of an item is at a location: the sum of its moves in minus its moves out, kept by the ledger."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(StockLocation, on_delete=models.CASCADE, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="balances")
    quantity = quantity_field(_("quantity"))

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [models.UniqueConstraint(fields=["location", "item"], name="balance_once")]

    def __str__(self) -> str:
        return f"{self.item_id} x {self.quantity}"


class SerialNumber(models.Model):
    """Where one unit of an item tracked by serial number is now (kept by the ledger with its moves)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="serials")
    serial = models.CharField(_("serial number"), max_length=64)
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="serials")

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("serial number")
        verbose_name_plural = _("serial numbers")
        constraints = [models.UniqueConstraint(fields=["item", "serial"], name="serial_once")]

    def __str__(self) -> str:
        return self.serial


class Billable(models.Model):
    """Material left with a customer (or delivered) that waits to be billed: the invoicing of the next issue
    collects these and marks them billed."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    work_order = models.ForeignKey(
        "service.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    material = models.OneToOneField(
        "service.Material", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The signed report that left it (a correction of the report replaces the rows not billed yet). Signed reports
    # and stock moves are never deleted and billables are read by work order: these two keys have no index (each
    # run marks thousands billed, and every index is written again for each).
    report = models.ForeignKey(
        "service.WorkReport",
        verbose_name=_("work report"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=255)
    quantity = quantity_field(_("quantity"))
    unit = models.CharField(_("unit"), max_length=6, default="pc")
    move = models.ForeignKey(
        StockMove, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("left on"), default=timezone.now)
    billed_at = models.DateTimeField(_("billed on"), null=True, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("material to bill")
        verbose_name_plural = _("materials to bill")
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="billable_quantity_positive")]
        indexes = [
            models.Index(fields=["organisation", "customer"], condition=Q(billed_at__isnull=True), name="billable_open")
        ]

    def __str__(self) -> str:
        return self.description
