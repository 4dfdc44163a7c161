"""Reads of delivery notes (scoped to the organisation): the office and the technicians read them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from fieldbox.accounts.choices import WORK_DOERS
from fieldbox.commerce.choices import STOCK_KEEPERS, DeliveryNoteStatus
from fieldbox.commerce.models import DeliveryNote, DeliveryNoteLine
from fieldbox.core.tenancy import Scope

NOTE_READERS = STOCK_KEEPERS | WORK_DOERS


def notes_for(scope: Scope) -> QuerySet[DeliveryNote]:
    scope.require_role(*NOTE_READERS)
    return DeliveryNote.objects.visible_to(scope).select_related("customer", "destination", "source")


def notes_filtered(
    scope: Scope, *, status: str | None = None, customer_id: int | None = None
) -> QuerySet[DeliveryNote]:
    rows = notes_for(scope)
    if status in DeliveryNoteStatus.values:
        rows = rows.filter(status=status)
    if customer_id:
        rows = rows.filter(customer_id=customer_id)
    return rows


def note_for(scope: Scope, pk: int) -> DeliveryNote:
    """One note of the organisation (404 outside it, like one that does not exist)."""
    found: DeliveryNote | None = notes_for(scope).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def lines_of(note: DeliveryNote) -> list[DeliveryNoteLine]:
    return list(note.lines.select_related("item"))
