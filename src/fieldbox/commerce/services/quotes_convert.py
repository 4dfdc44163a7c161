"""An accepted quote becomes work (Appsistance: "il preventivo accettato integra i dati dell'offerta nell'ordine di
lavoro originale o ne genera uno nuovo"), as the office chooses:

- ``into="work_order"``: its part lines are added to the work order it was asked on, as materials to bring
  (``service.services.materials.material_add``, the one way materials are added);
- ``into="new"``: a new work order for the same customer, site and call (``work_order_create``), whose work to do
  is the finding and the labour lines, with the part lines as materials to bring.

Labour and "other" lines are not materials: on a new work order they are written in its work to do; on the
original one they are left out (the quote stays linked to the work order, whose page shows it). Quantities are
given to the materials with two decimals (the materials' own precision). The quote then points to the work
order (``converted_to``).

A spare-parts offer from a quote (``offer_from_quote``): a draft offer for the same customer, site, contact and
call, with the quote's part lines, linked to it (``Offer.quote``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import OFFER_TABLE, QUOTE_TABLE, LineKind
from fieldbox.commerce.models import Offer, Quote, QuoteLine
from fieldbox.commerce.services.quotes import locked
from fieldbox.core import transitions
from fieldbox.core.tenancy import Scope
from fieldbox.service.models import WorkOrder
from fieldbox.service.services.materials import material_add
from fieldbox.service.services.work_orders import work_order_create

INTO = ("work_order", "new")


def _hours(line: QuoteLine) -> str:
    quantity = f"{line.quantity:f}".rstrip("0").rstrip(".")
    return f"- {quantity} {line.unit} {line.description}"


def _description(quote: Quote, lines: list[QuoteLine], words: str) -> str:
    """The work to do of a new work order: what the office wrote, else the quote's finding and its labour."""
    if words.strip():
        return words.strip()
    text = _("Quote %(number)s accepted.") % {"number": quote.number}
    if quote.finding:
        text += "\n" + quote.finding
    work = [_hours(x) for x in lines if x.kind != LineKind.PART]
    if work:
        text += "\n" + _("Work:") + "\n" + "\n".join(work)
    return text


def quote_convert(*, scope: Scope, quote_id: int, into: str, description: str = "") -> WorkOrder:
    """Turn an accepted quote into work: its parts added to its work order, or a new work order."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, "convert", scope)
        if into not in INTO:
            raise ValidationError({"into": _("Choose the quote's work order or a new one.")})
        lines = reads.lines_of(quote)
        if into == "work_order":
            if quote.work_order_id is None:
                raise ValidationError({"into": _("This quote was not asked on a work order: create a new one.")})
            order = WorkOrder.objects.visible_to(scope).get(pk=quote.work_order_id)
        else:
            original = WorkOrder.objects.filter(pk=quote.work_order_id).first() if quote.work_order_id else None
            order = work_order_create(
                scope=scope,
                description=_description(quote, lines, description),
                customer_id=quote.customer_id,
                site_id=quote.site_id,
                ticket_id=quote.ticket_id,
                equipment_id=original.equipment_id if original else None,
                work_type_id=original.work_type_id if original and original.work_type_id else None,
            )
        for line in lines:
            if line.kind == LineKind.PART:
                material_add(
                    scope=scope,
                    work_order_id=order.pk,
                    description=line.description,
                    quantity=line.quantity,
                    unit=line.unit,
                    code=line.item.code if line.item_id and line.item else "",
                )
        data: dict[str, Any] = {"into": into, "work_order": order.number}
        QUOTE_TABLE.apply(quote, "convert", scope=scope, changes={"converted_to": order}, data=data)
    return order


def offer_from_quote(*, scope: Scope, quote_id: int) -> Offer:
    """A draft spare-parts offer with the quote's part lines (at the quote's prices, else the list's), for the
    same customer, site, contact and call, linked to the quote (``Offer.quote``). Made by the offers' own services
    (``offer_create``, ``offer_line_add``): an offer is numbered and filled one way only."""
    from fieldbox.commerce.services.offers import locked as offer_locked
    from fieldbox.commerce.services.offers import offer_create, offer_line_add

    OFFER_TABLE.require("create", scope)
    with transitions.atomic():
        quote = Quote.objects.visible_to(scope).select_for_update(of=("self",)).get(pk=quote_id)
        parts = [x for x in reads.lines_of(quote) if x.kind == LineKind.PART]
        if not parts:
            raise ValidationError({"lines": _("The quote has no parts to offer.")})
        offer = offer_create(
            scope=scope,
            customer_id=quote.customer_id,
            ticket_id=quote.ticket_id,
            site_id=quote.site_id,
            contact_id=quote.contact_id,
            price_list_id=quote.price_list_id,
            vat=quote.vat,
        )
        for line in parts:
            offer_line_add(
                scope=scope,
                offer_id=offer.pk,
                item_id=line.item_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
            )
        held = offer_locked(scope, offer.pk)
        OFFER_TABLE.apply(held, "edit", scope=scope, changes={"quote": quote}, data={"quote": quote.number})
    return held
