"""Invoicing (FATTURAZIONE): invoice runs that collect, per customer, what is to be billed; invoices and credit notes
numbered per year and series with no gap when issued and never changed afterwards; their due dates and payments.

A line may come from a source (a material left with the customer, a delivery note, a contract's fee for a period,
a verified line of work, a prepaid package): ``source_kind`` + ``source_id``, unique per organisation, so a source
is billed once, also when two runs collect it at the same time (the second insert fails and its run rolls back).
A draft invoice that is discarded, or a line removed from it, frees its source; a credit note's lines name none.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import (
    DocumentType,
    InvoiceKind,
    InvoiceRunStatus,
    InvoiceStatus,
    PaymentType,
    VatTreatment,
)
from fieldbox.commerce.models.catalogue import price_field, quantity_field
from fieldbox.service.models import ORGANISATION, OwnedQuerySet

USER = settings.AUTH_USER_MODEL


def money_field(label: object, **kw: object) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=Decimal(0), **kw)  # type: ignore[arg-type]


class InvoiceRun(models.Model):
    """One collection of what is to be billed up to a day, for chosen customers or all of them: reviewed as drafts,
    then issued together (or discarded, which frees what it collected)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    period_end = models.DateField(_("billed up to"))
    customer_ids = models.JSONField(_("customers"), default=list, blank=True)  # empty: all customers
    status = models.CharField(
        _("status"), max_length=10, choices=InvoiceRunStatus.choices, default=InvoiceRunStatus.DRAFT
    )
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)
    # A large run is collected, then issued, by the workers in parts: each part the ids it works on (customers
    # while collecting, draft invoices while issuing), the parts done so far, who asked for the issue.
    parts = models.JSONField(default=list, blank=True)
    parts_done = models.JSONField(default=list, blank=True)
    issued_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The drafts the last issue refused: invoice id → {field: message}.
    refused = models.JSONField(default=dict, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('Invoice run')} {self.pk}"

    @property
    def working(self) -> bool:
        """Being collected or issued by the workers."""
        return self.status in (InvoiceRunStatus.COLLECTING, InvoiceRunStatus.ISSUING)

    @property
    def progress(self) -> int:
        """Percent of the parts done while the workers collect or issue it."""
        return round(100 * len(self.parts_done) / len(self.parts)) if self.parts else 0


