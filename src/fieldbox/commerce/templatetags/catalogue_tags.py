"""How the catalogue shows its numbers: a price with two to four decimals (24,90 · 0,0350), a measure without
trailing zeros (0,25 kg), each in the reader's locale."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euro(value: Decimal | None) -> str:
    """A price or a cost: at least two decimals, at most the four it may have."""
    if value is None:
        return "—"
    exponent = value.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return number_format(value, decimal_pos=places, use_l10n=True)


@register.filter
def plain(value: Decimal | None) -> str:
    """A measure or a quantity without its trailing zeros."""
    if value is None:
        return "—"
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(normal, decimal_pos=places, use_l10n=True)
