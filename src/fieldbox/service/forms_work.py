"""The forms of the office's work-order pages (``views.work_orders``): the list's filters, a work order, its
planning, a reason, a follow-up, a material, a resource, a type of work, a team's members."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.service.choices import ResourceKind, WorkOrderStatus
from fieldbox.service.services import work_orders as services

DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
Choices = list[tuple[Any, str]]


def optional(field: forms.Field, choices: Choices, empty: str) -> None:
    field.choices = [("", empty), *choices]  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    technician = forms.TypedChoiceField(label=gettext_lazy("Person"), required=False, coerce=int, empty_value=None)
    customer = forms.CharField(
        label=gettext_lazy("Customer"), max_length=100, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    day = forms.DateField(label=gettext_lazy("Day"), required=False, widget=DAY)

    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["status"], [(v, str(label)) for v, label in WorkOrderStatus.choices], _("Every status"))
        optional(self.fields["technician"], people, _("Everyone"))


class WorkOrderForm(forms.Form):
    site_id = forms.TypedChoiceField(label=gettext_lazy("Site"), required=False, coerce=int, empty_value=None)
    equipment_id = forms.TypedChoiceField(label=gettext_lazy("Equipment"), required=False, coerce=int, empty_value=None)
    ticket_id = forms.TypedChoiceField(label=gettext_lazy("Call"), required=False, coerce=int, empty_value=None)
    work_type_id = forms.TypedChoiceField(
        label=gettext_lazy("Type of work"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=gettext_lazy("Work to do"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    minutes = forms.IntegerField(
        label=gettext_lazy("Length in minutes"),
        required=False,
        min_value=5,
        max_value=services.MAX_MINUTES,
        help_text=gettext_lazy("Empty: the type of work's usual length."),
    )

    def __init__(self, *args: Any, choices: dict[str, Choices], editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["site_id"], choices["sites"], _("The equipment's, or none"))
        optional(self.fields["equipment_id"], choices["equipment"], _("None"))
        optional(self.fields["work_type_id"], choices["work_types"], _("None"))
        if editing:  # the call and the planned length are not changed here (the length: when planning)
            del self.fields["ticket_id"], self.fields["minutes"]
        else:
            optional(self.fields["ticket_id"], choices["tickets"], _("None"))


class PlanForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=DAY)
    time = forms.TimeField(label=gettext_lazy("Start time"), widget=TIME)
    minutes = forms.IntegerField(label=gettext_lazy("Length in minutes"), min_value=5, max_value=services.MAX_MINUTES)
    technician_id = forms.TypedChoiceField(label=gettext_lazy("Lead technician"), coerce=int)
    helper_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Helpers"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    resource_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Resources"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: Choices, resources: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        optional(self.fields["technician_id"], people, _("Choose the lead technician"))
        self.fields["helper_ids"].choices = people  # type: ignore[attr-defined]
        self.fields["resource_ids"].choices = resources  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What is left to do"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MaterialForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Material"), max_length=255)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), min_value=Decimal("0.01"), max_digits=10, decimal_places=2, initial=1
    )
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=10, initial="pc")
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40, required=False)


class ResourceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ResourceKind.choices)
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("A plate, a serial, an inventory code."),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WorkTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    minutes = forms.IntegerField(
        label=gettext_lazy("Usual length in minutes"), min_value=5, max_value=services.MAX_MINUTES, initial=60
    )
    active = forms.BooleanField(label=gettext_lazy("Offered when creating work orders"), required=False, initial=True)


class MembersForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Members"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, people: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = people  # type: ignore[attr-defined]
