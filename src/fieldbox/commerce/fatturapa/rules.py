"""The sums and rules of an e-invoice, each defined once: the VAT summary of the lines, the stamp duty, the
document total, and the file name the exchange system expects."""

from __future__ import annotations

import re
from decimal import Decimal

from fieldbox.commerce.fatturapa.document import VAT_IMMEDIATE, VAT_SPLIT, Document, Line, VatSummary
from fieldbox.core.money import rounded

# Stamp duty (imposta di bollo, DPR 642/1972): 2.00 € on an invoice whose amounts without VAT exceed 77.47 €.
STAMP_DUTY = Decimal("2.00")
STAMP_DUTY_THRESHOLD = Decimal("77.47")
# The natures whose amounts count towards it: excluded (N1), out of scope (N2.x), exempt (N4), non-taxable
# against a declaration of intent (N3.5) or otherwise (N3.6). Exports (N3.1), intra-EU supplies (N3.2), San
# Marino (N3.3) and operations treated as exports (N3.4) are free of stamp duty; reverse charge (N6.x), margin
# schemes (N5) and VAT paid in another country (N7) carry VAT elsewhere and are not counted.
STAMP_DUTY_NATURES = frozenset({"N1", "N2", "N2.1", "N2.2", "N3.5", "N3.6", "N4"})

PROGRESSIVE = re.compile(r"[A-Za-z0-9]{1,5}")


def tax_of(taxable: Decimal, rate: Decimal) -> Decimal:
    """Imposta: taxable x rate %, rounded once to the cent."""
    return rounded(taxable * rate / Decimal(100))


def summarise(lines: tuple[Line, ...] | list[Line], *, vat_due: str = VAT_IMMEDIATE) -> tuple[VatSummary, ...]:
    """DatiRiepilogo of ``lines``: one row per (rate, natura), in the order they first appear, the taxable the
    sum of the lines' totals, the tax computed once on it, the legal reference of the first line that gives one.
    Split payment (S) applies to the taxed rows only; rows with a natura are immediate."""
    groups: dict[tuple[Decimal, str], list[Line]] = {}
    for line in lines:
        groups.setdefault((Decimal(line.vat_rate), line.natura), []).append(line)
    rows = []
    for (rate, natura), members in groups.items():
        taxable = sum((line.total for line in members), Decimal("0.00"))
        reference = next((line.legal_reference for line in members if line.legal_reference), "")
        rows.append(
            VatSummary(
                vat_rate=rate,
                natura=natura,
                taxable=taxable,
                tax=tax_of(taxable, rate),
                vat_due=VAT_IMMEDIATE if natura and vat_due == VAT_SPLIT else vat_due,
                legal_reference=reference,
            )
        )
    return tuple(rows)


def summary_of(document: Document) -> tuple[VatSummary, ...]:
    """The document's VAT summary: as given, or computed from its lines."""
    return document.summary or summarise(document.lines, vat_due=document.vat_due)


def total_of(document: Document) -> Decimal:
    """ImportoTotaleDocumento: as given, or taxable plus tax of the summary (VAT included also with split
    payment: the public body pays the VAT to the State, not to the seller)."""
    if document.total is not None:
        return document.total
    return sum((row.taxable + row.tax for row in summary_of(document)), Decimal("0.00"))


def stamp_duty_due(lines: tuple[Line, ...] | list[Line]) -> Decimal | None:
    """2.00 € when the lines without VAT of a stamp-duty nature (``STAMP_DUTY_NATURES``) add up to more than
    77.47 €; else None. Put the result in ``Document.stamp_duty``."""
    free = sum((line.total for line in lines if line.natura in STAMP_DUTY_NATURES), Decimal("0.00"))
    return STAMP_DUTY if free > STAMP_DUTY_THRESHOLD else None


def file_name(country: str, vat_number: str, progressive: str | int) -> str:
    """The file's name as the exchange system expects: the transmitter's country and fiscal identifier, an
    underscore and the progressive (alphanumeric, at most 5 characters, zero-padded), e.g.
    ``IT01234567890_00001.xml``. ``ValueError`` for a progressive that cannot be one."""
    text = str(progressive).rjust(5, "0")
    if not PROGRESSIVE.fullmatch(text):
        raise ValueError(f"progressive {progressive!r}: at most 5 letters or digits")
    identifier = re.sub(r"[^A-Za-z0-9]", "", vat_number).upper()
    return f"{country.upper()}{identifier}_{text}.xml"
