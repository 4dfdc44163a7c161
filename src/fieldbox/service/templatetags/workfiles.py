"""The files box of a page (``service/_files.html``): an owner's files, and whether the reader adds or removes."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from fieldbox.service import selectors_files as reads

register = template.Library()

# The types an upload offers to choose (the server checks every file by its content anyway).
ACCEPT = ".pdf,.png,.jpg,.jpeg,.webp,.txt,.csv,.zip,.docx,.xlsx,.odt,.ods,.doc,.xls,.eml,image/*"
SHOWN = 200


@register.simple_tag(takes_context=True)
def work_files(context: template.Context, owner: Model) -> dict[str, Any] | None:
    """What the box shows for ``owner`` (found by the page through its scope), None for a reader who may not see
    files: the files (newest first, at most 200), the owner's kind, and what the reader may do."""
    scope: Any = context.get("scope")
    if owner is None or scope is None or scope.role not in reads.FILE_KEEPERS:
        return None
    found = list(reads.files_of(owner)[:SHOWN])
    return {
        "owner": owner,
        "kind": reads.owner_kind(owner),
        "files": [(f, reads.may_remove(scope, _with_owner(f, owner))) for f in found],
        "can_add": reads.may_add(scope, owner),
        "frozen": reads.frozen(owner),
        "accept": ACCEPT,
        "errors": context.get("file_errors") or [],
    }


def _with_owner(found: Any, owner: Model) -> Any:
    """The file with its owner already known (no query per file to learn whether its report is signed)."""
    if reads.owner_kind(owner) == "report":
        found.report = owner
    return found
