"""Forms of the messaging screens; the services re-check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldbox.messaging import events
from fieldbox.messaging.choices import FeedFormat
from fieldbox.messaging.phones import PhoneField


class WordingForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}), max_length=5000)

    def __init__(self, *args: Any, sms: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sms:
            del self.fields["subject"]


def event_choices(organisation_kind: str) -> list[tuple[str, Any]]:
    return [(e.key, e.label) for e in events.for_webhooks(organisation_kind)]


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=[])
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, organisation_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = event_choices(organisation_kind)  # type: ignore[attr-defined]


class FeedForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=FeedFormat.choices)


class TestSmsForm(forms.Form):
    phone = PhoneField(label=_("Mobile phone"))


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, bool], role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for event in events.for_people(role):
            self.fields[event.key] = forms.BooleanField(
                label=str(event.label), required=False, initial=current.get(event.key, event.email_default)
            )

    def by_email(self) -> list[str]:
        return [key for key, wanted in self.cleaned_data.items() if wanted]
