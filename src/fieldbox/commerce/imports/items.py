"""Items from a spreadsheet: one row per item, ``code`` and ``description`` required, the other columns optional.
A row whose code is already an item of the organisation changes that item (the columns the file has; the others
keep their value); a new code adds an item. Every row checked at once (one query finds the existing items), all or
nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fieldbox.commerce import selectors_catalogue as reads
from fieldbox.commerce.choices import ItemKind, Unit
from fieldbox.commerce.imports.common import Checked, cell, header, records, refuse, yes_no
from fieldbox.commerce.models import Item
from fieldbox.commerce.services import catalogue as items
from fieldbox.core import audit
from fieldbox.core.tenancy import Scope
from fieldbox.core.uploads import Row, RowError

REQUIRED = ("code", "description")
OPTIONAL = (
    "kind",
    "unit",
    "barcode",
    "barcode_kind",
    "last_cost",
    "lead_days",
    "reorder_level",
    "tracked",
    "serialised",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "notes",
    "active",
)
COLUMNS = REQUIRED + OPTIONAL
BOOLEANS = ("tracked", "serialised", "active")


@dataclass(frozen=True)
class Line:
    row: int
    item_id: int | None  # the item it changes, or None for a new one
    fields: dict[str, Any]


def _choice(value: str, choices: Any, column: str) -> str:
    """A kind or a unit by its value (``part``, ``pc``) or its name in any of the user's words."""
    text = value.strip().lower()
    for choice, label in choices.choices:
        if text in (str(choice).lower(), str(label).lower()):
            return str(choice)
    names = ", ".join(str(c) for c in choices.values)
    raise ValidationError({column: _("Write one of: %(names)s.") % {"names": names}})


def _read(column: str, text: str) -> Any:
    if column in BOOLEANS:
        return yes_no(text, column)
    if column == "kind":
        return _choice(text or "part", ItemKind, "kind")
    if column == "unit":
        return _choice(text or "pc", Unit, "unit")
    return text


def _row_data(errors: list[RowError], number: int, values: dict[str, str], current: dict[str, Any]) -> dict[str, Any]:
    data = dict(current)
    for column, text in values.items():
        data[column] = cell(errors, number, column, partial(_read, column, text))
    return data


def _clean(errors: list[RowError], number: int, data: dict[str, Any]) -> dict[str, Any] | None:
    """The item's fields checked one by one (``services.catalogue``'s checks), each error on its column."""
    before = len(errors)
    checks = {
        "code": lambda: items.words("code", data["code"], 40, required=True),
        "description": lambda: items.words("description", data["description"], 255, required=True),
        "barcode": lambda: items.barcode(data.get("barcode"), data.get("barcode_kind")),
        "notes": lambda: items.words("notes", data.get("notes"), 5000, lines=True),
    }
    for column, check in checks.items():
        cell(errors, number, column, check)
    if len(errors) > before:
        return None
    try:
        return items.clean_item(data)
    except ValidationError as refused:
        for column, messages in refused.message_dict.items():
            errors.extend(RowError(number, column, str(m)) for m in messages)
        return None


def check(scope: Scope, rows: list[Row]) -> Checked[Line]:
    where = header(rows, REQUIRED, OPTIONAL)
    found = records(rows, where, _("The file has no item rows under its header."))
    codes = Counter(values["code"].strip().lower() for _n, values in found if values["code"].strip())
    existing = {
        item.code.lower(): item
        for item in reads.items_for(scope).filter(code__in={values["code"].strip() for _n, values in found})
    }
    result: Checked[Line] = Checked()
    for number, values in found:
        code = values["code"].strip().lower()
        item = existing.get(code)
        current = {f: getattr(item, f) for f in items.ITEM_FIELDS} if item is not None else {}
        data = _row_data(result.errors, number, values, current)
        if code and codes[code] > 1:
            result.errors.append(RowError(number, "code", _("This code is in the file more than once.")))
            continue
        clean = _clean(result.errors, number, data)
        if clean is not None:
            result.lines.append(Line(number, item.pk if item is not None else None, clean))
    return result


def load(*, scope: Scope, checked: Checked[Line], filename: str = "") -> int:
    """Add the new items and change the existing ones, in one transaction (multi-row writes)."""
    scope.require_role(*reads.CATALOGUE_WRITERS)
    if not checked.ok:
        raise refuse(_("Correct the errors of the file first: nothing was loaded."))
    new = [Item(organisation=scope.organisation, **line.fields) for line in checked.lines if line.item_id is None]
    changed = {line.item_id: line.fields for line in checked.lines if line.item_id is not None}
    try:
        with transaction.atomic():
            Item.objects.bulk_create(new, batch_size=1000)
            if changed:
                rows = list(reads.items_for(scope).select_for_update().filter(pk__in=list(changed)))
                for item in rows:
                    for name, value in changed[item.pk].items():
                        setattr(item, name, value)
                Item.objects.bulk_update(rows, list(items.ITEM_FIELDS), batch_size=1000)
            audit.record(
                actor=scope.user,
                organisation=scope.organisation,
                obj=scope.organisation,
                action="item.import",
                data={"added": len(new), "changed": len(changed), "file": filename[:200]},
            )
    except IntegrityError:
        raise refuse(_("Some of these items were added meanwhile: check the file again.")) from None
    return len(checked.lines)
