"""The call page's "verified" section (SYS "verifica intervento finale"): the hours verified on the call and on its
work orders, by whom and when, registered with ``service.call_sections``; an admin also gets the link to verify."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from fieldbox.service import selectors_verification as reads
from fieldbox.service.call_sections import register


def verified_section(request: HttpRequest, ticket: Any) -> str | None:
    scope = getattr(request, "scope", None)
    if scope is None:
        return None
    rows = reads.verified_on_call(ticket)
    context = {
        "ticket": ticket,
        "rows": rows,
        "can_open": scope.role in reads.VERIFICATION_READERS,
        "call_verified": any(r.verification.ticket_id == ticket.pk for r in rows),
        "verifiable": reads.CALLS_TO_VERIFY,
    }
    return render_to_string("service/verification/_call_verified.html", context, request=request)


register("verified", verified_section)
