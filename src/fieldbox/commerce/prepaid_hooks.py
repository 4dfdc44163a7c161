"""Prepaid minutes on service's side, without service importing commerce: a time charge added to a call uses the
customer's package and a removed one gives its minutes back (``service.charge_hooks``); the call page's "prepaid"
part shows the customer's balance and this call's minutes (``service.call_sections``); the portal's home page
shows the customer their balance (``service.portal_sections``). Imported at start-up by ``commerce.hooks``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from fieldbox.commerce import selectors_prepaid as reads
from fieldbox.commerce import tasks_prepaid  # noqa: F401 - the beat task
from fieldbox.commerce.choices import PREPAID_READERS, PREPAID_SELLERS
from fieldbox.commerce.services import prepaid
from fieldbox.core import clock
from fieldbox.service import call_sections, charge_hooks, portal_sections


def call_prepaid(request: HttpRequest, ticket: Any) -> str | None:
    """The call page: the customer's valid packages with their balance, and the minutes this call used."""
    scope = getattr(request, "scope", None)
    if scope is None or scope.role not in PREPAID_READERS or ticket.customer_id is None:
        return None
    day = clock.today(scope.organisation.time_zone)
    packages = reads.customer_packages(scope, ticket.customer_id, day)
    used = reads.call_minutes(scope, ticket.pk)
    if not packages and not used:
        return None
    context = {"packages": packages, "used": used, "office": scope.role in PREPAID_SELLERS}
    return render_to_string("commerce/prepaid/_call_section.html", context, request=request)


def portal_prepaid(request: HttpRequest, contact: Any) -> str | None:
    """The portal's home page: the customer's packages valid today with their balance."""
    scope = getattr(request, "scope", None)
    if scope is None or contact is None:
        return None
    packages = list(reads.packages_for(scope).order_by("-pk")[:20])
    if not packages:
        return None
    day = clock.today(scope.organisation.time_zone)
    shown = [p for p in packages if prepaid.is_valid(p, day)] or packages[:1]
    return render_to_string("commerce/prepaid/_portal_part.html", {"packages": shown}, request=request)


charge_hooks.on_added(prepaid.charge_used)
charge_hooks.on_removed(prepaid.charge_removed)
call_sections.register("prepaid", call_prepaid)
portal_sections.register(portal_prepaid)
