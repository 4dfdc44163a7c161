"""Phone numbers for SMS: typed however people write them, kept in E.164 (``+393331234567``)."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Digits with the separators people type: spaces, dots, dashes, slashes, parentheses, a leading +.
_TYPED = re.compile(r"\+?[\d\s.\-/()]+")


def _invalid() -> ValidationError:
    return ValidationError(_("Enter a valid phone number, for example +39 333 123 4567."), code="invalid_phone")


def normalise_phone(raw: str, region: str | None = None) -> str:
    """The number in E.164; without a country code it is read as a number of ``region``.

    ``region`` defaults to ``PHONE_DEFAULT_REGION``; a leading ``00`` is an international prefix.
    Raises ``ValidationError`` (code ``invalid_phone``) unless the number is a valid one.
    """
    text = (raw or "").strip()
    if not _TYPED.fullmatch(text):
        raise _invalid()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise _invalid() from None
    if not (phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number)):
        raise _invalid()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """The number as shown to people, in international format (``+39 333 123 4567``)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneField(forms.CharField):
    """A phone number field that cleans to E.164, or to ``""`` when left empty and not required."""

    def __init__(self, *, region: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.region = region

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        return normalise_phone(text, self.region)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not widget.is_hidden:
            attrs.update({"type": "tel", "autocomplete": "tel", "inputmode": "tel"})
        return attrs
