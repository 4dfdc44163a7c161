"""Reads of prepaid packages (``PrepaidPackage.objects.visible_to``): the back office reads them all, a portal
contact their own customer's. The balance is always the sum of the moves, computed in the query."""

from __future__ import annotations

from datetime import date

from django.db.models import F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from fieldbox.accounts.choices import PORTAL
from fieldbox.commerce.choices import PREPAID_READERS, MinuteMoveKind
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services.prepaid import valid_on
from fieldbox.core.tenancy import Scope


def packages_for(scope: Scope) -> QuerySet[PrepaidPackage]:
    """The packages the scope sees, each with its ``balance`` (the sum of its moves)."""
    scope.require_role(*(PREPAID_READERS | PORTAL))
    total = Coalesce(Sum("moves__minutes"), Value(0), output_field=IntegerField())
    return PrepaidPackage.objects.visible_to(scope).select_related("customer").annotate(balance=total)


def packages_filtered(
    scope: Scope,
    *,
    customer_ids: list[int] | None = None,
    valid: bool | None = None,
    low: bool = False,
    day: date,
) -> QuerySet[PrepaidPackage]:
    """The list's filters: some customers, valid today (or not), at or below the low threshold."""
    rows = packages_for(scope)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    if valid is True:
        rows = rows.filter(valid_on(day))
    elif valid is False:
        rows = rows.exclude(valid_on(day))
    if low:
        rows = rows.filter(balance__lte=F("low_minutes"))  # type: ignore[misc]  # the annotation of packages_for
    return rows


def package_for(scope: Scope, pk: int) -> PrepaidPackage:
    """One package the scope sees (404 outside it, like one that does not exist)."""
    found: PrepaidPackage | None = packages_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def moves_of(package: PrepaidPackage) -> list[MinuteMove]:
    """The package's ledger, oldest first, each with its running balance (``after``) and whether it was reversed."""
    moves = list(
        MinuteMove.objects.filter(package=package).select_related("ticket", "by", "reverses").order_by("at", "pk")
    )
    reversed_ids = set(
        MinuteMove.objects.filter(package=package, reverses__isnull=False).values_list("reverses_id", flat=True)
    )
    running = 0
    for move in moves:
        running += move.minutes
        move.after = running
        move.is_reversed = move.pk in reversed_ids
    return moves


def moves_for(scope: Scope, package_id: int) -> QuerySet[MinuteMove]:
    """A package's moves for the API (keyset pages, newest first)."""
    package = package_for(scope, package_id)
    return MinuteMove.objects.filter(package=package)


def customer_packages(scope: Scope, customer_id: int, day: date) -> list[PrepaidPackage]:
    """The customer's packages valid on ``day``, with their balance, the first to end first."""
    rows = packages_for(scope).filter(valid_on(day), customer_id=customer_id)
    return list(rows.order_by("valid_until", "valid_from", "pk")[:20])


def call_minutes(scope: Scope, ticket_id: int) -> int:
    """The package minutes a call used (its uses less their reversals)."""
    kinds = (MinuteMoveKind.USE, MinuteMoveKind.REVERSAL)
    moves = MinuteMove.objects.visible_to(scope).filter(ticket_id=ticket_id, kind__in=kinds)
    return -int(moves.aggregate(total=Sum("minutes"))["total"] or 0)
