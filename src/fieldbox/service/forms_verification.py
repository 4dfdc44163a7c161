"""The forms of the final verification (``views.verification``): the queue's filters, one proposed line with the
admin's correction, and a line the admin adds."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.service.forms_work import DAY, Choices, optional
from fieldbox.service.models.verification import VerifiedLineKind
from fieldbox.service.selectors_verification import QueueKind
from fieldbox.service.services.verification import REASON_LIMIT, Correction

BILLING = [
    ("billable", gettext_lazy("Billable")),
    ("covered", gettext_lazy("Covered by the contract")),
    ("not_billable", gettext_lazy("Not billable")),
]
SMALL = forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"})


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What"),
        required=False,
        choices=[(QueueKind.WORK_ORDER, gettext_lazy("Work orders")), (QueueKind.CALL, gettext_lazy("Calls"))],
    )
    customer = forms.CharField(
        label=gettext_lazy("Customer"), max_length=100, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    technician = forms.TypedChoiceField(label=gettext_lazy("Person"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=gettext_lazy("Ended from"), required=False, widget=DAY)
    date_to = forms.DateField(label=gettext_lazy("Ended until"), required=False, widget=DAY)

    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["technician"], people, _("Everyone"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end cannot come before the start."))
        return data


def billing_of(choice: str) -> tuple[bool, bool]:
    """(covered, billable) of a billing choice."""
    return choice == "covered", choice == "billable"


class LineForm(forms.Form):
    """A proposed line: its key, and what the admin makes of it."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=40)
    quantity = forms.DecimalField(label=gettext_lazy("Quantity"), required=False, max_digits=10, decimal_places=2)
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), required=False)
    unit_price = forms.DecimalField(label=gettext_lazy("Price"), required=False, max_digits=10, decimal_places=2)
    billing = forms.ChoiceField(label=gettext_lazy("Billing"), choices=BILLING)
    drop = forms.BooleanField(label=gettext_lazy("Drop"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_LIMIT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the table's headers name them on screen; this, for screen readers
            field.widget.attrs.setdefault("aria-label", str(field.label or ""))

    def correction(self) -> Correction:
        d = self.cleaned_data
        covered, billable = billing_of(d["billing"])
        return Correction(
            key=d["key"],
            quantity=d["quantity"],
            minutes=d["minutes"],
            unit_price=d["unit_price"],
            covered=covered,
            billable=billable,
            drop=d["drop"],
            reason=d["reason"],
        )


class AddedLineForm(forms.Form):
    """A line the admin adds (an empty row is left out)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=255, required=False)
    item_code = forms.CharField(label=gettext_lazy("Item code"), max_length=40, required=False)
    quantity = forms.DecimalField(label=gettext_lazy("Quantity"), required=False, max_digits=10, decimal_places=2)
    minutes = forms.IntegerField(label=gettext_lazy("Minutes"), required=False)
    unit_price = forms.DecimalField(label=gettext_lazy("Price"), required=False, max_digits=10, decimal_places=2)
    billing = forms.ChoiceField(label=gettext_lazy("Billing"), choices=BILLING, required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON_LIMIT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["kind"], [(v, str(label)) for v, label in VerifiedLineKind.choices], "—")

    def correction(self) -> Correction | None:
        d = self.cleaned_data
        if not (d.get("kind") or (d.get("description") or "").strip()):
            return None
        covered, billable = billing_of(d.get("billing") or "billable")
        return Correction(
            kind=d.get("kind") or "",
            description=d.get("description") or "",
            item_code=d.get("item_code") or "",
            quantity=d.get("quantity"),
            minutes=d.get("minutes"),
            unit_price=d.get("unit_price"),
            covered=covered,
            billable=billable,
            reason=d.get("reason") or "",
        )


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=500, absolute_max=500, validate_max=True)
AddedFormSet = forms.formset_factory(AddedLineForm, extra=2, max_num=20, absolute_max=20, validate_max=True)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
