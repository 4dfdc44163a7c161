"""The terms invoicing reads: a contract's price list for the work it does not include (``ContractTerms``), and
an organisation's fiscal data as the seller of its invoices (``InvoicingSettings``), written by its office or
admins: checked with python-stdnum when in Italy (VAT number, fiscal code), the postcode and province the
e-invoice expects. Every field is checked at once and named when wrong; nothing is saved then."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.it import codicefiscale, iva

from fieldbox.commerce.choices import BILLERS
from fieldbox.commerce.models import PriceList
from fieldbox.commerce.models.invoicing import ContractTerms, InvoicingSettings
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.service.models.contracts import Contract

TEXTS = {"legal_name": 80, "street": 60, "town": 60, "bank": 80}
FIELDS: tuple[str, ...] = ("legal_name", "country", "vat_number", "fiscal_code", "tax_regime", "street", "postcode")
FIELDS += ("town", "province", "iban", "bank")


def settings_of(scope: Scope) -> InvoicingSettings:
    if scope.role not in BILLERS:
        raise PermissionDenied
    found = InvoicingSettings.objects.visible_to(scope).first()
    return found or InvoicingSettings(organisation_id=scope.organisation.pk)


def _checked(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, limit in TEXTS.items():
        try:
            clean[name] = typed_text(data.get(name), name, limit, lines=False)
        except ValidationError as error:
            errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
    country = str(data.get("country") or "IT").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = _("The country is a two-letter code (IT, FR, DE …).")
    vat = re.sub(r"\s", "", str(data.get("vat_number") or "")).upper()
    fiscal = re.sub(r"\s", "", str(data.get("fiscal_code") or "")).upper()
    if country == "IT":
        vat = vat.removeprefix("IT")
        if vat and not iva.is_valid(vat):
            errors["vat_number"] = _("%(value)s is not a valid Italian VAT number.") % {"value": vat}
        if fiscal and not (codicefiscale.is_valid(fiscal) or iva.is_valid(fiscal)):
            errors["fiscal_code"] = _("%(value)s is not a valid Italian fiscal code.") % {"value": fiscal}
    if len(vat) > 28 or len(fiscal) > 16:
        errors["vat_number"] = _("Too long.")
    regime = str(data.get("tax_regime") or "RF01").strip().upper()
    if not re.fullmatch(r"RF(0[1-9]|1[0-9])", regime):
        errors["tax_regime"] = _("A tax regime of the e-invoice: RF01 … RF19.")
    postcode = str(data.get("postcode") or "").strip()
    if postcode and not re.fullmatch(r"\d{5}", postcode):
        errors["postcode"] = _("The postcode has 5 digits.")
    province = str(data.get("province") or "").strip().upper()
    if province and not re.fullmatch(r"[A-Z]{2}", province):
        errors["province"] = _("The province is two letters (BO, MI …).")
    iban = re.sub(r"\s", "", str(data.get("iban") or "")).upper()
    if iban and not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", iban):
        errors["iban"] = _("%(value)s is not an IBAN.") % {"value": iban}
    if errors:
        raise ValidationError(errors)
    return clean | {
        "country": country,
        "vat_number": vat,
        "fiscal_code": fiscal,
        "tax_regime": regime,
        "postcode": postcode,
        "province": province,
        "iban": iban,
    }


def invoicing_settings_save(*, scope: Scope, data: dict[str, Any]) -> InvoicingSettings:
    """Write the organisation's fiscal data (what is not given keeps its value)."""
    current = settings_of(scope)
    merged = {name: getattr(current, name) for name in FIELDS} | {k: v for k, v in data.items() if k in FIELDS}
    clean = _checked(merged)
    with transaction.atomic():
        found, _created = InvoicingSettings.objects.select_for_update().update_or_create(
            organisation_id=scope.organisation.pk, defaults=clean
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation.pk,
            obj=found,
            action="invoicing_settings.save",
            data={"vat_number": clean["vat_number"]},
        )
    return found


def contract_terms_save(*, scope: Scope, contract_id: int, price_list_id: int | None) -> ContractTerms:
    """The price list of the work a contract does not include (None: the customer's list)."""
    if scope.role not in BILLERS:
        raise PermissionDenied
    contract = Contract.objects.visible_to(scope).get(pk=contract_id)
    chosen = None
    if price_list_id is not None:
        chosen = PriceList.objects.visible_to(scope).filter(pk=price_list_id).first()
        if chosen is None:
            raise ValidationError({"price_list_id": _("Choose one of your price lists.")})
    with transaction.atomic():
        terms, _created = ContractTerms.objects.update_or_create(
            organisation_id=scope.organisation.pk, contract=contract, defaults={"price_list": chosen}
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation.pk,
            obj=contract,
            action="contract.billing_terms",
            data={"price_list": chosen.name if chosen else None},
        )
    return terms
