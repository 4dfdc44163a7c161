"""The planners' calendars: day, week and month of a team (its people and the resources as rows), of one
technician or of one resource (@event-calendar, from our static files), with the work orders still to plan on the
side. Dragging a work order to another time, day or person, or from the side list onto the calendar, posts to
``planner_plan``, which calls ``work_order_plan`` — the same service and checks as the forms; a refusal (a double
booking, a verified work order) comes back as a message and the calendar puts the work order back.

The SYS activity planner: a click on a day of a person (or a resource) opens that day, its work orders and its
other activities (office, training, leave, meeting; a resource's upkeep), which a planner adds, changes and
deletes (``services.activities``). Everyone of the back office reads the calendars; the planners change them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import BACK_OFFICE, WORK_PLANNERS
from fieldbox.core.errors import Conflict
from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, scope_required
from fieldbox.service import selectors
from fieldbox.service import selectors_calls as people
from fieldbox.service import selectors_planner as planner
from fieldbox.service.models import Booking, WorkOrder
from fieldbox.service.services.activities import activity_save
from fieldbox.service.services.work_orders import work_order_plan

READERS = tuple(BACK_OFFICE)
CHANGERS = tuple(WORK_PLANNERS)
VIEWS = ("day", "week", "month")
# The @event-calendar views of each span: rows of people and resources for a team, one calendar for one lane.
CALENDAR_VIEWS = {
    "lanes": {"day": "resourceTimeGridDay", "week": "resourceTimelineWeek", "month": "resourceTimelineMonth"},
    "one": {"day": "timeGridDay", "week": "timeGridWeek", "month": "dayGridMonth"},
}
LONGEST_RANGE = timedelta(days=62)  # a month view shows six weeks at most
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
WALL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def parse_day(value: Any) -> date | None:
    text = str(value or "")
    if not DAY.fullmatch(text):
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if planner.in_calendar(day) else None


def _wall(scope: Scope, value: Any) -> datetime | None:
    """A wall-clock time as the calendar sends it (``2026-12-07T09:00``), on the organisation's clock."""
    text = str(value or "")
    if not WALL.fullmatch(text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=planner.zone_of(scope)) if planner.in_calendar(moment.date()) else None


def _floating(moment: datetime, zone: ZoneInfo) -> datetime:
    """The wall-clock time the calendar shows (it draws times as given, without a zone): a naive time that
    orjson writes ``2026-12-07T09:00:00``."""
    return moment.astimezone(zone).replace(tzinfo=None)


def today_of(scope: Scope) -> date:
    return timezone.localtime(timezone.now(), planner.zone_of(scope)).date()


def may_plan(scope: Scope) -> bool:
    return scope.role in WORK_PLANNERS


# ---- Whose calendar -----------------------------------------------------------------------------------------


def _asked(query: Any) -> tuple[int | None, int | None, int | None]:
    """The team, person or resource a request names (``team``, ``user``, ``resource``, or ``show=t-3|u-5|r-2``)."""
    show = str(query.get("show") or "")
    team, user, resource = id_of(query.get("team")), id_of(query.get("user")), id_of(query.get("resource"))
    if show.startswith("t-"):
        team = id_of(show[2:])
    elif (lane := planner.parse_lane(show)) is not None:
        user, resource = (lane[1], None) if lane[0] == "person" else (None, lane[1])
    return team, user, resource


def _focus(scope: Scope, query: Any) -> dict[str, Any]:
    """Whose calendar a page shows, checked against the organisation (another's answers 404): ``kind``, ``pk``,
    ``name`` and the events' filters."""
    team, user, resource = _asked(query)
    if team is not None:
        return {"kind": "team", "pk": team, "name": planner.team_for(scope, team).name, "filters": {"team_id": team}}
    if user is not None:
        name = str(planner.person_for(scope, user))
        return {"kind": "user", "pk": user, "name": name, "filters": {"user_ids": [user], "resource_ids": []}}
    if resource is not None:
        name = planner.resource_for(scope, resource).name
        return {
            "kind": "resource",
            "pk": resource,
            "name": name,
            "filters": {"user_ids": [], "resource_ids": [resource]},
        }
    return {"kind": "everyone", "pk": None, "name": _("Everyone"), "filters": {}}


