"""The Italian e-invoice: every XML built here is validated against the official FatturaPA 1.2.2 schema, and
``problems`` names the field of what the exchange system would refuse."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from fieldbox.commerce import fatturapa as fp

NS = {"p": "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"}

SELLER_VAT = "12345670017"  # a partita IVA with its check digit
CUSTOMER_VAT = "07654320154"
PUBLIC_BODY_CF = "80012340016"  # a public body's fiscal code (11 digits, no VAT number)
PERSON_CF = "RSSMRA85T10A562S"
IBAN = "IT60X0542811101000000123456"

MILAN = fp.Address(street="Via Roma", number="12", postcode="20121", town="Milano", province="MI")
TURIN = fp.Address(street="Corso Francia 3", postcode="10138", town="Torino", province="TO")

SELLER = fp.Seller(
    vat_number=SELLER_VAT,
    name="Officina Rossi S.r.l.",
    address=MILAN,
    tax_regime="RF01",
    email="ufficio@officinarossi.it",
    phone="0212345678",
)
BUSINESS = fp.Buyer(vat_number=CUSTOMER_VAT, name="Bar Centrale S.n.c.", address=TURIN)
CONSUMER = fp.Buyer(fiscal_code=PERSON_CF, first_name="Mario", last_name="Rossi", address=TURIN)
FOREIGN = fp.Buyer(
    country="DE",
    vat_number="136695976",
    name="Kältetechnik Müller GmbH",
    address=fp.Address(street="Hauptstraße 5", postcode="80331", town="München", country="DE"),
)
PUBLIC_BODY = fp.Buyer(fiscal_code=PUBLIC_BODY_CF, name="Comune di Torino", address=TURIN)


def labour(hours: str = "2", price: str = "45.00", rate: str = "22") -> fp.Line:
    return fp.Line(
        description="Manodopera tecnico",
        quantity=Decimal(hours),
        unit="ore",
        unit_price=Decimal(price),
        vat_rate=Decimal(rate),
    )


def document(**changes: object) -> fp.Document:
    base = fp.Document(
        seller=SELLER,
        buyer=BUSINESS,
        recipient=fp.Recipient(code="ABC1234"),
        number="2026/7",
        date=date(2026, 3, 14),
        progressive="7",
        lines=(labour(),),
    )
    return replace(base, **changes)


def xml_of(doc: fp.Document) -> etree._Element:
    """Build ``doc``, having checked it can be issued, and check the XML against the schema."""
    assert fp.problems(doc) == {}
    xml = fp.build(doc)
    assert fp.validate(xml) == []
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(xml)


def texts(tree: etree._Element, path: str) -> list[str]:
    return [node.text for node in tree.iterfind(path, NS)]


# -- valid documents, each checked against the schema -------------------------------------------------------


def test_business_invoice_with_22_and_10_percent():
    lines = (
        labour(),
        fp.Line(
            description="Filtro deidratatore",
            code="FD-30",
            quantity=Decimal("3"),
            unit="pz",
            unit_price=Decimal("12.345"),
            discount_percent=Decimal("10"),
            vat_rate=Decimal("10"),
        ),
    )
    payment = fp.Payment(instalments=(fp.Instalment(amount=Decimal("146.46"), due_on=date(2026, 4, 30), iban=IBAN),))
    tree = xml_of(document(lines=lines, payment=payment))

    assert tree.get("versione") == "FPR12"
    assert tree.tag == f"{{{NS['p']}}}FatturaElettronica"
    assert texts(tree, ".//CodiceDestinatario") == ["ABC1234"]
    assert texts(tree, ".//ProgressivoInvio") == ["00007"]
    assert texts(tree, ".//DettaglioLinee/PrezzoTotale") == ["90.00", "33.33"]  # 3 x 12.345 less 10 %
    assert texts(tree, ".//DatiRiepilogo/AliquotaIVA") == ["22.00", "10.00"]
    assert texts(tree, ".//DatiRiepilogo/ImponibileImporto") == ["90.00", "33.33"]
    assert texts(tree, ".//DatiRiepilogo/Imposta") == ["19.80", "3.33"]
    total = Decimal("90.00") + Decimal("19.80") + Decimal("33.33") + Decimal("3.33")
    assert texts(tree, ".//ImportoTotaleDocumento") == [str(total)]
    assert texts(tree, ".//DettaglioPagamento/ModalitaPagamento") == ["MP05"]
    assert texts(tree, ".//DettaglioPagamento/IBAN") == [IBAN]
    assert texts(tree, ".//CondizioniPagamento") == ["TP02"]


def test_payment_that_does_not_add_up_is_named():
    payment = fp.Payment(instalments=(fp.Instalment(amount=Decimal("100.00")),))
    found = fp.problems(document(payment=payment))
    assert "109.80" in found["payment.instalments"]


def test_instalments_with_sepa_direct_debit():
    payment = fp.Payment(
        terms=fp.PAY_INSTALMENTS,
        instalments=(
            fp.Instalment(amount=Decimal("54.90"), method=fp.SEPA_DIRECT_DEBIT, due_on=date(2026, 4, 30)),
            fp.Instalment(amount=Decimal("54.90"), method=fp.SEPA_DIRECT_DEBIT, due_on=date(2026, 5, 31)),
        ),
    )
    tree = xml_of(document(payment=payment))
    assert texts(tree, ".//CondizioniPagamento") == ["TP01"]
    assert texts(tree, ".//ModalitaPagamento") == ["MP19", "MP19"]


def test_consumer_with_fiscal_code_only():
    tree = xml_of(document(buyer=CONSUMER, recipient=fp.Recipient()))
    buyer = tree.find(".//CessionarioCommittente/DatiAnagrafici", NS)
    assert buyer.find("IdFiscaleIVA") is None
    assert buyer.findtext("CodiceFiscale") == PERSON_CF
    assert buyer.findtext("Anagrafica/Nome") == "Mario"
    assert buyer.findtext("Anagrafica/Cognome") == "Rossi"
    assert texts(tree, ".//CodiceDestinatario") == ["0000000"]


def test_recipient_by_pec():
    tree = xml_of(document(recipient=fp.Recipient(code=fp.NO_CODE, pec="barcentrale@pec.it")))
    assert texts(tree, ".//PECDestinatario") == ["barcentrale@pec.it"]


def test_foreign_buyer():
    tree = xml_of(document(buyer=FOREIGN, recipient=fp.Recipient(code=fp.FOREIGN_CODE)))
    assert texts(tree, ".//CodiceDestinatario") == ["XXXXXXX"]
    assert texts(tree, ".//CessionarioCommittente//IdPaese") == ["DE"]
    assert texts(tree, ".//CessionarioCommittente//IdCodice") == ["136695976"]
    assert texts(tree, ".//CessionarioCommittente//Denominazione") == ["Kältetechnik Müller GmbH"]
    assert texts(tree, ".//CessionarioCommittente/Sede/Nazione") == ["DE"]
    assert texts(tree, ".//CessionarioCommittente/Sede/Provincia") == []


def test_zero_rate_with_nature_legal_reference_and_stamp_duty():
    lines = (
        fp.Line(
            description="Canone di manutenzione marzo",
            unit_price=Decimal("120.00"),
            vat_rate=Decimal("0"),
            natura="N2.2",
            legal_reference="Art. 1, commi 54-89, Legge 190/2014 - regime forfettario",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
        ),
    )
    seller = replace(SELLER, tax_regime="RF19")
    assert fp.stamp_duty_due(lines) == Decimal("2.00")
    tree = xml_of(document(seller=seller, lines=lines, stamp_duty=fp.stamp_duty_due(lines)))
    assert texts(tree, ".//DatiBollo/BolloVirtuale") == ["SI"]
    assert texts(tree, ".//DatiBollo/ImportoBollo") == ["2.00"]
    assert texts(tree, ".//DettaglioLinee/AliquotaIVA") == ["0.00"]
    assert texts(tree, ".//DettaglioLinee/Natura") == ["N2.2"]
    assert texts(tree, ".//DatiRiepilogo/Natura") == ["N2.2"]
    assert texts(tree, ".//DatiRiepilogo/RiferimentoNormativo") == [
        "Art. 1, commi 54-89, Legge 190/2014 - regime forfettario"
    ]
    assert texts(tree, ".//DatiRiepilogo/Imposta") == ["0.00"]
    assert texts(tree, ".//DettaglioLinee/DataInizioPeriodo") == ["2026-03-01"]


def test_stamp_duty_rule():
    def exempt(amount: str, natura: str = "N4") -> fp.Line:
        return fp.Line(
            description="x", unit_price=Decimal(amount), vat_rate=Decimal(0), natura=natura, legal_reference="Art. 10"
        )

    assert fp.stamp_duty_due([exempt("77.47")]) is None  # "exceeds 77.47"
    assert fp.stamp_duty_due([exempt("77.48")]) == Decimal("2.00")
    assert fp.stamp_duty_due([exempt("40.00"), exempt("40.00", "N1")]) == Decimal("2.00")
    assert fp.stamp_duty_due([exempt("500.00", "N3.1")]) is None  # exports are free of it
    assert fp.stamp_duty_due([exempt("500.00", "N6.7")]) is None  # reverse charge carries VAT
    assert fp.stamp_duty_due([labour("10", "100")]) is None


def test_split_payment_to_a_public_body():
    payment = fp.Payment(instalments=(fp.Instalment(amount=Decimal("90.00"), due_on=date(2026, 4, 13), iban=IBAN),))
    tree = xml_of(
        document(
            format=fp.PUBLIC,
            buyer=PUBLIC_BODY,
            recipient=fp.Recipient(code="UFABCD"),
            vat_due=fp.VAT_SPLIT,
            payment=payment,
            reasons=("CIG Z1234567890 - manutenzione impianti climatizzazione",),
        )
    )
    assert tree.get("versione") == "FPA12"
    assert texts(tree, ".//FormatoTrasmissione") == ["FPA12"]
    assert texts(tree, ".//CodiceDestinatario") == ["UFABCD"]
    assert texts(tree, ".//EsigibilitaIVA") == ["S"]
    assert texts(tree, ".//ImportoTotaleDocumento") == ["109.80"]  # VAT included; the body pays 90.00
    assert texts(tree, ".//ImportoPagamento") == ["90.00"]


def test_credit_note_names_the_invoice_it_corrects():
    tree = xml_of(
        document(
            document_type=fp.CREDIT_NOTE,
            number="NC 2026/1",
            linked=(fp.LinkedInvoice(number="2026/7", date=date(2026, 3, 14)),),
            lines=(labour("1"),),
        )
    )
    assert texts(tree, ".//TipoDocumento") == ["TD04"]
    assert texts(tree, ".//DatiFattureCollegate/IdDocumento") == ["2026/7"]
    assert texts(tree, ".//DatiFattureCollegate/Data") == ["2026-03-14"]


def test_deferred_invoice_with_two_delivery_notes():
    part = fp.Line(
        description="Compressore 2 HP", quantity=Decimal("1"), unit_price=Decimal("410"), vat_rate=Decimal(22)
    )
    tree = xml_of(
        document(
            document_type=fp.DEFERRED_INVOICE,
            lines=(labour(), part, labour("1")),
            delivery_notes=(
                fp.DeliveryNote(number="DDT 14", date=date(2026, 3, 2), lines=(1, 2)),
                fp.DeliveryNote(number="DDT 19", date=date(2026, 3, 9), lines=(3,)),
            ),
        )
    )
    assert texts(tree, ".//TipoDocumento") == ["TD24"]
    assert texts(tree, ".//DatiDDT/NumeroDDT") == ["DDT 14", "DDT 19"]
    assert texts(tree, ".//DatiDDT/DataDDT") == ["2026-03-02", "2026-03-09"]
    assert texts(tree, ".//DatiDDT[1]/RiferimentoNumeroLinea") == ["1", "2"]
    assert texts(tree, ".//DatiDDT[2]/RiferimentoNumeroLinea") == ["3"]
    assert texts(tree, ".//DatiRiepilogo/ImponibileImporto") == ["545.00"]


def test_explicit_summary_that_matches_is_accepted():
    summary = (fp.VatSummary(vat_rate=Decimal(22), taxable=Decimal("90.00"), tax=Decimal("19.80")),)
    xml_of(document(summary=summary, total=Decimal("109.80")))


def test_typographic_text_is_cleaned_not_refused():
    buyer = replace(BUSINESS, name="L\u2019Angolo \u201cCaffè\u201d \u2013 Bar")
    line = fp.Line(
        description="Ricarica gas R32 \u2014 2 kg a 30 \u20ac al kg \u2713",
        unit_price=Decimal(60),
        vat_rate=Decimal(22),
    )
    tree = xml_of(document(buyer=buyer, lines=(line,), number="2026/7\u2013bis"))
    assert texts(tree, ".//CessionarioCommittente//Denominazione") == ['L\'Angolo "Caffè" - Bar']
    assert texts(tree, ".//Descrizione") == ["Ricarica gas R32 - 2 kg a 30 EUR al kg"]
    assert texts(tree, ".//Numero") == ["2026/7-bis"]


# -- what problems() names -------------------------------------------------------------------------------------


def test_bad_seller_vat_number_is_named():
    found = fp.problems(document(seller=replace(SELLER, vat_number="12345670018")))
    assert list(found) == ["seller.vat_number"]
    assert "12345670018" in found["seller.vat_number"]
    assert "VAT number" in found["seller.vat_number"]


def test_bad_buyer_vat_and_fiscal_codes_are_named():
    assert "buyer.vat_number" in fp.problems(document(buyer=replace(BUSINESS, vat_number="0765432015")))
    assert "buyer.fiscal_code" in fp.problems(document(buyer=replace(CONSUMER, fiscal_code="RSSMRA85T10A562X")))
    assert "buyer.fiscal_code" in fp.problems(document(buyer=replace(CONSUMER, fiscal_code="")))
    assert "seller.fiscal_code" in fp.problems(document(seller=replace(SELLER, fiscal_code="ABC")))
    assert "own VAT number" in fp.problems(document(buyer=replace(BUSINESS, vat_number=SELLER_VAT)))["buyer.vat_number"]
    bad_german = replace(FOREIGN, vat_number="136695977")
    found = fp.problems(document(buyer=bad_german, recipient=fp.Recipient(code=fp.FOREIGN_CODE)))
    assert list(found) == ["buyer.vat_number"]
    swiss = fp.Buyer(country="CH", vat_number="CHE123456789", name="Kälte AG", address=FOREIGN.address)
    assert fp.problems(document(buyer=swiss, recipient=fp.Recipient(code=fp.FOREIGN_CODE))) == {}


def test_recipient_code_length_follows_the_format():
    found = fp.problems(document(recipient=fp.Recipient(code="UFABCD")))
    assert list(found) == ["recipient.code"]
    assert "7" in found["recipient.code"]
    found = fp.problems(document(format=fp.PUBLIC, buyer=PUBLIC_BODY, recipient=fp.Recipient(code="ABC1234")))
    assert list(found) == ["recipient.code"]
    assert "6" in found["recipient.code"]
    assert "recipient.pec" in fp.problems(document(recipient=fp.Recipient(code="ABC1234", pec="a@pec.it")))


def test_totals_off_by_a_cent_are_named():
    summary = (fp.VatSummary(vat_rate=Decimal(22), taxable=Decimal("90.01"), tax=Decimal("19.80")),)
    found = fp.problems(document(summary=summary))
    assert list(found) == ["summary.0.taxable"]
    assert "90.01" in found["summary.0.taxable"]
    assert "90.00" in found["summary.0.taxable"]

    summary = (fp.VatSummary(vat_rate=Decimal(22), taxable=Decimal("90.00"), tax=Decimal("19.81")),)
    assert "19.80" in fp.problems(document(summary=summary))["summary.0.tax"]

    assert "total" in fp.problems(document(total=Decimal("109.81")))
    third = (fp.VatSummary(vat_rate=Decimal(22), taxable=Decimal("90.001"), tax=Decimal("19.80")),)
    assert "two decimals" in fp.problems(document(summary=third))["summary.0.taxable"]


def test_zero_rate_needs_nature_and_legal_reference():
    line = fp.Line(description="Rimborso bollo", unit_price=Decimal(2), vat_rate=Decimal(0))
    assert "lines.1.natura" in fp.problems(document(lines=(labour(), line)))
    assert "lines.0.natura" in fp.problems(document(lines=(replace(line, natura="N2"),)))
    assert "lines.0.natura" in fp.problems(document(lines=(replace(line, natura="N9"),)))
    assert "lines.0.legal_reference" in fp.problems(document(lines=(replace(line, natura="N1"),)))
    assert "lines.0.natura" in fp.problems(document(lines=(replace(labour(), natura="N4"),)))


def test_stamp_duty_left_out_is_named():
    line = fp.Line(
        description="Servizio esente",
        unit_price=Decimal(100),
        vat_rate=Decimal(0),
        natura="N4",
        legal_reference="Art. 10 DPR 633/72",
    )
    found = fp.problems(document(lines=(line,)))
    assert list(found) == ["stamp_duty"]
    assert "2.00" in found["stamp_duty"]


def test_text_too_long_and_other_fields_are_named():
    found = fp.problems(
        document(
            buyer=replace(BUSINESS, name="B" * 81),
            number="X" * 21,
            lines=(replace(labour(), description="d" * 1001, unit="chilogrammi"),),
            progressive="123456",
        )
    )
    assert "81" in found["buyer.name"]
    assert {"number", "lines.0.description", "lines.0.unit", "progressive"} <= found.keys()
    assert "number" in fp.problems(document(number="FATT"))  # the exchange system wants a digit in it
    assert "linked" in fp.problems(document(document_type=fp.CREDIT_NOTE))
    assert "delivery_notes" in fp.problems(document(document_type=fp.DEFERRED_INVOICE))
    assert "seller.address.postcode" in fp.problems(
        document(seller=replace(SELLER, address=replace(MILAN, postcode="201")))
    )
    bad_iban = fp.Payment(instalments=(fp.Instalment(amount=Decimal("109.80"), iban="IT00X0542811101000000123456"),))
    assert "payment.instalments.0.iban" in fp.problems(document(payment=bad_iban))


def test_validate_names_what_the_schema_refuses():
    xml = fp.build(document()).replace(b"<TipoDocumento>TD01<", b"<TipoDocumento>TD99<")
    errors = fp.validate(xml)
    assert len(errors) == 1
    assert "TipoDocumento" in errors[0]
    assert fp.validate(b"<not-xml") != []


# -- text and file name ------------------------------------------------------------------------------------------


def test_clean_text():
    assert (
        fp.clean_text("L\u2019impianto \u201cnuovo\u201d \u2013 ok \u2014 sì", 100) == 'L\'impianto "nuovo" - ok - sì'
    )
    assert fp.clean_text("Costo 30 \u20ac", 100) == "Costo 30 EUR"
    assert fp.clean_text("Łódź 東京 Ōsaka", 100) == "ódz Osaka"  # Ł has no plain form; ź and Ō lose their accent
    assert fp.clean_text("riga 1\nriga\t2  ", 100) == "riga 1 riga 2"
    assert fp.clean_text("abcdef", 3) == "abc"
    assert fp.clean_text("Caffè", 10, basic_latin=True) == "Caffe"
    assert fp.clean_text("", 10) == ""


def test_file_name():
    assert fp.file_name("IT", "01234567890", 1) == "IT01234567890_00001.xml"
    assert fp.file_name("it", "01234567890", "A1B2C") == "IT01234567890_A1B2C.xml"
    with pytest.raises(ValueError, match="5"):
        fp.file_name("IT", "01234567890", "123456")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), short=st.text(max_size=40))
def test_any_text_through_clean_text_keeps_the_xml_valid(text: str, short: str):
    assert len(fp.clean_text(text, 60)) <= 60
    line = fp.Line(
        description=text, unit=short, code=short, quantity=Decimal(1), unit_price=Decimal(5), vat_rate=Decimal(22)
    )
    buyer = replace(
        BUSINESS,
        name=text,
        address=replace(TURIN, street=short, number=short, town=text),
    )
    seller = replace(SELLER, first_name=short, last_name=text, name="", email=short, phone=short)
    doc = document(
        seller=seller,
        buyer=buyer,
        lines=(line,),
        number=short,
        reasons=(text,),
        recipient=fp.Recipient(code=fp.NO_CODE, pec=short),
        payment=fp.Payment(instalments=(fp.Instalment(amount=Decimal("6.10"), bank=text, beneficiary=text),)),
    )
    assert fp.validate(fp.build(doc)) == []


def test_rate_given_as_a_fraction_and_split_payment_on_exempt_rows_are_named():
    assert "lines.0.vat_rate" in fp.problems(document(lines=(labour(rate="0.22"),)))
    exempt = fp.Line(
        description="Esente", unit_price=Decimal(50), vat_rate=Decimal(0), natura="N4", legal_reference="Art. 10"
    )
    summary = (
        fp.VatSummary(vat_rate=Decimal(22), taxable=Decimal("90.00"), tax=Decimal("19.80"), vat_due="S"),
        fp.VatSummary(
            vat_rate=Decimal(0),
            natura="N4",
            taxable=Decimal("50.00"),
            tax=Decimal("0.00"),
            vat_due="S",
            legal_reference="Art. 10",
        ),
    )
    found = fp.problems(document(lines=(labour(), exempt), summary=summary, vat_due="S"))
    assert list(found) == ["summary.1.vat_due"]
    # computed, the exempt row is immediate and the taxed one split
    tree = xml_of(document(lines=(labour(), exempt), vat_due="S"))
    assert texts(tree, ".//EsigibilitaIVA") == ["S", "I"]


def test_amounts_round_half_up_once_and_the_schema_is_loaded_once():
    line = fp.Line(description="x", quantity=Decimal("3"), unit_price=Decimal("0.335"), vat_rate=Decimal(22))
    assert line.total == Decimal("1.01")  # 1.005 half up
    tree = xml_of(document(lines=(line,)))
    assert texts(tree, ".//PrezzoUnitario") == ["0.335"]
    assert texts(tree, ".//Imposta") == ["0.22"]
    assert fp.xml.schema() is fp.xml.schema()


amounts = st.decimals(min_value=Decimal("-99999"), max_value=Decimal("99999"), places=4, allow_nan=False)
quantities = st.one_of(st.none(), st.decimals(min_value=Decimal(0), max_value=Decimal("99999"), places=3))
rates = st.sampled_from([("22", ""), ("10", ""), ("5", ""), ("4", ""), ("0", "N2.2"), ("0", "N4"), ("0", "N6.9")])
discounts = st.one_of(st.none(), st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(amounts, quantities, rates, discounts), min_size=1, max_size=6))
def test_any_amounts_that_pass_the_checks_make_a_valid_xml(rows):
    lines = tuple(
        fp.Line(
            description="Riga",
            unit_price=price,
            quantity=quantity,
            vat_rate=Decimal(rate),
            natura=natura,
            legal_reference="Art. 10 DPR 633/72" if natura else "",
            discount_percent=discount,
        )
        for price, quantity, (rate, natura), discount in rows
    )
    doc = document(lines=lines, stamp_duty=fp.stamp_duty_due(lines))
    assert fp.problems(doc) == {}
    assert fp.problems(replace(doc, summary=fp.summarise(lines), total=fp.total_of(doc))) == {}
    assert fp.validate(fp.build(doc)) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=80), basic_latin=st.booleans(), limit=st.integers(min_value=1, max_value=90))
def test_clean_text_keeps_plain_text_as_the_character_by_character_rule_would(text, basic_latin, limit):
    """The quick way for text already allowed gives what cleaning each character gives (a control character at
    the end, cleaned to a space and trimmed, takes the character-by-character way)."""
    slow = fp.clean_text(text + "\x00", limit, basic_latin=basic_latin)
    assert fp.clean_text(text, limit, basic_latin=basic_latin) == slow
