"""Price lists (SYS "tariffario"): several per organisation, one the default; each item's price and each type of
work's hourly rate on a list, valid from a day (until one, or open-ended). Two prices of the same item on the same
list never cover the same day, nor two rates of the same type of work: the list's row is locked while a price is
added or closed, and the overlap is refused naming the dates. A new price may close the one in force the day
before it starts. Also a customer's terms (its price list, its usual payment) and the sales and stock settings.

Prices are parsed by ``pricing.price`` (not negative, at most four decimals); amounts are ``pricing.amount`` (the
one rounding, ``core.money``)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import pricing
from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import PaymentType
from fieldbox.commerce.models import CommerceSettings, CustomerTerms, LabourRate, Price, PriceList
from fieldbox.commerce.services.catalogue import words
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.service.models import WorkType

audit.label_actions(
    {
        "price_list.create": gettext_lazy("Price list added"),
        "price_list.edit": gettext_lazy("Price list changed"),
        "price.add": gettext_lazy("Price added"),
        "price.close": gettext_lazy("Price closed"),
        "labour_rate.add": gettext_lazy("Labour rate added"),
        "labour_rate.close": gettext_lazy("Labour rate closed"),
        "customer_terms.save": gettext_lazy("Customer's price list and payment changed"),
        "commerce_settings.save": gettext_lazy("Sales and stock settings changed"),
    }
)

SERIES = re.compile(r"^[A-Z0-9]{0,8}$")


def shown_day(day: date | None) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT") if day else _("no end")


# ---- Price lists ------------------------------------------------------------------------------------------------


def price_list_save(*, scope: Scope, data: dict[str, Any], price_list_id: int | None = None) -> PriceList:
    """Add a list, or change one. Made the default, it takes the place of the previous default (one per
    organisation); the default list stays in use."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    own = reads.price_lists_for(scope)
    if price_list_id is not None:
        own.get(pk=price_list_id)
    clean = {
        "name": words("name", data.get("name"), 100, required=True),
        "is_default": bool(data.get("is_default", False)),
        "notes": words("notes", data.get("notes"), 5000, lines=True),
        "active": bool(data.get("active", True)),
    }
    if clean["is_default"] and not clean["active"]:
        raise ValidationError({"active": _("The default list stays in use: make another list the default first.")})
    with transaction.atomic():
        if own.filter(name__iexact=clean["name"]).exclude(pk=price_list_id or 0).exists():
            raise ValidationError({"name": _("Another price list has this name.")})
        if clean["is_default"]:
            own.select_for_update().filter(is_default=True).exclude(pk=price_list_id or 0).update(is_default=False)
        if price_list_id is not None:
            found = own.select_for_update().get(pk=price_list_id)
            for name, value in clean.items():
                setattr(found, name, value)
            found.save(update_fields=list(clean))
        else:
            found = PriceList.objects.create(organisation=scope.organisation, **clean)
        action = "price_list.edit" if price_list_id is not None else "price_list.create"
        audit.record(
            actor=scope.user, organisation=scope.organisation, obj=found, action=action, data={"name": found.name}
        )
    return found


def _locked_list(scope: Scope, price_list_id: int) -> PriceList:
    found: PriceList = reads.price_lists_for(scope).select_for_update().get(pk=price_list_id)
    return found


# ---- Validity ---------------------------------------------------------------------------------------------------


def _period(valid_from: date | None, valid_to: date | None) -> tuple[date, date | None]:
    if valid_from is None:
        raise ValidationError({"valid_from": _("Say from which day it is valid.")})
    if valid_to is not None and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The last day comes on or after the first one.")})
    return valid_from, valid_to


def overlapping(rows: QuerySet[Any], start: date, end: date | None) -> QuerySet[Any]:
    """The rows whose validity shares a day with ``start``…``end`` (open-ended when None)."""
    found = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    return found.filter(valid_from__lte=end) if end is not None else found


