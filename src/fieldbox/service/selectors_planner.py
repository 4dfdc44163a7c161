"""Reads of the planners' calendars: who and what is busy when (work orders and other activities), the work
orders still to put on the calendar, and who is free on a day.

The calendars' "lanes" are people (``u-<id>``) and resources (``r-<id>``). Every read is scoped to the
organisation (``visible_to``) and made of a handful of queries whatever the number of work orders: the busy
bookings in the range come in one query with what the calendar shows of their work order (``values()`` over a
join), filtered on ``Booking(organisation, starts_at) WHERE busy`` with both ends of the range bounded (a work order
lasts at most a day, so one that overlaps the range starts at most a day before it); the activities in a second
one, through their own (few) rows.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import User
from fieldbox.accounts.selectors import members_for
from fieldbox.core.tenancy import Scope
from fieldbox.service import selectors_calls as people
from fieldbox.service.choices import MOVABLE, ActivityKind, Answer, WorkOrderStatus
from fieldbox.service.models import Activity, Booking, Resource, Team, WorkOrder

W = WorkOrderStatus
# A work order lasts at most a day (services.work_orders.MAX_MINUTES): one that overlaps a range starts at most
# this long before it. An activity (leave, training) may last longer, up to LONGEST_ACTIVITY.
LONGEST_WORK = timedelta(days=1)
LONGEST_ACTIVITY = timedelta(days=31)
# The working day the planner's view of who is free looks at, on the organisation's clock.
WORK_DAY = (time(8), time(18))
# The years a calendar reads: beyond them there is nothing to plan (and no arithmetic overflows).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
# What the side list of work orders to plan shows at most (the oldest first, declined ones before).
TO_PLAN_AT_MOST = 200
# The calendar moves a work order in these states (the service decides, this only greys the others).
MOVABLE_ON_CALENDAR = frozenset({W.PLANNED, W.SENT, W.ACCEPTED}) & set(MOVABLE)


@dataclass(frozen=True)
class Lane:
    """A row (or column) of a resource calendar: a person or a resource."""

    id: str  # "u-3", "r-2"
    pk: int
    kind: str  # "person" or "resource"
    title: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "extendedProps": {"kind": self.kind, "pk": self.pk}}


def lane_id(user_id: int | None = None, resource_id: int | None = None) -> str:
    return f"u-{user_id}" if user_id else f"r-{resource_id}"


def parse_lane(text: str | None) -> tuple[str, int] | None:
    """``"u-3"`` → ``("person", 3)``, ``"r-2"`` → ``("resource", 2)``; anything else is None."""
    words = str(text or "")
    kind = {"u": "person", "r": "resource"}.get(words[:1])
    number = words[2:]
    if kind is None or words[1:2] != "-" or not number.isdigit() or len(number) > 11:
        return None
    return kind, int(number)


def in_calendar(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def zone_of(scope: Scope) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(scope.organisation.time_zone)


def moment(scope: Scope, value: date | datetime) -> datetime:
    """A day as its midnight on the organisation's clock; an aware time as it is."""
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=zone_of(scope))


# ---- Who is on the calendar ---------------------------------------------------------------------------------


def team_for(scope: Scope, pk: int) -> Team:
    team = Team.objects.visible_to(scope).filter(pk=pk).first()
    if team is None:
        raise Http404
    return team


def person_for(scope: Scope, pk: int) -> User:
    """One of the organisation's people (a technician, or anyone a planner books for an activity)."""
    ids = members_for(scope).filter(user_id=pk).values("user_id")
    person = User.objects.filter(pk__in=ids, is_active=True).first()
    if person is None:
        raise Http404
    return person


def resource_for(scope: Scope, pk: int) -> Resource:
    resource = Resource.objects.visible_to(scope).filter(pk=pk).first()
    if resource is None:
        raise Http404
    return resource


def resources_of(scope: Scope) -> QuerySet[Resource]:
    return Resource.objects.visible_to(scope).filter(active=True).order_by("name", "pk")


def people_of(scope: Scope, team_id: int | None = None) -> QuerySet[User]:
    """A team's members who still belong to the organisation, or (no team) the organisation's field people."""
    if team_id is None:
        return people.field_people(scope)
    team = team_for(scope, team_id)
    members = members_for(scope).values("user_id")
    return team.members.filter(pk__in=members, is_active=True).order_by("last_name", "first_name", "email")


