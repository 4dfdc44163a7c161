"""Demo work in the field for Officina Rossi: two technicians (Luca Marino, Davide Conti) and a van; a week of work
orders planned, sent and accepted (one declined, to replan); yesterday's work order carried out and its report
signed by Luca and the customer, its PDF e-mailed; a month of hours; clock events inside and outside a site's
fence. Everything through the services, as the planner's and the technicians' clicks would, on the days around
the day the demo is loaded."""

from __future__ import annotations

import base64
import contextlib
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import QuerySet
from PIL import Image, ImageDraw

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.core import clock
from fieldbox.core.tenancy import Scope
from fieldbox.fleet.models import Customer
from fieldbox.service.choices import ResourceKind, TimeKind
from fieldbox.service.models import (
    Activity,
    ClockEvent,
    ClockPoint,
    Equipment,
    Resource,
    Team,
    TimeEntry,
    WorkOrder,
    WorkReport,
    WorkType,
)
from fieldbox.service.services import clock as clock_services
from fieldbox.service.services import hours, reports
from fieldbox.service.services.work_orders import work_order_answer, work_order_create, work_order_move, work_order_plan

OFFICE, LUCA, DAVIDE = "ufficio@rossi.example", "tecnico@rossi.example", "tecnico2@rossi.example"
TYPES = [("Manutenzione ordinaria", 90), ("Riparazione", 120), ("Collaudo", 60)]
# (hour, minute, technician, type, with the van, what to do)
DAY = [
    (9, 0, LUCA, 0, True, "Manutenzione periodica e pulizia filtri."),
    (14, 0, LUCA, 1, False, "Sostituzione sonda di temperatura."),
    (8, 30, DAVIDE, 2, False, "Collaudo dopo l'installazione."),
    (14, 30, DAVIDE, 0, False, "Controllo annuale e analisi fumi."),
]
DECLINED = "Giovedì mattina sono dal dentista: potete spostarlo?"


def reset(companies: QuerySet[Organisation]) -> None:
    WorkReport.objects.filter(organisation__in=companies).delete()
    TimeEntry.objects.filter(organisation__in=companies).delete()
    ClockEvent.objects.filter(organisation__in=companies).delete()
    ClockPoint.objects.filter(organisation__in=companies).delete()
    WorkOrder.objects.filter(organisation__in=companies).delete()
    Activity.objects.filter(organisation__in=companies).delete()
    Resource.objects.filter(organisation__in=companies).delete()
    WorkType.objects.filter(organisation__in=companies).delete()


def _scope(company: Organisation, email: str) -> Scope:
    scope = scope_for(User.objects.get(email=email), company.pk)
    assert scope is not None
    return scope


def working_days(start: date, count: int, step: int = 1) -> list[date]:
    """``count`` working days from ``start`` (included), forwards (step 1) or backwards (step -1)."""
    days: list[date] = []
    day = start
    while len(days) < count:
        if clock.is_working_day(day):
            days.append(day)
        day += timedelta(days=step)
    return days


def load(company: Organisation) -> None:
    office = _scope(company, OFFICE)
    people = {email: _scope(company, email) for email in (LUCA, DAVIDE)}
    team = Team.objects.get(organisation=company, name="Assistenza tecnica")
    team.members.add(*(s.user for s in people.values()))
    van = Resource.objects.create(organisation=company, name="Furgone Doblò", kind=ResourceKind.VAN, code="FG 123 AB")
    Resource.objects.create(organisation=company, name="Analizzatore fumi", kind=ResourceKind.INSTRUMENT, code="AF-07")
    types = [WorkType.objects.create(organisation=company, name=n, minutes=m) for n, m in TYPES]
    places = list(Equipment.objects.filter(organisation=company, parent=None, site__isnull=False).order_by("pk"))
    today = clock.today(company.time_zone)
    week = working_days(today, 5)
    for n, day in enumerate(week):
        for m, (hour, minute, who, kind, with_van, words) in enumerate(DAY):
            place = places[(n * len(DAY) + m) % len(places)]
            order = work_order_create(
                scope=office,
                customer_id=place.customer_id,
                site_id=place.site_id,
                equipment_id=place.pk,
                work_type_id=types[kind].pk,
                description=words,
            )
            start = datetime.combine(day, time(hour, minute), tzinfo=clock.zone(company.time_zone))
            work_order_plan(
                scope=office,
                work_order_id=order.pk,
                starts_at=start,
                technician_id=people[who].user.pk,
                resource_ids=[van.pk] if with_van else [],
            )
            if n < 3:  # the first days are sent; the rest wait for the planner
                work_order_move(scope=office, work_order_id=order.pk, action="send")
                declines = who == DAVIDE and n == 2 and hour < 12
                work_order_answer(
                    scope=people[who], work_order_id=order.pk, accept=not declines, reason=DECLINED if declines else ""
                )
    _month_of_hours(company, people)
    _signed_report(company, office, people[LUCA], types[0], van, places[0])
    _clock_events(company, people[DAVIDE], next(p for p in places if p.site and p.site.latitude is not None))


