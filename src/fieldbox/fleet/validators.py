"""Checks of identifiers: VIN and IMEI, VAT number, fiscal code and SDI code, coordinates."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as Invalid
from stdnum.it import codicefiscale, iva

VIN_ALPHABET = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")  # no I, O or Q
_TRANSLITERATION = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_vin(value: str) -> str:
    return "".join(value.split()).upper()


def vin_check_digit(vin: str) -> str:
    total = sum(_TRANSLITERATION[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    return "X" if total % 11 == 10 else str(total % 11)


def uses_check_digit(vin: str) -> bool:
    """North American manufacturers (WMI starting 1 to 5) must use the 9th character as check digit;
    European and most Asian ones need not, so theirs is never refused for it."""
    return vin[0] in "12345"


def validate_vin(value: str) -> None:
    vin = normalise_vin(value)
    if not VIN_ALPHABET.match(vin):
        raise ValidationError(
            _("A VIN has 17 letters and digits, without I, O or Q."), code="invalid_vin", params={"value": value}
        )
    if uses_check_digit(vin) and vin[8] != vin_check_digit(vin):
        raise ValidationError(_("This VIN's check digit (9th character) does not match."), code="invalid_vin")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def validate_imei(value: str) -> None:
    if not (len(value) == 15 and value.isdigit() and luhn_ok(value)):
        raise ValidationError(_("An IMEI has 15 digits with a valid check digit."), code="invalid_imei")


def validate_latitude(value: object) -> None:
    if value is not None and not -90 <= float(str(value)) <= 90:
        raise ValidationError(_("A latitude lies between -90 and 90."), code="latitude")


def validate_longitude(value: object) -> None:
    if value is not None and not -180 <= float(str(value)) <= 180:
        raise ValidationError(_("A longitude lies between -180 and 180."), code="longitude")


def normalise_vat(value: str, country: str = "IT") -> str:
    """A VAT number as the exchange wants it (``IT`` + 11 digits for Italy, the EU forms otherwise), checked by
    python-stdnum: its country's checksum, not only its shape."""
    compact = "".join(value.split()).upper().replace(".", "").replace("-", "")
    if compact[:2].isdigit():
        compact = (country or "IT").upper() + compact
    try:
        return str(vat.validate(compact))
    except Invalid as exc:
        raise ValidationError(_("This VAT number is not valid (its check digit does not match).")) from exc


def normalise_fiscal_code(value: str) -> str:
    """An Italian fiscal code: 16 characters for a person (with its check letter), or a company's 11 digits."""
    compact = "".join(value.split()).upper()
    try:
        return str(iva.validate(compact) if compact.isdigit() else codicefiscale.validate(compact))
    except Invalid as exc:
        raise ValidationError(_("This fiscal code is not valid (its check character does not match).")) from exc


SDI_CODE = re.compile(r"^[A-Z0-9]{7}$")


def normalise_sdi_code(value: str) -> str:
    code = "".join(value.split()).upper()
    if not SDI_CODE.match(code):
        raise ValidationError(_("An SDI code has 7 letters or digits (0000000 for none)."))
    return code