def _params(focus: dict[str, Any]) -> dict[str, Any]:
    return {} if focus["kind"] == "everyone" else {focus["kind"]: focus["pk"]}


# ---- The planner page and its events ------------------------------------------------------------------------


def _event(row: dict[str, Any], zone: ZoneInfo, may_change: bool) -> dict[str, Any]:
    """An event as @event-calendar reads it: floating wall-clock times, the lanes it sits in, whether it moves."""
    lanes = [planner.lane_id(user_id=u) for u in row["people"]] + [
        planner.lane_id(resource_id=r) for r in row["resources"]
    ]
    work = row["kind"] == "work_order"
    movable = may_change and row["movable"]
    props = {"kind": row["kind"], "pk": row["pk"], "lanes": lanes}
    if work:
        props |= {"number": row["number"], "status": row["status"], "statusLabel": row["status_label"]}
        props |= {"lead": planner.lane_id(user_id=row["lead_id"]) if row["lead_id"] else ""}
    else:
        props |= {"activityKind": row["activity_kind"]}
    return {
        "id": row["id"],
        "title": row["title"],
        "start": _floating(row["start"], zone),
        "end": _floating(row["end"], zone),
        "resourceIds": lanes,
        "classNames": [f"wo-{row['status']}" if work else f"act-{row['activity_kind']}"],
        "startEditable": movable,
        "durationEditable": movable,
        "extendedProps": props,
    }


def _config(request: AuthedRequest, focus: dict[str, Any], view: str, day: date) -> dict[str, Any]:
    scope = request.scope
    mode = "lanes" if focus["kind"] in ("team", "everyone") else "one"
    lane = ""
    if focus["kind"] == "user":
        lane = planner.lane_id(user_id=focus["pk"])
    elif focus["kind"] == "resource":
        lane = planner.lane_id(resource_id=focus["pk"])
    team = focus["pk"] if focus["kind"] == "team" else None
    return {
        "mode": mode,
        "view": view,
        "views": CALENDAR_VIEWS[mode],
        "date": day.isoformat(),
        "lanes": [x.as_dict() for x in planner.lanes(scope, team)] if mode == "lanes" else [],
        "lane": lane,
        "params": _params(focus),
        "canChange": may_plan(scope),
        "csrf": get_token(request),
        "locale": get_language() or "en",
        "planAt": planner.WORK_DAY[0].strftime("%H:%M"),
        "urls": {
            "events": reverse("service:planner_events"),
            "plan": reverse("service:planner_plan", args=[0]),
            "activityMove": reverse("service:planner_activity_move", args=[0]),
            "day": reverse("service:planner_day"),
            "free": reverse("service:planner_free"),
        },
        "texts": {
            "day": _("Day"),
            "week": _("Week"),
            "month": _("Month"),
            "today": _("Today"),
            "failed": _("The calendar could not be loaded. Try again."),
            "saving": _("Saving…"),
            "offline": _("No connection: nothing was changed."),
        },
    }


@scope_required(*READERS)
def planner_page(request: AuthedRequest) -> HttpResponse:
    """The planner: whose calendar (a team, everyone, a technician, a resource), which span, which day."""
    scope = request.scope
    focus = _focus(scope, request.GET)
    asked = str(request.GET.get("view") or "")
    view = asked if asked in VIEWS else "week"
    day = parse_day(request.GET.get("date")) or today_of(scope)
    may_change = may_plan(scope)
    field_people = list(people.field_people(scope))
    resources = list(planner.resources_of(scope))
    context = {
        "focus": focus,
        "view": view,
        "day": day,
        "config": _config(request, focus, view, day),
        "show_choices": _show_choices(scope, field_people, resources),
        "people": field_people,
        "show": {"team": "t-", "user": "u-", "resource": "r-"}.get(focus["kind"], "") + str(focus["pk"] or ""),
        "to_plan": planner.to_plan(scope) if may_change else [],
        "may_change": may_change,
        "views": [(v, {"day": _("Day"), "week": _("Week"), "month": _("Month")}[v]) for v in VIEWS],
    }
    return render(request, "service/planner.html", context)


