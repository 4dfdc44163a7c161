"""The call page's contract (in its section 1, ``service.call_sections``): the contract covering the call's equipment
on the day it was resolved (today while open), read as the final verification reads it; the office also gets the
link to the contract's page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from fieldbox.service import selectors_contracts as reads
from fieldbox.service.call_sections import register


def contract_part(request: HttpRequest, ticket: Any) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    tz = scope.organisation.time_zone
    context = {
        "ticket": ticket,
        "cover": reads.cover_of(
            organisation_id=scope.organisation.pk, equipment_id=ticket.equipment_id, on=reads.call_day(ticket, tz)
        ),
        "can_open_contract": scope.role in reads.CONTRACT_READERS,
    }
    return render_to_string("service/contracts/_call_contract.html", context, request=request)


register("contract", contract_part)
