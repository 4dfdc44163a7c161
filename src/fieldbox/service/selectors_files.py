"""Reads of the files and photos kept on work orders, calls, work reports and equipment.

A file is reached only through its owner, found by the owner's own ``visible_to``: what one may not see has no
files, and answers 404 like a file that does not exist. Only the back office and the people in the field read
them (never a portal contact).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from fieldbox.accounts.choices import ADMIN_ROLES, BACK_OFFICE, DESK, WORK_DOERS, WORK_PLANNERS
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ReportStatus
from fieldbox.service.models import Equipment, Ticket, WorkFile, WorkOrder, WorkReport

# Who reads a record's files and adds to them: the back office and the people who do the work.
FILE_KEEPERS = BACK_OFFICE | WORK_DOERS
# Who removes anyone's file (everyone else: only their own).
FILE_CLEANERS = WORK_PLANNERS | DESK | ADMIN_ROLES
# What a file may belong to: the name in addresses and the API, its model, and WorkFile's field.
OWNERS: dict[str, type[Model]] = {
    "work_order": WorkOrder,
    "ticket": Ticket,
    "report": WorkReport,
    "equipment": Equipment,
}


def owner_kind(owner: Model) -> str:
    """The name of an owner's kind ("work_order", …)."""
    for kind, model in OWNERS.items():
        if isinstance(owner, model):
            return kind
    raise ValueError(f"Files are not kept on {type(owner).__name__}.")


def owners_visible(scope: Scope, kind: str) -> QuerySet[Any]:
    """The records of a kind the person may see (none for an unknown kind)."""
    model = OWNERS.get(kind)
    if model is None or scope.role not in FILE_KEEPERS:
        return WorkOrder.objects.none()
    return model.objects.visible_to(scope)  # type: ignore[attr-defined]


def owner_for(scope: Scope, kind: str, pk: int) -> Any:
    """One visible owner; 404 otherwise."""
    found = owners_visible(scope, kind).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def files_visible(scope: Scope) -> QuerySet[WorkFile]:
    """The files of every record the person may see."""
    if scope.role not in FILE_KEEPERS:
        return WorkFile.objects.none()
    mine = Q()
    for kind in OWNERS:
        mine |= Q(**{f"{kind}__in": owners_visible(scope, kind).values("pk")})
    return WorkFile.objects.visible_to(scope).filter(mine)


def files_of(owner: Model) -> QuerySet[WorkFile]:
    """An owner's files (the owner was found through ``owner_for``), newest first."""
    kind = owner_kind(owner)
    return WorkFile.objects.filter(**{kind: owner}).select_related("uploaded_by").order_by("-uploaded_at", "-pk")


def file_for(scope: Scope, pk: int) -> WorkFile:
    """One file the person may see; 404 otherwise."""
    found = files_visible(scope).select_related("report").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def frozen(owner: Model) -> bool:
    """A signed work report keeps the files it was signed with: none added, none removed."""
    return isinstance(owner, WorkReport) and owner.status != ReportStatus.DRAFT


def may_add(scope: Scope, owner: Model) -> bool:
    return scope.role in FILE_KEEPERS and not frozen(owner)


def may_remove(scope: Scope, found: WorkFile) -> bool:
    """The person who added a file, or the office, removes it, unless its report is signed."""
    if scope.role not in FILE_KEEPERS or (found.report is not None and frozen(found.report)):
        return False
    return scope.role in FILE_CLEANERS or found.uploaded_by_id == scope.user.pk
