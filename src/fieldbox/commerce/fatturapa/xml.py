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
    return validate_tree(tree)


def validate_tree(tree: etree._Element) -> list[str]:
    """``validate`` for a tree ``build_tree`` made (not parsed again)."""
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
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:  # already as written: most prices
        return format(value, "f")
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


# -- the tree ------------------------------------------------------------------------------------------------


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _fiscal_id(parent: etree._Element, tag: str, country: str, identifier: str) -> None:
    node = _sub(parent, tag)
    _sub(node, "IdPaese", code(country)[:2] or "IT")
    _sub(node, "IdCodice", identifier[:28] or NO_FOREIGN_ID)


def _party_name(parent: etree._Element, name: str, first_name: str, last_name: str) -> None:
    node = _sub(parent, "Anagrafica")
    if clean_text(name, 80) or not (clean_text(first_name, 60) or clean_text(last_name, 60)):
        _sub(node, "Denominazione", latin(name, 80))
    else:
        _sub(node, "Nome", latin(first_name, 60))
        _sub(node, "Cognome", latin(last_name, 60))


def _address(parent: etree._Element, tag: str, address: Address) -> None:
    node = _sub(parent, tag)
    country = code(address.country)[:2] or "IT"
    _sub(node, "Indirizzo", latin(address.street, 60))
    number = clean_text(address.number, 8, basic_latin=True)
    if number:
        _sub(node, "NumeroCivico", number)
    postcode = re.sub(r"\D", "", address.postcode or "")
    _sub(node, "CAP", postcode if len(postcode) == 5 else "00000")  # abroad: "00000" unless it has 5 digits
    _sub(node, "Comune", latin(address.town, 60))
    province = code(address.province)
    if country == "IT" and re.fullmatch(r"[A-Z]{2}", province):
        _sub(node, "Provincia", province)
    _sub(node, "Nazione", country)


def _contacts(parent: etree._Element, email: str, phone: str) -> None:
    phone = clean_text(phone, 40, basic_latin=True)
    email = clean_text(email, 256, basic_latin=True).replace(" ", "")
    phone_ok = 5 <= len(phone) <= 12
    email_ok = len(email) >= 7 and re.fullmatch(r".+@.+[.]+.+", email) is not None
    if not (phone_ok or email_ok):
        return
    node = _sub(parent, "Contatti")
    if phone_ok:
        _sub(node, "Telefono", phone)
    if email_ok:
        _sub(node, "Email", email)


def _header(root: etree._Element, document: Document) -> None:
    header = _sub(root, "FatturaElettronicaHeader")
    seller = document.seller
    transmission = _sub(header, "DatiTrasmissione")
    transmitter = code(document.transmitter_code) or code(seller.fiscal_code) or code(seller.vat_number)
    _fiscal_id(transmission, "IdTrasmittente", document.transmitter_country or seller.country, transmitter)
    _sub(transmission, "ProgressivoInvio", ascii_text(document.progressive.rjust(5, "0"), 10))
    _sub(transmission, "FormatoTrasmissione", document.format)
    recipient_code = code(document.recipient.code)
    if document.buyer.is_foreign and document.format != PUBLIC and not recipient_code.strip("0"):
        recipient_code = FOREIGN_CODE
    _sub(transmission, "CodiceDestinatario", recipient_code)
    pec = clean_text(document.recipient.pec, 256, basic_latin=True).replace(" ", "")
    if EMAIL.fullmatch(pec):
        _sub(transmission, "PECDestinatario", pec)

    cedente = _sub(header, "CedentePrestatore")
    personal = _sub(cedente, "DatiAnagrafici")
    _fiscal_id(personal, "IdFiscaleIVA", seller.country, code(seller.vat_number))
    if code(seller.fiscal_code):
        _sub(personal, "CodiceFiscale", code(seller.fiscal_code))
    _party_name(personal, seller.name, seller.first_name, seller.last_name)
    _sub(personal, "RegimeFiscale", seller.tax_regime)
    _address(cedente, "Sede", seller.address)
    _contacts(cedente, seller.email, seller.phone)

    _buyer(_sub(header, "CessionarioCommittente"), document.buyer)


def _buyer(parent: etree._Element, buyer: Buyer) -> None:
    personal = _sub(parent, "DatiAnagrafici")
    vat = code(buyer.vat_number)
    if buyer.is_foreign:
        _fiscal_id(personal, "IdFiscaleIVA", buyer.country, vat or NO_FOREIGN_ID)
    elif vat:
        _fiscal_id(personal, "IdFiscaleIVA", "IT", vat)
    fiscal = code(buyer.fiscal_code)
    if fiscal and not buyer.is_foreign:
        _sub(personal, "CodiceFiscale", fiscal)
    _party_name(personal, buyer.name, buyer.first_name, buyer.last_name)
    _address(parent, "Sede", buyer.address)


