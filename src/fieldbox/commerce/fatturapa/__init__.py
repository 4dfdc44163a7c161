"""The Italian e-invoice (FatturaPA 1.2.2, FPR12 and FPA12), as a pure package: no models, no database.

Map an invoice onto a ``Document`` (``document.py``), ask ``problems(document)`` what would make it refused
(field path → message; empty: it can be issued), ``build(document)`` for the XML bytes, ``validate(xml)`` for the
schema's complaints (empty: valid), ``file_name(country, vat, progressive)`` for its name. The schema files are in
``schema/`` beside this file and are loaded once.
"""

from __future__ import annotations

from fieldbox.commerce.fatturapa.checks import problems
from fieldbox.commerce.fatturapa.document import (
    BANK_TRANSFER,
    CASH,
    CREDIT_NOTE,
    DEFERRED_INVOICE,
    FOREIGN_CODE,
    INVOICE,
    NO_CODE,
    PAY_IN_FULL,
    PAY_INSTALMENTS,
    PRIVATE,
    PUBLIC,
    RIBA,
    SEPA_DIRECT_DEBIT,
    VAT_DEFERRED,
    VAT_IMMEDIATE,
    VAT_SPLIT,
    Address,
    Buyer,
    DeliveryNote,
    Document,
    Instalment,
    Line,
    LinkedInvoice,
    Payment,
    Recipient,
    Seller,
    VatSummary,
)
from fieldbox.commerce.fatturapa.rules import (
    STAMP_DUTY,
    file_name,
    stamp_duty_due,
    summarise,
    summary_of,
    tax_of,
    total_of,
)
from fieldbox.commerce.fatturapa.text import clean_text
from fieldbox.commerce.fatturapa.xml import build, build_text, renumbered, validate

__all__ = [
    "BANK_TRANSFER",
    "CASH",
    "CREDIT_NOTE",
    "DEFERRED_INVOICE",
    "FOREIGN_CODE",
    "INVOICE",
    "NO_CODE",
    "PAY_INSTALMENTS",
    "PAY_IN_FULL",
    "PRIVATE",
    "PUBLIC",
    "RIBA",
    "SEPA_DIRECT_DEBIT",
    "STAMP_DUTY",
    "VAT_DEFERRED",
    "VAT_IMMEDIATE",
    "VAT_SPLIT",
    "Address",
    "Buyer",
    "DeliveryNote",
    "Document",
    "Instalment",
    "Line",
    "LinkedInvoice",
    "Payment",
    "Recipient",
    "Seller",
    "VatSummary",
    "build",
    "build_text",
    "clean_text",
    "file_name",
    "problems",
    "renumbered",
    "stamp_duty_due",
    "summarise",
    "summary_of",
    "tax_of",
    "total_of",
    "validate",
]
