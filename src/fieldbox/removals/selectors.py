"""Reads of removal requests and lines, scoped: the requester sees its requests, a remover the lines sent to it.

A remover sees the vehicle of a line (VIN, subscription, place) only while the line is open, like a job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fieldbox.core.tenancy import Scope
from fieldbox.removals.choices import OPEN_LINE, LineStatus, RequestState
from fieldbox.removals.models import RemovalLine, RemovalRequest

# Ended lines stay on the remover's screen this long after their last change.
RECENT_DAYS = 30


def requests_for(scope: Scope) -> QuerySet[RemovalRequest]:
    """The requester's saved requests; an installer company has none."""
    org = scope.organisation
    if not org.is_provider:
        return RemovalRequest.objects.none()
    return RemovalRequest.objects.select_related("created_by").filter(provider=org, state=RequestState.SAVED)


def drafts_for(scope: Scope) -> QuerySet[RemovalRequest]:
    """The provider's requests not saved yet (being checked, waiting for confirmation, being saved, refused),
    newest first: an upload left on its summary is found again here until it is purged."""
    org = scope.organisation
    if not org.is_provider:
        return RemovalRequest.objects.none()
    drafts = (RequestState.CHECKING, RequestState.READY, RequestState.SAVING, RequestState.REFUSED)
    return RemovalRequest.objects.select_related("created_by").filter(provider=org, state__in=drafts).order_by("-pk")


def request_for(scope: Scope, pk: int) -> RemovalRequest:
    try:
        return requests_for(scope).get(pk=pk)
    except RemovalRequest.DoesNotExist:
        raise Http404 from None


def lines_for(scope: Scope) -> QuerySet[RemovalLine]:
    """Confirmed lines: of the provider's requests, or addressed to the installer company."""
    org = scope.organisation
    qs = RemovalLine.objects.select_related(
        "request", "request__provider", "vehicle", "subscription", "company", "device"
    ).exclude(status=LineStatus.NEW)
    if org.is_provider:
        return qs.filter(request__provider=org)
    return qs.filter(company=org)


def line_for(scope: Scope, pk: int) -> RemovalLine:
    try:
        return lines_for(scope).get(pk=pk)
    except RemovalLine.DoesNotExist:
        raise Http404 from None


def remover_lines(scope: Scope) -> QuerySet[RemovalLine]:
    """ "Gérer les demandes de déposes": the open lines of the company and the ones that ended lately."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return lines_for(scope).filter(Q(status__in=OPEN_LINE) | Q(updated_at__gte=since))


def sees_vehicle(scope: Scope, line: RemovalLine) -> bool:
    """The requester always; the remover while the line is open."""
    return scope.organisation.is_provider or line.status in OPEN_LINE


@dataclass(frozen=True)
class Summary:
    """ "Total: N of which accepted: A of which done: E" (a done line counts as accepted too)."""

    total: int = 0
    accepted: int = 0
    done: int = 0


def summaries(request_ids: list[int]) -> dict[int, Summary]:
    """The summary of each request of a page, in one aggregate query."""
    rows = (
        RemovalLine.objects.filter(request_id__in=request_ids)
        .exclude(status=LineStatus.NEW)
        .values("request_id")
        .annotate(
            total=Count("id"),
            accepted=Count("id", filter=Q(status__in=(LineStatus.ACCEPTED, LineStatus.DONE))),
            done=Count("id", filter=Q(status=LineStatus.DONE)),
        )
        .order_by()
    )
    return {r["request_id"]: Summary(r["total"], r["accepted"], r["done"]) for r in rows}
