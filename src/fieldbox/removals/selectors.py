"""Reads of removal requests and lines, scoped: the requester sees its requests, a remover the lines sent to it.

A remover sees the vehicle of a line (VIN, subscription, place) only while the line is open, like a job: the lines
come masked from ``RemovalLine.objects.visible_to`` once they ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404

from fieldbox.core import clock, counters
from fieldbox.core.tenancy import Scope
from fieldbox.removals.choices import OPEN_LINE, LineStatus
from fieldbox.removals.models import RemovalLine, RemovalRequest

# Ended lines stay on the remover's screen this long after their last change.
RECENT_DAYS = 30


def requests_for(scope: Scope) -> QuerySet[RemovalRequest]:
    """The requester's saved requests; an installer company has none."""
    return RemovalRequest.objects.visible_to(scope).saved().select_related("created_by")


def drafts_for(scope: Scope) -> QuerySet[RemovalRequest]:
    """The provider's requests not saved yet (being checked, waiting for confirmation, being saved, refused),
    newest first: an upload left on its summary is found again here until it is purged."""
    return RemovalRequest.objects.visible_to(scope).drafts().select_related("created_by").order_by("-pk")


def request_for(scope: Scope, pk: int) -> RemovalRequest:
    try:
        return requests_for(scope).get(pk=pk)
    except RemovalRequest.DoesNotExist:
        raise Http404 from None


def lines_for(scope: Scope) -> QuerySet[RemovalLine]:
    """Confirmed lines: of the provider's requests, or addressed to the installer company (masked once ended)."""
    return RemovalLine.objects.visible_to(scope).select_related(
        "request", "request__provider", "vehicle", "subscription", "company", "device"
    )


def line_for(scope: Scope, pk: int) -> RemovalLine:
    try:
        return lines_for(scope).get(pk=pk)
    except RemovalLine.DoesNotExist:
        raise Http404 from None


def remover_lines(scope: Scope) -> QuerySet[RemovalLine]:
    """ "Gérer les demandes de déposes": the open lines of the company and the ones that ended lately."""
    since = clock.now() - timedelta(days=RECENT_DAYS)
    return lines_for(scope).filter(Q(status__in=OPEN_LINE) | Q(updated_at__gte=since))


@dataclass(frozen=True)
class Summary:
    """ "Total: N of which accepted: A of which done: E" (a done line counts as accepted too)."""

    total: int = 0
    accepted: int = 0
    done: int = 0


def summaries(request_ids: list[int]) -> dict[int, Summary]:
    """The summary of each request of a page, from its counters (one query, exact at any size)."""
    kept = counters.read([f"removals.request:{pk}" for pk in request_ids])
    found = {}
    for pk in request_ids:
        key = f"removals.request:{pk}"
        by_status = {status: kept[(key, status)] for status in LineStatus.values}
        found[pk] = Summary(
            total=sum(by_status.values()),
            accepted=by_status[LineStatus.ACCEPTED] + by_status[LineStatus.DONE],
            done=by_status[LineStatus.DONE],
        )
    return found
