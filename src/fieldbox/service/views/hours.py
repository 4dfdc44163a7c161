"""Pages of hours and clock-in: the worked-hours grid (people by days of a week or a month; a person sees their own
row, an admin everyone's) with its XLSX export, a person's day to add, correct or delete entries, planned vs worked
of a work order and of a call, the clock-in block of the technician's phone, the daily attendance and the clock-in
points. Every write goes through ``services.timesheets`` or ``services.clock``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest, client_ip
from fieldbox.core.problems import fields_named
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service import selectors_hours as hours
from fieldbox.service.choices import ClockKind, TimeKind
from fieldbox.service.models import Ticket, TimeEntry
from fieldbox.service.selectors_hours import HOURS_ADMINS, HOURS_PEOPLE
from fieldbox.service.services import clock as clocking
from fieldbox.service.services import timesheets

SITES_AT_MOST = 300


def _ran(request: AuthedRequest, form: forms.BaseForm | None, call: Callable[[], object]) -> bool:
    """``run_service`` for a call whose answer is not needed: whether it went through."""

    def run() -> bool:
        call()
        return True

    return run_service(request, form, run) is not None


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


def _int(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


# ---- Forms ----------------------------------------------------------------------------------------------------


class EntryForm(forms.Form):
    """One time entry of a day: from, to, on what."""

    starts = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=gettext_lazy("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    kind = forms.ChoiceField(label=gettext_lazy("Activity"), choices=TimeKind.choices, initial=TimeKind.WORK)
    work_order_id = forms.TypedChoiceField(
        label=gettext_lazy("Work order"), required=False, coerce=int, empty_value=None
    )
    call = forms.CharField(
        label=gettext_lazy("Call"),
        required=False,
        max_length=16,
        help_text=gettext_lazy("Its number, e.g. T0000042; a work order's call is taken with it."),
    )
    billable = forms.BooleanField(label=gettext_lazy("Billable"), required=False, initial=True)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=500)
    reason = forms.CharField(
        label=gettext_lazy("Why you change it"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Required when you correct someone else's hours."),
    )

    def __init__(self, *args: Any, orders: list[Any], ask_reason: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("None"))] + [(o.pk, f"{o.number} · {o.customer or ''}") for o in orders]
        self.fields["work_order_id"].choices = choices  # type: ignore[attr-defined]
        if not ask_reason:
            del self.fields["reason"]


class DeleteForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why you delete it"), required=False, max_length=500)


def _when(scope: Scope, day: date, at: time | None) -> datetime | None:
    return None if at is None else datetime.combine(day, at, tzinfo=clock.zone(scope.organisation.time_zone))


def _ticket_id(scope: Scope, form: EntryForm) -> int | bool | None:
    """The call named by its number (None: none named; False: no such call, the error on the form)."""
    number = form.cleaned_data.get("call", "").strip().upper()
    if not number:
        return None
    found = Ticket.objects.visible_to(scope).filter(number=number).values_list("pk", flat=True).first()
    if found is None:
        form.add_error("call", _("No call with this number."))
        return False
    return int(found)


def _named(call: Any) -> Any:
    """``call`` with the service's field names said as the form's."""

    def run() -> Any:
        with fields_named(starts_at="starts", ends_at="ends", ticket_id="call"):
            return call()

    return run


def _entry_values(scope: Scope, form: EntryForm, day: date) -> dict[str, Any] | None:
    ticket_id = _ticket_id(scope, form)
    if ticket_id is False:
        return None
    data = form.cleaned_data
    return {
        "starts_at": _when(scope, day, data.get("starts")),
        "ends_at": _when(scope, day, data.get("ends")),
        "kind": data["kind"],
        "work_order_id": data.get("work_order_id"),
        "ticket_id": ticket_id,
        "billable": data.get("billable", False),
        "note": data.get("note", ""),
    }


# ---- The grid -------------------------------------------------------------------------------------------------


@scope_required(*HOURS_PEOPLE)
def grid(request: AuthedRequest) -> HttpResponse:
    """The worked-hours grid of a week or a month (``?period=week|month&day=YYYY-MM-DD``); ``?format=xlsx``
    downloads it."""
    scope = request.scope
    period = request.GET.get("period", "week")
    period = period if period in hours.PERIODS else "week"
    day = _day(request.GET.get("day"), clock.today(scope.organisation.time_zone))
    if request.GET.get("format") == "xlsx":
        name, content = hours.export_xlsx(scope, period, day)
        response = HttpResponse(content, content_type=hours.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    table = hours.grid(scope, period, day)
    context = {
        "grid": table,
        "period": period,
        "day": day,
        "today": clock.today(scope.organisation.time_zone),
        "everyone": hours.sees_everyone(scope),
    }
    return render(request, "service/hours.html", context)


# ---- A person's day -------------------------------------------------------------------------------------------


def _day_page(
    request: AuthedRequest,
    user_id: int,
    day: date,
    *,
    add_form: EntryForm | None = None,
    failed: tuple[int, EntryForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = request.scope
    person = hours.person_for(scope, user_id)
    entries = hours.day_entries(scope, person.pk, day)
    orders = hours.work_order_choices(scope, person, day)
    someone_else = person.pk != scope.user.pk
    rows = []
    for entry in entries:
        if failed and failed[0] == entry.pk:
            form = failed[1]
        else:
            form = EntryForm(
                initial=_initial(scope, entry),
                orders=_with_own(orders, entry),
                ask_reason=someone_else or entry.report_id is not None,
                prefix=f"e{entry.pk}",
            )
        rows.append(
            {
                "entry": entry,
                "form": form,
                "open": bool(failed and failed[0] == entry.pk),
                "length": hours.hm(entry.minutes),
            }
        )
    context = {
        "person": person,
        "day": day,
        "rows": rows,
        "total": hours.hm(sum(e.minutes for e in entries)) or "0:00",
        "add_form": add_form or _add_form(None, orders, someone_else),
        "delete_form": DeleteForm(),
        "someone_else": someone_else,
        "week": day.isoformat(),
    }
    return render(request, "service/hours_day.html", context, status=status)


def _add_form(data: Any, orders: list[Any], someone_else: bool) -> EntryForm:
    form = EntryForm(data, orders=orders, ask_reason=someone_else)
    if someone_else:
        form.fields["reason"].label = _("Why you enter them for this person")
        form.fields["reason"].help_text = ""
    return form


def _with_own(orders: list[Any], entry: TimeEntry) -> list[Any]:
    """The choices of work orders, with the one the entry is on even if it is not among them."""
    if entry.work_order is not None and entry.work_order_id not in {o.pk for o in orders}:
        return [entry.work_order, *orders]
    return orders


def _initial(scope: Scope, entry: TimeEntry) -> dict[str, Any]:
    tz = scope.organisation.time_zone
    return {
        "starts": clock.local(entry.starts_at, tz).strftime("%H:%M"),
        "ends": clock.local(entry.ends_at, tz).strftime("%H:%M"),
        "kind": entry.kind,
        "work_order_id": entry.work_order_id or "",
        "call": entry.ticket.number if entry.ticket else "",
        "billable": entry.billable,
        "note": entry.note,
    }


@scope_required(*HOURS_PEOPLE)
def day(request: AuthedRequest, user_id: int, day: str) -> HttpResponse:
    """A person's day: the entries, each to change or delete, and a new one (POST adds it)."""
    scope = request.scope
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    person = hours.person_for(scope, user_id)
    if request.method != "POST":
        return _day_page(request, person.pk, on)
    orders = hours.work_order_choices(scope, person, on)
    form = _add_form(request.POST, orders, person.pk != scope.user.pk)
    values = _entry_values(scope, form, on) if form.is_valid() else None
    if values is not None:
        reason = form.cleaned_data.get("reason", "")
        made = run_service(
            request,
            form,
            _named(lambda: timesheets.entry_add(scope=scope, user_id=person.pk, reason=reason, **values)),
        )
        if made is not None:
            messages.success(request, _("Hours entered: %(hours)s.") % {"hours": hours.hm(made.minutes)})
            return redirect("service:hours_day", user_id=person.pk, day=on.isoformat())
    return _day_page(request, person.pk, on, add_form=form, status=400)


