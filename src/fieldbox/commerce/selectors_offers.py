"""Reads of spare-parts offers and orders: the list with its filters and sorting, one offer with its cart and totals,
its history, the items to put in a cart, a call's offers and the priced materials of its work orders.

Who may see an offer is ``Offer.objects.visible_to(scope)`` (the organisation's own): another organisation's
offer answers 404 like one that does not exist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.commerce import pricing
from fieldbox.commerce.choices import SELLERS, VAT_RATES, OfferStatus, VatTreatment
from fieldbox.commerce.models import Item, Offer, OfferLine, PriceList
from fieldbox.core import clock
from fieldbox.core.models import AuditEvent
from fieldbox.core.money import rounded
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import MaterialUse
from fieldbox.service.models import Material, Ticket

OF = OfferStatus
OFFER_READERS = tuple(sorted(SELLERS))
# The list's groups of statuses: the offers (not ordered yet) and the orders.
OFFER_STATES = (OF.DRAFT, OF.SENT, OF.REFUSED, OF.EXPIRED, OF.CANCELLED)
ORDER_STATES = (OF.ORDERED, OF.DELIVERED)
GROUPS = {"offer": OFFER_STATES, "order": ORDER_STATES}
# The list's sort orders: name → the fields (the id last, so that a page is stable).
SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "number": ("number", "pk"),
    "-number": ("-number", "-pk"),
    "customer": ("customer__company_name", "customer__last_name", "pk"),
    "valid_until": ("valid_until", "pk"),
}
HISTORY_LIMIT = 200
FOUND_AT_MOST = 20


@dataclass(frozen=True)
class Filters:
    status: str | None = None  # one status, or a group: "offer", "order"
    customer_id: int | None = None
    since: date | None = None  # created on or after
    until: date | None = None  # created on or before
    number: str = ""  # part of the number
    ticket_id: int | None = None


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    total: Decimal
    rate: Decimal | None  # the VAT rate, None when the treatment has none (reverse charge, exempt…)


@dataclass(frozen=True)
class Line:
    line: OfferLine
    amount: Decimal

    @property
    def places(self) -> int:
        """The decimals its unit price is shown with: two, or more when it has them (0.0350 €)."""
        return places(self.line.unit_price)


def places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def offers_for(scope: Scope) -> QuerySet[Offer]:
    return Offer.objects.visible_to(scope).select_related("organisation", "customer", "billing_customer")


def offer_for(scope: Scope, pk: int) -> Offer:
    found = (
        offers_for(scope)
        .select_related(
            "site",
            "contact",
            "equipment",
            "billing_site",
            "billing_contact",
            "price_list",
            "ticket",
            "quote",
            "created_by",
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def line_for(scope: Scope, pk: int) -> OfferLine:
    found = OfferLine.objects.filter(pk=pk, offer__in=Offer.objects.visible_to(scope)).first()
    if found is None:
        raise Http404
    return found


def offers_filtered(scope: Scope, filters: Filters, sort: str = "newest") -> QuerySet[Offer]:
    qs = offers_for(scope)
    if filters.status in GROUPS:
        qs = qs.filter(status__in=GROUPS[filters.status])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.customer_id:
        qs = qs.filter(Q(customer_id=filters.customer_id) | Q(billing_customer_id=filters.customer_id))
    tz = scope.organisation.time_zone
    if filters.since:
        qs = qs.filter(created_at__gte=clock.start_of_day(filters.since, tz))
    if filters.until:
        qs = qs.filter(created_at__lt=clock.day_after(filters.until, tz))
    if filters.number.strip():
        qs = qs.filter(number__icontains=filters.number.strip())
    if filters.ticket_id:
        qs = qs.filter(ticket_id=filters.ticket_id)
    return qs.order_by(*SORTS.get(sort, SORTS["newest"]))


def lines_of(offer: Offer) -> list[Line]:
    """The cart, each line with its amount (rounded once, ``pricing.amount``)."""
    return [
        Line(line, pricing.amount(line.quantity, line.unit_price, line.discount))
        for line in offer.lines.select_related("item").order_by("position", "pk")
    ]


def totals(vat: str, amounts: Iterable[Decimal]) -> Totals:
    """Net (the lines' amounts added up), VAT on the net at the offer's rate (rounded once), and the total."""
    net = sum(amounts, Decimal("0.00"))
    rate = VAT_RATES.get(VatTreatment(vat)) if vat in VatTreatment.values else None
    tax = rounded(net * rate / Decimal(100)) if rate is not None else Decimal("0.00")
    return Totals(net=net, vat=tax, total=net + tax, rate=rate)


def totals_of(offer: Offer, lines: list[Line] | None = None) -> Totals:
    return totals(offer.vat, (line.amount for line in (lines if lines is not None else lines_of(offer))))


def totals_by_offer(offers: list[Offer]) -> dict[int, Totals]:
    """Each offer's totals, its lines read in one query (lists and exports)."""
    amounts: dict[int, list[Decimal]] = defaultdict(list)
    rows = OfferLine.objects.filter(offer__in=[o.pk for o in offers]).values_list(
        "offer_id", "quantity", "unit_price", "discount"
    )
    for offer_id, quantity, price, discount in rows:
        amounts[offer_id].append(pricing.amount(quantity, price, discount))
    return {o.pk: totals(o.vat, amounts[o.pk]) for o in offers}


def expected_delivery(offer: Offer) -> date | None:
    """The day the order is due: the order's day plus the delivery days (the organisation's clock)."""
    if offer.ordered_at is None:
        return None
    return clock.day_of(offer.ordered_at, offer.organisation.time_zone) + timedelta(days=offer.delivery_days)


def history_of(offer: Offer) -> list[AuditEvent]:
    """The offer's changes, first to last: the offer's and, with the same record, the order's."""
    return list(
        AuditEvent.objects.filter(
            object_type=Offer._meta.label_lower, object_id=str(offer.pk), organisation_id=offer.organisation_id
        )
        .select_related("actor")
        .order_by("at", "id")[:HISTORY_LIMIT]
    )


def is_expired(offer: Offer, now: datetime | None = None) -> bool:
    """Past its ``valid_until`` (the organisation's day), whatever its status says yet."""
    if offer.valid_until is None:
        return False
    today = clock.day_of(now or clock.now(), offer.organisation.time_zone)
    return offer.valid_until < today


def price_lists_for(scope: Scope) -> QuerySet[PriceList]:
    return PriceList.objects.visible_to(scope).filter(active=True).order_by("-is_default", "name", "pk")


def find_items(scope: Scope, text: str, limit: int = FOUND_AT_MOST) -> list[Item]:
    """Items in use whose code, description or barcode holds ``text`` (an exact code or barcode first)."""
    words = " ".join(text.split())[:100]
    if not words:
        return []
    qs = Item.objects.visible_to(scope).filter(active=True)
    exact = list(qs.filter(Q(code__iexact=words) | Q(barcode=words))[:limit])
    found = qs.filter(Q(code__icontains=words) | Q(description__icontains=words) | Q(barcode__icontains=words))
    seen = {i.pk for i in exact}
    return exact + [i for i in found.order_by("code")[:limit] if i.pk not in seen][: limit - len(exact)]


def offers_of_ticket(scope: Scope, ticket: Ticket) -> list[tuple[Offer, Totals]]:
    offers = list(offers_for(scope).filter(ticket=ticket).order_by("created_at", "pk"))
    found = totals_by_offer(offers)
    return [(o, found[o.pk]) for o in offers]


@dataclass(frozen=True)
class PricedMaterial:
    material: Material
    unit_price: Decimal | None
    amount: Decimal | None

    @property
    def places(self) -> int:
        return places(self.unit_price) if self.unit_price is not None else 2


def materials_of_ticket(scope: Scope, ticket: Ticket) -> list[PricedMaterial]:
    """The materials used or left with the customer on the call's work orders, each priced (when its code is an item
    with a price) from the customer's price list on the day it was added: three queries, whatever their number."""
    materials = list(
        Material.objects.visible_to(scope)
        .filter(work_order__ticket=ticket, use__in=(MaterialUse.USED, MaterialUse.LEFT))
        .select_related("work_order")
        .order_by("created_at", "pk")
    )
    price_list = pricing.list_for(scope.organisation.pk, ticket.customer_id) if materials else None
    prices: dict[str, Decimal] = {}
    if price_list is not None:
        codes = {m.code for m in materials if m.code}
        items = dict(Item.objects.visible_to(scope).filter(code__in=codes).values_list("pk", "code"))
        by_item = pricing.item_prices(price_list.pk, list(items), clock.today(scope.organisation.time_zone))
        prices = {items[pk]: price for pk, price in by_item.items()}
    priced = []
    for m in materials:
        price = prices.get(m.code) if m.code else None
        priced.append(PricedMaterial(m, price, pricing.amount(m.quantity, price) if price is not None else None))
    return priced


def row_values(offer: Offer) -> dict[str, Any]:
    """The plain fields of an offer, as the API and the export give them."""
    return {
        "id": offer.pk,
        "number": offer.number,
        "status": offer.status,
        "customer_id": offer.customer_id,
        "customer": offer.customer.display_name,
        "billing_customer_id": offer.billing_customer_id,
        "created_at": offer.created_at,
        "valid_until": offer.valid_until,
        "sent_at": offer.sent_at,
        "ordered_at": offer.ordered_at,
    }
