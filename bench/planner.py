"""Benchmark: the planner's calendars against raw SQL for the same rows, and 16 planners booking one van at once.

The issue (14, "Performance"): with 200 technicians, 50 resources and 30,000 work orders in a quarter, the team's
month view and one technician's week view, served through the whole Django stack (``django.test.Client`` GET of
the planner's events, ``service:planner_events``: middleware, session, scope, view, JSON), cost ≤ 10x the raw SQL
for the same rows in the same run, with a number of queries that does not grow with the number of work orders
(counted at a tenth of them and at all of them, and for a team of 5 against one of 25: equal). 16 planners
booking the same van for overlapping slots at once (``work_order_plan``, each a thread with its own database
connection, started together by a barrier): exactly one wins, each other is told that the van is taken (the
message names it), and the table holds no overlapping busy bookings afterwards (checked with SQL).

The data: one organisation, its planners (office), 200 technicians in eight teams of 25 (and a team of 5), 50
resources (vans, tools, instruments), 3,000 customers with a site each, 30,000 work orders over 13 weeks (planned,
sent, accepted ahead; done or verified behind), each with its lead's busy booking, a helper's on a third of them
and a resource's on about a quarter, never two at once for a person or a resource (the exclusion constraints of
migration 0007 check it as the rows go in); a few hundred activities (Friday training, a resource's Saturday
upkeep). Written with COPY in a scratch database (on the server of ``DATABASE_URL``, dropped afterwards): a tenth
of the work orders first (the queries are counted), then the rest.

Each view and its raw SQL run a few times to warm up, then are timed interleaved; the median is kept. Prints each
figure with its baseline and ratio, one summary line, and exits 1 when a figure misses its limit.

    python bench/planner.py [--work-orders N] [--repeat R] [--warmup W] [--rounds K] [--profile] [--explain]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from typing import Any
from zoneinfo import ZoneInfo

import _common  # bench/ is on the path of a benchmark script
from _common import (
    Laps,
    copy_lines,
    explain,
    figure,
    ids_after,
    max_id,
    measure,
    measure_cpu,
    profile,
    queries_of,
    table,
)

NAME = "planner"
VIEW_LIMIT = 10.0  # Django view / raw SQL for the same rows
ZONE = "Europe/Rome"
WEEKS = 13  # a quarter
TEAM_SIZE = 25
SMALL_TEAM = 5
CUSTOMERS = 3_000
FIRST_SHARE = 10  # the queries are counted with one work order in FIRST_SHARE, then with all of them
# The four slots of a working day (local time); a work order starts at a slot's start or 15 minutes later and
# lasts 60 to 105 minutes, so it stays inside its slot: a person or a resource in one work order per slot is
# never booked twice.
SLOTS = ((wall(8), wall(10)), (wall(10), wall(12)), (wall(13), wall(15)), (wall(15), wall(17)))
HELPER_EVERY = 3  # one work order in three takes a helper
RESOURCE_EVERY = 4  # one in four a resource
PLANNERS = 16
WORDS = (
    "Manutenzione periodica caldaia e pulizia bruciatore.",
    "Sostituzione sonda di temperatura, prova di funzionamento.",
    "Collaudo impianto dopo l'installazione, compilazione libretto.",
    "Controllo annuale e analisi fumi.",
    "Ricerca perdita sul circuito frigorifero.",
    "Verifica centralina in errore E42.",
)
FIRSTS = ("Luca", "Marco", "Davide", "Paolo", "Giulia", "Sara", "Anna", "Elena", "Matteo", "Andrea")
LASTS = ("Marino", "Conti", "Bianchi", "Esposito", "Romano", "Colombo", "Ricci", "Greco", "Bruno", "Gallo")
CITIES = ("Milano", "Bergamo", "Brescia", "Monza", "Como", "Lecco", "Pavia", "Lodi")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-orders", type=int, default=30_000, help="work orders in the quarter")
    parser.add_argument("--technicians", type=int, default=200)
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of each measurement (median kept)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each measurement first")
    parser.add_argument("--planners", type=int, default=PLANNERS, help="planners booking the same van at once")
    parser.add_argument("--rounds", type=int, default=3, help="times the planners race (a new day each)")
    parser.add_argument("--profile", action="store_true", help="print where the views spend their time")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the views' queries")
    args = parser.parse_args(argv)
    per_slot = -(-args.work_orders // (WEEKS * 5 * len(SLOTS)))
    if args.technicians < 4 * TEAM_SIZE or args.resources < 2 or args.repeat < 1 or args.warmup < 0:
        parser.error(f"--technicians ≥ {4 * TEAM_SIZE}, --resources ≥ 2, --repeat ≥ 1, --warmup ≥ 0")
    if per_slot + -(-per_slot // HELPER_EVERY) > args.technicians or -(-per_slot // RESOURCE_EVERY) > args.resources:
        parser.error("too many work orders for the technicians and resources (at most one each per slot)")
    if not 2 <= args.planners <= args.technicians or args.rounds < 1 or args.work_orders < 1_000:
        parser.error("--planners between 2 and --technicians, --rounds ≥ 1, --work-orders ≥ 1000")
    return args


# --- data -------------------------------------------------------------------------------------------------------


@dataclass
class World:
    """What the measurements need to know about the generated data."""

    org: int
    zone: ZoneInfo
    planners: list[int]  # office users; the first one is measured
    technicians: list[int]
    teams: list[int]  # eight of TEAM_SIZE (the first is measured), then the small one
    small_team: int
    resources: list[int]
    van: int
    van_name: str
    customers: list[int]
    quarter: tuple[date, date]  # first Monday, the Monday after
    work_orders: int = 0
    bookings: int = 0
    activities: int = 0
    numbers: int = 0  # the last work-order number taken


@dataclass
class Order:
    """A work order to write: when, who, which resource."""

    n: int  # 0-based; its number is n + 1
    starts_at: datetime
    minutes: int
    lead: int
    helper: int | None
    resource: int | None


def local(day: date, at: wall, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone)


def quarter_of(today: date) -> tuple[date, date]:
    """Thirteen weeks from the Monday six weeks and a half before ``today``: half behind, half ahead."""
    first = today - timedelta(days=45)
    first -= timedelta(days=first.weekday())
    return first, first + timedelta(weeks=WEEKS)


def plan_orders(world: World, count: int) -> list[Order]:
    """Every work order's time, lead, helper and resource: work order ``n`` takes slot ``n % S`` (S slots in the
    quarter's working days), position ``j = n // S`` in it; in a slot the people and the resources are each
    taken once (the slot's own shuffle), so no one is in two places at once."""
    zone, first = world.zone, world.quarter[0]
    days = [first + timedelta(days=d) for d in range(WEEKS * 7) if (first + timedelta(days=d)).weekday() < 5]
    slots = [(day, s) for day in days for s in range(len(SLOTS))]
    per_slot = -(-count // len(slots))
    technicians, resources = world.technicians, world.resources
    orders = []
    shuffles: dict[int, tuple[list[int], list[int]]] = {}
    for n in range(count):
        s, j = n % len(slots), n // len(slots)
        if s not in shuffles:
            rng = random.Random(s)
            shuffles[s] = (rng.sample(technicians, len(technicians)), rng.sample(resources, len(resources)))
        people, things = shuffles[s]
        day, slot = slots[s]
        helper = people[per_slot + j // HELPER_EVERY] if j % HELPER_EVERY == 0 else None
        resource = things[j // RESOURCE_EVERY] if j % RESOURCE_EVERY == 1 else None
        starts_at = local(day, SLOTS[slot][0], zone) + timedelta(minutes=15 * (j % 2))
        orders.append(Order(n, starts_at, (60, 75, 90, 105)[n % 4], people[j], helper, resource))
    return orders


def status_of(order: Order, now: datetime) -> str:
    if order.starts_at + timedelta(minutes=order.minutes) < now:
        return "verified" if order.n % 4 == 0 else "done"
    if order.starts_at < now + timedelta(days=7):
        return "accepted" if order.n % 2 else "sent"
    return "planned"


def fill_organisation(now: datetime, technicians: int, resources: int) -> World:
    """The organisation, its planners, technicians, teams, resources, types of work and customers with a site."""
    from fieldbox.accounts.choices import OrganisationKind, Role
    from fieldbox.accounts.models import Membership, Organisation, User
    from fieldbox.fleet.models import Customer, CustomerAddress
    from fieldbox.service.choices import ResourceKind
    from fieldbox.service.models import Resource, Team, WorkType

    org = Organisation.objects.create(
        name="Rossi Impianti", kind=OrganisationKind.INSTALLER, installer_code="RI001", email="info@rossi.example"
    )
    stamp = now.isoformat()
    last = max_id(User)
    people = [("ufficio", k, Role.OFFICE) for k in range(PLANNERS)]
    people += [("tecnico", k, Role.TECHNICIAN) for k in range(technicians)]
    copy_lines(
        User,
        "password email first_name last_name date_joined",
        (
            f"!\t{who}{k}@rossi.example\t{FIRSTS[k % 10]}\t{LASTS[k // 10 % 10]} {k}\t{stamp}\n"
            for who, k, _role in people
        ),
    )
    first_user = ids_after(User, last, len(people))
    copy_lines(
        Membership,
        "user organisation role created_at",
        (f"{first_user + n}\t{org.pk}\t{role}\t{stamp}\n" for n, (_w, _k, role) in enumerate(people)),
    )
    planners = list(range(first_user, first_user + PLANNERS))
    crew = list(range(first_user + PLANNERS, first_user + len(people)))
    teams = [Team.objects.create(organisation=org, name=f"Squadra {t + 1}") for t in range(technicians // TEAM_SIZE)]
    small = Team.objects.create(organisation=org, name="Collaudi")
    Member = Team.members.through
    rows = [
        Member(team_id=team.pk, user_id=crew[t * TEAM_SIZE + k])
        for t, team in enumerate(teams)
        for k in range(TEAM_SIZE)
    ]
    rows += [Member(team_id=small.pk, user_id=crew[k]) for k in range(SMALL_TEAM)]
    Member.objects.bulk_create(rows)
    kinds = [ResourceKind.VAN] * 2 + [ResourceKind.TOOL, ResourceKind.INSTRUMENT]
    names = {ResourceKind.VAN: "Furgone", ResourceKind.TOOL: "Attrezzo", ResourceKind.INSTRUMENT: "Strumento"}
    things = Resource.objects.bulk_create(
        Resource(organisation=org, name=f"{names[kinds[r % 4]]} {r + 1:02d}", kind=kinds[r % 4], code=f"R{r:03d}")
        for r in range(resources)
    )
    WorkType.objects.bulk_create(
        WorkType(organisation=org, name=name, minutes=minutes)
        for name, minutes in (("Manutenzione", 90), ("Riparazione", 120), ("Collaudo", 60), ("Sopralluogo", 45))
    )
    last = max_id(Customer)
    copy_lines(
        Customer,
        "organisation kind first_name last_name company_name phone email language created_at",
        (
            f"{org.pk}\tperson\t{FIRSTS[c % 10]}\t{LASTS[c // 7 % 10]} {c}\t\t+39333{c:07d}\tc{c}@mail.example\tit\t"
            f"{stamp}\n"
            if c % 5
            else f"{org.pk}\tcompany\t\t\tCondominio {c} Srl\t+39021{c:07d}\tamm{c}@mail.example\tit\t{stamp}\n"
            for c in range(CUSTOMERS)
        ),
    )
    first_customer = ids_after(Customer, last, CUSTOMERS)
    last = max_id(CustomerAddress)
    copy_lines(
        CustomerAddress,
        "customer kind street postcode city",
        (
            f"{first_customer + c}\tplant\tVia Garibaldi {c % 200 + 1}\t20{c % 100:03d}\t{CITIES[c % 8]}\n"
            for c in range(CUSTOMERS)
        ),
    )
    ids_after(CustomerAddress, last, CUSTOMERS)
    van = things[0]
    return World(
        org=org.pk,
        zone=ZoneInfo(org.time_zone),
        planners=planners,
        technicians=crew,
        teams=[t.pk for t in teams],
        small_team=small.pk,
        resources=[r.pk for r in things],
        van=van.pk,
        van_name=van.name,
        customers=list(range(first_customer, first_customer + CUSTOMERS)),
        quarter=quarter_of(now.astimezone(ZoneInfo(org.time_zone)).date()),
    )


def fill_orders(world: World, orders: list[Order], now: datetime) -> None:
    """The work orders (COPY), then their bookings: the lead's, a helper's, a resource's, busy for their time."""
    from fieldbox.core.models import NumberSeries
    from fieldbox.fleet.models import CustomerAddress
    from fieldbox.service.choices import numbered
    from fieldbox.service.models import Booking, WorkOrder, WorkType

    types = list(WorkType.objects.filter(organisation_id=world.org).values_list("pk", flat=True))
    sites = dict(CustomerAddress.objects.filter(customer_id__in=world.customers).values_list("customer_id", "pk"))
    stamp, null = now.isoformat(), "\\N"
    statuses = [status_of(order, now) for order in orders]
    last = max_id(WorkOrder)

    def order_lines() -> Iterator[str]:
        for order, status in zip(orders, statuses, strict=True):
            ends = order.starts_at + timedelta(minutes=order.minutes)
            customer = world.customers[order.n * 7919 % len(world.customers)]
            closed = ends.isoformat() if status in ("done", "verified") else null
            yield (
                f"{world.org}\t{numbered('I', order.n + 1)}\t{status}\t{customer}\t{sites[customer]}\t"
                f"{types[order.n % len(types)]}\t{WORDS[order.n % len(WORDS)]}\t{order.lead}\t"
                f"{order.starts_at.isoformat()}\t{order.minutes}\t{ends.isoformat()}\t{stamp}\t{stamp}\t{closed}\n"
            )

    copy_lines(
        WorkOrder,
        "organisation number status customer site work_type description technician starts_at minutes ends_at "
        "created_at changed_at closed_at",
        order_lines(),
    )
    first = ids_after(WorkOrder, last, len(orders))

    def booking_lines() -> Iterator[str]:
        for k, (order, status) in enumerate(zip(orders, statuses, strict=True)):
            start = order.starts_at.isoformat()
            end = (order.starts_at + timedelta(minutes=order.minutes)).isoformat()
            answered = status not in ("planned", "sent")
            answer, at = ("accepted", start) if answered else ("pending", null)
            head = f"{world.org}\t{first + k}\t"
            yield f"{head}{order.lead}\t{null}\t{start}\t{end}\tt\t{answer}\t{at}\n"
            if order.helper:
                yield f"{head}{order.helper}\t{null}\t{start}\t{end}\tt\t{answer}\t{at}\n"
            if order.resource:
                yield f"{head}{null}\t{order.resource}\t{start}\t{end}\tt\tpending\t{null}\n"

    before = Booking.objects.count()
    copy_lines(
        Booking, "organisation work_order user resource starts_at ends_at busy answer answered_at", booking_lines()
    )
    world.bookings += Booking.objects.count() - before
    world.work_orders += len(orders)
    world.numbers = max(world.numbers, max(order.n + 1 for order in orders))
    NumberSeries.objects.update_or_create(key=f"service.intervention:{world.org}", defaults={"last": world.numbers})


def fill_activities(world: World, now: datetime) -> None:
    """A Friday training after the last slot for ten technicians a week, and each resource's Saturday upkeep one
    week in four; each with its busy booking."""
    from fieldbox.service.models import Activity, Booking

    rows: list[tuple[str, str, datetime, datetime, int | None, int | None]] = []
    first = world.quarter[0]
    for week in range(WEEKS):
        friday, saturday = first + timedelta(weeks=week, days=4), first + timedelta(weeks=week, days=5)
        for k in range(10):
            person = world.technicians[(week * 10 + k) % len(world.technicians)]
            start, end = local(friday, wall(17, 15), world.zone), local(friday, wall(18, 30), world.zone)
            rows.append(("training", "Sicurezza in quota", start, end, person, None))
        for r, thing in enumerate(world.resources):
            if (r + week) % 4 == 0:
                start, end = local(saturday, wall(8), world.zone), local(saturday, wall(12), world.zone)
                rows.append(("upkeep", "Tagliando", start, end, None, thing))
    made = Activity.objects.bulk_create(
        Activity(organisation_id=world.org, kind=kind, title=title, starts_at=start, ends_at=end, created_by=None)
        for kind, title, start, end, _u, _r in rows
    )
    Booking.objects.bulk_create(
        Booking(
            organisation_id=world.org,
            activity=activity,
            user_id=user,
            resource_id=resource,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            busy=True,
        )
        for activity, (_k, _t, _s, _e, user, resource) in zip(made, rows, strict=True)
    )
    world.activities = len(made)
    world.bookings += len(made)


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE")


# --- what is measured -------------------------------------------------------------------------------------------


def month_of(world: World) -> tuple[date, date]:
    """The calendar month holding the quarter's middle (the team's month view asks for the 1st to the 1st)."""
    middle = world.quarter[0] + timedelta(days=WEEKS * 7 // 2)
    start = middle.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def week_of(world: World) -> tuple[date, date]:
    """A full week of the quarter, after the month's first week."""
    start = month_of(world)[0] + timedelta(days=7)
    start -= timedelta(days=start.weekday())
    return start, start + timedelta(days=7)


WORK_SQL = """
SELECT b.work_order_id, b.user_id, b.resource_id, b.starts_at, b.ends_at, w.number, w.status, w.technician_id,
       w.description, c.kind, c.company_name, c.first_name, c.last_name, s.city
FROM {booking} b
JOIN {work_order} w ON w.id = b.work_order_id
LEFT JOIN {customer} c ON c.id = w.customer_id
LEFT JOIN {site} s ON s.id = w.site_id
WHERE b.organisation_id = %(org)s AND b.busy AND b.starts_at >= %(since)s AND b.starts_at < %(end)s
  AND b.ends_at > %(start)s AND ({who})
ORDER BY b.starts_at, b.work_order_id
"""
ACTIVITY_SQL = """
SELECT b.activity_id, b.user_id, b.resource_id, a.starts_at, a.ends_at, a.kind, a.title, a.notes
FROM {booking} b
JOIN {activity} a ON a.id = b.activity_id
WHERE b.organisation_id = %(org)s AND b.busy AND a.starts_at < %(end)s AND a.ends_at > %(start)s AND ({who})
ORDER BY a.starts_at, b.activity_id
"""
TEAM_WHO = (
    "b.user_id IN (SELECT m.user_id FROM {members} m WHERE m.team_id = %(team)s) "
    "OR b.resource_id IN (SELECT r.id FROM {resource} r WHERE r.organisation_id = %(org)s AND r.active)"
)
USER_WHO = "b.user_id = %(user)s"


def raw_sql(who: str) -> tuple[str, str]:
    """By hand: the busy bookings of work orders in the range with what the calendar shows of them (number, status,
    lead, work, customer, city), and those of activities; for a team its members' and every resource's (the lanes
    of a team's calendar), for a technician theirs. A work order lasts at most a day (``MAX_MINUTES``), so one that
    overlaps the range starts at most a day before it."""
    from fieldbox.fleet.models import Customer, CustomerAddress
    from fieldbox.service.models import Activity, Booking, Resource, Team, WorkOrder

    names = {
        "booking": table(Booking),
        "work_order": table(WorkOrder),
        "customer": table(Customer),
        "site": table(CustomerAddress),
        "activity": table(Activity),
        "members": table(Team.members.through),
        "resource": table(Resource),
    }
    who = who.format(**names)
    return WORK_SQL.format(who=who, **names), ACTIVITY_SQL.format(who=who, **names)


@dataclass
class View:
    """One calendar: the events endpoint's query string and the raw SQL for the same rows."""

    label: str
    query: dict[str, str]
    work_sql: str
    activity_sql: str
    params: dict[str, Any]


class Bench:
    def __init__(self, world: World) -> None:
        from django.db import connection
        from django.test import Client
        from django.urls import NoReverseMatch, reverse

        from fieldbox.accounts.models import User

        self.world = world
        try:
            self.url = reverse("service:planner_events")
        except NoReverseMatch:  # not routed yet: the selector alone, and the run fails
            self.url = ""
            print("  wrong: no URL named service:planner_events; measured: selectors_planner.events alone")
        self.client = Client()
        planner = User.objects.get(pk=world.planners[0])
        self.client.force_login(planner, backend="django.contrib.auth.backends.ModelBackend")
        self.cursor = connection.cursor().cursor  # the psycopg cursor of Django's connection: no wrapper
        month, week = month_of(world), week_of(world)
        team_sql, user_sql = raw_sql(TEAM_WHO), raw_sql(USER_WHO)
        technician = world.technicians[3]
        self.views = {
            "team month": self.view("team month", month, {"team": world.teams[0]}, team_sql),
            "technician week": self.view("technician week", week, {"user": technician}, user_sql),
            "small team month": self.view("small team month", month, {"team": world.small_team}, team_sql),
        }

    def view(self, label: str, span: tuple[date, date], who: dict[str, int], sql: tuple[str, str]) -> View:
        start, end = (local(day, wall(0), self.world.zone) for day in span)
        query = {"start": span[0].isoformat(), "end": span[1].isoformat(), **{k: str(v) for k, v in who.items()}}
        since = start - timedelta(days=1)  # a work order lasts at most a day: the index bounds both ends
        return View(label, query, *sql, {"org": self.world.org, "since": since, "start": start, "end": end, **who})

    def django(self, view: View) -> Any:
        if self.url:
            return self.client.get(self.url, view.query)
        return self.selector(view)

    def selector(self, view: View) -> Any:
        """What the endpoint answers, from the selector (while the endpoint is not routed)."""
        from types import SimpleNamespace

        from django.core.serializers.json import DjangoJSONEncoder

        from fieldbox.accounts.models import User
        from fieldbox.accounts.selectors import scope_for
        from fieldbox.service import selectors_planner

        scope = scope_for(User.objects.get(pk=self.world.planners[0]), self.world.org)
        days = [date.fromisoformat(view.query[k]) for k in ("start", "end")]
        who: dict[str, Any] = {"team_id": int(view.query["team"])} if "team" in view.query else {}
        if "user" in view.query:
            who = {"user_ids": [int(view.query["user"])], "resource_ids": []}
        rows = selectors_planner.events(scope, *days, **who)  # type: ignore[arg-type]
        for row in rows:
            row["resourceIds"] = [f"u-{u}" for u in row["people"]] + [f"r-{r}" for r in row["resources"]]
        return SimpleNamespace(status_code=200, content=json.dumps(rows, cls=DjangoJSONEncoder).encode())

    def raw(self, view: View) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        self.cursor.execute(view.work_sql, view.params)
        work = self.cursor.fetchall()
        self.cursor.execute(view.activity_sql, view.params)
        return work, self.cursor.fetchall()

    def check(self, view: View) -> tuple[list[str], int, int]:
        """The endpoint answers 200 with one event per work order and activity of the raw rows, in the same lanes;
        returns the problems, the number of events and of raw rows."""
        response = self.django(view)
        if response.status_code != 200:
            return [f"{view.label}: GET answered {response.status_code}: {response.content[:300]!r}"], 0, 0
        shown = {e["id"]: sorted(e["resourceIds"]) for e in json.loads(response.content)}
        work, other = self.raw(view)
        want: dict[str, list[str]] = {}
        for prefix, rows in (("wo", work), ("act", other)):
            for row in rows:
                lane = f"u-{row[1]}" if row[1] else f"r-{row[2]}"
                want.setdefault(f"{prefix}-{row[0]}", []).append(lane)
        want = {key: sorted(lanes) for key, lanes in want.items()}
        problems = [] if self.url else [f"{view.label}: not through the endpoint (not routed)"]
        if shown != want:
            missing, extra = sorted(set(want) - set(shown)), sorted(set(shown) - set(want))
            moved = [key for key in set(shown) & set(want) if shown[key] != want[key]]
            problems.append(
                f"{view.label}: {len(shown)} events, the raw SQL {len(want)}; missing {missing[:3]}, "
                f"extra {extra[:3]}, other lanes {moved[:3]}"
            )
        return problems, len(shown), len(work) + len(other)


def explain_raw(bench: Bench, view: View) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the raw SQL of a view."""
    for sql in (view.work_sql, view.activity_sql):
        bench.cursor.execute("EXPLAIN (ANALYZE, BUFFERS, SUMMARY) " + sql, view.params)
        print(f"  -- raw: {' '.join(sql.split())[:200]}…")
        for (line,) in bench.cursor.fetchall():
            print(f"     {line}")


def count_queries(bench: Bench, stage: str, counts: dict[str, dict[str, int]]) -> None:
    for key in ("team month", "technician week", "small team month"):
        view = bench.views[key]
        bench.django(view)  # a first request may fill caches
        counts.setdefault(key, {})[stage] = len(queries_of(lambda view=view: bench.django(view)))


def same_counts(counts: dict[str, dict[str, int]], world: World) -> bool:
    """The queries of each view at a tenth of the work orders and at all of them equal, and the small team's month
    those of the big team's."""
    ok = True
    for key, stages in counts.items():
        same = len(set(stages.values())) == 1
        ok &= same
        shown = ", ".join(f"{n} at {stage} work orders" for stage, n in stages.items())
        print(f"queries of the {key}: {shown}  {'OK' if same else 'MISSED (they grow)'}")
    team, small = (list(counts[key].values())[-1] for key in ("team month", "small team month"))
    ok &= team == small
    print(
        f"queries of the month of a team of {TEAM_SIZE} and of one of {SMALL_TEAM} ({world.work_orders:,} work "
        f"orders): {team} and {small}  {'OK' if team == small else 'MISSED'}"
    )
    return ok


# --- the race ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    planner: int
    work_order: int
    won: bool = False
    message: str = ""
    error: str = ""  # anything but a ValidationError
    seconds: float = 0.0


def race(world: World, planners: int, day: date) -> tuple[bool, list[Outcome]]:
    """``planners`` planners, each with their own work order to plan and their own technician (free that day),
    book the same van at once for slots that all overlap (09:00 + 5 minutes each, two hours long)."""
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.utils import timezone

    from fieldbox.accounts.models import User
    from fieldbox.accounts.selectors import scope_for
    from fieldbox.service.services.work_orders import work_order_create, work_order_plan

    scopes = [
        scope_for(User.objects.get(pk=world.planners[p % len(world.planners)]), world.org) for p in range(planners)
    ]
    orders = [
        work_order_create(
            scope=scopes[0],  # type: ignore[arg-type]
            customer_id=world.customers[p],
            description=f"Intervento urgente {p + 1}: serve il furgone.",
            minutes=120,
        ).pk
        for p in range(planners)
    ]
    outcomes = [Outcome(p, orders[p]) for p in range(planners)]
    barrier = threading.Barrier(planners)

    def plan(p: int) -> None:
        outcome = outcomes[p]
        try:
            timezone.activate(world.zone)  # as the middleware does for a planner's request
            connection.ensure_connection()  # connected before the start: only the booking races
            barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                work_order_plan(
                    scope=scopes[p],  # type: ignore[arg-type]
                    work_order_id=orders[p],
                    starts_at=local(day, wall(9), world.zone) + timedelta(minutes=5 * p),
                    minutes=120,
                    technician_id=world.technicians[p],
                    helper_ids=[],
                    resource_ids=[world.van],
                )
                outcome.won = True
            except ValidationError as error:
                outcome.message = " ".join(error.messages)
            outcome.seconds = time.perf_counter() - started
        except Exception as error:  # a deadlock, a broken barrier: reported, the run fails
            outcome.error = f"{type(error).__name__}: {error}"
        finally:
            connection.close()

    threads = [threading.Thread(target=plan, args=(p,)) for p in range(planners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return check_race(world, day, outcomes), outcomes


def check_race(world: World, day: date, outcomes: list[Outcome]) -> bool:
    """One winner, every other told that the van is taken; in the table one busy booking of the van that day, the
    losers' work orders still to plan with nothing busy, and no overlapping busy bookings anywhere."""
    from fieldbox.service.models import Booking, WorkOrder

    winners = [o for o in outcomes if o.won]
    told = [o for o in outcomes if not o.won and not o.error and world.van_name in o.message]
    wrong = [o for o in outcomes if not o.won and (o.error or world.van_name not in o.message)]
    losers = [o.work_order for o in outcomes if not o.won]
    start, end = local(day, wall(0), world.zone), local(day + timedelta(days=1), wall(0), world.zone)
    van_busy = Booking.objects.filter(resource_id=world.van, busy=True, starts_at__lt=end, ends_at__gt=start).count()
    moved = WorkOrder.objects.filter(pk__in=losers).exclude(status="to_plan").count()
    held = Booking.objects.filter(work_order_id__in=losers, busy=True).count()
    overlaps = overlapping()
    ok = len(winners) == 1 and not wrong and van_busy == 1 and moved == 0 and held == 0 and overlaps == 0
    slowest = max(o.seconds for o in outcomes)
    print(
        f"  {day}: {len(winners)} of {len(outcomes)} won, {len(told)} told the van is taken, {len(wrong)} not; "
        f"the van busy {van_busy} time(s) that day; losers' work orders planned {moved}, holding time {held}; "
        f"overlapping busy bookings in the table {overlaps}; slowest planner {slowest * 1000:.0f} ms  "
        f"{'OK' if ok else 'MISSED'}"
    )
    if told:
        print(f"    told: {told[0].message}")
    for o in wrong[:5]:
        print(f"    planner {o.planner}: {o.error or o.message or 'nothing said'}")
    return ok


def overlapping() -> int:
    """Pairs of busy bookings of the same person or resource whose times overlap, in the whole table."""
    from django.db import connection

    from fieldbox.service.models import Booking

    name = table(Booking)
    pairs = 0
    with connection.cursor() as cursor:
        for column in ("user_id", "resource_id"):
            cursor.execute(
                f"SELECT count(*) FROM {name} a JOIN {name} b ON a.{column} = b.{column} AND a.id < b.id "
                "WHERE a.busy AND b.busy AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
            )
            pairs += int(cursor.fetchone()[0])
    return pairs


# --- the run ----------------------------------------------------------------------------------------------------


def run_bench(args: argparse.Namespace) -> bool:
    print(
        f"bench {NAME}: {args.work_orders:,} work orders over {WEEKS} weeks, {args.technicians} technicians, "
        f"{args.resources} resources; median of {args.repeat} runs (the week {args.repeat * 4}) after {args.warmup}; "
        f"{args.planners} planners racing for a van {args.rounds} time(s)"
    )
    lap = Laps()
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    world = fill_organisation(now, args.technicians, args.resources)
    lap(f"organisation, {PLANNERS} planners, {args.technicians} technicians, teams, resources, {CUSTOMERS:,} customers")
    orders = plan_orders(world, args.work_orders)
    first = [o for o in orders if o.n % FIRST_SHARE == 0]
    rest = [o for o in orders if o.n % FIRST_SHARE]
    fill_orders(world, first, now)
    fill_activities(world, now)
    vacuum()
    lap(f"{len(first):,} work orders, {world.activities} activities, {world.bookings:,} bookings")
    bench = Bench(world)
    counts: dict[str, dict[str, int]] = {}
    count_queries(bench, f"{len(first):,}", counts)
    fill_orders(world, rest, now)
    vacuum()
    lap(f"{len(rest):,} work orders more ({world.work_orders:,} in all, {world.bookings:,} bookings)")
    print(f"data generated in {time.perf_counter() - started:.1f} s")
    count_queries(bench, f"{world.work_orders:,}", counts)
    results = [same_counts(counts, world)]

    problems: list[str] = []
    for key, view in bench.views.items():
        found, events, rows = bench.check(view)
        problems += found
        print(f"  {key} ({view.query}): {events:,} events from {rows:,} booking rows")
    for problem in problems:
        print(f"  wrong: {problem}")
    if args.explain:
        for key in ("team month", "technician week"):
            explain(queries_of(lambda key=key: bench.django(bench.views[key])))
            explain_raw(bench, bench.views[key])
    if args.profile:
        for key in ("team month", "technician week"):
            print(f"  -- profile of the {key}")
            profile(lambda key=key: bench.django(bench.views[key]))

    team, week = bench.views["team month"], bench.views["technician week"]
    months = {"django team month": lambda: bench.django(team), "raw team month": lambda: bench.raw(team)}
    weeks = {"django technician week": lambda: bench.django(week), "raw technician week": lambda: bench.raw(week)}
    # The week is cheap: four times the runs, so that a moment of other load weighs less on its median.
    times = measure(months, args.warmup, args.repeat) | measure(weeks, args.warmup, args.repeat * 4)
    runs = months | weeks
    med = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"  {name:<24} median {med[name] * 1000:8.2f} ms  best {min(values) * 1000:8.2f} ms")
    used = measure_cpu(runs)
    for label, key in (("team's month", "team month"), ("technician's week", "technician week")):
        django, bare = used[f"django {key}"], used[f"raw {key}"]
        print(
            f"  CPU per run (this process + its PostgreSQL backend), {label}: Django {django * 1000:.2f} ms, raw SQL "
            f"{bare * 1000:.2f} ms, ratio {django / bare:.2f}: what an idle machine would show"
        )
    raw = "raw SQL, same rows"
    results += [
        figure("team's month (Django)", med["django team month"], raw, med["raw team month"], VIEW_LIMIT),
        figure(
            "technician's week (Django)", med["django technician week"], raw, med["raw technician week"], VIEW_LIMIT
        ),
    ]

    print(f"{args.planners} planners booking {world.van_name} at once for overlapping slots:")
    day = world.quarter[1] + timedelta(days=7)
    for _ in range(args.rounds):
        day += timedelta(days=1)
        results.append(race(world, args.planners, day)[0])
    return not problems and all(results)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return _common.run(NAME, lambda: run_bench(args), test_client=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