def _general(body: etree._Element, document: Document) -> None:
    general = _sub(body, "DatiGenerali")
    data = _sub(general, "DatiGeneraliDocumento")
    _sub(data, "TipoDocumento", document.document_type)
    _sub(data, "Divisa", code(document.currency) or "EUR")
    _sub(data, "Data", document.date.isoformat())
    _sub(data, "Numero", ascii_text(document.number, 20))
    if document.stamp_duty is not None:
        stamp = _sub(data, "DatiBollo")
        _sub(stamp, "BolloVirtuale", "SI")
        _sub(stamp, "ImportoBollo", amount(document.stamp_duty))
    _sub(data, "ImportoTotaleDocumento", amount(total_of(document)))
    for reason in document.reasons:
        text = clean_text(reason, 200)
        if text:
            _sub(data, "Causale", text)
    for linked in document.linked:
        node = _sub(general, "DatiFattureCollegate")
        for number in linked.lines:
            _sub(node, "RiferimentoNumeroLinea", str(number))
        _sub(node, "IdDocumento", ascii_text(linked.number, 20))
        _sub(node, "Data", linked.date.isoformat())
    for note in document.delivery_notes:
        node = _sub(general, "DatiDDT")
        _sub(node, "NumeroDDT", ascii_text(note.number, 20))
        _sub(node, "DataDDT", note.date.isoformat())
        for number in note.lines:
            _sub(node, "RiferimentoNumeroLinea", str(number))


def _line(parent: etree._Element, number: int, line: Line) -> None:
    sub = etree.SubElement  # the hottest loop of a run: thousands of lines, a dozen elements each
    node = sub(parent, "DettaglioLinee")
    sub(node, "NumeroLinea").text = str(number)
    if line.code:
        item_code = clean_text(line.code, 35)
        if item_code:
            article = sub(node, "CodiceArticolo")
            sub(article, "CodiceTipo").text = "INTERNO"
            sub(article, "CodiceValore").text = item_code
    sub(node, "Descrizione").text = latin(line.description, 1000)
    if line.quantity is not None:
        sub(node, "Quantita").text = price(abs(line.quantity))
        unit = clean_text(line.unit, 10, basic_latin=True) if line.unit else ""
        if unit:
            sub(node, "UnitaMisura").text = unit
    if line.period_start and line.period_end:
        sub(node, "DataInizioPeriodo").text = line.period_start.isoformat()
        sub(node, "DataFinePeriodo").text = line.period_end.isoformat()
    sub(node, "PrezzoUnitario").text = price(line.unit_price)
    if line.discount_percent:
        discount = sub(node, "ScontoMaggiorazione")
        sub(discount, "Tipo").text = "SC"
        sub(discount, "Percentuale").text = rate(line.discount_percent)
    sub(node, "PrezzoTotale").text = price(line.total)
    sub(node, "AliquotaIVA").text = rate(line.vat_rate)
    if line.natura:
        sub(node, "Natura").text = line.natura


def _summary(parent: etree._Element, row: VatSummary) -> None:
    node = _sub(parent, "DatiRiepilogo")
    _sub(node, "AliquotaIVA", rate(row.vat_rate))
    if row.natura:
        _sub(node, "Natura", row.natura)
    _sub(node, "ImponibileImporto", amount(row.taxable))
    _sub(node, "Imposta", amount(row.tax))
    if row.vat_due:
        _sub(node, "EsigibilitaIVA", row.vat_due)
    reference = clean_text(row.legal_reference, 100)
    if reference:
        _sub(node, "RiferimentoNormativo", reference)


def _instalment(parent: etree._Element, instalment: Instalment) -> None:
    node = _sub(parent, "DettaglioPagamento")
    beneficiary = clean_text(instalment.beneficiary, 200)
    if beneficiary:
        _sub(node, "Beneficiario", beneficiary)
    _sub(node, "ModalitaPagamento", instalment.method)
    if instalment.due_on:
        _sub(node, "DataScadenzaPagamento", instalment.due_on.isoformat())
    _sub(node, "ImportoPagamento", amount(instalment.amount))
    bank = clean_text(instalment.bank, 80)
    if bank:
        _sub(node, "IstitutoFinanziario", bank)
    iban = code(instalment.iban)
    if iban:
        _sub(node, "IBAN", iban)


def build(document: Document) -> bytes:
    """The FatturaPA XML of ``document`` (UTF-8, with its declaration, the ``p:`` namespace and ``versione``
    FPR12 or FPA12). Texts are cleaned (``clean_text``) and cut to their length; ``problems`` says beforehand
    what would still make it refused, ``validate`` checks the result against the schema."""
    return text_of(build_tree(document))


def text_of(tree: etree._Element) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build_tree(document: Document) -> etree._Element:
    """``build``'s tree, for ``validate_tree`` and ``text_of``."""
    root = etree.Element(etree.QName(NAMESPACE, "FatturaElettronica"), nsmap={"p": NAMESPACE, "ds": DSIG, "xsi": XSI})
    root.set("versione", document.format)
    _header(root, document)
    body = _sub(root, "FatturaElettronicaBody")
    _general(body, document)
    goods = _sub(body, "DatiBeniServizi")
    for number, line in enumerate(document.lines, start=1):
        _line(goods, number, line)
    for row in summary_of(document):
        _summary(goods, row)
    if document.payment and document.payment.instalments:
        payment = _sub(body, "DatiPagamento")
        _sub(payment, "CondizioniPagamento", document.payment.terms)
        for instalment in document.payment.instalments:
            _instalment(payment, instalment)
    return root
