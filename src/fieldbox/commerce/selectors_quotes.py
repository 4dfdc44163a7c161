"""Reads of quotes: the organisation's quotes (one ``visible_to`` each), their lines and totals, the quotes of a
work order or a call, items found by code or description for a line.

Totals are computed from the lines, never stored: each line's net amount is ``pricing.amount`` (rounded once, to
the cent), the VAT is the rate on the sum of the nets, rounded once (``core.money.rounded``); a line without a
price yet counts nothing and makes the quote "not priced"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.commerce import pricing
from fieldbox.commerce.choices import VAT_RATES, QuoteStatus, VatTreatment
from fieldbox.commerce.models import CommerceSettings, Item, Quote, QuoteLine
from fieldbox.core.money import rounded
from fieldbox.core.tenancy import Scope

DEFAULT_VALID_DAYS = 30
# The quotes that wait for something: the office's list shows these first by default.
OPEN_QUOTES = (QuoteStatus.DRAFT, QuoteStatus.SENT, QuoteStatus.ACCEPTED)


@dataclass(frozen=True)
class PricedLine:
    line: QuoteLine
    amount: Decimal | None  # None: no price yet

    @property
    def price_places(self) -> int:
        """The decimals a unit price is shown with: two, or as many as it has (up to four: 0.0350)."""
        price = self.line.unit_price
        if price is None:
            return 2
        exponent = price.normalize().as_tuple().exponent
        return max(2, min(4, -exponent if isinstance(exponent, int) else 2))

    @property
    def quantity_places(self) -> int:
        """The decimals a quantity is shown with: as many as it has (2, 1.5, 0.750 kg as 0.75)."""
        exponent = self.line.quantity.normalize().as_tuple().exponent
        return max(0, min(3, -exponent if isinstance(exponent, int) else 0))


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    total: Decimal
    rate: Decimal | None  # None: a zero-rated treatment (reverse charge, exempt…)
    priced: bool  # every line has its price
    lines: list[PricedLine] = field(default_factory=list)


def quotes_for(scope: Scope) -> QuerySet[Quote]:
    qs: QuerySet[Quote] = Quote.objects.visible_to(scope).select_related(
        "customer", "site", "contact", "work_order", "ticket", "requested_by", "price_list", "converted_to"
    )
    return qs


def quote_for(scope: Scope, pk: int) -> Quote:
    """One quote of the organisation (a 404 outside it)."""
    found: Quote | None = quotes_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def quotes_filtered(scope: Scope, *, status: str | None = None, customer_id: int | None = None) -> QuerySet[Quote]:
    qs = quotes_for(scope)
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs


def lines_of(quote: Quote) -> list[QuoteLine]:
    return list(QuoteLine.objects.filter(quote=quote).select_related("item").order_by("position", "pk"))


def totals(quote: Quote, lines: list[QuoteLine] | None = None) -> Totals:
    rows = lines_of(quote) if lines is None else lines
    priced = [
        PricedLine(r, None if r.unit_price is None else pricing.amount(r.quantity, r.unit_price, r.discount))
        for r in rows
    ]
    net = sum((p.amount for p in priced if p.amount is not None), Decimal(0))
    rate = VAT_RATES.get(VatTreatment(quote.vat)) if quote.vat in VatTreatment.values else None
    vat = rounded(net * rate / Decimal(100)) if rate is not None else Decimal("0.00")
    net = rounded(net)
    return Totals(
        net=net,
        vat=vat,
        total=net + vat,
        rate=rate,
        priced=bool(priced) and all(p.amount is not None for p in priced),
        lines=priced,
    )


def quotes_of_work_order(scope: Scope, work_order_id: int) -> list[Quote]:
    """The quotes asked on a work order or converted into it, newest first."""
    qs = quotes_for(scope).filter(Q(work_order_id=work_order_id) | Q(converted_to_id=work_order_id))
    return list(qs.order_by("-pk")[:50])


def quotes_of_ticket(scope: Scope, ticket_id: int) -> list[Quote]:
    return list(quotes_for(scope).filter(ticket_id=ticket_id).order_by("-pk")[:50])


def items_matching(scope: Scope, text: str, limit: int = 20) -> list[Item]:
    """Active items whose code starts with, or whose description contains, ``text``."""
    words = text.strip()[:100]
    if not words:
        return []
    qs = Item.objects.visible_to(scope).filter(active=True)
    qs = qs.filter(Q(code__istartswith=words) | Q(description__icontains=words) | Q(barcode=words))
    return list(qs.order_by("code")[:limit])


def valid_days(organisation_id: int) -> int:
    days = CommerceSettings.objects.filter(organisation_id=organisation_id).values_list("quote_valid_days", flat=True)
    return next(iter(days), DEFAULT_VALID_DAYS) or DEFAULT_VALID_DAYS


def is_past(quote: Quote, today: date) -> bool:
    return quote.valid_until is not None and quote.valid_until < today


def row(quote: Quote) -> dict[str, Any]:
    """A quote's plain fields (the API's and the CSV's)."""
    fields = (
        "number",
        "status",
        "customer_id",
        "site_id",
        "contact_id",
        "work_order_id",
        "ticket_id",
        "finding",
        "requested_by_id",
        "price_list_id",
        "vat",
        "notes",
        "valid_until",
        "sent_at",
        "answered_at",
        "answer_note",
        "converted_to_id",
        "created_at",
        "changed_at",
    )
    return {"id": quote.pk, **{f: getattr(quote, f) for f in fields}}


def choices_for(scope: Scope, quote: Quote) -> dict[str, list[tuple[Any, str]]]:
    """The price lists, the customer's sites and contacts a quote's terms may name."""
    from fieldbox.commerce.models import PriceList
    from fieldbox.service.models import Contact
    from fieldbox.service.selectors_calls import sites_of

    lists = PriceList.objects.visible_to(scope).filter(active=True).order_by("name")
    contacts = Contact.objects.visible_to(scope).filter(customer_id=quote.customer_id).order_by("-is_default", "name")
    return {
        "price_lists": [(p.pk, p.name) for p in lists],
        "sites": [(s.pk, str(s)) for s in sites_of(scope, quote.customer_id)],
        "contacts": [(c.pk, f"{c.name} <{c.email}>" if c.email else c.name) for c in contacts],
    }


def work_order_or_none(scope: Scope, pk: int | None) -> Any:
    """One of the organisation's work orders (None when not given; ``DoesNotExist``, a 404, when not theirs)."""
    from fieldbox.service.models import WorkOrder

    return WorkOrder.objects.visible_to(scope).select_related("ticket").get(pk=pk) if pk else None


def ticket_or_none(scope: Scope, pk: int | None) -> Any:
    from fieldbox.service.models import Ticket

    return Ticket.objects.visible_to(scope).get(pk=pk) if pk else None
