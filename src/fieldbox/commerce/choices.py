"""The words of sales and stock, and the transition tables of their documents (quotes, offers and orders, supplier
orders, delivery notes). Stock moves have no table: they are an append-only ledger (``commerce.services.stock``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import BACK_OFFICE, OFFICE, WORK_DOERS
from fieldbox.core.transitions import CREATED, DELETED, SAME, SYSTEM, Move, Table

# Who sells, keeps the stock and buys: the office (and the admins); technicians read items and prices, ask for
# quotes, see and use their van's stock.
SELLERS = OFFICE
STOCK_KEEPERS = OFFICE
BUYERS = OFFICE
CATALOGUE_READERS = BACK_OFFICE
QUOTE_ASKERS = WORK_DOERS

# Prices and costs carry at most four decimals (a screw at 0.0350 €); quantities three (3.250 m of cable); line
# amounts are rounded to the cent once, by ``core.money``.
PRICE_PLACES = 4
QUANTITY_PLACES = 3
PRICE_DIGITS = 14
QUANTITY_DIGITS = 12
MAX_PRICE = Decimal("9999999999.9999")
MAX_QUANTITY = Decimal("999999999.999")


class ItemKind(models.TextChoices):
    PART = "part", _("Spare part")
    CONSUMABLE = "consumable", _("Consumable")
    SERVICE = "service", _("Service")
    LABOUR = "labour", _("Labour")


class Unit(models.TextChoices):
    PIECE = "pc", _("piece")
    HOUR = "h", _("hour")
    METRE = "m", _("metre")
    KILOGRAM = "kg", _("kilogram")
    LITRE = "l", _("litre")
    PACK = "pack", _("pack")
    SERVICE = "svc", _("service")


class BarcodeKind(models.TextChoices):
    EAN13 = "ean13", _("EAN-13")
    EAN8 = "ean8", _("EAN-8")
    CODE128 = "code128", _("Code 128")


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    VAN = "van", _("Technician's van")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Supplier")
    SCRAP = "scrap", _("Scrap")
    INVENTORY = "inventory", _("Inventory adjustments")


# Locations that hold stock the organisation counts (and may forbid below zero): the others are where stock
# comes from and goes to (a supplier, a customer, the scrap, and the inventory adjustments that opening stock and
# counts come from or go to).
COUNTED_LOCATIONS = (LocationKind.WAREHOUSE, LocationKind.VAN)


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Goods received")
    TRANSFER = "transfer", _("Transfer")
    CONSUMPTION = "consumption", _("Used in a work order")
    LEFT = "left", _("Left with the customer")
    DELIVERY = "delivery", _("Delivered to the customer")
    RETURN = "return", _("Returned")
    SCRAP = "scrap", _("Scrapped")
    OPENING = "opening", _("Opening stock")
    ADJUSTMENT = "adjustment", _("Inventory adjustment")
    REVERSAL = "reversal", _("Correction (reverse move)")


class PaymentType(models.TextChoices):
    ADVANCE = "advance", _("Payment in advance")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit (SEPA)")
    RIBA = "riba", _("Bank receipt (Ri.Ba.)")
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    CARD = "card", _("Card")


class VatTreatment(models.TextChoices):
    """The VAT of an offer or a line: a rate, or a zero rate with its reason (the FatturaPA "Natura" of issue 16)."""

    STANDARD = "22", _("VAT 22%")
    REDUCED_10 = "10", _("VAT 10%")
    REDUCED_5 = "5", _("VAT 5%")
    REDUCED_4 = "4", _("VAT 4%")
    REVERSE_CHARGE = "N6", _("Reverse charge (art. 17 DPR 633/72)")
    NON_TAXABLE = "N3", _("Not taxable (export or declaration of intent)")
    EXEMPT = "N4", _("Exempt (art. 10 DPR 633/72)")
    OUT_OF_SCOPE = "N2", _("Out of scope (art. 7 DPR 633/72)")


VAT_RATES = {
    VatTreatment.STANDARD: Decimal(22),
    VatTreatment.REDUCED_10: Decimal(10),
    VatTreatment.REDUCED_5: Decimal(5),
    VatTreatment.REDUCED_4: Decimal(4),
}


class DeliveryTerms(models.TextChoices):
    """ "Resa": who pays the carriage and where the goods become the buyer's."""

    DELIVERED = "franco_destino", _("Carriage paid to destination (franco destino)")
    EX_WORKS = "franco_partenza", _("Ex works (franco partenza)")
    CARRIAGE_FORWARD = "porto_assegnato", _("Carriage forward (porto assegnato)")
    CARRIAGE_PAID = "porto_franco", _("Carriage paid (porto franco)")


