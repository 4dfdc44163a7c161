"""Reads of checklists, scoped: the provider's items, a job's checklist with its answers, photos one may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Product
from fieldbox.jobs.checklist import NO, YES, Line, checklist_of, items_of_job, missing_required
from fieldbox.jobs.models import ChecklistItem, JobPhoto

__all__ = ["NO", "YES", "Line", "checklist_of", "items_of_job", "missing_required"]


def items_for(scope: Scope) -> QuerySet[ChecklistItem]:
    """The checklist items a provider manages (nothing for an installer company)."""
    return ChecklistItem.objects.visible_to(scope).select_related("product")


def item_for(scope: Scope, pk: int) -> ChecklistItem:
    found = items_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def products_for(scope: Scope) -> QuerySet[Product]:
    return Product.objects.visible_to(scope).order_by("name", "pk")


def photos_for(scope: Scope) -> QuerySet[JobPhoto]:
    """Photos of the jobs one sees; a company loses them once the job ended, like the owner's data."""
    return JobPhoto.objects.visible_to(scope).select_related("item", "job")


def photo_for(scope: Scope, pk: int) -> JobPhoto:
    found = photos_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
