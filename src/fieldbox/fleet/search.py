"""How what people type is matched against the registry, once for every screen and the API.

Customer care's one search box, the installer's list filters and the API's ``q`` all read a plate, a phone number
or a name through these functions, so "ab-123-cd", "+39 333 123 4567" and "Roberto Esposito" find the same records
wherever they are typed. Each ``*_q`` takes the path to the vehicle or customer (``"vehicle__"``, ``"customer__"``,
or ``""`` on the model itself).
"""

from __future__ import annotations

import re

from django.db.models import Q

PHONE_TEXT = re.compile(r"\+?[\d\s./()-]+")
MAX_WORDS = 4


def compact(text: str) -> str:
    """A plate or VIN as stored: no spaces, dots or dashes, capitals ("ab-123 cd" → "AB123CD")."""
    return re.sub(r"[\s.-]", "", text).upper()


def digits_of_phone(text: str, least: int = 6) -> str:
    """The national part of a typed phone number (+39, 0039 and leading zeros dropped), or "" if it is no phone or
    has fewer than ``least`` digits: stored numbers are E.164, so these digits end (or are part of) the number."""
    text = text.strip()
    if not PHONE_TEXT.fullmatch(text):
        return ""
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    digits = digits.lstrip("0")
    return digits if len(digits) >= least else ""


def words(text: str) -> list[str]:
    return [w for w in text.split() if len(w) >= 2][:MAX_WORDS]


def name_q(text: str, path: str = "customer__") -> Q | None:
    """Every word of ``text`` in the first, last or company name ("Roberto Esposito", "esposito"); None if no word."""
    found = words(text)
    if not found:
        return None
    match = Q()
    for word in found:
        match &= (
            Q(**{f"{path}first_name__icontains": word})
            | Q(**{f"{path}last_name__icontains": word})
            | Q(**{f"{path}company_name__icontains": word})
        )
    return match


def phone_q(text: str, path: str = "customer__") -> Q | None:
    digits = digits_of_phone(text)
    if not digits:
        return None
    return Q(**{f"{path}phone__endswith": digits}) | Q(**{f"{path}phone_other__endswith": digits})


def plate_q(text: str, path: str = "vehicle__", *, exact: bool = False) -> Q | None:
    """The plate typed in any case, with or without spaces and dashes; part of it unless ``exact``."""
    plate = compact(text)
    if not plate:
        return None
    return Q(**{f"{path}plate__{'iexact' if exact else 'icontains'}": plate})