def _show_choices(scope: Scope, field_people: list[Any], resources: list[Any]) -> list[tuple[str, list[Any]]]:
    return [
        (_("Teams"), [(f"t-{t.pk}", t.name) for t in selectors.teams_for(scope)]),
        (_("Technicians"), [(f"u-{p.pk}", str(p)) for p in field_people]),
        (_("Resources"), [(f"r-{r.pk}", r.name) for r in resources]),
    ]


def _range(query: Any) -> tuple[date, date] | None:
    start, end = parse_day(query.get("start")), parse_day(query.get("end"))
    if start is None or end is None or not start < end <= start + LONGEST_RANGE:
        return None
    return start, end


@scope_required(*READERS)
def planner_events(request: AuthedRequest) -> HttpResponse:
    """``GET ?start=YYYY-MM-DD&end=YYYY-MM-DD&team=<id>|user=<id>|resource=<id>``: the busy work orders and
    activities of the range (the end day excluded), as @event-calendar reads them."""
    scope = request.scope
    span = _range(request.GET)
    if span is None:
        words = _("Give start and end as YYYY-MM-DD, the end after the start and at most 62 days later.")
        return JsonResponse({"error": words}, status=400)
    team, user, resource = _asked(request.GET)
    if team is not None:  # the team's members are read with its bookings; another's team answers 404 there
        rows = planner.events(scope, span[0], span[1], team_id=team)
    elif user is not None or resource is not None:
        users, resources = ([user] if user else []), ([resource] if resource else [])
        rows = planner.events(scope, span[0], span[1], user_ids=users, resource_ids=resources)
        if not rows and user is not None:  # no bookings: one of ours who is free, or someone else's (404)
            planner.person_for(scope, user)
        elif not rows and resource is not None:
            planner.resource_for(scope, resource)
    else:
        rows = planner.events(scope, span[0], span[1])
    may_change, zone = may_plan(scope), planner.zone_of(scope)
    body = orjson.dumps([_event(row, zone, may_change) for row in rows])
    return HttpResponse(body, content_type="application/json")


