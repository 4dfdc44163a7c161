"""Pages of clock-in: the clock-in block of the technician's phone, the daily attendance with its corrections, and the
clock-in points. Every write goes through ``services.clock``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest, client_ip
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service import selectors_clock as clocks
from fieldbox.service import selectors_hours as hours
from fieldbox.service.choices import ClockKind
from fieldbox.service.selectors_hours import HOURS_ADMINS, HOURS_PEOPLE
from fieldbox.service.services import clock as clocking
from fieldbox.service.views.hours import at_time, parse_day, ran

SITES_AT_MOST = 300


# ---- Clock-in -------------------------------------------------------------------------------------------------


def _clock_state(request: AuthedRequest, work_order_id: int | None) -> dict[str, Any]:
    scope = request.scope
    last = clocks.last_standing_today(scope, scope.user.pk)
    order = None
    if work_order_id:
        order = hours.work_order_for(scope, work_order_id)
    return {
        "clock": {"last": last, "clocked_in": last is not None and last.kind == ClockKind.IN},
        "work_order": order,
        "next": request.GET.get("next") or request.headers.get("HX-Current-URL", ""),
    }


@scope_required(*HOURS_PEOPLE)
def clock_block(request: AuthedRequest) -> HttpResponse:
    """The clock-in block of the phone (``service/field/_clock.html``), for ``?work_order=<id>``."""
    return render(request, "service/field/_clock.html", _clock_state(request, id_of(request.GET.get("work_order"))))


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("service:attendance")


@require_POST
@scope_required(*HOURS_PEOPLE)
def clock_punch(request: AuthedRequest) -> HttpResponse:
    """Clock in or out (``kind``) with the browser's position; the address is the request's."""
    scope = request.scope
    data = request.POST
    kind = data.get("kind")
    punch = clocking.clock_out if kind == ClockKind.OUT else clocking.clock_in
    event = run_service(
        request,
        None,
        lambda: punch(
            scope=scope,
            latitude=data.get("latitude") or None,
            longitude=data.get("longitude") or None,
            accuracy=data.get("accuracy") or None,
            address=client_ip(request) or None,
            work_order_id=id_of(data.get("work_order")),
        ),
    )
    if event is not None:
        at = clock.local(event.at, scope.organisation.time_zone).strftime("%H:%M")
        if event.kind == ClockKind.IN:
            messages.success(request, _("Clocked in at %(time)s.") % {"time": at})
        else:
            messages.success(request, _("Clocked out at %(time)s.") % {"time": at})
    return _back(request)


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ClockKind.choices)
    at = forms.TimeField(label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    void = forms.BooleanField(
        label=gettext_lazy("It does not count"),
        required=False,
        help_text=gettext_lazy("The event stays in the history but no longer counts."),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


@scope_required(*HOURS_PEOPLE)
def attendance(request: AuthedRequest) -> HttpResponse:
    """A person's day of clock events (``?user=<id>&day=YYYY-MM-DD``): oneself, or anyone for an admin."""
    scope = request.scope
    on = parse_day(request.GET.get("day"), clock.today(scope.organisation.time_zone))
    user_id = id_of(request.GET.get("user")) or scope.user.pk
    return _attendance_page(request, user_id, on)


def _attendance_page(
    request: AuthedRequest, user_id: int, on: date, *, failed: tuple[int, CorrectionForm] | None = None
) -> HttpResponse:
    scope = request.scope
    day_of = clocks.attendance(scope, user_id, on)
    tz = scope.organisation.time_zone
    admin = scope.role in HOURS_ADMINS
    events = []
    for e in day_of.events:
        form = None
        if admin:
            if failed and failed[0] == e.pk:
                form = failed[1]
            else:
                initial = {"kind": e.kind, "at": clock.local(e.at, tz).strftime("%H:%M")}
                form = CorrectionForm(initial=initial, prefix=f"c{e.pk}")
        events.append(
            {"event": e, "form": form, "replaced": e.pk in day_of.corrected, "facts": clocks.event_facts(e, tz)}
        )
    context = {
        "day_of": day_of,
        "events": events,
        "admin": admin,
        "people": hours.people_for(scope) if admin else [],
        "add_form": (failed[1] if failed and failed[0] == 0 else CorrectionForm(prefix="c0")) if admin else None,
        "month": [(d, hours.hm(m), f) for d, m, f in clocks.attendance_month(scope, day_of.person.pk, on)],
        "own_today": day_of.person.pk == scope.user.pk and on == clock.today(tz),
        "previous": date.fromordinal(on.toordinal() - 1),
        "next": date.fromordinal(on.toordinal() + 1),
    }
    if context["own_today"]:
        context.update(_clock_state(request, None))
        context["next"] = request.get_full_path()
        context["on_attendance"] = True
    return render(request, "service/hours_attendance.html", context, status=400 if failed else 200)


