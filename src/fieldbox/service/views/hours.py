"""Pages of hours: the worked-hours grid (people by days of a week or a month; a person sees their own row, an admin
everyone's) with its XLSX export, a person's day to add, correct or delete entries, planned vs worked of a work
order and of a call. Every write goes through ``services.timesheets``; clock-in is ``views.clock``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fieldbox.core import clock
from fieldbox.core.http import AuthedRequest
from fieldbox.core.problems import fields_named
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import selectors_hours as hours
from fieldbox.service.choices import TimeKind
from fieldbox.service.models import Ticket, TimeEntry
from fieldbox.service.selectors_hours import HOURS_PEOPLE
from fieldbox.service.services import timesheets

SITES_AT_MOST = 300


def ran(request: AuthedRequest, form: forms.BaseForm | None, call: Callable[[], object]) -> bool:
    """``run_service`` for a call whose answer is not needed: whether it went through."""

    def run() -> bool:
        call()
        return True

    return run_service(request, form, run) is not None


def parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


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


def at_time(scope: Scope, day: date, at: time | None) -> datetime | None:
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
        "starts_at": at_time(scope, day, data.get("starts")),
        "ends_at": at_time(scope, day, data.get("ends")),
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
    day = parse_day(request.GET.get("day"), clock.today(scope.organisation.time_zone))
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
    if ran(request, None, lambda: timesheets.entry_delete(scope=scope, entry_id=pk, reason=reason)):
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
