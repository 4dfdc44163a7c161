"""The SYS activity planner: one person's (or one resource's) day with its work orders and activities, and an
activity added, changed or deleted (``services.activities``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import scope_required
from fieldbox.service import selectors_planner as planner
from fieldbox.service.choices import ActivityKind
from fieldbox.service.models import Activity
from fieldbox.service.services.activities import activity_delete, activity_save
from fieldbox.service.views.planner import CHANGERS, READERS, may_plan, parse_day, today_of

# ---- The activity planner: one person's (or resource's) day -------------------------------------------------


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices)
    lane = forms.ChoiceField(label=gettext_lazy("Person or resource"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Start"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("End"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    notes = forms.CharField(label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, scope: Scope, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lanes = [(lane.id, lane.title, lane.kind) for lane in planner.lanes(scope)]
        if current and current not in {x[0] for x in lanes}:
            lanes.insert(0, (current, _label_of(scope, current), "person" if current[:1] == "u" else "resource"))
        lane_field: forms.ChoiceField = self.fields["lane"]  # type: ignore[assignment]
        lane_field.choices = [
            (_("People"), [(i, t) for i, t, k in lanes if k == "person"]),
            (_("Resources"), [(i, t) for i, t, k in lanes if k == "resource"]),
        ]


def _label_of(scope: Scope, lane: str) -> str:
    parsed = planner.parse_lane(lane)
    if parsed is None:
        raise Http404
    kind, pk = parsed
    return str(planner.person_for(scope, pk)) if kind == "person" else planner.resource_for(scope, pk).name


def _save(scope: Scope, form: ActivityForm, activity_id: int | None = None) -> Activity | None:
    """The form's activity through ``activity_save``; the service's refusals go on the form's fields."""
    data = form.cleaned_data
    kind, pk = planner.parse_lane(data["lane"]) or ("person", 0)
    whom = {"user_id": pk} if kind == "person" else {"resource_id": pk}
    try:
        return activity_save(
            scope=scope,
            activity_id=activity_id,
            kind=data["kind"],
            title=data["title"],
            notes=data["notes"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            **whom,
        )
    except ValidationError as error:
        names = {"user_id": "lane", "resource_id": "lane"}
        for field, errors in error.message_dict.items():
            name = names.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    except ObjectDoesNotExist:
        raise Http404 from None
    return None


def _day_link(lane: str, day: date) -> str:
    return f"{reverse('service:planner_day')}?lane={lane}&day={day.isoformat()}"


@scope_required(*READERS)
def planner_day(request: AuthedRequest) -> HttpResponse:
    """One person's or one resource's day: its work orders and its activities; a planner adds an activity."""
    scope = request.scope
    lane = str(request.GET.get("lane") or "")
    if planner.parse_lane(lane) is None:
        raise Http404
    name = _label_of(scope, lane)  # 404 outside the organisation
    kind, pk = planner.parse_lane(lane)  # type: ignore[misc]
    day = parse_day(request.GET.get("day")) or today_of(scope)
    may_change = may_plan(scope)
    zone = planner.zone_of(scope)
    opens = datetime.combine(day, planner.WORK_DAY[0], tzinfo=zone)
    initial = {"lane": lane, "starts_at": opens, "ends_at": opens + timedelta(hours=1)}
    if kind == "resource":
        initial["kind"] = ActivityKind.UPKEEP
    form = ActivityForm(request.POST or None, scope=scope, current=lane, initial=initial)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid() and (saved := _save(scope, form)) is not None:
            messages.success(request, _("Activity added."))
            local = timezone.localtime(saved.starts_at, zone).date()
            return redirect(_day_link(planner.lane_of_activity(saved) or lane, local))
    whose = {"user_id": pk} if kind == "person" else {"resource_id": pk}
    context = {
        "name": name,
        "lane": lane,
        "day": day,
        "items": planner.day_of(scope, day, **whose),
        "form": form if may_change else None,
        "may_change": may_change,
        "previous": _day_link(lane, day - timedelta(days=1)),
        "next": _day_link(lane, day + timedelta(days=1)),
        "back": f"{reverse('service:planner')}?show={lane}&view=week&date={day.isoformat()}",
    }
    return render(request, "service/planner_day.html", context)


@scope_required(*READERS)
def planner_activity(request: AuthedRequest, pk: int) -> HttpResponse:
    """An activity: its facts for everyone of the back office, the form to change it for the planners."""
    scope = request.scope
    activity = planner.activity_for(scope, pk)
    lane = planner.lane_of_activity(activity)
    zone = planner.zone_of(scope)
    may_change = may_plan(scope)
    initial = {
        "kind": activity.kind,
        "lane": lane,
        "title": activity.title,
        "starts_at": timezone.localtime(activity.starts_at, zone),
        "ends_at": timezone.localtime(activity.ends_at, zone),
        "notes": activity.notes,
    }
    form = ActivityForm(request.POST or None, scope=scope, current=lane, initial=initial)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid() and (saved := _save(scope, form, activity.pk)) is not None:
            messages.success(request, _("Activity changed."))
            local = timezone.localtime(saved.starts_at, zone).date()
            return redirect(_day_link(planner.lane_of_activity(saved), local))
    day = timezone.localtime(activity.starts_at, zone).date()
    context = {
        "activity": activity,
        "who": _label_of(scope, lane) if lane else "",
        "form": form if may_change else None,
        "back": _day_link(lane, day) if lane else reverse("service:planner"),
    }
    return render(request, "service/planner_activity.html", context)


@require_POST
@scope_required(*CHANGERS)
def planner_activity_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    activity = planner.activity_for(scope, pk)
    lane = planner.lane_of_activity(activity)
    day = timezone.localtime(activity.starts_at, planner.zone_of(scope)).date()
    try:
        activity_delete(scope=scope, activity_id=activity.pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, _("Activity deleted."))
    return redirect(_day_link(lane, day) if lane else reverse("service:planner"))
