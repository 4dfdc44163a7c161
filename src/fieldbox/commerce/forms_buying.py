"""The forms of buying's pages: the header of a supplier order (its lines are rows of the page, read by
``order_lines``), a delivery received, the cost check's choice and invoice, the filters of the materials to bill.
The services check every rule; these forms only read what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from fieldbox.commerce.choices import PurchaseStatus

Choices = list[tuple[Any, str]]
LINE_ROWS = 5  # empty rows a new order offers (more: save and change it)


class DateInput(forms.DateInput):
    input_type = "date"


class PurchaseForm(forms.Form):
    supplier_id = forms.TypedChoiceField(label=_("Supplier"), coerce=int)
    location_id = forms.TypedChoiceField(label=_("Deliver to"), coerce=int)
    expected_on = forms.DateField(label=_("Expected on"), required=False, widget=DateInput)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, suppliers: Choices, locations: Choices, editing: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["supplier_id"].choices = [("", "—"), *suppliers]  # type: ignore[attr-defined]
        self.fields["location_id"].choices = [("", "—"), *locations]  # type: ignore[attr-defined]
        if editing:
            del self.fields["supplier_id"]


def order_rows(data: QueryDict, count: int) -> list[dict[str, str]]:
    """The rows of lines as typed (item code, quantity, unit cost), the empty ones left out."""
    rows = []
    for n in range(count):
        row = {k: (data.get(f"{k}_{n}") or "").strip() for k in ("code", "quantity", "cost")}
        if any(row.values()):
            rows.append(row)
    return rows


class PurchaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    supplier = forms.TypedChoiceField(label=_("Supplier"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, suppliers: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["status"].choices = [("", _("Any")), *PurchaseStatus.choices]  # type: ignore[attr-defined]
        self.fields["supplier"].choices = [("", _("Any")), *suppliers]  # type: ignore[attr-defined]


class ReceiptForm(forms.Form):
    supplier_ddt = forms.CharField(label=_("Supplier's delivery note number"), max_length=40)
    supplier_ddt_date = forms.DateField(label=_("Delivery note date"), widget=DateInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class CostCheckChoiceForm(forms.Form):
    supplier = forms.TypedChoiceField(label=_("Supplier"), coerce=int)
    month = forms.DateField(
        label=_("Month of the delivery notes"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, suppliers: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["supplier"].choices = [("", "—"), *suppliers]  # type: ignore[attr-defined]
        self.fields["month"].input_formats = ["%Y-%m", "%Y-%m-%d"]  # type: ignore[attr-defined]


class InvoiceForm(forms.Form):
    invoice_number = forms.CharField(label=_("Supplier's invoice number"), max_length=40)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=DateInput)


class BillableFilterForm(forms.Form):
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=_("Left from"), required=False, widget=DateInput)
    until = forms.DateField(label=_("Left until"), required=False, widget=DateInput)

    def __init__(self, *args: Any, customers: Choices, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["customer"].choices = [("", _("Any")), *customers]  # type: ignore[attr-defined]