def lanes(scope: Scope, team_id: int | None = None) -> list[Lane]:
    """The people of a team (or the field people) and the organisation's resources in use: two queries."""
    rows = [Lane(lane_id(user_id=u.pk), u.pk, "person", str(u)) for u in people_of(scope, team_id)]
    rows += [Lane(lane_id(resource_id=r.pk), r.pk, "resource", r.name) for r in resources_of(scope)]
    return rows


Who = tuple[list[int], list[int]] | None  # the people and resources whose bookings are read; None: everyone's


def _who(user_ids: Iterable[int] | None, resource_ids: Iterable[int] | None) -> Who:
    """The bookings of these people and resources; None (everyone) when neither is given."""
    if user_ids is None and resource_ids is None:
        return None
    return [int(u) for u in user_ids or ()], [int(r) for r in resource_ids or ()]


def _whose(
    scope: Scope, team_id: int | None, user_ids: Iterable[int] | None, resource_ids: Iterable[int] | None
) -> Who:
    """A team's bookings are its members' (still of the organisation) and, unless named, the resources'."""
    if team_id is None:
        return _who(user_ids, resource_ids)
    members = list(people_of(scope, team_id).values_list("pk", flat=True))
    resources = list(resources_of(scope).values_list("pk", flat=True)) if resource_ids is None else list(resource_ids)
    return members + [int(u) for u in user_ids or ()], [int(r) for r in resources]


# ---- Busy bookings ------------------------------------------------------------------------------------------
# The calendars' hot read: two statements written once here, not compiled by the ORM on every request (the
# compilation cost more than the reads). Scoped as ``Booking.objects.visible_to`` scopes: the organisation's
# rows (``OwnedQuerySet``); the planner's tests and the planner benchmark check them against the same rows.

WORK_SQL = """
SELECT b.work_order_id, b.user_id, b.resource_id, b.starts_at, b.ends_at, w.number, w.status, w.technician_id,
       w.description, c.kind, c.company_name, c.first_name, c.last_name, s.city
FROM service_booking b
JOIN service_workorder w ON w.id = b.work_order_id
LEFT JOIN fleet_customer c ON c.id = w.customer_id
LEFT JOIN fleet_customeraddress s ON s.id = w.site_id
WHERE b.organisation_id = %s AND b.busy AND b.work_order_id IS NOT NULL
  AND b.starts_at >= %s AND b.starts_at < %s AND b.ends_at > %s {who}
ORDER BY b.starts_at, b.work_order_id
"""
ACTIVITY_SQL = """
SELECT b.activity_id, b.user_id, b.resource_id, a.starts_at, a.ends_at, a.kind, a.title, a.notes
FROM service_booking b
JOIN service_activity a ON a.id = b.activity_id
WHERE b.organisation_id = %s AND a.organisation_id = %s AND b.busy AND a.starts_at < %s AND a.ends_at > %s {who}
ORDER BY a.starts_at, b.activity_id
"""


def _who_sql(who: Who) -> tuple[str, list[int]]:
    if who is None:
        return "", []
    users, resources = who
    parts = [f"b.user_id IN ({', '.join(['%s'] * len(users))})"] if users else []
    parts += [f"b.resource_id IN ({', '.join(['%s'] * len(resources))})"] if resources else []
    return (f"AND ({' OR '.join(parts)})" if parts else "AND 1 = 0"), [*users, *resources]


def _aware(row: tuple[Any, ...], at: tuple[int, int]) -> tuple[Any, ...]:
    """SQLite answers times without their zone (they are UTC); PostgreSQL with it."""
    values = list(row)
    for i in at:
        if values[i] is not None and timezone.is_naive(values[i]):
            values[i] = values[i].replace(tzinfo=UTC)
    return tuple(values)


