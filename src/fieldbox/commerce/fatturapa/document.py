"""What an Italian e-invoice (FatturaPA 1.2.2) says, as plain frozen dataclasses: no database, no Django models.

The invoicing code maps its own records onto a ``Document``; ``build`` turns it into the XML, ``problems`` says
in words (field path → message) what would make it refused. Amounts are ``Decimal`` in euro; texts are given as
the user typed them (``build`` passes them through ``clean_text``). Field paths in ``problems`` use the
attribute names below, e.g. ``seller.vat_number``, ``buyer.fiscal_code``, ``lines.2.natura``, ``summary.0.tax``.

Italian names of the schema are in the docstrings, so the two can be read side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from fieldbox.core.money import rounded

# FormatoTrasmissione: to a private business or a consumer, or to a public body.
PRIVATE = "FPR12"
PUBLIC = "FPA12"

# TipoDocumento the product writes.
INVOICE = "TD01"
CREDIT_NOTE = "TD04"
DEFERRED_INVOICE = "TD24"  # fattura differita: lists the DDTs it bills

# EsigibilitaIVA: immediate, deferred, split payment (scissione dei pagamenti, public bodies).
VAT_IMMEDIATE = "I"
VAT_DEFERRED = "D"
VAT_SPLIT = "S"

# CondizioniPagamento.
PAY_INSTALMENTS = "TP01"
PAY_IN_FULL = "TP02"
PAY_ADVANCE = "TP03"

# ModalitaPagamento (the common ones; any MP01..MP23 is accepted).
CASH = "MP01"
CHEQUE = "MP02"
BANK_TRANSFER = "MP05"
RIBA = "MP12"
SEPA_DIRECT_DEBIT = "MP19"

# Codice destinatario of a recipient known only by PEC (or a consumer, or abroad: "XXXXXXX").
NO_CODE = "0000000"
FOREIGN_CODE = "XXXXXXX"


@dataclass(frozen=True, kw_only=True)
class Address:
    """Sede (IndirizzoType). ``postcode`` is the CAP (5 digits; "00000" for an address abroad), ``province``
    the two-letter sigla (Italy only), ``country`` ISO 3166 alpha-2."""

    street: str  # Indirizzo (street, may hold the number too)
    postcode: str  # CAP
    town: str  # Comune
    number: str = ""  # NumeroCivico
    province: str = ""  # Provincia
    country: str = "IT"  # Nazione


@dataclass(frozen=True, kw_only=True)
class Seller:
    """CedentePrestatore: the organisation issuing the invoice. ``vat_number`` is the partita IVA without
    the country prefix (11 digits in Italy); ``fiscal_code`` the codice fiscale when it differs (often equal to
    the VAT number for a company, 16 characters for a sole trader; leave empty to omit). ``tax_regime`` is the
    RegimeFiscale (RF01 ordinary, RF19 flat-rate …). A person (sole trader) gives ``first_name``/``last_name``
    instead of ``name``."""

    vat_number: str
    address: Address
    name: str = ""  # Denominazione
    first_name: str = ""  # Nome
    last_name: str = ""  # Cognome
    country: str = "IT"  # IdPaese of IdFiscaleIVA
    fiscal_code: str = ""  # CodiceFiscale
    tax_regime: str = "RF01"  # RegimeFiscale
    email: str = ""  # Contatti/Email
    phone: str = ""  # Contatti/Telefono


@dataclass(frozen=True, kw_only=True)
class Buyer:
    """CessionarioCommittente: the customer. Three shapes:

    - Italian business: ``country="IT"``, ``vat_number`` (11 digits), ``fiscal_code`` optional;
    - consumer (private person in Italy): ``fiscal_code`` only (16 characters), no ``vat_number``,
      ``first_name``/``last_name`` (or ``name``);
    - foreign customer: ``country`` ≠ "IT", ``vat_number`` the foreign VAT number without its country prefix
      (or any identifier, "99999999999" when there is none); the recipient code is then "XXXXXXX".

    A public body (FPA12) is an Italian buyer with its fiscal code (and VAT number if it has one).
    """

    address: Address
    name: str = ""  # Denominazione
    first_name: str = ""  # Nome
    last_name: str = ""  # Cognome
    country: str = "IT"  # IdPaese of IdFiscaleIVA
    vat_number: str = ""  # IdCodice of IdFiscaleIVA (no country prefix)
    fiscal_code: str = ""  # CodiceFiscale

    @property
    def is_foreign(self) -> bool:
        return self.country.upper() != "IT"

    @property
    def is_consumer(self) -> bool:
        return not self.is_foreign and not self.vat_number


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """How the exchange system (SDI) delivers it: CodiceDestinatario (7 characters for FPR12, "0000000" when
    unknown or for a consumer, "XXXXXXX" abroad; the 6-character codice univoco ufficio for FPA12 public
    bodies) and PECDestinatario (the certified e-mail address, only with code "0000000")."""

    code: str = NO_CODE
    pec: str = ""


@dataclass(frozen=True, kw_only=True)
class Line:
    """DettaglioLinee: one line. Its total (PrezzoTotale) is quantity x unit price less the discount, rounded to
    the cent (``total``). VAT: ``vat_rate`` in percent (22, 10, 5, 4 …); with rate 0 the ``natura`` code is
    required (N1, N2.1, N2.2, N3.1 … N3.6, N4, N5, N6.1 … N6.9, N7) and ``legal_reference`` (RiferimentoNormativo,
    the law that makes it exempt or out of scope, e.g. "Art. 15 DPR 633/72") goes into the VAT summary.
    ``discount_percent`` (ScontoMaggiorazione SC percentuale) applies to quantity x price. ``quantity`` None
    means one (then Quantita is omitted). ``code`` is the item code (CodiceArticolo, type "INTERNO")."""

    description: str  # Descrizione
    unit_price: Decimal  # PrezzoUnitario
    vat_rate: Decimal  # AliquotaIVA
    quantity: Decimal | None = None  # Quantita
    unit: str = ""  # UnitaMisura
    discount_percent: Decimal | None = None  # ScontoMaggiorazione
    natura: str = ""  # Natura (only with vat_rate 0)
    legal_reference: str = ""  # RiferimentoNormativo (summary of its natura)
    code: str = ""  # CodiceArticolo/CodiceValore
    period_start: date | None = None  # DataInizioPeriodo (e.g. a contract fee's period)
    period_end: date | None = None  # DataFinePeriodo

    @cached_property
    def total(self) -> Decimal:
        """PrezzoTotale: rounded once to the cent (core.money); computed once (the checks, the summary and the XML
        read it)."""
        gross = (self.quantity if self.quantity is not None else Decimal(1)) * self.unit_price
        if self.discount_percent:
            gross = gross * (Decimal(100) - self.discount_percent) / Decimal(100)
        return rounded(gross)


@dataclass(frozen=True, kw_only=True)
class VatSummary:
    """DatiRiepilogo: one per VAT rate (and natura). ``taxable`` is ImponibileImporto (the sum of the lines'
    totals at that rate), ``tax`` the Imposta (taxable x rate, rounded to the cent), ``vat_due`` EsigibilitaIVA
    (I immediate, D deferred, S split payment). Leave ``Document.summary`` empty and ``build`` computes it
    with ``summarise``."""

    vat_rate: Decimal
    taxable: Decimal
    tax: Decimal
    natura: str = ""
    vat_due: str = VAT_IMMEDIATE
    legal_reference: str = ""


@dataclass(frozen=True, kw_only=True)
class LinkedInvoice:
    """DatiFattureCollegate: the invoice a credit note (TD04) corrects: its number and date, and optionally
    which of this document's lines refer to it (RiferimentoNumeroLinea, 1-based)."""

    number: str
    date: date
    lines: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DeliveryNote:
    """DatiDDT of a deferred invoice (TD24): the DDT's number and date and the lines of this invoice that bill
    it (RiferimentoNumeroLinea, 1-based)."""

    number: str
    date: date
    lines: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Instalment:
    """DettaglioPagamento: one amount due. ``method`` is ModalitaPagamento (MP05 bank transfer, MP01 cash,
    MP12 RiBa, MP19 SEPA direct debit …), ``due_on`` DataScadenzaPagamento, ``iban``/``bank`` where to pay."""

    amount: Decimal  # ImportoPagamento
    method: str = BANK_TRANSFER
    due_on: date | None = None
    iban: str = ""
    bank: str = ""  # IstitutoFinanziario
    beneficiary: str = ""  # Beneficiario