class Transport(models.TextChoices):
    OUR_CARRIER = "ours", _("Our carrier")
    YOUR_CARRIER = "yours", _("Your carrier")
    INCLUDED = "included", _("Included")
    SENDER = "sender", _("Sender's own vehicle")
    RECIPIENT = "recipient", _("Collected by the recipient")


class TransportReason(models.TextChoices):
    """A delivery note's "causale del trasporto"."""

    SALE = "sale", _("Sale")
    WORK = "work", _("Materials used in service work")
    LOAN = "loan", _("Loan for use")
    REPAIR = "repair", _("Repair")
    RETURN = "return", _("Return")
    TRIAL = "trial", _("Trial")


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    CONVERTED = "converted", _("Converted")
    CANCELLED = "cancelled", _("Cancelled")


class LineKind(models.TextChoices):
    PART = "part", _("Part")
    LABOUR = "labour", _("Labour")
    OTHER = "other", _("Other")


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft offer")
    SENT = "sent", _("Offer sent")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    ORDERED = "ordered", _("Order")
    DELIVERED = "delivered", _("Order delivered")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Ordered")
    PARTIAL = "partial", _("Partly received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryNoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class DocumentKind(models.TextChoices):
    """What the numbering counts: each kind has its own numbers per organisation, year and series."""

    QUOTE = "quote", _("Quote")
    OFFER = "offer", _("Offer")
    PURCHASE = "purchase", _("Supplier order")
    DELIVERY_NOTE = "ddt", _("Delivery note")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit", _("Credit note")
    PREPAID = "prepaid", _("Prepaid package")


# The prefix a document number is shown with ("PR-2026/00012").
NUMBER_PREFIX = {
    DocumentKind.QUOTE: "PR",
    DocumentKind.OFFER: "OF",
    DocumentKind.PURCHASE: "OA",
    DocumentKind.DELIVERY_NOTE: "DDT",
    DocumentKind.INVOICE: "FT",
    DocumentKind.CREDIT_NOTE: "NC",
    DocumentKind.PREPAID: "PP",
}

Q_ = QuoteStatus
# A quote (PREVENTIVAZIONE INTERVENTI, SYS "Gestione preventivo"): a technician's finding on a work order or a
# call opens a draft with the parts and work needed; the office prices it from a price list and sends it; the
# customer accepts or refuses it by its link (or the office records the answer); one left unanswered past its
# date expires; an accepted one is converted into work (lines added to the work order, or a new work order).
QUOTE_TABLE: Table[Any] = Table(
    name="quote",
    model="commerce.Quote",
    states=QuoteStatus,
    refusal=_("Not possible while the quote is “%(status)s”."),
    owner=lambda quote, scope: quote.organisation_id,
    touched="changed_at",
    moves=(
        Move("request", CREATED, Q_.DRAFT, QUOTE_ASKERS),
        Move("create", CREATED, Q_.DRAFT, SELLERS),
        Move(
            "edit",
            (Q_.DRAFT,),
            SAME,
            SELLERS | QUOTE_ASKERS,
            refusal=_("The quote was sent: it cannot change. Cancel it and write a new one."),
        ),
        Move("send", (Q_.DRAFT,), Q_.SENT, SELLERS),
        Move("resend", (Q_.SENT,), SAME, SELLERS),
        Move("accept", (Q_.SENT,), Q_.ACCEPTED, SELLERS | {SYSTEM}),
        Move("refuse", (Q_.SENT,), Q_.REFUSED, SELLERS | {SYSTEM}),
        Move("expire", (Q_.SENT,), Q_.EXPIRED, SELLERS | {SYSTEM}),
        Move("convert", (Q_.ACCEPTED,), Q_.CONVERTED, SELLERS),
        Move("cancel", (Q_.DRAFT, Q_.SENT), Q_.CANCELLED, SELLERS),
    ),
)

OF = OfferStatus
# A spare-parts offer and the order it becomes (SYS "Ordini/Offerte"): the cart changes while a draft; sent to the
# customer, it is accepted (then it is an order, with the same number and history), refused or left to expire;
# the order is delivered (a delivery note) or cancelled.
OFFER_TABLE: Table[Any] = Table(
    name="offer",
    model="commerce.Offer",
    states=OfferStatus,
    refusal=_("Not possible while the offer is “%(status)s”."),
    owner=lambda offer, scope: offer.organisation_id,
    touched="changed_at",
    moves=(
        Move("create", CREATED, OF.DRAFT, SELLERS),
        Move(
            "edit",
            (OF.DRAFT,),
            SAME,
            SELLERS,
            refusal=_("The offer was sent: its cart cannot change any more."),
        ),
        Move("send", (OF.DRAFT,), OF.SENT, SELLERS),
        Move("resend", (OF.SENT,), SAME, SELLERS),
        Move("order", (OF.SENT,), OF.ORDERED, SELLERS | {SYSTEM}),
        Move("refuse", (OF.SENT,), OF.REFUSED, SELLERS | {SYSTEM}),
        Move("expire", (OF.SENT,), OF.EXPIRED, SELLERS | {SYSTEM}),
        Move("deliver", (OF.ORDERED,), OF.DELIVERED, SELLERS),
        Move("cancel", (OF.DRAFT, OF.SENT, OF.ORDERED), OF.CANCELLED, SELLERS),
    ),
)

P = PurchaseStatus
# A supplier order: drafted, sent to the supplier, received in one or more deliveries (each with the supplier's
# delivery note), or cancelled before anything arrived.
PURCHASE_TABLE: Table[Any] = Table(
    name="purchase",
    model="commerce.PurchaseOrder",
    states=PurchaseStatus,
    refusal=_("Not possible while the supplier order is “%(status)s”."),
    owner=lambda order, scope: order.organisation_id,
    touched="changed_at",
    moves=(
        Move("create", CREATED, P.DRAFT, BUYERS),
        Move("edit", (P.DRAFT,), SAME, BUYERS, refusal=_("The order was sent to the supplier: it cannot change.")),
        Move("send", (P.DRAFT,), P.SENT, BUYERS),
        Move("receive_part", (P.SENT, P.PARTIAL), P.PARTIAL, BUYERS),
        Move("receive_all", (P.SENT, P.PARTIAL), P.RECEIVED, BUYERS),
        Move("cancel", (P.DRAFT, P.SENT), P.CANCELLED, BUYERS),
    ),
)

D = DeliveryNoteStatus
# A delivery note (DDT) to a customer: a draft is numbered when issued; an issued one never changes (a mistake
# is a cancelled note and a new one, the number stays used).
DELIVERY_NOTE_TABLE: Table[Any] = Table(
    name="delivery_note",
    model="commerce.DeliveryNote",
    states=DeliveryNoteStatus,
    refusal=_("Not possible while the delivery note is “%(status)s”."),
    owner=lambda note, scope: note.organisation_id,
    moves=(
        Move("create", CREATED, D.DRAFT, STOCK_KEEPERS | WORK_DOERS),
        Move(
            "edit",
            (D.DRAFT,),
            SAME,
            STOCK_KEEPERS | WORK_DOERS,
            refusal=_("This delivery note is issued: it cannot change."),
        ),
        Move("issue", (D.DRAFT,), D.ISSUED, STOCK_KEEPERS | WORK_DOERS),
        Move("cancel", (D.DRAFT, D.ISSUED), D.CANCELLED, STOCK_KEEPERS),
    ),
)


# ---- Invoicing (issue 16, FATTURAZIONE) ------------------------------------------------------------------------
# The office bills: it runs, reviews and issues invoices, writes credit notes and records payments.
BILLERS = OFFICE


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DocumentType(models.TextChoices):
    """The FatturaPA "TipoDocumento" of an invoice."""

    TD01 = "TD01", _("Invoice")
    TD04 = "TD04", _("Credit note")
    TD24 = "TD24", _("Deferred invoice (with its delivery notes)")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")


class InvoiceRunStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting")
    DRAFT = "draft", _("Draft")
    ISSUING = "issuing", _("Issuing")
    ISSUED = "issued", _("Issued")
    DISCARDED = "discarded", _("Discarded")


class SourceKind(models.TextChoices):
    """Where an invoice line comes from: each source is billed once."""

    BILLABLE = "billable", _("Material left with the customer")
    DELIVERY_NOTE_LINE = "ddt_line", _("Delivery note")
    CONTRACT_FEE = "contract_fee", _("Contract fee")
    VERIFIED_LINE = "verified_line", _("Verified work")
    PREPAID_PACKAGE = "prepaid_package", _("Prepaid package")


IV = InvoiceStatus
# An invoice (or a credit note): a draft is reviewed (its lines edited) or discarded, which frees what it bills;
# issued, it gets its number and date and never changes (a mistake is corrected by a credit note that points to
# it); it is paid when its payments reach its total (partly paid before that, shown from its payments).
INVOICE_TABLE: Table[Any] = Table(
    name="invoice",
    model="commerce.Invoice",
    states=InvoiceStatus,
    refusal=_("Not possible while the invoice is “%(status)s”."),
    owner=lambda invoice, scope: invoice.organisation_id,
    touched="changed_at",
    moves=(
        Move("create", CREATED, IV.DRAFT, BILLERS | {SYSTEM}),
        Move(
            "edit",
            (IV.DRAFT,),
            SAME,
            BILLERS,
            refusal=_("This invoice is issued: it never changes. Correct it with a credit note."),
        ),
        Move(
            "discard",
            (IV.DRAFT,),
            DELETED,
            BILLERS | {SYSTEM},
            refusal=_("This invoice is issued: it never changes. Correct it with a credit note."),
        ),
        Move("issue", (IV.DRAFT,), IV.ISSUED, BILLERS | {SYSTEM}, refusal=_("This invoice is already issued.")),
        Move(
            "record_payment",
            (IV.ISSUED,),
            SAME,
            BILLERS,
            refusal=_("Only an issued invoice not yet paid takes a payment (this one is “%(status)s”)."),
        ),
        Move(
            "pay",
            (IV.ISSUED,),
            IV.PAID,
            BILLERS,
            refusal=_("Only an issued invoice not yet paid takes a payment (this one is “%(status)s”)."),
        ),
        Move("credit", (IV.ISSUED, IV.PAID), SAME, BILLERS, refusal=_("Only an issued invoice is credited.")),
    ),
)

IR = InvoiceRunStatus
# An invoice run: collected as drafts, reviewed, then issued all together or discarded (its drafts go and what
# they billed is free again).
INVOICE_RUN_TABLE: Table[Any] = Table(
    name="invoice_run",
    model="commerce.InvoiceRun",
    states=InvoiceRunStatus,
    refusal=_("Not possible while the invoice run is “%(status)s”."),
    owner=lambda run, scope: run.organisation_id,
    touched="changed_at",
    moves=(
        Move("create", CREATED, IR.DRAFT, BILLERS | {SYSTEM}),
        Move("issue", (IR.DRAFT,), IR.ISSUED, BILLERS | {SYSTEM}),
        Move("discard", (IR.DRAFT,), IR.DISCARDED, BILLERS | {SYSTEM}),
        # A large run is collected and issued by the workers, part by part (``services.invoicing``).
        Move("collect", CREATED, IR.COLLECTING, BILLERS | {SYSTEM}),
        Move("collected", (IR.COLLECTING,), IR.DRAFT, frozenset({SYSTEM})),
        Move("issue_later", (IR.DRAFT,), IR.ISSUING, BILLERS | {SYSTEM}),
        Move("issued", (IR.ISSUING,), IR.ISSUED, frozenset({SYSTEM})),
        Move("refused", (IR.ISSUING,), IR.DRAFT, frozenset({SYSTEM})),
    ),
)


# ---- Prepaid pay-per-call minutes (Appsistance "PAY PER CALL PREPAGATI") ------------------------------------------
# A customer buys a package of support minutes; each call's time uses them. The minutes are an append-only ledger
# (``commerce.services.prepaid``): a purchase adds, a use takes, a reversal undoes one move, an expiry takes what is
# left at the end. The office sells, uses by hand and corrects; the portal contact reads their own.
PREPAID_SELLERS = OFFICE
PREPAID_READERS = BACK_OFFICE


class MinuteMoveKind(models.TextChoices):
    PURCHASE = "purchase", _("Bought")
    USE = "use", _("Used")
    REVERSAL = "reversal", _("Correction (reverse move)")
    EXPIRY = "expiry", _("Expired")
