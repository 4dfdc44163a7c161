"""The offer's document (the "modulo" the customer accepts): a PDF in the customer's language, from
``commerce/offers/offer_pdf.html`` through ``commerce.pdf``. With prices hidden it lists the items and their
quantities only: no price, no discount, no amount, no total. The cart cannot change once the offer is sent, so the
PDF made again later shows what was sent."""

from __future__ import annotations

from typing import Any

from fieldbox.commerce import pdf
from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.models import Offer

TEMPLATE = "commerce/offers/offer_pdf.html"


def language_of(offer: Offer) -> str:
    return offer.customer.language or offer.organisation.language


def context(offer: Offer) -> dict[str, Any]:
    lines = reads.lines_of(offer)
    return {
        "offer": offer,
        "organisation": offer.organisation,
        "lines": lines,
        "totals": reads.totals_of(offer, lines) if offer.show_prices else None,
        "show_prices": offer.show_prices,
        "expected": reads.expected_delivery(offer),
    }


def html(offer: Offer) -> str:
    return pdf.render_html(TEMPLATE, context(offer), language_of(offer), offer.organisation.time_zone)


def render(offer: Offer) -> bytes:
    return pdf.render_pdf(TEMPLATE, context(offer), language_of(offer), offer.organisation.time_zone)


def filename(offer: Offer) -> str:
    return f"{offer.number.replace('/', '-')}.pdf"
