"""The call page's "parts" section (SYS call, section 5): the call's spare-parts offers and orders with their status
and totals, a link to a new offer filled with the call's customer, site, contact and equipment, and the materials
used on the call's work orders priced from the customer's price list. Registered once, when the offers' pages load
(``commerce.views.offers`` imports this module)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.choices import OFFER_TABLE
from fieldbox.service.call_sections import register
from fieldbox.service.models import Ticket


def new_offer_url(ticket: Ticket) -> str:
    given = {
        "ticket": ticket.pk,
        "customer": ticket.customer_id,
        "site": ticket.site_id,
        "contact": ticket.contact_id,
        "equipment": ticket.equipment_id,
    }
    return reverse("commerce:offer_new") + "?" + urlencode({k: v for k, v in given.items() if v})


def parts(request: HttpRequest, ticket: Ticket) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    sees_offers = scope.role in reads.OFFER_READERS
    materials = reads.materials_of_ticket(scope, ticket)
    priced = [m.amount for m in materials if m.amount is not None]
    context = {
        "ticket": ticket,
        "offers": reads.offers_of_ticket(scope, ticket) if sees_offers else [],
        "sees_offers": sees_offers,
        "can_create": OFFER_TABLE.may_act("create", scope) and ticket.customer_id is not None,
        "new_offer_url": new_offer_url(ticket),
        "materials": materials,
        "materials_total": sum(priced, Decimal("0.00")) if priced else None,
    }
    return render_to_string("commerce/offers/_call_parts.html", context, request=request)


register("parts", parts)