@require_POST
@scope_required(*HOURS_ADMINS)
def clock_correct(request: AuthedRequest) -> HttpResponse:
    """An admin's correction of an event (``event``), or a forgotten event of a person (``user``, ``day``)."""
    scope = request.scope
    event_id = id_of(request.POST.get("event"))
    if event_id:
        old = clocks.clock_event_for(scope, event_id)
        user_id, on = old.user_id, clock.day_of(old.at, scope.organisation.time_zone)
    else:
        user_id = hours.person_for(scope, id_of(request.POST.get("user")) or 0).pk
        on = parse_day(request.POST.get("day"), clock.today(scope.organisation.time_zone))
    form = CorrectionForm(request.POST, prefix=f"c{event_id or 0}")
    if form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: clocking.clock_correct(
                scope=scope,
                event_id=event_id,
                user_id=user_id,
                kind=data["kind"],
                at=at_time(scope, on, data["at"]),
                void=data["void"],
                reason=data["reason"],
            ),
        )
        if done is not None:
            messages.success(request, _("Clock corrected."))
            return redirect(f"{reverse('service:attendance')}?user={user_id}&day={on.isoformat()}")
    return _attendance_page(request, user_id, on, failed=(event_id or 0, form))


# ---- Clock-in points ------------------------------------------------------------------------------------------


class PointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    site_id = forms.TypedChoiceField(label=gettext_lazy("Where"), required=False, coerce=int, empty_value=None)
    latitude = forms.CharField(label=gettext_lazy("Latitude"), required=False, max_length=20)
    longitude = forms.CharField(label=gettext_lazy("Longitude"), required=False, max_length=20)
    networks = forms.CharField(
        label=gettext_lazy("Networks"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "The public addresses of the site's or the office's Wi-Fi, one per line (203.0.113.7 or 203.0.113.0/24)."
        ),
    )

    def __init__(self, *args: Any, sites: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site_id"].choices = [("", _("The office")), *sites]  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    clock_tolerance = forms.IntegerField(
        label=gettext_lazy("Tolerance in metres"),
        help_text=gettext_lazy("How far from a site or a point a clock-in still passes."),
    )
    clock_accuracy = forms.IntegerField(
        label=gettext_lazy("Least accuracy in metres"),
        help_text=gettext_lazy("A position less precise than this proves nothing: the network decides."),
    )


def _sites(scope: Scope) -> list[tuple[int, str]]:
    customers = Customer.objects.visible_to(scope)
    sites = CustomerAddress.objects.filter(customer__in=customers).select_related("customer")
    return [(s.pk, f"{s.customer} · {s}") for s in sites.order_by("customer_id", "pk")[:SITES_AT_MOST]]


def _points_page(
    request: AuthedRequest, *, form: PointForm | None = None, settings_form: SettingsForm | None = None
) -> HttpResponse:
    scope = request.scope
    rules = clocks.field_settings_of(scope.organisation.pk)
    context = {
        "points": clocks.clock_points_for(scope),
        "form": form or PointForm(sites=_sites(scope)),
        "settings_form": settings_form
        or SettingsForm(initial={"clock_tolerance": rules.clock_tolerance, "clock_accuracy": rules.clock_accuracy}),
    }
    return render(request, "service/hours_clock_points.html", context, status=400 if (form or settings_form) else 200)


@scope_required(*HOURS_ADMINS)
def clock_points(request: AuthedRequest) -> HttpResponse:
    """The organisation's clock-in points and tolerance; POST adds a point (``form=point``) or saves the
    tolerance (``form=settings``)."""
    scope = request.scope
    if request.method != "POST":
        return _points_page(request)
    if request.POST.get("form") == "settings":
        settings_form = SettingsForm(request.POST)
        if settings_form.is_valid() and ran(
            request, settings_form, lambda: clocking.field_settings_save(scope=scope, **settings_form.cleaned_data)
        ):
            messages.success(request, _("Tolerance saved."))
            return redirect("service:clock_points")
        return _points_page(request, settings_form=settings_form)
    form = PointForm(request.POST, sites=_sites(scope))
    if form.is_valid() and ran(request, form, lambda: clocking.clock_point_save(scope=scope, **form.cleaned_data)):
        messages.success(request, _("Clock-in point saved."))
        return redirect("service:clock_points")
    return _points_page(request, form=form)


@scope_required(*HOURS_ADMINS)
def clock_point(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a clock-in point."""
    scope = request.scope
    point = clocks.clock_point_for(scope, pk)
    sites = _sites(scope)
    if point.site_id and point.site_id not in {s for s, _label in sites}:
        sites.insert(0, (point.site_id, str(point.site)))
    if request.method == "POST":
        form = PointForm(request.POST, sites=sites)
        if form.is_valid() and ran(
            request, form, lambda: clocking.clock_point_save(scope=scope, point_id=pk, **form.cleaned_data)
        ):
            messages.success(request, _("Clock-in point saved."))
            return redirect("service:clock_points")
    else:
        initial = {
            "name": point.name,
            "site_id": point.site_id or "",
            "latitude": "" if point.latitude is None else str(point.latitude),
            "longitude": "" if point.longitude is None else str(point.longitude),
            "networks": point.networks,
        }
        form = PointForm(initial=initial, sites=sites)
    status = 400 if form.is_bound else 200
    return render(request, "service/hours_clock_points.html", {"point": point, "form": form}, status=status)


@require_POST
@scope_required(*HOURS_ADMINS)
def clock_point_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    point = clocks.clock_point_for(scope, pk)
    if ran(request, None, lambda: clocking.clock_point_remove(scope=scope, point_id=point.pk)):
        messages.success(request, _("Clock-in point removed."))
    return redirect("service:clock_points")
