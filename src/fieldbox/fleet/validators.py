"""Checks of vehicle and device identifiers: VIN and IMEI."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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