@dataclass(frozen=True, kw_only=True)
class Payment:
    """DatiPagamento: TP02 paid in full (one instalment) or TP01 in instalments."""

    instalments: tuple[Instalment, ...]
    terms: str = PAY_IN_FULL  # CondizioniPagamento


@dataclass(frozen=True, kw_only=True)
class Document:
    """One FatturaPA file with one invoice body.

    - ``format``: FPR12 (businesses, consumers, abroad) or FPA12 (public bodies);
    - ``progressive``: ProgressivoInvio, the sending number of the file (alphanumeric, at most 5 characters
      here so the file name fits; the same as in ``file_name``);
    - ``document_type``: TD01, TD04 (with ``linked``: the invoice it corrects) or TD24 (with ``delivery_notes``);
    - ``number``/``date``: the invoice's number (at most 20 characters) and date;
    - ``lines``; ``summary`` (empty: computed from the lines by ``summarise``, with ``vat_due`` as EsigibilitaIVA);
    - ``vat_due``: I, D, or S for split payment (public bodies, FPA12);
    - ``stamp_duty``: ImportoBollo (2.00) when the stamp duty is due (``stamp_duty_due``), else None;
    - ``total``: ImportoTotaleDocumento (None: taxable + tax of the summary; a stamp duty charged to the customer
      is a line of its own, natura N1, "Art. 15 DPR 633/72");
    - ``transmitter_country``/``transmitter_code``: IdTrasmittente (default: the seller's country and fiscal
      code, or its VAT number);
    - ``reasons``: Causale texts (each at most 200 characters).
    """

    seller: Seller
    buyer: Buyer
    number: str
    date: date
    lines: tuple[Line, ...]
    progressive: str
    recipient: Recipient = field(default_factory=Recipient)
    format: str = PRIVATE
    document_type: str = INVOICE
    currency: str = "EUR"
    summary: tuple[VatSummary, ...] = ()
    vat_due: str = VAT_IMMEDIATE
    linked: tuple[LinkedInvoice, ...] = ()
    delivery_notes: tuple[DeliveryNote, ...] = ()
    stamp_duty: Decimal | None = None
    payment: Payment | None = None
    total: Decimal | None = None
    reasons: tuple[str, ...] = ()
    transmitter_country: str = ""
    transmitter_code: str = ""
