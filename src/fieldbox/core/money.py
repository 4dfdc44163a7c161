"""Money: euro amounts as ``Decimal``, rounded once, here, to the cent and half up (as Italian invoices do)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def rounded(value: Decimal) -> Decimal:
    """``value`` to the cent, half up: the one rounding of every amount Fieldbox shows, stores or bills."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_total(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A line's amount: quantity times unit price, rounded once (never the sum of rounded parts)."""
    return rounded(quantity * unit_price)