# ---- Moves from the calendar --------------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _answer(request: HttpRequest, message: str, status: int = 200) -> HttpResponse:
    """JSON for the calendar's scripts; a message and back to the planner for a plain form."""
    if _wants_json(request):
        key = "message" if status == 200 else "error"
        return JsonResponse({key: message}, status=status)
    (messages.success if status == 200 else messages.error)(request, message)
    target = str(request.POST.get("next") or "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("service:planner")
    return redirect(target)


def _refusal(error: ValidationError) -> str:
    return " ".join(dict.fromkeys(error.messages))


def _reassigned(scope: Scope, work_order_id: int, came: Any, went: Any) -> dict[str, Any]:
    """What a drag from one lane to another changes: the lead (dragged from the lead's row), a helper, or a
    resource; dropped from the side list onto a row, that row's person leads it (a resource joins it)."""
    order = WorkOrder.objects.visible_to(scope).filter(pk=work_order_id).values("technician_id").first()
    if order is None:
        raise Http404
    to, origin = planner.parse_lane(went), planner.parse_lane(came)
    if to is None or to == origin:
        return {}
    rows = list(
        Booking.objects.visible_to(scope).filter(work_order_id=work_order_id).values_list("user_id", "resource_id")
    )
    lead = order["technician_id"]
    helpers = [u for u, _r in rows if u and u != lead]
    resources = [r for _u, r in rows if r]
    kind, pk = to
    if origin is not None and origin[0] != kind:
        raise ValidationError(_("A person's work goes to a person, a resource's to a resource."))
    if origin is not None and pk in (resources if kind == "resource" else [lead, *helpers]):
        raise ValidationError(_("Already on this work order: drop it on someone who is not."))
    if kind == "resource":
        kept = [r for r in resources if origin is None or r != origin[1]]
        return {"resource_ids": [*kept, pk]}
    if origin is None or origin[1] == lead:
        return {"technician_id": pk, "helper_ids": [h for h in helpers if h != pk]}
    swapped = [pk if h == origin[1] else h for h in helpers]
    return {"helper_ids": [h for h in dict.fromkeys(swapped) if h != lead]}


@require_POST
@scope_required(*CHANGERS)
def planner_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """Plan or move a work order from the calendar: ``start`` (wall clock, ``YYYY-MM-DDTHH:MM``), ``minutes``
    (optional: a resize), ``from``/``to`` (the lanes a drag left and reached: a reassignment)."""
    scope = request.scope
    try:
        change = _reassigned(scope, pk, request.POST.get("from"), request.POST.get("to"))
        order = work_order_plan(
            scope=scope,
            work_order_id=pk,
            starts_at=_wall(scope, request.POST.get("start")),  # type: ignore[arg-type]
            minutes=id_of(request.POST.get("minutes")),
            **change,
        )
    except ValidationError as error:
        return _answer(request, _refusal(error), 422)
    except Conflict as error:
        return _answer(request, error.message, 409)
    except ObjectDoesNotExist:
        raise Http404 from None
    when = timezone.localtime(order.starts_at, planner.zone_of(scope))
    words = {"number": order.number, "day": when.strftime("%d/%m"), "time": when.strftime("%H:%M")}
    return _answer(request, _("%(number)s planned on %(day)s at %(time)s.") % words)


@require_POST
@scope_required(*CHANGERS)
def planner_activity_move(request: AuthedRequest, pk: int) -> HttpResponse:
    """Move or stretch an activity from the calendar (``start``, ``minutes``, ``from``/``to`` as for a work
    order), through ``activity_save``."""
    scope = request.scope
    activity = planner.activity_for(scope, pk)
    starts_at = _wall(scope, request.POST.get("start"))
    length = id_of(request.POST.get("minutes"))
    span = timedelta(minutes=length) if length else activity.ends_at - activity.starts_at
    lane = planner.parse_lane(request.POST.get("to")) or planner.parse_lane(planner.lane_of_activity(activity))
    whom = {"user_id": lane[1]} if lane and lane[0] == "person" else {"resource_id": lane[1] if lane else None}
    try:
        activity_save(
            scope=scope,
            activity_id=activity.pk,
            kind=activity.kind,
            title=activity.title,
            notes=activity.notes,
            starts_at=starts_at,
            ends_at=starts_at + span if starts_at else None,
            **whom,
        )
    except ValidationError as error:
        return _answer(request, _refusal(error), 422)
    except ObjectDoesNotExist:
        raise Http404 from None
    return _answer(request, _("Activity moved."))


# ---- Who is free --------------------------------------------------------------------------------------------


@scope_required(*READERS)
def planner_free(request: AuthedRequest) -> HttpResponse:
    """Who is free on a day (``day``, ``team``): each person's and resource's free windows of the working day."""
    scope = request.scope
    day = parse_day(request.GET.get("day")) or today_of(scope)
    team = id_of(request.GET.get("team"))
    rows = planner.free(scope, day, team)
    for row in rows:
        row["words"] = planner.describe_free(row)
        row["lane"] = row["id"]
    opens, closes = (t.strftime("%H:%M") for t in planner.WORK_DAY)
    context = {"rows": rows, "day": day, "team": team, "opens": opens, "closes": closes}
    return render(request, "service/planner_free.html", context)
