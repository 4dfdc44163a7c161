"""Section 8 of the SYS call page ("invoiced", ``service.call_sections``): where the call stands up to its invoice —
verified or not, and the invoices (drafts, issued, paid) whose lines bill the call or its work orders, with what is
still due. The office and the admins see it. Imported at start-up by ``commerce.hooks``."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string

from fieldbox.commerce.choices import BILLERS
from fieldbox.commerce.models.invoicing import Invoice, InvoiceLine
from fieldbox.commerce.services.invoicing import still_due
from fieldbox.service.call_sections import register
from fieldbox.service.models import WorkOrder
from fieldbox.service.models.verification import Verification


def call_invoiced(request: HttpRequest, ticket: Any) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is None or scope.role not in BILLERS:
        return None
    orders = WorkOrder.objects.visible_to(scope).filter(ticket_id=ticket.pk).values("pk")
    lines = InvoiceLine.objects.filter(
        Q(ticket_id=ticket.pk) | Q(work_order_id__in=orders), organisation_id=scope.organisation.pk
    )
    invoices = list(
        Invoice.objects.visible_to(scope).filter(pk__in=lines.values("invoice_id")).order_by("issued_on", "pk")
    )
    for invoice in invoices:
        invoice.open = still_due(invoice) if invoice.number else None
    verified = Verification.objects.filter(
        Q(ticket_id=ticket.pk) | Q(work_order_id__in=orders), organisation_id=scope.organisation.pk
    ).exists()
    context = {"invoices": invoices, "verified": verified}
    return render_to_string("commerce/invoicing/_call_section.html", context, request=request)


register("invoiced", call_invoiced)
