"""The service levels' pages: an admin's promise per priority, and the one list of what is about to break a
promise (tickets and jobs), soonest first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import ADMIN_ROLES
from fieldbox.core.http import AuthedRequest
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import at_risk as risk
from fieldbox.service import sla
from fieldbox.service.services.sla import FIELDS, field_name, service_levels_save


class ServiceLevelsForm(forms.Form):
    """Two whole numbers of working hours per priority: ``urgent_response_hours``, ``urgent_resolution_hours``…"""

    def __init__(self, *args: Any, levels: list[sla.Level], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in levels:
            labels = {
                "response_hours": _("%(priority)s: first answer within") % {"priority": level.label},
                "resolution_hours": _("%(priority)s: resolved within") % {"priority": level.label},
            }
            for name in FIELDS:
                self.fields[field_name(level.priority, name)] = forms.IntegerField(
                    label=labels[name],
                    min_value=sla.MIN_HOURS,
                    max_value=sla.MAX_HOURS,
                    initial=getattr(level, name),
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "aria-label": labels[name]}),
                )

    def rows(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {"priority": p, **{name: data[field_name(p, name)] for name in FIELDS}}
            for p in sla.PRIORITIES
            if field_name(p, FIELDS[0]) in data
        ]


@scope_required(*ADMIN_ROLES)
def service_levels(request: AuthedRequest) -> HttpResponse:
    """The organisation's promise per priority, in working hours, with the working time they count in."""
    scope = request.scope
    levels = sla.levels_for(scope)
    form = ServiceLevelsForm(request.POST or None, levels=levels)
    if request.method == "POST" and form.is_valid():
        done = run_service(request, form, lambda: service_levels_save(scope=scope, rows=form.rows()))
        if done is not None:
            messages.success(request, _("Saved. Tickets opened from now on get these dues."))
            return redirect("service:service_levels")
    calendar = sla.Calendar.of(scope.organisation)
    context = {
        "form": form,
        "rows": [(level, [form[field_name(level.priority, name)] for name in FIELDS]) for level in levels],
        "time_zone": scope.organisation.time_zone,
        "country": calendar.country,
        "hours": " · ".join(f"{a:%H:%M}\N{EN DASH}{b:%H:%M}" for a, b in sla.WORKING_HOURS),
    }
    return render(request, "service/service_levels.html", context, status=400 if form.errors else 200)


class AtRiskFilterForm(forms.Form):
    hours = forms.IntegerField(
        label=gettext_lazy("Due within (working hours)"),
        min_value=1,
        max_value=risk.MAX_HORIZON,
        initial=sla.AT_RISK_HOURS,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Show"), required=False)

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = {"ticket": gettext_lazy("Tickets"), "job": gettext_lazy("Jobs")}
        self.fields["kind"].choices = [("", gettext_lazy("Tickets and jobs")), *((k, names[k]) for k in kinds)]  # type: ignore[attr-defined]


@scope_required(*risk.READERS)
def at_risk(request: AuthedRequest) -> HttpResponse:
    """Tickets and jobs about to break their promise, soonest first (the late ones on top)."""
    scope = request.scope
    kinds = risk.kinds_for(scope)
    form = AtRiskFilterForm(request.GET or None, kinds=kinds)
    chosen = form.cleaned_data if form.is_valid() else {}
    hours = chosen.get("hours") or sla.AT_RISK_HOURS
    page = risk.at_risk(scope, hours=hours, kind=chosen.get("kind") or "", cursor=request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "page": page,
        "hours": hours,
        "both": len(kinds) > 1,
        "query": query.urlencode(),
        "is_first": not request.GET.get("after"),
        "is_admin": scope.role in ADMIN_ROLES,
    }
    return render(request, "service/at_risk.html", context)
