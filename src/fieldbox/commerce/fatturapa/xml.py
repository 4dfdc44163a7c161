"""The XML of a ``Document`` (``build``) and its check against the official schema (``validate``)."""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from lxml import etree

from fieldbox.commerce.fatturapa.document import (
    FOREIGN_CODE,
    PUBLIC,
    Address,
    Buyer,
    Document,
    Instalment,
    Line,
    VatSummary,
)
from fieldbox.commerce.fatturapa.rules import summary_of, total_of
from fieldbox.commerce.fatturapa.text import clean_text

NAMESPACE = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILE = SCHEMA_DIR / "Schema_del_file_xml_FatturaPA_v1.2.2.xsd"
# EmailType's dot-atom form (the schema's own character ranges), for PECDestinatario.
ATOM = r"[!#-'*+/-9=?A-Z^-~-]+"
EMAIL = re.compile(rf"{ATOM}(\.{ATOM})*@{ATOM}(\.{ATOM})*")
# For a foreign customer with no VAT number, the identifier the exchange system accepts.
NO_FOREIGN_ID = "99999999999"


@functools.cache
def schema() -> etree.XMLSchema:
    """The FatturaPA 1.2.2 schema, loaded once; its import of the signature schema resolves to the file beside
    it (``schemaLocation="xmldsig-core-schema.xsd"``), never to the network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE), parser))


def validate(xml: bytes) -> list[str]:
    """The schema's complaints about ``xml`` (empty when valid), one line each."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)
    try:
        tree = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    checker = schema()
    if checker.validate(tree):
        return []
    return [f"line {error.line}: {error.message}" for error in checker.error_log]