def _refuse_overlap(rows: QuerySet[Any], start: date, end: date | None, what: str) -> None:
    clash = overlapping(rows, start, end).order_by("valid_from").first()
    if clash is None:
        return
    message = _(
        "%(what)s already has one valid from %(start)s to %(end)s on this list: the validity may not overlap. Close "
        "it the day before, or start the new one after it."
    ) % {"what": what, "start": shown_day(clash.valid_from), "end": shown_day(clash.valid_to)}
    raise ValidationError({"valid_from": message})


def _close_current(rows: QuerySet[Any], start: date) -> Any:
    """The row in force when ``start`` comes that began before it, closed the day before (None when none)."""
    current = rows.filter(valid_from__lt=start).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start)).first()
    if current is not None:
        current.valid_to = start - timedelta(days=1)
        current.save(update_fields=["valid_to"])
    return current


# ---- Prices -----------------------------------------------------------------------------------------------------


def price_add(
    *,
    scope: Scope,
    price_list_id: int,
    item_id: int | None,
    price: object,
    valid_from: date | None,
    valid_to: date | None = None,
    close_current: bool = False,
) -> Price:
    """An item's price on a list from a day. Refused when another price of the item on the list covers one of its
    days (the message names them); with ``close_current``, the price in force then ends the day before."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    reads.price_lists_for(scope).get(pk=price_list_id)
    amount = pricing.price(price, "price")
    start, end = _period(valid_from, valid_to)
    with transaction.atomic():
        price_list = _locked_list(scope, price_list_id)
        item = reads.items_for(scope).filter(pk=item_id or 0).first()
        if item is None:
            raise ValidationError({"item_id": _("Choose one of your items.")})
        rows = Price.objects.filter(price_list=price_list, item=item)
        closed = _close_current(rows, start) if close_current else None
        _refuse_overlap(rows, start, end, _("The item %(code)s") % {"code": item.code})
        made = Price.objects.create(price_list=price_list, item=item, price=amount, valid_from=start, valid_to=end)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=price_list,
            action="price.add",
            data={
                "item": item.code,
                "price": str(amount),
                "from": start.isoformat(),
                "to": end.isoformat() if end else "",
                "closed": closed.pk if closed is not None else None,
            },
        )
    return made


def price_close(*, scope: Scope, price_id: int, valid_to: date | None) -> Price:
    """End a price on a day (on or after its first day): the next price may start the day after."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    found = reads.price_for(scope, price_id)
    if valid_to is None:
        raise ValidationError({"valid_to": _("Say the last day of the price.")})
    with transaction.atomic():
        _locked_list(scope, found.price_list_id)
        price = Price.objects.select_for_update().get(pk=found.pk)
        _period(price.valid_from, valid_to)
        others = Price.objects.filter(price_list_id=price.price_list_id, item_id=price.item_id).exclude(pk=price.pk)
        _refuse_overlap(others, price.valid_from, valid_to, _("The item %(code)s") % {"code": found.item.code})
        price.valid_to = valid_to
        price.save(update_fields=["valid_to"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=found.price_list,
            action="price.close",
            data={"item": found.item.code, "to": valid_to.isoformat()},
        )
    return price


# ---- Labour rates -----------------------------------------------------------------------------------------------


def _work_type(scope: Scope, work_type_id: int | None) -> WorkType | None:
    if not work_type_id:
        return None
    found = WorkType.objects.visible_to(scope).filter(pk=work_type_id).first()
    if found is None:
        raise ValidationError({"work_type_id": _("Choose one of your types of work.")})
    return found


def labour_rate_add(
    *,
    scope: Scope,
    price_list_id: int,
    work_type_id: int | None,
    hourly_rate: object,
    call_out_fee: object = Decimal(0),
    valid_from: date | None,
    valid_to: date | None = None,
    close_current: bool = False,
) -> LabourRate:
    """The hourly rate (and call-out fee) of a type of work on a list, or of any work without a type, from a day;
    refused when it overlaps another rate of the same type on the list."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    reads.price_lists_for(scope).get(pk=price_list_id)
    rate = pricing.price(hourly_rate, "hourly_rate")
    fee = pricing.price(call_out_fee if call_out_fee not in (None, "") else Decimal(0), "call_out_fee")
    start, end = _period(valid_from, valid_to)
    work_type = _work_type(scope, work_type_id)
    with transaction.atomic():
        price_list = _locked_list(scope, price_list_id)
        rows = LabourRate.objects.filter(price_list=price_list, work_type=work_type)
        closed = _close_current(rows, start) if close_current else None
        what = work_type.name if work_type else _("Any work")
        _refuse_overlap(rows, start, end, what)
        made = LabourRate.objects.create(
            price_list=price_list,
            work_type=work_type,
            hourly_rate=rate,
            call_out_fee=fee,
            valid_from=start,
            valid_to=end,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=price_list,
            action="labour_rate.add",
            data={
                "work_type": what,
                "rate": str(rate),
                "fee": str(fee),
                "from": start.isoformat(),
                "closed": bool(closed),
            },
        )
    return made


def labour_rate_close(*, scope: Scope, rate_id: int, valid_to: date | None) -> LabourRate:
    scope.require_role(*reads.CATALOGUE_WRITERS)
    found = reads.labour_rate_for(scope, rate_id)
    if valid_to is None:
        raise ValidationError({"valid_to": _("Say the last day of the rate.")})
    with transaction.atomic():
        _locked_list(scope, found.price_list_id)
        rate = LabourRate.objects.select_for_update().get(pk=found.pk)
        _period(rate.valid_from, valid_to)
        others = LabourRate.objects.filter(price_list_id=rate.price_list_id, work_type_id=rate.work_type_id)
        what = found.work_type.name if found.work_type else _("Any work")
        _refuse_overlap(others.exclude(pk=rate.pk), rate.valid_from, valid_to, what)
        rate.valid_to = valid_to
        rate.save(update_fields=["valid_to"])
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=found.price_list,
            action="labour_rate.close",
            data={"work_type": what, "to": valid_to.isoformat()},
        )
    return rate


# ---- A customer's terms, the settings ---------------------------------------------------------------------------


def customer_terms_save(
    *, scope: Scope, customer_id: int, price_list_id: int | None, payment: str = ""
) -> CustomerTerms:
    """The price list a customer buys at (none: the organisation's default) and its usual payment."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    customer = reads.customer_of(scope, customer_id)
    price_list = None
    if price_list_id:
        price_list = reads.price_lists_for(scope).filter(pk=price_list_id, active=True).first()
        if price_list is None:
            raise ValidationError({"price_list_id": _("Choose one of your price lists in use.")})
    if payment and payment not in PaymentType.values:
        raise ValidationError({"payment": _("Choose one of the payment types.")})
    with transaction.atomic():
        terms, _made = CustomerTerms.objects.select_for_update().update_or_create(
            customer=customer,
            defaults={"organisation": scope.organisation, "price_list": price_list, "payment": payment},
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=customer,
            action="customer_terms.save",
            data={"price_list": price_list.name if price_list else "", "payment": payment},
        )
    return terms


def settings_save(*, scope: Scope, data: dict[str, Any]) -> CommerceSettings:
    """The organisation's rules of sales and stock (admins and the office)."""
    scope.require_role(*reads.SETTINGS_KEEPERS)
    clean: dict[str, Any] = {"negative_stock": bool(data.get("negative_stock", False))}
    for field in ("quote_valid_days", "offer_valid_days"):
        value = str(data.get(field, 30)).strip()
        if not value.isdigit() or not 1 <= int(value) <= 365:
            raise ValidationError({field: _("A number of days from 1 to 365.")})
        clean[field] = int(value)
    series = words("series", data.get("series"), 8).upper()
    if not SERIES.match(series):
        raise ValidationError({"series": _("Empty, or up to 8 letters and digits, such as “A”.")})
    clean["series"] = series
    with transaction.atomic():
        found, _made = CommerceSettings.objects.select_for_update().update_or_create(
            organisation=scope.organisation, defaults=clean
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=scope.organisation,
            action="commerce_settings.save",
            data={k: str(v) for k, v in clean.items()},
        )
    return found
