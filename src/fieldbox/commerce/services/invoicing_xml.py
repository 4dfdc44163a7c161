"""An invoice as the Italian e-invoice (FatturaPA, ``commerce.fatturapa``): the mapping of an ``Invoice`` being
issued onto a ``fatturapa.Document``, from the parties it keeps (so the XML says what the PDF says).

- FPA12 for a public body (a customer whose recipient code has 6 characters, with split payment), FPR12 otherwise;
  the recipient code is the customer's SDI code, or 0000000 with its PEC, or XXXXXXX abroad;
- TD01 invoice, TD04 credit note (with the invoice it corrects), TD24 deferred invoice (with its delivery notes);
- VAT: the line's rate, or rate 0 with its "Natura": N2 → N2.2 (out of scope, art. 7), N3 → N3.5 (not taxable,
  declaration of intent), N4 (exempt, art. 10), N6 → N6.9 (reverse charge, art. 17); stamp duty when due;
- the file's progressive is the organisation's own count of e-invoice files (``core.numbering``, no gap), because
  invoices and credit notes have numbers of their own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from fieldbox.commerce import fatturapa
from fieldbox.commerce.choices import VAT_RATES, InvoiceKind, SourceKind, VatTreatment
from fieldbox.commerce.invoicing_rules import Line
from fieldbox.commerce.models import DeliveryNoteLine
from fieldbox.commerce.models.invoicing import Invoice, InvoiceDue
from fieldbox.core import numbering

NATURA = {
    VatTreatment.OUT_OF_SCOPE: ("N2.2", "Art. 7 DPR 633/72"),
    VatTreatment.NON_TAXABLE: ("N3.5", "Art. 8 c.1 lett. c DPR 633/72"),
    VatTreatment.EXEMPT: ("N4", "Art. 10 DPR 633/72"),
    VatTreatment.REVERSE_CHARGE: ("N6.9", "Art. 17 DPR 633/72"),
}
NO_NATURA = ("", "")
ZERO = Decimal(0)
METHOD = {
    "bank_transfer": fatturapa.BANK_TRANSFER,
    "advance": fatturapa.BANK_TRANSFER,
    "direct_debit": fatturapa.SEPA_DIRECT_DEBIT,
    "riba": fatturapa.RIBA,
    "cod": fatturapa.CASH,
    "card": "MP08",
}


def wanted(parties: dict[str, Any]) -> bool:
    """An organisation in Italy issues the e-invoice."""
    return str(parties.get("seller", {}).get("country") or "IT").upper() == "IT"


def _address(found: dict[str, Any] | None) -> fatturapa.Address:
    found = found or {}
    return fatturapa.Address(
        street=found.get("street", "") or "",
        postcode=found.get("postcode", "") or "",
        town=found.get("city", "") or found.get("town", "") or "",
        province=found.get("province", "") or "",
        country=(found.get("country") or "IT").upper(),
    )


def _seller(seller: dict[str, Any]) -> fatturapa.Seller:
    return fatturapa.Seller(
        vat_number=seller.get("vat_number", ""),
        country=(seller.get("country") or "IT").upper(),
        fiscal_code=seller.get("fiscal_code", ""),
        tax_regime=seller.get("tax_regime", "RF01"),
        name=seller.get("name", ""),
        address=_address(seller.get("fiscal_address")),
        email=seller.get("email", "") or "",
    )


def _buyer(buyer: dict[str, Any]) -> fatturapa.Buyer:
    address = buyer.get("address") or {}
    company = buyer.get("kind") == "company" or not (buyer.get("first_name") or buyer.get("last_name"))
    vat = str(buyer.get("vat_number", "") or "")
    country = (address.get("country") or "IT").upper()
    if vat[:2].isalpha() and vat[:2].upper() == country:
        vat = vat[2:]
    return fatturapa.Buyer(
        address=_address(address),
        name=buyer.get("name", "") if company else "",
        first_name="" if company else buyer.get("first_name", ""),
        last_name="" if company else buyer.get("last_name", ""),
        country=country,
        vat_number=vat,
        fiscal_code=buyer.get("fiscal_code", "") or "",
    )


def split_payment(parties: dict[str, Any]) -> bool:
    """Whether the buyer is a public body (its recipient code has 6 characters) paying under split payment: it
    pays the taxable amount, the VAT goes to the State."""
    buyer = parties.get("buyer", {})
    return _recipient(buyer, _buyer(buyer).is_foreign)[0] == fatturapa.PUBLIC


def _recipient(buyer: dict[str, Any], foreign: bool) -> tuple[str, fatturapa.Recipient]:
    code = str(buyer.get("sdi_code", "") or "").upper()
    if foreign:
        return fatturapa.PRIVATE, fatturapa.Recipient(code=fatturapa.FOREIGN_CODE)
    if len(code) == 6:
        return fatturapa.PUBLIC, fatturapa.Recipient(code=code)
    if code and code != fatturapa.NO_CODE:
        return fatturapa.PRIVATE, fatturapa.Recipient(code=code)
    return fatturapa.PRIVATE, fatturapa.Recipient(code=fatturapa.NO_CODE, pec=buyer.get("pec", "") or "")


def _line(line: Line) -> fatturapa.Line:
    natura, reference = NATURA.get(line.vat, NO_NATURA)  # type: ignore[call-overload]  # the choices are str
    return fatturapa.Line(
        description=line.description,
        unit_price=line.unit_price,
        vat_rate=VAT_RATES.get(line.vat, ZERO),  # type: ignore[call-overload]
        quantity=line.quantity,
        unit=line.unit,
        discount_percent=line.discount or None,
        natura=natura,
        legal_reference=reference,
    )


Notes = dict[int, tuple[str, date]]  # a delivery note's line id → the note's number and date


def delivery_notes_of(lines: Sequence[Line]) -> Notes:
    """The delivery notes the lines of any number of invoices bill (one query), for ``document_of``."""
    ids = [li.source_id for li in lines if li.source_kind == SourceKind.DELIVERY_NOTE_LINE and li.source_id]
    if not ids:
        return {}
    found = DeliveryNoteLine.objects.filter(pk__in=ids).values_list("pk", "note__number", "note__issued_on")
    return {pk: (number, day) for pk, number, day in found if day is not None}  # a billed note is issued, so dated


def _delivery_notes(lines: Sequence[Line], notes: Notes) -> tuple[fatturapa.DeliveryNote, ...]:
    by_note: dict[tuple[str, date], list[int]] = defaultdict(list)
    for n, line in enumerate(lines, start=1):
        if line.source_kind == SourceKind.DELIVERY_NOTE_LINE and line.source_id in notes:
            by_note[notes[line.source_id]].append(n)
    return tuple(fatturapa.DeliveryNote(number=k[0], date=k[1], lines=tuple(v)) for k, v in by_note.items())


def document_of(
    invoice: Invoice, lines: Sequence[Line], dues: list[InvoiceDue], progressive: str, notes: Notes
) -> fatturapa.Document:
    issued_on = invoice.issued_on
    assert issued_on is not None  # set by the issue before its XML is built
    parties = invoice.parties
    buyer = _buyer(parties.get("buyer", {}))
    form, recipient = _recipient(parties.get("buyer", {}), buyer.is_foreign)
    mapped = tuple(_line(line) for line in lines)
    linked: tuple[fatturapa.LinkedInvoice, ...] = ()
    if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.corrects is not None:
        original = invoice.corrects
        linked = (fatturapa.LinkedInvoice(number=original.number, date=original.issued_on or issued_on),)
    payment = None
    seller = parties.get("seller", {})
    if dues:
        method = METHOD.get(invoice.payment_method, fatturapa.BANK_TRANSFER)
        payment = fatturapa.Payment(
            instalments=tuple(
                fatturapa.Instalment(
                    amount=due.amount,
                    method=method,
                    due_on=due.due_on,
                    iban=seller.get("iban", "") if method == fatturapa.BANK_TRANSFER else "",
                )
                for due in dues
            ),
            terms=fatturapa.PAY_INSTALMENTS if len(dues) > 1 else fatturapa.PAY_IN_FULL,
        )
    vat_due = fatturapa.VAT_SPLIT if form == fatturapa.PUBLIC else fatturapa.VAT_IMMEDIATE
    summary = fatturapa.summarise(mapped, vat_due=vat_due)  # once: the checks and the XML read it
    return fatturapa.Document(
        seller=_seller(seller),
        buyer=buyer,
        number=invoice.number,
        date=issued_on,
        lines=mapped,
        progressive=progressive,
        recipient=recipient,
        format=form,
        document_type=invoice.document_type,
        vat_due=vat_due,
        summary=summary,
        linked=linked,
        delivery_notes=_delivery_notes(lines, notes),
        stamp_duty=fatturapa.stamp_duty_due(mapped),
        payment=payment,
        reasons=(invoice.notes[:200],) if invoice.notes else (),
    )


PROGRESSIVES = "commerce.fatturapa:{organisation_id}"
PLACEHOLDER = "99999"


def progressives(organisation_id: int, count: int) -> int:
    """Reserve ``count`` progressives of the organisation's e-invoice files (in the issuing transaction); the first."""
    return numbering.take(PROGRESSIVES.format(organisation_id=organisation_id), count)