@require_POST
@scope_required(*HOURS_PEOPLE)
def entry_change(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    entry = hours.entry_for(scope, pk)
    someone_else = entry.user_id != scope.user.pk
    orders = _with_own(hours.work_order_choices(scope, entry.user, entry.day), entry)
    form = EntryForm(
        request.POST, orders=orders, ask_reason=someone_else or entry.report_id is not None, prefix=f"e{pk}"
    )
    values = _entry_values(scope, form, entry.day) if form.is_valid() else None
    if values is not None:
        reason = form.cleaned_data.get("reason", "")
        changed = run_service(
            request, form, _named(lambda: timesheets.entry_change(scope=scope, entry_id=pk, reason=reason, **values))
        )
        if changed is not None:
            messages.success(request, _("Hours corrected."))
            return redirect("service:hours_day", user_id=entry.user_id, day=entry.day.isoformat())
    return _day_page(request, entry.user_id, entry.day, failed=(pk, form), status=400)


@require_POST
@scope_required(*HOURS_PEOPLE)
def entry_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    entry = hours.entry_for(scope, pk)
    form = DeleteForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    if _ran(request, None, lambda: timesheets.entry_delete(scope=scope, entry_id=pk, reason=reason)):
        messages.success(request, _("Hours deleted."))
    return redirect("service:hours_day", user_id=entry.user_id, day=entry.day.isoformat())


# ---- Planned vs worked ----------------------------------------------------------------------------------------


@scope_required(*HOURS_PEOPLE)
def work_order_hours(request: AuthedRequest, pk: int) -> HttpResponse:
    order, worked = hours.work_order_hours(request.scope, pk)
    return render(request, "service/hours_work_order.html", {"order": order, "worked": worked, "hm": hours.hm})


@scope_required(*HOURS_PEOPLE)
def ticket_hours(request: AuthedRequest, pk: int) -> HttpResponse:
    return render(request, "service/hours_ticket.html", {"report": hours.ticket_hours(request.scope, pk)})


# ---- Clock-in -------------------------------------------------------------------------------------------------


def _clock_state(request: AuthedRequest, work_order_id: int | None) -> dict[str, Any]:
    scope = request.scope
    last = hours.last_standing_today(scope, scope.user.pk)
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
    return render(request, "service/field/_clock.html", _clock_state(request, _int(request.GET.get("work_order"))))


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
            work_order_id=_int(data.get("work_order")),
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
    on = _day(request.GET.get("day"), clock.today(scope.organisation.time_zone))
    user_id = _int(request.GET.get("user")) or scope.user.pk
    return _attendance_page(request, user_id, on)


def _attendance_page(
    request: AuthedRequest, user_id: int, on: date, *, failed: tuple[int, CorrectionForm] | None = None
) -> HttpResponse:
    scope = request.scope
    day_of = hours.attendance(scope, user_id, on)
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
            {"event": e, "form": form, "replaced": e.pk in day_of.corrected, "facts": hours.event_facts(e, tz)}
        )
    context = {
        "day_of": day_of,
        "events": events,
        "admin": admin,
        "people": hours.people_for(scope) if admin else [],
        "add_form": (failed[1] if failed and failed[0] == 0 else CorrectionForm(prefix="c0")) if admin else None,
        "month": [(d, hours.hm(m), f) for d, m, f in hours.attendance_month(scope, day_of.person.pk, on)],
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
    event_id = _int(request.POST.get("event"))
    if event_id:
        old = hours.clock_event_for(scope, event_id)
        user_id, on = old.user_id, clock.day_of(old.at, scope.organisation.time_zone)
    else:
        user_id = hours.person_for(scope, _int(request.POST.get("user")) or 0).pk
        on = _day(request.POST.get("day"), clock.today(scope.organisation.time_zone))
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
                at=_when(scope, on, data["at"]),
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
    rules = hours.field_settings_of(scope.organisation.pk)
    context = {
        "points": hours.clock_points_for(scope),
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
        if settings_form.is_valid() and _ran(
            request, settings_form, lambda: clocking.field_settings_save(scope=scope, **settings_form.cleaned_data)
        ):
            messages.success(request, _("Tolerance saved."))
            return redirect("service:clock_points")
        return _points_page(request, settings_form=settings_form)
    form = PointForm(request.POST, sites=_sites(scope))
    if form.is_valid() and _ran(request, form, lambda: clocking.clock_point_save(scope=scope, **form.cleaned_data)):
        messages.success(request, _("Clock-in point saved."))
        return redirect("service:clock_points")
    return _points_page(request, form=form)


@scope_required(*HOURS_ADMINS)
def clock_point(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change a clock-in point."""
    scope = request.scope
    point = hours.clock_point_for(scope, pk)
    sites = _sites(scope)
    if point.site_id and point.site_id not in {s for s, _label in sites}:
        sites.insert(0, (point.site_id, str(point.site)))
    if request.method == "POST":
        form = PointForm(request.POST, sites=sites)
        if form.is_valid() and _ran(
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
    point = hours.clock_point_for(scope, pk)
    if _ran(request, None, lambda: clocking.clock_point_remove(scope=scope, point_id=point.pk)):
        messages.success(request, _("Clock-in point removed."))
    return redirect("service:clock_points")