# -- numbers -------------------------------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    """Amount2DecimalType: exactly two decimals."""
    return format(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")


def price(value: Decimal) -> str:
    """Amount8DecimalType / QuantitaType: two to eight decimals (as many as the value has, up to eight)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if exponent == -2:  # already as written: most prices
            return format(value, "f")
        if isinstance(exponent, int) and -8 <= exponent < -2:  # as stored (4 decimals …): its zeros beyond the cent go
            whole, _dot, decimals = format(value, "f").partition(".")
            return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"
    exact = Decimal(value).quantize(Decimal("1E-8"), rounding=ROUND_HALF_UP).normalize()
    if exact.as_tuple().exponent > -2:  # type: ignore[operator]
        exact = exact.quantize(Decimal("0.01"))
    return format(exact, "f")


def rate(value: Decimal) -> str:
    """RateType: a percentage with two decimals."""
    return amount(value)


# -- texts ---------------------------------------------------------------------------------------------------


def latin(value: str, max_len: int) -> str:
    """A required Latin-1 text: cleaned, or "-" when nothing is left (the schema wants at least a character)."""
    return clean_text(value, max_len) or "-"


def ascii_text(value: str, max_len: int) -> str:
    return clean_text(value, max_len, basic_latin=True) or "-"


def code(value: str) -> str:
    """Identifiers (VAT numbers, fiscal codes, recipient codes): letters and digits, upper case."""
    return re.sub(r"[^A-Z0-9]", "", str(value or "").upper())


# -- the text -------------------------------------------------------------------------------------------------
# The XML is written as text, element by element, and checked by parsing it against the schema (``validate``):
# a run writes thousands of documents with dozens of lines each, and text is several times faster to write than a
# tree. Every text goes through ``_escaped`` (the cleaned texts hold no control character; ``&``, ``<`` and ``>``
# are escaped); tags and codes are the product's own.


def _escaped(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class _Writer:
    """Pretty-printed elements, two spaces a level, as lxml's ``pretty_print`` writes them."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.depth = 0

    def leaf(self, tag: str, text: str) -> None:
        self.parts.append(f"{'  ' * self.depth}<{tag}>{_escaped(text)}</{tag}>\n")

    def open(self, tag: str) -> None:
        self.parts.append(f"{'  ' * self.depth}<{tag}>\n")
        self.depth += 1

    def close(self, tag: str) -> None:
        self.depth -= 1
        self.parts.append(f"{'  ' * self.depth}</{tag}>\n")


def _fiscal_id(out: _Writer, tag: str, country: str, identifier: str) -> None:
    out.open(tag)
    out.leaf("IdPaese", code(country)[:2] or "IT")
    out.leaf("IdCodice", identifier[:28] or NO_FOREIGN_ID)
    out.close(tag)


def _party_name(out: _Writer, name: str, first_name: str, last_name: str) -> None:
    out.open("Anagrafica")
    if clean_text(name, 80) or not (clean_text(first_name, 60) or clean_text(last_name, 60)):
        out.leaf("Denominazione", latin(name, 80))
    else:
        out.leaf("Nome", latin(first_name, 60))
        out.leaf("Cognome", latin(last_name, 60))
    out.close("Anagrafica")


def _address(out: _Writer, tag: str, address: Address) -> None:
    out.open(tag)
    country = code(address.country)[:2] or "IT"
    out.leaf("Indirizzo", latin(address.street, 60))
    number = clean_text(address.number, 8, basic_latin=True)
    if number:
        out.leaf("NumeroCivico", number)
    postcode = re.sub(r"\D", "", address.postcode or "")
    out.leaf("CAP", postcode if len(postcode) == 5 else "00000")  # abroad: "00000" unless it has 5 digits
    out.leaf("Comune", latin(address.town, 60))
    province = code(address.province)
    if country == "IT" and re.fullmatch(r"[A-Z]{2}", province):
        out.leaf("Provincia", province)
    out.leaf("Nazione", country)
    out.close(tag)


def _contacts(out: _Writer, email: str, phone: str) -> None:
    phone = clean_text(phone, 40, basic_latin=True)
    email = clean_text(email, 256, basic_latin=True).replace(" ", "")
    phone_ok = 5 <= len(phone) <= 12
    email_ok = len(email) >= 7 and re.fullmatch(r".+@.+[.]+.+", email) is not None
    if not (phone_ok or email_ok):
        return
    out.open("Contatti")
    if phone_ok:
        out.leaf("Telefono", phone)
    if email_ok:
        out.leaf("Email", email)
    out.close("Contatti")


def _header(out: _Writer, document: Document) -> None:
    out.open("FatturaElettronicaHeader")
    seller = document.seller
    out.open("DatiTrasmissione")
    transmitter = code(document.transmitter_code) or code(seller.fiscal_code) or code(seller.vat_number)
    _fiscal_id(out, "IdTrasmittente", document.transmitter_country or seller.country, transmitter)
    out.leaf("ProgressivoInvio", ascii_text(document.progressive.rjust(5, "0"), 10))
    out.leaf("FormatoTrasmissione", document.format)
    recipient_code = code(document.recipient.code)
    if document.buyer.is_foreign and document.format != PUBLIC and not recipient_code.strip("0"):
        recipient_code = FOREIGN_CODE
    out.leaf("CodiceDestinatario", recipient_code)
    pec = clean_text(document.recipient.pec, 256, basic_latin=True).replace(" ", "")
    if EMAIL.fullmatch(pec):
        out.leaf("PECDestinatario", pec)
    out.close("DatiTrasmissione")

    out.open("CedentePrestatore")
    out.open("DatiAnagrafici")
    _fiscal_id(out, "IdFiscaleIVA", seller.country, code(seller.vat_number))
    if code(seller.fiscal_code):
        out.leaf("CodiceFiscale", code(seller.fiscal_code))
    _party_name(out, seller.name, seller.first_name, seller.last_name)
    out.leaf("RegimeFiscale", seller.tax_regime)
    out.close("DatiAnagrafici")
    _address(out, "Sede", seller.address)
    _contacts(out, seller.email, seller.phone)
    out.close("CedentePrestatore")

    out.open("CessionarioCommittente")
    _buyer(out, document.buyer)
    out.close("CessionarioCommittente")
    out.close("FatturaElettronicaHeader")


def _buyer(out: _Writer, buyer: Buyer) -> None:
    out.open("DatiAnagrafici")
    vat = code(buyer.vat_number)
    if buyer.is_foreign:
        _fiscal_id(out, "IdFiscaleIVA", buyer.country, vat or NO_FOREIGN_ID)
    elif vat:
        _fiscal_id(out, "IdFiscaleIVA", "IT", vat)
    fiscal = code(buyer.fiscal_code)
    if fiscal and not buyer.is_foreign:
        out.leaf("CodiceFiscale", fiscal)
    _party_name(out, buyer.name, buyer.first_name, buyer.last_name)
    out.close("DatiAnagrafici")
    _address(out, "Sede", buyer.address)


def _general(out: _Writer, document: Document) -> None:
    out.open("DatiGenerali")
    out.open("DatiGeneraliDocumento")
    out.leaf("TipoDocumento", document.document_type)
    out.leaf("Divisa", code(document.currency) or "EUR")
    out.leaf("Data", document.date.isoformat())
    out.leaf("Numero", ascii_text(document.number, 20))
    if document.stamp_duty is not None:
        out.open("DatiBollo")
        out.leaf("BolloVirtuale", "SI")
        out.leaf("ImportoBollo", amount(document.stamp_duty))
        out.close("DatiBollo")
    out.leaf("ImportoTotaleDocumento", amount(total_of(document)))
    for reason in document.reasons:
        text = clean_text(reason, 200)
        if text:
            out.leaf("Causale", text)
    out.close("DatiGeneraliDocumento")
    for linked in document.linked:
        out.open("DatiFattureCollegate")
        for number in linked.lines:
            out.leaf("RiferimentoNumeroLinea", str(number))
        out.leaf("IdDocumento", ascii_text(linked.number, 20))
        out.leaf("Data", linked.date.isoformat())
        out.close("DatiFattureCollegate")
    for note in document.delivery_notes:
        out.open("DatiDDT")
        out.leaf("NumeroDDT", ascii_text(note.number, 20))
        out.leaf("DataDDT", note.date.isoformat())
        for number in note.lines:
            out.leaf("RiferimentoNumeroLinea", str(number))
        out.close("DatiDDT")
    out.close("DatiGenerali")


def _line(number: int, line: Line) -> str:
    """One DettaglioLinee, written in one piece: the hottest loop of a run (thousands of lines)."""
    pad = "        "
    parts = [f"      <DettaglioLinee>\n{pad}<NumeroLinea>{number}</NumeroLinea>\n"]
    if line.code:
        item_code = clean_text(line.code, 35)
        if item_code:
            parts.append(
                f"{pad}<CodiceArticolo>\n{pad}  <CodiceTipo>INTERNO</CodiceTipo>\n"
                f"{pad}  <CodiceValore>{_escaped(item_code)}</CodiceValore>\n{pad}</CodiceArticolo>\n"
            )
    parts.append(f"{pad}<Descrizione>{_escaped(latin(line.description, 1000))}</Descrizione>\n")
    if line.quantity is not None:
        parts.append(f"{pad}<Quantita>{price(abs(line.quantity))}</Quantita>\n")
        unit = clean_text(line.unit, 10, basic_latin=True) if line.unit else ""
        if unit:
            parts.append(f"{pad}<UnitaMisura>{_escaped(unit)}</UnitaMisura>\n")
    if line.period_start and line.period_end:
        parts.append(
            f"{pad}<DataInizioPeriodo>{line.period_start.isoformat()}</DataInizioPeriodo>\n"
            f"{pad}<DataFinePeriodo>{line.period_end.isoformat()}</DataFinePeriodo>\n"
        )
    parts.append(f"{pad}<PrezzoUnitario>{price(line.unit_price)}</PrezzoUnitario>\n")
    if line.discount_percent:
        parts.append(
            f"{pad}<ScontoMaggiorazione>\n{pad}  <Tipo>SC</Tipo>\n"
            f"{pad}  <Percentuale>{rate(line.discount_percent)}</Percentuale>\n{pad}</ScontoMaggiorazione>\n"
        )
    parts.append(
        f"{pad}<PrezzoTotale>{price(line.total)}</PrezzoTotale>\n{pad}<AliquotaIVA>{rate(line.vat_rate)}</AliquotaIVA>\n"
    )
    if line.natura:
        parts.append(f"{pad}<Natura>{_escaped(line.natura)}</Natura>\n")
    parts.append("      </DettaglioLinee>\n")
    return "".join(parts)


def _summary(out: _Writer, row: VatSummary) -> None:
    out.open("DatiRiepilogo")
    out.leaf("AliquotaIVA", rate(row.vat_rate))
    if row.natura:
        out.leaf("Natura", row.natura)
    out.leaf("ImponibileImporto", amount(row.taxable))
    out.leaf("Imposta", amount(row.tax))
    if row.vat_due:
        out.leaf("EsigibilitaIVA", row.vat_due)
    reference = clean_text(row.legal_reference, 100)
    if reference:
        out.leaf("RiferimentoNormativo", reference)
    out.close("DatiRiepilogo")


def _instalment(out: _Writer, instalment: Instalment) -> None:
    out.open("DettaglioPagamento")
    beneficiary = clean_text(instalment.beneficiary, 200)
    if beneficiary:
        out.leaf("Beneficiario", beneficiary)
    out.leaf("ModalitaPagamento", instalment.method)
    if instalment.due_on:
        out.leaf("DataScadenzaPagamento", instalment.due_on.isoformat())
    out.leaf("ImportoPagamento", amount(instalment.amount))
    bank = clean_text(instalment.bank, 80)
    if bank:
        out.leaf("IstitutoFinanziario", bank)
    iban = code(instalment.iban)
    if iban:
        out.leaf("IBAN", iban)
    out.close("DettaglioPagamento")


DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"


def build(document: Document) -> bytes:
    """The FatturaPA XML of ``document`` (UTF-8, with its declaration, the ``p:`` namespace and ``versione``
    FPR12 or FPA12). Texts are cleaned (``clean_text``) and cut to their length; ``problems`` says beforehand
    what would still make it refused, ``validate`` checks the result against the schema."""
    return build_text(document).encode("utf-8")


def build_text(document: Document) -> str:
    """``build`` as text."""
    out = _Writer()
    out.parts.append(
        f'{DECLARATION}<p:FatturaElettronica xmlns:p="{NAMESPACE}" xmlns:ds="{DSIG}" xmlns:xsi="{XSI}" '
        f'versione="{document.format}">\n'
    )
    out.depth = 1
    _header(out, document)
    out.open("FatturaElettronicaBody")
    _general(out, document)
    out.open("DatiBeniServizi")
    out.parts.extend(_line(number, line) for number, line in enumerate(document.lines, start=1))
    for row in summary_of(document):
        _summary(out, row)
    out.close("DatiBeniServizi")
    if document.payment and document.payment.instalments:
        out.open("DatiPagamento")
        out.leaf("CondizioniPagamento", document.payment.terms)
        for instalment in document.payment.instalments:
            _instalment(out, instalment)
        out.close("DatiPagamento")
    out.close("FatturaElettronicaBody")
    out.parts.append("</p:FatturaElettronica>\n")
    return "".join(out.parts)


def renumbered(text: str, document: Document, number: str, progressive: str) -> str:
    """``build_text(document)`` as it is with ``number`` and file ``progressive`` instead of the document's: a
    document is written and validated before it takes its number (numbers are taken last, so the transaction that
    takes them holds them briefly). Both are the one element of their tag; what a number may hold (Basic Latin, up
    to 20 characters) is what the document's had, so the text stays as valid as it was."""
    for tag, old, new, width in (
        ("Numero", document.number, number, 20),
        ("ProgressivoInvio", document.progressive.rjust(5, "0"), progressive.rjust(5, "0"), 10),
    ):
        was = f"<{tag}>{_escaped(ascii_text(old, width))}</{tag}>"
        if text.count(was) != 1:
            raise ValueError(f"{tag} is not written once")
        text = text.replace(was, f"<{tag}>{_escaped(ascii_text(new, width))}</{tag}>")
    return text
