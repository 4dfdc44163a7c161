""" "Is this vehicle equipped?" (Traqueur "Vérifier qu'un VO est équipé"): the page (the look-up itself is
``removals.equipment``, shared with the API)."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import PROVIDER_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import scope_required
from fieldbox.removals.equipment import compact, equipped, limited


class CheckVehicleForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("VIN or plate"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autofocus": True}),
    )


@scope_required(*PROVIDER_ROLES)
def check_vehicle(request: AuthedRequest) -> HttpResponse:
    form = CheckVehicleForm(request.GET or None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        if limited(request, request.scope):
            context["limited"] = True
            return render(request, "removals/check_vehicle.html", context, status=429)
        text = form.cleaned_data["q"]
        context.update({"q": compact(text), "result": equipped(request.scope, vin=text, plate=text)})
    return render(request, "removals/check_vehicle.html", context)