class Invoice(models.Model):
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(
        InvoiceRun,
        verbose_name=_("invoice run"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invoices",
    )
    customer = models.ForeignKey(
        "fleet.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    document_type = models.CharField(
        _("document type"), max_length=4, choices=DocumentType.choices, default=DocumentType.TD01
    )
    series = models.CharField(_("series"), max_length=8, blank=True)
    number = models.CharField(_("number"), max_length=24, blank=True)  # given when issued
    progressive = models.PositiveIntegerField(_("progressive"), null=True, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    language = models.CharField(_("language"), max_length=8, default="it")
    payment_terms = models.CharField(_("payment terms"), max_length=16, blank=True)
    payment_method = models.CharField(_("payment"), max_length=16, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # What the issued document says, kept as it was at issue (the PDF and the XML read these).
    parties = models.JSONField(_("parties"), default=dict, blank=True)
    taxable = money_field(_("taxable amount"))
    vat = money_field(_("VAT"))
    total = money_field(_("total"))
    # What the customer pays: the total, or the taxable amount under split payment (a public body pays the VAT to
    # the State). Set at issue with the totals; payments, what is still due and the unpaid list read it.
    payable = money_field(_("payable by the customer"))
    vat_summary = models.JSONField(_("VAT summary"), default=list, blank=True)
    xml = models.TextField(_("XML"), blank=True)
    xml_name = models.CharField(_("XML file name"), max_length=40, blank=True)
    pdf = models.FileField(_("PDF"), max_length=200, blank=True)  # made by a worker once issued
    paid_at = models.DateTimeField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created on"), default=timezone.now)
    changed_at = models.DateTimeField(_("changed on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], condition=~Q(number=""), name="invoice_number_once"
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | ~Q(number=""), name="invoice_issued_numbered"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "issued_on"], name="invoice_status")]

    def __str__(self) -> str:
        return self.number or str(_("draft"))


class InvoiceLine(models.Model):
    """A line of an invoice. An invoice run writes tens of thousands at once, so the database checks one key of a
    line, its invoice (each checked key costs a line a lookup and a lock of the row it names). ``organisation`` is
    its invoice's, written with it, for the rule that a source is billed once per organisation (lines are read
    through their invoice: no index of its own); ``work_order`` and ``ticket`` say what the line refers to, shown on
    the document (the ORM sets them to null when one is deleted)."""

    organisation = models.ForeignKey(
        ORGANISATION, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=0)
    description = models.CharField(_("description"), max_length=255)
    quantity = quantity_field(_("quantity"), default=Decimal(1))
    unit = models.CharField(_("unit"), max_length=6, default="pc")
    unit_price = price_field(_("unit price"), default=Decimal(0))
    discount = models.DecimalField(_("discount %"), max_digits=5, decimal_places=2, default=Decimal(0))
    vat = models.CharField(_("VAT"), max_length=4, choices=VatTreatment.choices, default=VatTreatment.STANDARD)
    amount = money_field(_("amount"))
    # Where the line comes from ("billable", "ddt_line", "contract_fee", "verified_line", "prepaid_package"), or empty.
    source_kind = models.CharField(_("source"), max_length=20, blank=True)
    source_id = models.BigIntegerField(_("source number"), null=True, blank=True)
    # What the line belongs to, shown on the document (a work order's number, a delivery note's, a period).
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    work_order = models.ForeignKey(
        "service.WorkOrder", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_kind", "source_id"],
                condition=Q(source_id__isnull=False),
                name="invoiceline_source_once",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoiceline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceDue(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="dues")
    due_on = models.DateField(_("due on"))
    amount = money_field(_("amount"))

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.due_on} {self.amount}"


class Payment(models.Model):
    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = money_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(
        _("method"), max_length=16, choices=PaymentType.choices, default=PaymentType.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded on"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"


class ContractTerms(models.Model):
    """How a service contract bills: the price list of the work it does not include (the customer's list, or the
    organisation's default, when none)."""

    organisation = models.ForeignKey(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    contract = models.OneToOneField("service.Contract", on_delete=models.CASCADE, related_name="+")
    price_list = models.ForeignKey(
        "commerce.PriceList",
        verbose_name=_("price list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract's billing terms")
        verbose_name_plural = _("contracts' billing terms")

    def __str__(self) -> str:
        return str(self.contract_id)


class InvoicingSettings(models.Model):
    """An organisation's fiscal data as the seller of its invoices (the e-invoice's "cedente prestatore"). An
    organisation in Italy (``country`` IT) also issues each invoice as a FatturaPA XML."""

    organisation = models.OneToOneField(ORGANISATION, on_delete=models.CASCADE, related_name="+")
    legal_name = models.CharField(_("company name"), max_length=80, blank=True)  # empty: the organisation's name
    country = models.CharField(_("country"), max_length=2, default="IT")
    vat_number = models.CharField(_("VAT number"), max_length=28, blank=True)
    fiscal_code = models.CharField(_("fiscal code"), max_length=16, blank=True)
    tax_regime = models.CharField(_("tax regime"), max_length=4, default="RF01")
    street = models.CharField(_("street"), max_length=60, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    town = models.CharField(_("town"), max_length=60, blank=True)
    province = models.CharField(_("province"), max_length=2, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bank = models.CharField(_("bank"), max_length=80, blank=True)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoicing settings")
        verbose_name_plural = _("invoicing settings")

    def __str__(self) -> str:
        return str(self.organisation_id)
