"""Forms of the job screens: list filters and the actions on a job. The services re-check every rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.core import clock
from fieldbox.fleet.choices import VehicleType
from fieldbox.jobs.choices import ChecklistKind, CheckType, JobKind, JobStatus


def _text(label: Any, **attrs: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=100, required=False, widget=forms.TextInput(attrs=attrs))


def _days(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


DEADLINE_CHOICES = [("", _("Any deadline")), ("soon", _("Within 3 days or late")), ("overdue", _("Late"))]


class OpenFilterForm(forms.Form):
    """The funnel on every column of the "Open" tab."""

    subscription = _text(_("Subscription"))
    days_min = _days(_("Assigned at least N days ago"))
    plate = _text(_("Plate"), autocapitalize="characters")
    customer = _text(_("Customer"))
    phone = _text(_("Phone"), inputmode="tel")
    vehicle_type = forms.ChoiceField(
        label=_("Vehicle type"), required=False, choices=[("", _("Any type")), *VehicleType.choices]
    )
    product = _text(_("Product"))
    deadline = forms.ChoiceField(label=_("Deadline"), required=False, choices=DEADLINE_CHOICES)


class CompletedFilterForm(forms.Form):
    """The funnel on every column of the "Completed" tab."""

    serial = _text(_("Serial number"), autocapitalize="characters")
    done_on = forms.DateField(label=_("Done on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    done_in_max = _days(_("Done in at most N days"))
    plate = _text(_("Plate"), autocapitalize="characters")


class JobFilterForm(forms.Form):
    """The provider's job list."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *JobStatus.choices])
    company = forms.TypedChoiceField(label=_("Installer company"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *JobKind.choices])
    deadline = forms.ChoiceField(
        label=_("Deadline"), required=False, choices=[("", _("Any deadline")), ("overdue", _("Late"))]
    )
    deadline_days = _days(_("Deadline within N days"))

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = [("", _("Any company")), *companies]  # type: ignore[attr-defined]


class SpecForm(forms.Form):
    """What the installer must follow."""

    vehicle_model = forms.CharField(label=_("Vehicle model"), max_length=200, required=False)
    central_lock_type = forms.CharField(label=_("Central lock connection type"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes for the installer"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class JobCreateForm(SpecForm):
    subscription = forms.CharField(
        label=_("Subscription number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=JobKind.choices, initial=JobKind.INSTALLATION)

    field_order = ["subscription", "kind", "vehicle_model", "central_lock_type", "notes"]


class AssignForm(forms.Form):
    company = forms.TypedChoiceField(label=_("Installer company"), coerce=int)

    def __init__(self, *args: Any, companies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["company"].choices = companies  # type: ignore[attr-defined]


class ReassignForm(AssignForm):
    reason = forms.CharField(label=_("Why it moves"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AppointmentForm(forms.Form):
    when = forms.DateTimeField(
        label=_("Date and time agreed with the customer"),
        input_formats=[clock.DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=clock.DATETIME_LOCAL),
    )

    def __init__(self, *args: Any, bounds: dict[str, str] | None = None, **kwargs: Any) -> None:
        """``bounds``: the picker's ``min`` and ``max`` (``booking.picker_bounds``), so it offers only the days
        the appointment may be on."""
        super().__init__(*args, **kwargs)
        self.fields["when"].widget.attrs.update(bounds or {})


class AskCareForm(forms.Form):
    message = forms.CharField(
        label=_("Message to customer care"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PairForm(forms.Form):
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autocorrect": "off",
                "data-scan": "serial",
            }
        ),
    )
    imei_last4 = forms.RegexField(
        label=_("Last 4 digits of the IMEI"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Type the last 4 digits of the IMEI.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "pattern": "[0-9]{4}",
                "maxlength": "4",
                "autocomplete": "off",
                "data-scan": "imei4",
            }
        ),
    )

    def __init__(self, *args: Any, serial_prefix: str = "", **kwargs: Any) -> None:
        """``serial_prefix``: how the product's serial numbers start, so that the scanner puts only a serial of this
        product in the serial field (the service refuses any other)."""
        super().__init__(*args, **kwargs)
        if serial_prefix:
            self.fields["serial"].widget.attrs["data-prefix"] = serial_prefix.upper()


class FailForm(forms.Form):
    comment = forms.CharField(label=_("Why the job failed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class JobImportForm(forms.Form):
    """A spreadsheet of jobs, one row per vehicle (the file itself is checked by jobs.imports)."""

    file = forms.FileField(
        label=_("Spreadsheet (.xlsx, .xls, .ods or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}),
    )


class CareSearchForm(forms.Form):
    """Customer care's one box."""

    q = forms.CharField(
        label=_("Plate, VIN, subscription number, customer name or phone"),
        max_length=100,
        required=False,
        widget=forms.SearchInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )


class ExtendDeadlineForm(forms.Form):
    until = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Why the deadline moves"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CorrectPairingForm(PairForm):
    reason = forms.CharField(
        label=_("Why the pairing is corrected"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class OwnerChangeForm(forms.Form):
    message = forms.CharField(
        label=_("Your message (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where would you rather have it fitted, when can you be reached?"),
    )


class ChecklistItemForm(forms.Form):
    """One question of a checklist: a provider's for a kind of job, or an organisation's for its work orders."""

    label = forms.CharField(label=_("Label"), max_length=200, help_text=_("As the installer reads it on site."))
    type = forms.ChoiceField(label=_("Type"), choices=CheckType.choices)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For a single or multiple choice: one option per line."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, help_text=_("For a number: bar, °C, V…"))
    min_value = forms.CharField(label=_("Lowest value"), max_length=20, required=False)
    max_value = forms.CharField(label=_("Highest value"), max_length=20, required=False)
    required = forms.BooleanField(label=_("Required to complete the work"), required=False, initial=True)
    kind = forms.ChoiceField(label=_("Checklist for"), choices=ChecklistKind.choices)
    product = forms.TypedChoiceField(
        label=_("Product"), required=False, coerce=int, empty_value=None, help_text=_("For jobs.")
    )
    checklist = forms.CharField(
        label=_("Checklist name"),
        max_length=120,
        required=False,
        help_text=_("For work orders: an existing name adds to that checklist, a new one starts one."),
    )

    field_order = ["kind", "product", "checklist", "label", "type", "options", "unit", "min_value", "max_value"]

    def __init__(
        self,
        *args: Any,
        products: list[tuple[int, str]],
        for_jobs: bool = True,
        names: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", _("Every product")), *products]  # type: ignore[attr-defined]
        self.fields["min_value"].widget.attrs["inputmode"] = "decimal"
        self.fields["max_value"].widget.attrs["inputmode"] = "decimal"
        self.fields["checklist"].widget.attrs["list"] = "checklist-names"
        self.names = list(names)
        if not for_jobs:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                (ChecklistKind.WORK_ORDER.value, ChecklistKind.WORK_ORDER.label)
            ]
            self.fields["kind"].initial = ChecklistKind.WORK_ORDER
            del self.fields["product"]


class PhotoForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