def _busy_rows(
    scope: Scope, start: datetime, end: datetime, who: Who
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The busy bookings of work orders and of activities that overlap [start, end): two queries."""
    org = scope.organisation.pk
    clause, ids = _who_sql(who)
    with connection.cursor() as cursor:
        cursor.execute(WORK_SQL.format(who=clause), [org, start - LONGEST_WORK, end, start, *ids])
        work = [_aware(r, (3, 4)) for r in cursor.fetchall()]
        cursor.execute(ACTIVITY_SQL.format(who=clause), [org, org, end, start, *ids])
        other = [_aware(r, (3, 4)) for r in cursor.fetchall()]
    return work, other


def _customer(kind: str | None, company: str | None, first: str | None, last: str | None) -> str:
    if kind == "company":
        return company or ""
    return f"{first or ''} {last or ''}".strip()


def events(
    scope: Scope,
    start: date | datetime,
    end: date | datetime,
    *,
    user_ids: Iterable[int] | None = None,
    resource_ids: Iterable[int] | None = None,
    team_id: int | None = None,
) -> list[dict[str, Any]]:
    """The busy work orders and activities between ``start`` and ``end`` of these people and resources (a team:
    its members and the resources; nothing named: everyone's), one plain dict each, in order of start."""
    begin, finish = moment(scope, start), moment(scope, end)
    work, other = _busy_rows(scope, begin, finish, _whose(scope, team_id, user_ids, resource_ids))
    labels = {k: str(v) for k, v in WorkOrderStatus.choices}  # translated once, not per row
    found: dict[str, dict[str, Any]] = {}
    for wo, user, res, starts, ends, number, status, lead, words, kind, company, first, last, city in work:
        event = found.get(f"wo-{wo}")
        if event is None:
            customer = _customer(kind, company, first, last)
            event = found[f"wo-{wo}"] = {
                "id": f"wo-{wo}",
                "kind": "work_order",
                "pk": wo,
                "number": number,
                "title": " · ".join(p for p in (number, customer, city) if p),
                "status": status,
                "status_label": labels.get(status, status),
                "start": starts,
                "end": ends,
                "lead_id": lead,
                "people": [],
                "resources": [],
                "customer": customer,
                "city": city or "",
                "description": words,
                "movable": status in MOVABLE_ON_CALENDAR,
            }
        _add_lane(event, user, res)
    kinds = {k: str(v) for k, v in ActivityKind.choices}
    for act, user, res, starts, ends, kind, title, notes in other:
        event = found.get(f"act-{act}")
        if event is None:
            name = kinds.get(kind, kind)
            event = found[f"act-{act}"] = {
                "id": f"act-{act}",
                "kind": "activity",
                "pk": act,
                "activity_kind": kind,
                "title": f"{name} · {title}" if title else name,
                "start": starts,
                "end": ends,
                "people": [],
                "resources": [],
                "notes": notes,
                "movable": True,
            }
        _add_lane(event, user, res)
    return sorted(found.values(), key=lambda e: (e["start"], e["id"]))


def _add_lane(event: dict[str, Any], user: int | None, resource: int | None) -> None:
    if user:
        event["people"].append(user)
    if resource:
        event["resources"].append(resource)


# ---- Work orders to plan ------------------------------------------------------------------------------------


def to_plan(scope: Scope) -> list[dict[str, Any]]:
    """The work orders waiting for a time (declined ones first, with who declined and why; then the oldest):
    two queries."""
    rows = list(
        WorkOrder.objects.visible_to(scope)
        .filter(status__in=(W.DECLINED, W.TO_PLAN))
        .order_by("status", "created_at", "pk")  # "declined" < "to_plan": declined first
        .values(
            "pk",
            "number",
            "status",
            "description",
            "minutes",
            "technician_id",
            "customer__kind",
            "customer__company_name",
            "customer__first_name",
            "customer__last_name",
            "site__city",
            "created_at",
        )[:TO_PLAN_AT_MOST]
    )
    declined = [r["pk"] for r in rows if r["status"] == W.DECLINED]
    refusals: dict[int, list[str]] = {}
    if declined:
        answers = (
            Booking.objects.visible_to(scope)
            .filter(work_order_id__in=declined, answer=Answer.DECLINED)
            .values_list("work_order_id", "user__first_name", "user__last_name", "user__email", "reason")
        )
        for wo, first, last, email, reason in answers:
            who = f"{first} {last}".strip() or email
            refusals.setdefault(wo, []).append(f"{who}: {reason}" if reason else who)
    labels = {k: str(v) for k, v in WorkOrderStatus.choices}  # translated once, not per row
    return [
        {
            "pk": r["pk"],
            "number": r["number"],
            "status": r["status"],
            "status_label": labels.get(r["status"], r["status"]),
            "description": r["description"],
            "minutes": r["minutes"],
            "technician_id": r["technician_id"],
            "customer": _customer(
                r["customer__kind"], r["customer__company_name"], r["customer__first_name"], r["customer__last_name"]
            ),
            "city": r["site__city"] or "",
            "created_at": r["created_at"],
            "declined": refusals.get(r["pk"], []),
        }
        for r in rows
    ]


# ---- Who is free --------------------------------------------------------------------------------------------


def free(scope: Scope, day: date, team_id: int | None = None) -> list[dict[str, Any]]:
    """The planner's view of who is free on ``day``: for each person of the team (or each field person) and each
    resource, the free windows of the working day (``WORK_DAY``) between their busy work orders and activities,
    most free first. A handful of queries, whatever the number of work orders."""
    zone = zone_of(scope)
    opens, closes = (datetime.combine(day, t, tzinfo=zone) for t in WORK_DAY)
    all_lanes = lanes(scope, team_id)
    who = _who(
        [lane.pk for lane in all_lanes if lane.kind == "person"],
        [lane.pk for lane in all_lanes if lane.kind == "resource"],
    )
    work, other = _busy_rows(scope, opens, closes, who)
    busy: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in work:
        busy.setdefault(lane_id(row[1], row[2]), []).append((row[3], row[4]))
    for row in other:
        busy.setdefault(lane_id(row[1], row[2]), []).append((row[3], row[4]))
    answer = []
    for lane in all_lanes:
        windows = [(a.astimezone(zone), b.astimezone(zone)) for a, b in gaps(busy.get(lane.id, []), opens, closes)]
        minutes = sum(int((b - a).total_seconds()) // 60 for a, b in windows)
        answer.append({**lane.as_dict(), "kind": lane.kind, "pk": lane.pk, "free": windows, "free_minutes": minutes})
    return sorted(answer, key=lambda row: (row["kind"] != "person", -row["free_minutes"], row["title"]))


def gaps(taken: list[tuple[datetime, datetime]], opens: datetime, closes: datetime) -> list[tuple[datetime, datetime]]:
    """The windows between ``opens`` and ``closes`` that none of ``taken`` covers."""
    windows, cursor = [], opens
    for start, end in sorted(taken):
        if start > cursor:
            windows.append((cursor, min(start, closes)))
        cursor = max(cursor, end)
        if cursor >= closes:
            break
    if cursor < closes:
        windows.append((cursor, closes))
    return [(a, b) for a, b in windows if b > a]


def describe_free(row: dict[str, Any]) -> str:
    """ "08:00-10:00, 14:00-18:00" (with en dashes), or that the lane is busy all day (on the organisation's clock)."""
    if not row["free"]:
        return _("Busy all day")
    return ", ".join(f"{a:%H:%M}\u2013{b:%H:%M}" for a, b in row["free"])


# ---- The activity planner's day -----------------------------------------------------------------------------


def day_of(scope: Scope, day: date, *, user_id: int | None = None, resource_id: int | None = None) -> dict[str, Any]:
    """One person's or one resource's day (the SYS activity planner): its work orders, busy or not (a declined
    or on-hold one still planned on the day shows too), and its activities."""
    zone = zone_of(scope)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = start + timedelta(days=1)
    who = Q(user_id=user_id) if user_id else Q(resource_id=resource_id)
    busy = events(
        scope, start, end, user_ids=[user_id] if user_id else [], resource_ids=[resource_id] if resource_id else []
    )
    shown = {e["pk"] for e in busy if e["kind"] == "work_order"}
    # Work orders planned on the day that hold no time (declined, on hold): the planner sees them too.
    idle = (
        WorkOrder.objects.visible_to(scope)
        .filter(starts_at__gte=start - LONGEST_WORK, starts_at__lt=end, ends_at__gt=start)
        .filter(pk__in=Booking.objects.visible_to(scope).filter(who, busy=False).values("work_order_id"))
        .exclude(pk__in=shown)
        .exclude(status=W.CANCELLED)
        .values("pk", "number", "status", "starts_at", "ends_at", "description")
    )
    labels = {k: str(v) for k, v in WorkOrderStatus.choices}  # translated once, not per row
    waiting = [
        {
            "id": f"wo-{r['pk']}",
            "kind": "work_order",
            "pk": r["pk"],
            "number": r["number"],
            "title": r["number"],
            "status": r["status"],
            "status_label": labels.get(r["status"], r["status"]),
            "start": r["starts_at"],
            "end": r["ends_at"],
            "description": r["description"],
            "movable": False,
            "holds_time": False,
        }
        for r in idle
    ]
    rows = sorted(busy + waiting, key=lambda e: (e["start"], e["id"]))
    return {
        "work_orders": [e for e in rows if e["kind"] == "work_order"],
        "activities": [e for e in rows if e["kind"] == "activity"],
        "start": start,
        "end": end,
    }


def activity_for(scope: Scope, pk: int) -> Activity:
    activity = Activity.objects.visible_to(scope).filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def lane_of_activity(activity: Activity) -> str:
    """The person or resource an activity books (its first booking)."""
    row = Booking.objects.filter(activity=activity).values_list("user_id", "resource_id").order_by("pk").first()
    return lane_id(*row) if row else ""