def draft_document(invoice: Invoice, lines: Sequence[Line], dues: list[InvoiceDue], notes: Notes) -> fatturapa.Document:
    """The e-invoice of an invoice being issued, before it takes its number (``invoice.number`` a placeholder as
    wide as a real one, the file progressive too): what ``problems_of`` checks and ``xml_of`` writes."""
    return document_of(invoice, lines, dues, PLACEHOLDER, notes)


def problems_of(document: fatturapa.Document) -> dict[str, list[str]]:
    """What the exchange system would refuse, by field (empty: nothing)."""
    return {field: [message] for field, message in fatturapa.problems(document).items()}


def xml_of(document: fatturapa.Document) -> str:
    """The XML of a checked ``draft_document`` (its placeholder number and progressive), valid against the schema;
    or ``ValidationError`` naming what the schema refuses (what ``problems_of`` did not foresee)."""
    text = fatturapa.build_text(document)
    invalid = fatturapa.validate(text.encode("utf-8"))
    if invalid:
        raise ValidationError({"xml": invalid[:5]})
    return text


def numbered(text: str, document: fatturapa.Document, number: str, progressive: int) -> dict[str, Any]:
    """``xml_of``'s text with the invoice's number and the file's progressive, and the file's name."""
    shown = f"{progressive:05d}"
    seller = document.seller
    return {
        "xml": fatturapa.renumbered(text, document, number, shown),
        "xml_name": fatturapa.file_name(seller.country, seller.vat_number, shown),
    }
