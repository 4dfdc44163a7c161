"""Imports of the catalogue from XLSX/CSV (and XLS, ODS): items, the prices of one price list, opening stock.

Each is checked whole first — a bad header is one message, every bad row named with its column, one query per
check whatever the number of rows — and loaded all or nothing. The pages show a preview, then load the same file
checked again; the API checks (``dry_run``) or loads in one call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import STOCK_KEEPERS
from fieldbox.commerce.imports import items, opening, prices
from fieldbox.commerce.imports.common import MAX_SHOWN_ERRORS, Checked, read_file
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row

__all__ = ["KINDS", "MAX_SHOWN_ERRORS", "Checked", "Kind", "check", "load", "preview", "read_file"]

audit.label_actions(
    {
        "item.import": gettext_lazy("Items loaded from a file"),
        "price.import": gettext_lazy("Prices loaded from a file"),
        "stock.opening_import": gettext_lazy("Opening stock loaded from a file"),
    }
)


@dataclass(frozen=True)
class Kind:
    key: str
    title: Promise
    required: tuple[str, ...]
    optional: tuple[str, ...]
    roles: frozenset[str]
    needs_list: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS = {
    "items": Kind("items", gettext_lazy("Items"), items.REQUIRED, items.OPTIONAL, reads.CATALOGUE_WRITERS),
    "prices": Kind(
        "prices", gettext_lazy("Prices of a list"), prices.REQUIRED, prices.OPTIONAL, reads.CATALOGUE_WRITERS, True
    ),
    "opening-stock": Kind(
        "opening-stock", gettext_lazy("Opening stock"), opening.REQUIRED, opening.OPTIONAL, frozenset(STOCK_KEEPERS)
    ),
}


def _kind(scope: Scope, key: str) -> Kind:
    kind = KINDS[key]
    if scope.role not in kind.roles:
        raise PermissionDenied
    return kind


def _price_list_id(scope: Scope, price_list_id: int | None) -> int:
    found = reads.price_lists_for(scope).filter(pk=price_list_id or 0).first()
    if found is None:
        raise ValidationError({"price_list_id": _("Choose one of your price lists.")})
    return found.pk


def check(
    scope: Scope, key: str, rows: list[Row], *, price_list_id: int | None = None, close_current: bool = False
) -> Checked[Any]:
    """Every row of a file of that kind checked: the lines it would load, or every error."""
    kind = _kind(scope, key)
    if kind.key == "items":
        return items.check(scope, rows)
    if kind.key == "prices":
        found = reads.price_list_for(scope, _price_list_id(scope, price_list_id))
        return prices.check(scope, found, rows, close_current=close_current)
    return opening.check(scope, rows)


def load(
    scope: Scope,
    key: str,
    rows: list[Row],
    *,
    price_list_id: int | None = None,
    filename: str = "",
    close_current: bool = False,
) -> int:
    """Check the rows again and load them all (or nothing: ``ValidationError`` on ``file``)."""
    kind = _kind(scope, key)
    if kind.key == "prices":
        return prices.load(
            scope=scope,
            price_list_id=_price_list_id(scope, price_list_id),
            rows=rows,
            filename=filename,
            close_current=close_current,
        )
    checked = check(scope, key, rows, price_list_id=price_list_id)
    if kind.key == "items":
        return items.load(scope=scope, checked=checked, filename=filename)
    return opening.load(scope=scope, checked=checked, filename=filename)


def preview(key: str, lines: list[Any]) -> list[list[str]]:
    """The first lines as the page shows them, one cell per column of the kind."""
    shown: list[list[str]] = []
    for line in lines[:20]:
        if key == "items":
            f = line.fields
            shown.append([str(line.row), f["code"], f["description"], _("change") if line.item_id else _("new")])
        elif key == "prices":
            end = line.valid_to.isoformat() if line.valid_to else "—"
            shown.append([str(line.row), line.code, str(line.price), line.valid_from.isoformat(), end])
        else:
            shown.append([str(line.row), line.code, line.location, str(line.quantity.normalize()), line.serial])
    return shown
