"""The demo's sales and stock: what issue 15 asks the demo to show, made through the services, and a second run
with --reset that starts again cleanly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from fieldbox.commerce.choices import LocationKind, OfferStatus, PurchaseStatus, QuoteStatus
from fieldbox.commerce.models import DeliveryNote, Offer, PurchaseOrder, Quote, StockBalance, StockLocation
from fieldbox.commerce.services import ledger
from fieldbox.service.models import Material

pytestmark = pytest.mark.django_db


def test_the_demo_shows_stock_a_quote_an_order_a_supplier_order_and_a_delivery_note():
    call_command("demo", verbosity=0)
    vans = StockLocation.objects.filter(kind=LocationKind.VAN, keeper__isnull=False)
    assert vans.count() == 2
    for van in vans:
        assert StockBalance.objects.filter(location=van, quantity__gt=0).exists(), van.name
    assert StockLocation.objects.filter(kind=LocationKind.WAREHOUSE).count() == 1
    quote = Quote.objects.get()
    assert quote.status == QuoteStatus.CONVERTED and quote.finding and quote.requested_by is not None
    assert Material.objects.filter(work_order=quote.converted_to, code="SND-T").exists()
    order = Offer.objects.get(status=OfferStatus.DELIVERED)
    assert order.show_prices is False and order.ordered_at is not None
    assert Offer.objects.filter(status=OfferStatus.SENT).count() == 1
    note = DeliveryNote.objects.get()
    assert note.number.startswith("DDT-") and note.offer == order
    purchase = PurchaseOrder.objects.get()
    assert purchase.status == PurchaseStatus.PARTIAL
    assert purchase.lines.get(item__code="FLT-100").received == Decimal(6)
    assert ledger.disagreements() == []

    call_command("demo", "--reset", verbosity=0)
    assert Quote.objects.count() == 1 and DeliveryNote.objects.count() == 1
    assert ledger.disagreements() == []
