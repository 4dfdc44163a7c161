"""What an item sells for and what labour costs: the one rule that reads a price list on a day.

A customer buys at its own list (``CustomerTerms``), or at the organisation's default list. On a list, an item's
price on a day is the one whose validity covers that day; a type of work's hourly rate likewise, falling back to
the list's rate for any work. Amounts of lines are ``core.money.line_total`` (rounded once, to the cent)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from fieldbox.commerce.choices import MAX_PRICE, MAX_QUANTITY, PRICE_PLACES, QUANTITY_PLACES
from fieldbox.commerce.models import CustomerTerms, LabourRate, Price, PriceList
from fieldbox.core.money import line_total


def valid_on(day: date) -> Q:
    """The rows (prices, rates) in force on ``day``."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def list_for(organisation_id: int, customer_id: int | None) -> PriceList | None:
    """The price list a customer buys at: its own, or the organisation's default one (or none)."""
    if customer_id is not None:
        terms = (
            CustomerTerms.objects.filter(organisation_id=organisation_id, customer_id=customer_id)
            .select_related("price_list")
            .first()
        )
        if terms is not None and terms.price_list is not None:
            return terms.price_list
    return PriceList.objects.filter(organisation_id=organisation_id, is_default=True, active=True).first()


def item_prices(price_list_id: int, item_ids: list[int], day: date) -> dict[int, Decimal]:
    """The price of each item on the list on ``day`` (items without one are left out), in one query."""
    rows = Price.objects.filter(valid_on(day), price_list_id=price_list_id, item_id__in=item_ids)
    return dict(rows.values_list("item_id", "price"))


def labour_rate(price_list_id: int, work_type_id: int | None, day: date) -> LabourRate | None:
    """The hourly rate of a type of work on the list on ``day``, or the list's rate for any work."""
    rates = LabourRate.objects.filter(valid_on(day), price_list_id=price_list_id)
    if work_type_id is not None:
        found = rates.filter(work_type_id=work_type_id).order_by("-valid_from").first()
        if found is not None:
            return found
    return rates.filter(work_type__isnull=True).order_by("-valid_from").first()


def amount(quantity: Decimal, unit_price: Decimal, discount: Decimal = Decimal(0)) -> Decimal:
    """A line's amount: quantity times unit price less its discount %, rounded once to the cent."""
    return line_total(quantity, unit_price * (Decimal(100) - discount) / Decimal(100))


def _decimal(value: object, *, places: int, largest: Decimal, field: str, negative: bool = False) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (ArithmeticError, ValueError):
        raise ValidationError({field: _("Write a number, such as 12.50.")}) from None
    if not number.is_finite():
        raise ValidationError({field: _("Write a number, such as 12.50.")})
    if not negative and number < 0:
        raise ValidationError({field: _("It cannot be negative.")})
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise ValidationError({field: _("At most %(places)s decimals.") % {"places": places}})
    if abs(number) > largest:
        raise ValidationError({field: _("At most %(largest)s.") % {"largest": largest}})
    return number


def price(value: object, field: str = "unit_price") -> Decimal:
    """A price or a cost as the user wrote it ("12,5" or "12.50"): not negative, at most four decimals."""
    return _decimal(value, places=PRICE_PLACES, largest=MAX_PRICE, field=field)


def quantity(value: object, field: str = "quantity") -> Decimal:
    """A quantity as the user wrote it: more than zero, at most three decimals."""
    number = _decimal(value, places=QUANTITY_PLACES, largest=MAX_QUANTITY, field=field)
    if number <= 0:
        raise ValidationError({field: _("The quantity must be more than zero.")})
    return number


def discount(value: object, field: str = "discount") -> Decimal:
    number = _decimal(value, places=2, largest=Decimal(100), field=field)
    return number