def _month_of_hours(company: Organisation, people: dict[str, Scope]) -> None:
    """Each technician's hours of the last month's working days: on site in the morning, travel and site work in
    the afternoon."""
    tz = clock.zone(company.time_zone)
    today = clock.today(company.time_zone)
    for scope in people.values():
        for day in working_days(today - timedelta(days=1), 22, step=-1):
            for start, end, kind in (
                (time(8, 30), time(12, 30), TimeKind.WORK),
                (time(13, 30), time(14, 0), TimeKind.TRAVEL),
                (time(14, 0), time(17, 30), TimeKind.WORK),
            ):
                hours.record_entry(
                    organisation=company,
                    user_id=scope.user.pk,
                    starts_at=datetime.combine(day, start, tzinfo=tz),
                    ends_at=datetime.combine(day, end, tzinfo=tz),
                    kind=kind,
                    actor=scope.user,
                    billable=kind == TimeKind.WORK,
                )
    assert Customer.objects.filter(organisation=company).exists()


def _signature(name: str) -> str:
    """A signature as the phone's pad sends it: a PNG data URL of a stroke."""
    picture = Image.new("RGB", (600, 200), "white")
    pen = ImageDraw.Draw(picture)
    pen.line([(40 + 18 * i, 120 + (25 if i % 2 else -25)) for i in range(len(name) + 8)], fill="black", width=4)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _signed_report(
    company: Organisation, office: Scope, luca: Scope, kind: WorkType, van: Resource, place: Equipment
) -> None:
    """Yesterday's visit: planned, sent, accepted, started, its report written and signed by Luca and the
    customer, the PDF e-mailed to the customer (through the outbox)."""
    tz = clock.zone(company.time_zone)
    day = working_days(clock.today(company.time_zone) - timedelta(days=1), 1, step=-1)[0]
    order = work_order_create(
        scope=office,
        customer_id=place.customer_id,
        site_id=place.site_id,
        equipment_id=place.pk,
        work_type_id=kind.pk,
        description="Manutenzione periodica: pulizia, controllo tenuta, prova di funzionamento.",
    )
    start = datetime.combine(day, time(7, 0), tzinfo=tz)
    work_order_plan(
        scope=office, work_order_id=order.pk, starts_at=start, technician_id=luca.user.pk, resource_ids=[van.pk]
    )
    work_order_move(scope=office, work_order_id=order.pk, action="send")
    work_order_answer(scope=luca, work_order_id=order.pk, accept=True)
    work_order_move(scope=luca, work_order_id=order.pk, action="start")
    report = reports.report_draft(scope=luca, work_order_id=order.pk)
    reports.report_update(
        scope=luca,
        report_id=report.pk,
        arrived_at=datetime.combine(day, time(7, 10), tzinfo=tz),
        left_at=datetime.combine(day, time(8, 25), tzinfo=tz),
        work_done="Pulizia completa, sostituita la guarnizione della pompa, prova di funzionamento superata.",
        observations="Tutto in ordine, grazie.",
        travel_minutes=20,
        travel_km=Decimal("12.5"),
        materials=[reports.MaterialLine(description="Guarnizione pompa", quantity="1", code="GP-12")],
        expenses=[reports.ExpenseLine(kind="parking", amount="2.50", description="Parcheggio")],
    )
    reports.report_sign(
        scope=luca,
        report_id=report.pk,
        technician_name="Luca Marino",
        technician_signature=_signature("Luca Marino"),
        customer_name="Marta Rinaldi",
        customer_signature=_signature("Marta Rinaldi"),
    )


def _clock_events(company: Organisation, davide: Scope, place: Equipment) -> None:
    """The workshop's entrance as a clock-in point (placed, for the demo, where a customer's site is); Davide's
    attempt from a kilometre away (refused, kept with its distance), then his clock-in at the entrance and his
    clock-out."""
    site = place.site
    assert site is not None
    assert site.latitude is not None
    assert site.longitude is not None
    ClockPoint.objects.create(
        organisation=company, site=None, name="Ingresso officina", latitude=site.latitude, longitude=site.longitude
    )
    lat, lon = float(site.latitude), float(site.longitude)
    with contextlib.suppress(clock_services.ClockRefused):  # refused, and kept with how far it was
        clock_services.clock_in(scope=davide, latitude=lat + 0.01, longitude=lon, accuracy=15)
    clock_services.clock_in(scope=davide, latitude=lat + 0.0003, longitude=lon, accuracy=12)
    clock_services.clock_out(scope=davide, latitude=lat + 0.0003, longitude=lon, accuracy=12)
