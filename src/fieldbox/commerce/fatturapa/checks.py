"""``problems(document)``: what would make an e-invoice invalid or refused, as field path → message.

Fiscal identifiers are checked with python-stdnum (Italian partita IVA and codice fiscale, EU VAT numbers);
totals are checked against the one rule of ``rules`` (to the cent, as the schema's two decimals demand); texts
against the schema's lengths (their characters are never a problem: ``build`` cleans them)."""

from __future__ import annotations

import functools
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from stdnum import iban as iban_check
from stdnum.eu import vat as eu_vat
from stdnum.it import codicefiscale, iva

from fieldbox.commerce.fatturapa.document import (
    CREDIT_NOTE,
    DEFERRED_INVOICE,
    FOREIGN_CODE,
    NO_CODE,
    PRIVATE,
    PUBLIC,
    Address,
    Buyer,
    DeliveryNote,
    Document,
    LinkedInvoice,
)
from fieldbox.commerce.fatturapa.rules import PROGRESSIVE, stamp_duty_due, summarise, tax_of, total_of
from fieldbox.commerce.fatturapa.text import clean_text
from fieldbox.commerce.fatturapa.xml import EMAIL

DOCUMENT_TYPES = frozenset(
    [
        "TD01",
        "TD02",
        "TD03",
        "TD04",
        "TD05",
        "TD06",
        "TD16",
        "TD17",
        "TD18",
        "TD19",
        "TD20",
        "TD21",
        "TD22",
        "TD23",
        "TD24",
        "TD25",
        "TD26",
        "TD27",
        "TD28",
    ]
)
TAX_REGIMES = frozenset(f"RF{n:02d}" for n in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
NATURES = frozenset(
    [
        "N1",
        "N2.1",
        "N2.2",
        "N3.1",
        "N3.2",
        "N3.3",
        "N3.4",
        "N3.5",
        "N3.6",
        "N4",
        "N5",
        "N6.1",
        "N6.2",
        "N6.3",
        "N6.4",
        "N6.5",
        "N6.6",
        "N6.7",
        "N6.8",
        "N6.9",
        "N7",
    ]
)
# In the schema still, refused by the exchange system since 2021: a sub-code is required.
RETIRED_NATURES = frozenset({"N2", "N3", "N6"})
PAYMENT_TERMS = frozenset({"TP01", "TP02", "TP03"})
PAYMENT_METHODS = frozenset(f"MP{n:02d}" for n in range(1, 24))
VAT_DUE = frozenset({"I", "D", "S"})
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
CENT = Decimal("0.01")


# Whether an identifier passes its check (python-stdnum): the same seller's and customers' numbers and IBAN come
# back on every invoice of a run.
_valid_iva = functools.lru_cache(maxsize=4096)(iva.is_valid)
_valid_fiscal_code = functools.lru_cache(maxsize=4096)(codicefiscale.is_valid)
_valid_eu_vat = functools.lru_cache(maxsize=4096)(eu_vat.is_valid)
_valid_iban = functools.lru_cache(maxsize=1024)(iban_check.is_valid)


def _compact(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(value or "").upper())


def _too_long(found: dict[str, str], path: str, value: str, limit: int, *, basic_latin: bool = False) -> None:
    if len(value) <= limit and value.isascii():  # cleaning never lengthens ASCII (only € … ™ Œ do)
        return
    text = clean_text(value, 100_000, basic_latin=basic_latin)
    if len(text) > limit:
        found[path] = _("At most %(limit)s characters in the e-invoice (this has %(n)s).") % {
            "limit": limit,
            "n": len(text),
        }


def _two_decimals(value: Decimal) -> bool:
    try:
        return Decimal(value) == Decimal(value).quantize(CENT)
    except InvalidOperation:
        return False


def _italian_vat(found: dict[str, str], path: str, value: str) -> None:
    number = _compact(value)
    if not _valid_iva(number):
        found[path] = _("%(value)s is not a valid Italian VAT number (11 digits with their check digit).") % {
            "value": value or "-"
        }


def _italian_fiscal_code(found: dict[str, str], path: str, value: str) -> None:
    number = _compact(value)
    valid = _valid_iva(number) if len(number) == 11 else _valid_fiscal_code(number)
    if not valid:
        found[path] = _(
            "%(value)s is not a valid Italian fiscal code (16 characters for a person, 11 digits for a company)."
        ) % {"value": value or "-"}


def _foreign_vat(found: dict[str, str], path: str, country: str, value: str) -> None:
    """An EU VAT number is checked with its country's rule (Greece's prefix is EL); others are taken as given."""
    country = country.upper()
    number = _compact(value)
    if country in EU_COUNTRIES and number and not number.startswith("99999"):
        prefix = "EL" if country == "GR" else country
        if not _valid_eu_vat(prefix + number.removeprefix(prefix)):
            found[path] = _("%(value)s is not a valid VAT number of %(country)s.") % {
                "value": value,
                "country": country,
            }
    if len(number) > 28:
        found[path] = _("At most 28 characters.")


def _address(found: dict[str, str], path: str, address: Address) -> None:
    if not clean_text(address.street, 60):
        found[f"{path}.street"] = _("The street of the address is required.")
    _too_long(found, f"{path}.street", address.street, 60)
    if not clean_text(address.town, 60):
        found[f"{path}.town"] = _("The town of the address is required.")
    _too_long(found, f"{path}.town", address.town, 60)
    _too_long(found, f"{path}.number", address.number, 8, basic_latin=True)
    country = address.country.upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        found[f"{path}.country"] = _("The country is a two-letter code (IT, FR, DE …).")
    if country == "IT":
        if not re.fullmatch(r"\d{5}", address.postcode or ""):
            found[f"{path}.postcode"] = _("An Italian postcode (CAP) has 5 digits.")
        if address.province and not re.fullmatch(r"[A-Z]{2}", address.province.upper()):
            found[f"{path}.province"] = _("The province is its two-letter code (MI, RM, TO …).")


def _name(found: dict[str, str], path: str, name: str, first_name: str, last_name: str) -> None:
    if clean_text(name, 80):
        _too_long(found, f"{path}.name", name, 80)
    elif clean_text(first_name, 60) and clean_text(last_name, 60):
        _too_long(found, f"{path}.first_name", first_name, 60)
        _too_long(found, f"{path}.last_name", last_name, 60)
    else:
        found[f"{path}.name"] = _("A company name, or a first and last name, is required.")


def _seller(found: dict[str, str], document: Document) -> None:
    seller = document.seller
    if seller.country.upper() == "IT":
        _italian_vat(found, "seller.vat_number", seller.vat_number)
    else:
        _foreign_vat(found, "seller.vat_number", seller.country, seller.vat_number)
        if not _compact(seller.vat_number):
            found["seller.vat_number"] = _("The seller's VAT number is required.")
    if seller.fiscal_code:
        _italian_fiscal_code(found, "seller.fiscal_code", seller.fiscal_code)
    if seller.tax_regime not in TAX_REGIMES:
        found["seller.tax_regime"] = _("%(value)s is not a tax regime of the e-invoice (RF01 … RF19).") % {
            "value": seller.tax_regime or "-"
        }
    _name(found, "seller", seller.name, seller.first_name, seller.last_name)
    _address(found, "seller.address", seller.address)


def _buyer(found: dict[str, str], buyer: Buyer) -> None:
    if not re.fullmatch(r"[A-Za-z]{2}", buyer.country or ""):
        found["buyer.country"] = _("The country is a two-letter code (IT, FR, DE …).")
    elif buyer.is_foreign:
        _foreign_vat(found, "buyer.vat_number", buyer.country, buyer.vat_number)
    else:
        if buyer.vat_number:
            _italian_vat(found, "buyer.vat_number", buyer.vat_number)
        if buyer.fiscal_code:
            _italian_fiscal_code(found, "buyer.fiscal_code", buyer.fiscal_code)
        elif not buyer.vat_number:
            found["buyer.fiscal_code"] = _("A customer without a VAT number needs a fiscal code.")
    _name(found, "buyer", buyer.name, buyer.first_name, buyer.last_name)
    _address(found, "buyer.address", buyer.address)


def _recipient(found: dict[str, str], document: Document) -> None:
    recipient = document.recipient
    value = (recipient.code or "").strip().upper()
    if document.format == PUBLIC:
        if not re.fullmatch(r"[A-Z0-9]{6}", value):
            found["recipient.code"] = _(
                "A public body's recipient code (codice univoco ufficio) has 6 letters or digits: %(value)s."
            ) % {"value": value or "-"}
    elif document.format == PRIVATE:
        if not re.fullmatch(r"[A-Z0-9]{7}", value):
            found["recipient.code"] = _(
                "The recipient code (codice destinatario) has 7 letters or digits: %(value)s."
            ) % {"value": value or "-"}
        elif document.buyer.is_foreign and value not in (FOREIGN_CODE, NO_CODE):
            found["recipient.code"] = _("A customer abroad has the recipient code XXXXXXX.")
    else:
        found["format"] = _("The format is FPR12 (businesses and consumers) or FPA12 (public bodies).")
    if recipient.pec:
        if value != NO_CODE:
            found["recipient.pec"] = _("A certified e-mail address (PEC) goes only with the recipient code 0000000.")
        elif not EMAIL.fullmatch(recipient.pec) or len(recipient.pec) > 256:
            found["recipient.pec"] = _("%(value)s is not an e-mail address.") % {"value": recipient.pec}


def _general(found: dict[str, str], document: Document) -> None:
    if document.document_type not in DOCUMENT_TYPES:
        found["document_type"] = _("%(value)s is not a document type of the e-invoice.") % {
            "value": document.document_type or "-"
        }
    number = clean_text(document.number, 100, basic_latin=True)
    if not number or not re.search(r"\d", number):
        found["number"] = _("The invoice number must contain at least one digit.")
    _too_long(found, "number", document.number, 20, basic_latin=True)
    if document.date < date(1970, 1, 1):
        found["date"] = _("An e-invoice is dated from 1970 on.")
    if not PROGRESSIVE.fullmatch(document.progressive or ""):
        found["progressive"] = _("The sending number has at most 5 letters or digits.")
    if not re.fullmatch(r"[A-Z]{3}", document.currency or ""):
        found["currency"] = _("The currency is a three-letter code (EUR).")
    if document.vat_due not in VAT_DUE:
        found["vat_due"] = _("VAT is due immediately (I), deferred (D) or by split payment (S).")
    if document.document_type == CREDIT_NOTE and not document.linked:
        found["linked"] = _("A credit note names the invoice it corrects.")
    if document.document_type == DEFERRED_INVOICE and not document.delivery_notes:
        found["delivery_notes"] = _("A deferred invoice lists the delivery notes (DDT) it bills.")
    count = len(document.lines)
    references: tuple[tuple[str, tuple[LinkedInvoice | DeliveryNote, ...]], ...] = (
        ("linked", document.linked),
        ("delivery_notes", document.delivery_notes),
    )
    for kind, items in references:
        for index, item in enumerate(items):
            _too_long(found, f"{kind}.{index}.number", item.number, 20, basic_latin=True)
            if not clean_text(item.number, 20, basic_latin=True):
                found[f"{kind}.{index}.number"] = _("The number is required.")
            if any(not 1 <= line <= count for line in item.lines):
                found[f"{kind}.{index}.lines"] = _("Refers to a line this document does not have.")
    for index, reason in enumerate(document.reasons):
        _too_long(found, f"reasons.{index}", reason, 200)


def _lines(found: dict[str, str], document: Document) -> None:
    if not document.lines:
        found["lines"] = _("An invoice has at least one line.")
    if len(document.lines) > 9999:
        found["lines"] = _("At most 9999 lines.")
    for index, line in enumerate(document.lines):
        path = f"lines.{index}"
        if not clean_text(line.description, 1000):
            found[f"{path}.description"] = _("The description is required.")
        _too_long(found, f"{path}.description", line.description, 1000)
        _too_long(found, f"{path}.unit", line.unit, 10, basic_latin=True)
        _too_long(found, f"{path}.code", line.code, 35)
        if line.quantity is not None and line.quantity < 0:
            found[f"{path}.quantity"] = _("The quantity cannot be negative (use a credit note).")
        rate = Decimal(line.vat_rate)
        if not (Decimal(0) <= rate < Decimal(100)) or not _two_decimals(rate) or Decimal(0) < rate < Decimal(1):
            found[f"{path}.vat_rate"] = _("The VAT rate is a percentage (22, not 0.22) with at most two decimals.")
        if line.discount_percent is not None and not (0 <= line.discount_percent <= 100):
            found[f"{path}.discount_percent"] = _("A discount is a percentage between 0 and 100.")
        if rate == 0:
            if not line.natura:
                found[f"{path}.natura"] = _(
                    "A line without VAT needs its nature code (N1 … N7) saying why: exempt, out of scope …"
                )
            elif line.natura in RETIRED_NATURES:
                found[f"{path}.natura"] = _("%(value)s is no longer accepted: use its sub-code (%(value)s.1 …).") % {
                    "value": line.natura
                }
            elif line.natura not in NATURES:
                found[f"{path}.natura"] = _("%(value)s is not a nature code of the e-invoice.") % {"value": line.natura}
            elif not document.summary and not clean_text(line.legal_reference, 100):
                found[f"{path}.legal_reference"] = _(
                    "A line without VAT states the law that makes it so (e.g. Art. 15 DPR 633/72)."
                )
        elif line.natura:
            found[f"{path}.natura"] = _("A nature code goes only with a VAT rate of 0.")
        _too_long(found, f"{path}.legal_reference", line.legal_reference, 100)


def _totals(found: dict[str, str], document: Document) -> None:
    expected = {(row.vat_rate, row.natura): row for row in summarise(document.lines, vat_due=document.vat_due)}
    given = document.summary
    seen = set()
    for index, row in enumerate(given):
        path = f"summary.{index}"
        key = (Decimal(row.vat_rate), row.natura)
        seen.add(key)
        if not _two_decimals(row.taxable):
            found[f"{path}.taxable"] = _("An amount has at most two decimals.")
            continue
        if not _two_decimals(row.tax):
            found[f"{path}.tax"] = _("An amount has at most two decimals.")
            continue
        lines = expected.get(key)
        if lines is None:
            found[f"{path}.vat_rate"] = _("No line has this VAT rate.")
            continue
        if row.taxable != lines.taxable:
            found[f"{path}.taxable"] = _("The taxable amount %(given)s differs from the lines' total %(sum)s.") % {
                "given": row.taxable,
                "sum": lines.taxable,
            }
        elif row.tax != tax_of(row.taxable, key[0]):
            found[f"{path}.tax"] = _("The VAT %(given)s should be %(expected)s.") % {
                "given": row.tax,
                "expected": tax_of(row.taxable, key[0]),
            }
        if row.natura and row.vat_due == "S":
            found[f"{path}.vat_due"] = _("Split payment (S) applies only to amounts with VAT.")
        if row.vat_due not in VAT_DUE:
            found[f"{path}.vat_due"] = _("VAT is due immediately (I), deferred (D) or by split payment (S).")
        if row.natura and not clean_text(row.legal_reference, 100):
            found[f"{path}.legal_reference"] = _(
                "A line without VAT states the law that makes it so (e.g. Art. 15 DPR 633/72)."
            )
        _too_long(found, f"{path}.legal_reference", row.legal_reference, 100)
    if given:
        for key in expected.keys() - seen:
            found["summary"] = _("The VAT summary lacks the rate %(rate)s %% %(natura)s of some lines.") % {
                "rate": key[0],
                "natura": key[1],
            }
    if document.total is not None:
        computed = sum((row.taxable + row.tax for row in expected.values()), Decimal("0.00"))
        if not _two_decimals(document.total):
            found["total"] = _("An amount has at most two decimals.")
        elif document.total != computed:
            found["total"] = _("The total %(given)s differs from taxable plus VAT %(sum)s.") % {
                "given": document.total,
                "sum": computed,
            }
    if abs(total_of(document)) >= Decimal("1E11"):
        found["total"] = _("The amount is too large for the e-invoice.")
    due = stamp_duty_due(document.lines)
    if due is not None and document.stamp_duty is None:
        found["stamp_duty"] = _("Stamp duty of %(amount)s EUR is due: the amounts without VAT exceed 77.47 EUR.") % {
            "amount": due
        }
    elif document.stamp_duty is not None and not _two_decimals(document.stamp_duty):
        found["stamp_duty"] = _("An amount has at most two decimals.")


def _payment(found: dict[str, str], document: Document) -> None:
    payment = document.payment
    if payment is None:
        return
    if payment.terms not in PAYMENT_TERMS:
        found["payment.terms"] = _("The payment terms are TP01 (instalments), TP02 (in full) or TP03 (advance).")
    if not payment.instalments:
        found["payment.instalments"] = _("Give at least one amount due.")
        return
    for index, instalment in enumerate(payment.instalments):
        path = f"payment.instalments.{index}"
        if instalment.method not in PAYMENT_METHODS:
            found[f"{path}.method"] = _("%(value)s is not a payment method of the e-invoice (MP01 … MP23).") % {
                "value": instalment.method or "-"
            }
        if not _two_decimals(instalment.amount):
            found[f"{path}.amount"] = _("An amount has at most two decimals.")
        if instalment.iban and not _valid_iban(instalment.iban):
            found[f"{path}.iban"] = _("%(value)s is not a valid IBAN.") % {"value": instalment.iban}
        _too_long(found, f"{path}.bank", instalment.bank, 80)
        _too_long(found, f"{path}.beneficiary", instalment.beneficiary, 200)
    if payment.terms == "TP02" and len(payment.instalments) > 1:
        found["payment.terms"] = _("Payment in full (TP02) has one amount due; several are instalments (TP01).")
    payable = total_of(document)
    if document.vat_due == "S":  # split payment: the public body pays the VAT to the State
        payable -= sum((row.tax for row in summarise(document.lines, vat_due="S")), Decimal("0.00"))
    owed = sum((instalment.amount for instalment in payment.instalments), Decimal("0.00"))
    if owed != payable and "payment.instalments" not in found:
        found["payment.instalments"] = _("The amounts due add up to %(owed)s, the invoice asks %(payable)s.") % {
            "owed": owed,
            "payable": payable,
        }


def problems(document: Document) -> dict[str, str]:
    """What would make ``document`` invalid against the schema or refused by the exchange system, as field path
    (the dataclasses' attribute names, list items by 0-based index: ``lines.2.natura``) → a message for the
    person issuing the invoice. Empty when it can be issued."""
    found: dict[str, str] = {}
    _seller(found, document)
    _buyer(found, document.buyer)
    same = document.buyer.vat_number and _compact(document.buyer.vat_number) == _compact(document.seller.vat_number)
    if same and document.buyer.country.upper() == document.seller.country.upper():
        found["buyer.vat_number"] = _(
            "The customer has the seller's own VAT number: an invoice is not issued to oneself."
        )
    _recipient(found, document)
    _general(found, document)
    _lines(found, document)
    if "lines" not in found and not any(key.endswith(".vat_rate") for key in found):
        _totals(found, document)
    _payment(found, document)
    return found
