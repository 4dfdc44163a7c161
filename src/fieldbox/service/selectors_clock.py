"""Reads of clock-in (Appsistance "timbratura virtuale"): the points, the events, and a day's attendance, which
pairs a person's clock events (in, out) counting only those that stand: an event an admin corrected gives way to
its correction. Whose events one sees is ``selectors_hours``' rule of whose hours."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from fieldbox.accounts.models import User
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.service.choices import ClockKind, ClockRule
from fieldbox.service.models import ClockEvent, ClockPoint, FieldSettings
from fieldbox.service.selectors_hours import hm, metres_label, period_of, person_for, sees_everyone

# ---- Clock-in -------------------------------------------------------------------------------------------------


def field_settings_of(organisation_id: int) -> FieldSettings:
    """The organisation's field settings, or the defaults when it set none (never written by a read)."""
    found = FieldSettings.objects.filter(organisation_id=organisation_id).first()
    return found or FieldSettings(organisation_id=organisation_id)


def clock_points_for(scope: Scope) -> list[ClockPoint]:
    return list(
        ClockPoint.objects.visible_to(scope).select_related("site", "site__customer").order_by("site_id", "name", "pk")
    )


def clock_point_for(scope: Scope, pk: int) -> ClockPoint:
    found = ClockPoint.objects.visible_to(scope).select_related("site").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def clock_events_for(scope: Scope) -> QuerySet[ClockEvent]:
    """The clock events ``scope`` may read: everyone's for an admin, one's own otherwise."""
    qs = ClockEvent.objects.visible_to(scope)
    return qs if sees_everyone(scope) else qs.filter(user=scope.user)


def clock_event_for(scope: Scope, pk: int) -> ClockEvent:
    found = clock_events_for(scope).select_related("user", "site", "work_order").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def standing(events: list[ClockEvent]) -> list[ClockEvent]:
    """The events that count: passed, and not replaced by a correction (of those given)."""
    replaced = {e.corrects_id for e in events if e.corrects_id}
    return [e for e in events if e.passed and e.pk not in replaced]


def last_standing_today(scope: Scope, user_id: int) -> ClockEvent | None:
    """The person's last event that counts today (on the organisation's clock): are they in or out?"""
    tz = scope.organisation.time_zone
    today = clock.today(tz)
    events = list(
        ClockEvent.objects.visible_to(scope)
        .filter(user_id=user_id, at__gte=clock.start_of_day(today, tz), at__lt=clock.day_after(today, tz))
        .order_by("at", "pk")
    )
    counted = standing(events)
    return counted[-1] if counted else None


@dataclass(frozen=True)
class Span:
    """A stretch between a clock-in and its clock-out (either may be missing)."""

    clock_in: ClockEvent | None
    clock_out: ClockEvent | None

    @property
    def minutes(self) -> int:
        if self.clock_in is None or self.clock_out is None:
            return 0
        return max(0, round((self.clock_out.at - self.clock_in.at).total_seconds() / 60))

    @property
    def label(self) -> str:
        return hm(self.minutes)

    @property
    def complete(self) -> bool:
        return self.clock_in is not None and self.clock_out is not None


@dataclass(frozen=True)
class Attendance:
    person: User
    day: date
    spans: list[Span]
    events: list[ClockEvent]  # every event of the day, failed attempts and corrections included
    corrected: set[int]  # ids of the events a correction replaced

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.spans)

    @property
    def label(self) -> str:
        return hm(self.minutes) or "0:00"

    @property
    def failed(self) -> list[ClockEvent]:
        return [e for e in self.events if not e.passed and e.rule != ClockRule.MANUAL]


def pairs(events: list[ClockEvent]) -> list[Span]:
    """In/out pairs of standing events in time order; an in with no out, or an out with no in, stands alone."""
    spans: list[Span] = []
    opened: ClockEvent | None = None
    for event in events:
        if event.kind == ClockKind.IN:
            if opened is not None:
                spans.append(Span(opened, None))
            opened = event
        else:
            spans.append(Span(opened, event))
            opened = None
    if opened is not None:
        spans.append(Span(opened, None))
    return spans


def attendance(scope: Scope, user_id: int, day: date) -> Attendance:
    """A person's day of clock events: the in/out pairs of the events that count, the worked span, the failed
    attempts and the corrections, each with the event it corrects (one query for the events)."""
    person = person_for(scope, user_id)
    tz = scope.organisation.time_zone
    events = list(
        ClockEvent.objects.visible_to(scope)
        .filter(user_id=person.pk, at__gte=clock.start_of_day(day, tz), at__lt=clock.day_after(day, tz))
        .select_related("site", "work_order", "recorded_by", "corrects")
        .order_by("at", "pk")
    )
    counted = sorted(standing(events), key=lambda e: (e.at, e.pk))
    return Attendance(person, day, pairs(counted), events, {e.corrects_id for e in events if e.corrects_id})


def attendance_month(scope: Scope, user_id: int, day: date) -> list[tuple[date, int, int]]:
    """Each day of the month holding ``day`` with the minutes between standing in/out pairs and the failed
    attempts (one query)."""
    person = person_for(scope, user_id)
    tz = scope.organisation.time_zone
    start, end = period_of("month", day)
    events = list(
        ClockEvent.objects.visible_to(scope)
        .filter(user_id=person.pk, at__gte=clock.start_of_day(start, tz), at__lt=clock.day_after(end, tz))
        .order_by("at", "pk")
    )
    by_day: dict[date, list[ClockEvent]] = defaultdict(list)
    for e in events:
        by_day[clock.day_of(e.at, tz)].append(e)
    out = []
    for n in range((end - start).days + 1):
        d = start + timedelta(days=n)
        todays = by_day.get(d, [])
        minutes = sum(s.minutes for s in pairs(standing(todays)))
        failed = sum(1 for e in todays if not e.passed and e.rule != ClockRule.MANUAL)
        out.append((d, minutes, failed))
    return out


def event_facts(event: ClockEvent, tz: str) -> list[str]:
    """What an event says besides its time and kind, in words: how far, how precise, from where, what for, and
    for a correction which event it replaces, who made it and why."""
    facts = []
    if event.distance is not None:
        facts.append(_("%(distance)s away") % {"distance": metres_label(event.distance)})
    if event.accuracy is not None:
        facts.append(_("position within %(accuracy)s") % {"accuracy": metres_label(event.accuracy)})
    if event.address:
        facts.append(event.address)
    if event.work_order is not None:
        facts.append(event.work_order.number)
    if event.site is not None:
        facts.append(str(event.site))
    if event.rule == ClockRule.MANUAL and event.recorded_by is not None:
        if event.corrects is not None:
            when = clock.local(event.corrects.at, tz).strftime("%H:%M")
            facts.append(_("corrects %(time)s, by %(who)s") % {"time": when, "who": event.recorded_by})
        else:
            facts.append(_("added by %(who)s") % {"who": event.recorded_by})
    if event.reason:
        facts.append(f"“{event.reason}”")
    return facts
