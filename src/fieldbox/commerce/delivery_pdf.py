"""A delivery note's PDF (the Italian DDT layout: sender, recipient, destination, number and date, reason for
transport, transport, carrier, packages, weight, appearance, lines, the three signature boxes), in the customer's
language. An issued note shows the parties it kept when issued; a draft shows today's, marked as a draft; a
cancelled one is marked cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fieldbox.accounts.models import Organisation
from fieldbox.commerce.models import DeliveryNote
from fieldbox.commerce.pdf import render_pdf

TEMPLATE = "commerce/delivery/pdf.html"


def parties_of(note: DeliveryNote, organisation: Organisation) -> dict[str, Any]:
    """Sender, recipient and destination as they are when the note is issued (the issued note keeps these)."""
    customer = note.customer
    site = note.destination
    return {
        "sender": {
            "name": organisation.name,
            "address": organisation.address,
            "vat_number": getattr(organisation, "vat_number", "") or "",
            "email": organisation.email,
            "phone": organisation.phone,
        },
        "recipient": {
            "name": customer.display_name,
            "code": customer.code,
            "vat_number": customer.vat_number,
            "fiscal_code": customer.fiscal_code,
        },
        "destination": (
            {"name": site.name, "street": site.street, "postcode": site.postcode, "city": site.city}
            if site is not None
            else None
        ),
    }


def shown(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}"


def context(note: DeliveryNote, organisation: Organisation) -> dict[str, Any]:
    lines = list(note.lines.select_related("item"))
    for line in lines:
        line.shown_quantity = shown(line.quantity)  # type: ignore[attr-defined]
    return {"note": note, "parties": note.parties or parties_of(note, organisation), "lines": lines}


def filename(note: DeliveryNote) -> str:
    mark = note.number.replace("/", "-") if note.number else f"draft-{note.pk}"
    return f"{mark}.pdf"


def render(note: DeliveryNote) -> bytes:
    organisation = Organisation.objects.get(pk=note.organisation_id)
    language = note.customer.language or organisation.language
    return render_pdf(TEMPLATE, context(note, organisation), language, organisation.time_zone)
