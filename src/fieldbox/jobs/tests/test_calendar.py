"""Appointments by day and week in the company's time zone, and the iCalendar feed of each installer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from fieldbox.accounts import services as accounts
from fieldbox.accounts.models import Membership, User
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.fleet.models import CustomerAddress
from fieldbox.fleet.tests.factories import registry
from fieldbox.jobs import calendar, services
from fieldbox.jobs.models import Job

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
# Wednesday 18 November 2026, 09:00 in Rome.
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ROME)


def rome(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ROME)


def job_at(tenant: Tenant, when: datetime | None, *, taker: str | None = "installer", plate: str | None = None) -> Job:
    """A job of the tenant's company, taken by ``taker`` (None: nobody), with an appointment at ``when``."""
    reg = registry(tenant.provider, plate=plate, arrived_on=date(2026, 1, 1))
    CustomerAddress.objects.create(customer=reg.customer, street="Via Roma 1", postcode="50123", city="Firenze")
    dispatch = tenant.scope(tenant.dispatcher)
    job = services.job_create(scope=dispatch, subscription_id=reg.subscription.pk)
    job = services.job_assign(scope=dispatch, job_id=job.pk, company_id=tenant.company.pk)
    fitter = getattr(tenant, taker or "company_admin")
    if taker:
        job = services.job_take(scope=tenant.scope(fitter), job_id=job.pk)
    if when:
        job = services.job_appointment(scope=tenant.scope(fitter), job_id=job.pk, when=when)
    return job


def page(client: Client, query: str = "") -> str:
    response = client.get(f"/jobs/appointments/{query}")
    assert response.status_code == 200
    return response.content.decode()


def section(body: str, day: str) -> str:
    start = body.index(f'data-testid="day-{day}"')
    end = body.find('data-testid="day-', start + 1)
    return body[start : end if end != -1 else len(body)]


def test_week_and_day_follow_the_company_time_zone(tenant):
    with time_machine.travel(NOW, tick=False):
        sunday_late = job_at(tenant, rome(22, 23, 30), plate="SU2330")  # Sunday 23:30 = 22:30 UTC
        monday_early = job_at(tenant, rome(23, 0, 30), plate="MO0030")  # Monday 00:30 = Sunday 23:30 UTC
        today = job_at(tenant, rome(18, 15), plate="WE1500")
        client = signed_in(tenant.installer)
        week = page(client, "?view=week")
        assert "SU2330" in section(week, "2026-11-22") and "23:30" in section(week, "2026-11-22")
        assert "WE1500" in section(week, "2026-11-18") and "MO0030" not in week
        assert 'data-testid="day-2026-11-16"' in week and "no-appointments" not in week  # Monday to Sunday
        day = page(client)
        assert today.number in day and sunday_late.number not in day and "15:00" in day
        assert "Luca Bianchi" in day and "+393331234567" in day and "Via Roma 1, 50123 Firenze" in day
        assert str(tenant.installer) in day
        next_week = page(client, "?view=week&day=2026-11-25")
        assert monday_early.number in section(next_week, "2026-11-23") and "00:30" in next_week
        assert "SU2330" not in next_week
        assert 'href="?view=week&amp;day=2026-11-16&amp;who=mine"' in next_week  # previous week
        assert 'href="?view=week&amp;day=2026-11-30&amp;who=mine"' in next_week  # next week


def test_mine_or_the_whole_company(tenant):
    with time_machine.travel(NOW, tick=False):
        mine = job_at(tenant, rome(18, 10))
        colleague = job_at(tenant, rome(18, 11), taker="company_admin")
        nobody = job_at(tenant, rome(18, 12), taker=None)
        client = signed_in(tenant.installer)
        own = page(client)
        assert mine.number in own and colleague.number not in own and nobody.number not in own
        everyone = page(client, "?who=company")
        assert all(j.number in everyone for j in (mine, colleague, nobody))
        assert everyone.index(mine.number) < everyone.index(colleague.number) < everyone.index(nobody.number)
        # The company's admin sees the whole company by default.
        assert all(j.number in page(signed_in(tenant.company_admin)) for j in (mine, colleague, nobody))


def test_empty_day_says_so_and_unknown_dates_fall_back_to_today(tenant):
    with time_machine.travel(NOW, tick=False):
        body = page(signed_in(tenant.installer), "?day=2026-02-30&who=nonsense")
        assert "No appointment on this day." in body and 'data-testid="who-mine" aria-current' not in body
        assert "18 November 2026" in body or "Nov. 18, 2026" in body


def test_another_company_never_shows(tenant, other_tenant):
    with time_machine.travel(NOW, tick=False):
        ours = job_at(tenant, rome(18, 10))
        theirs = job_at(other_tenant, rome(18, 10), plate="THEIRS1")
        for user in (tenant.installer, tenant.company_admin):
            for query in ("?who=company", "?view=week&who=company"):
                body = page(signed_in(user), query)
                assert f"/jobs/{ours.pk}/" in body and f"/jobs/{theirs.pk}/" not in body and "THEIRS1" not in body
                assert other_tenant.company.name not in body


def test_ended_jobs_hide_the_owner_and_late_jobs_stand_out(tenant):
    with time_machine.travel(NOW, tick=False):
        failed = job_at(tenant, rome(18, 10), plate="FA1234XY")
        services.job_fail(scope=tenant.scope(tenant.installer), job_id=failed.pk, comment="Vehicle sold")
        late = job_at(tenant, rome(18, 12), plate="LA5678XY")
        Job.objects.filter(pk=late.pk).update(deadline_at=NOW - timedelta(days=2))
        cancelled = job_at(tenant, rome(18, 14))
        services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=cancelled.pk, reason="Duplicate")
        body = page(signed_in(tenant.installer))
        assert failed.number in body and "FA1234XY" not in body and "FA••••XY" in body
        assert body.count("Luca Bianchi") == 1 and body.count("Via Roma 1") == 1  # only the late job's
        assert "deadline-late" in body and "2 days late" in body
        assert cancelled.number not in body


def test_provider_people_have_no_appointments_page(tenant):
    for user in (tenant.provider_admin, tenant.dispatcher, tenant.care):
        assert signed_in(user).get("/jobs/appointments/").status_code == 403


def test_the_page_costs_the_same_queries_for_one_or_many_appointments(tenant):
    with time_machine.travel(NOW, tick=False):
        job_at(tenant, rome(18, 10))
        client = signed_in(tenant.installer)
        page(client, "?view=week")
        with CaptureQueriesContext(connection) as one:
            page(client, "?view=week")
        for hour in (11, 12, 13, 14):
            job_at(tenant, rome(19, hour))
        with CaptureQueriesContext(connection) as five:
            assert page(client, "?view=week").count('data-testid="appointment"') == 5
        assert len(five) == len(one)


# -- The feed ---------------------------------------------------------------------------------------------


def feed_path(body: str, kind: str = "mine") -> str:
    marker = f'data-testid="feed-{kind}"'
    tag = body[body.rindex("<input", 0, body.index(marker)) : body.index(">", body.index(marker))]
    url = tag.split('value="', 1)[1].split('"', 1)[0]
    return url.replace("http://127.0.0.1:8000", "")


def events_of(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_feed_holds_exactly_the_open_appointments_of_the_installer(tenant, settings):
    settings.APPOINTMENT_MINUTES = 90
    User.objects.filter(pk=tenant.installer.pk).update(language="it")
    with time_machine.travel(NOW - timedelta(days=40), tick=False):
        long_ago = job_at(tenant, NOW - timedelta(days=35))
    with time_machine.travel(NOW, tick=False):
        wanted = job_at(tenant, rome(20, 9, 15), plate="FE1234ED")
        job_at(tenant, rome(20, 10), taker="company_admin")  # a colleague's
        job_at(tenant, None)  # no appointment yet
        failed = job_at(tenant, rome(21, 9))
        services.job_fail(scope=tenant.scope(tenant.installer), job_id=failed.pk, comment="Customer away")
        cancelled = job_at(tenant, rome(21, 10))
        services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=cancelled.pk, reason="Duplicate")
        path = feed_path(page(signed_in(tenant.installer)))
        events = events_of(Client().get(path))
    assert long_ago.pk and set(events) == {f"job-{wanted.pk}@127.0.0.1"}
    event = events[f"job-{wanted.pk}@127.0.0.1"]
    assert event.decoded("dtstart") == rome(20, 9, 15)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    assert str(event["summary"]) == f"{wanted.number} · Installazione · FE1234ED"  # the installer's language
    assert str(event["location"]) == "Via Roma 1, 50123 Firenze"
    assert "+393331234567" in str(event["description"]) and f"/jobs/{wanted.pk}/" in str(event["description"])
    assert event.decoded("last-modified") <= NOW and "dtstamp" in event


def test_ended_jobs_drop_out_and_the_uid_stays(tenant):
    with time_machine.travel(NOW, tick=False):
        job = job_at(tenant, rome(20, 9))
        path = feed_path(page(signed_in(tenant.installer)))
        first = events_of(Client().get(path))
        services.job_appointment(scope=tenant.scope(tenant.installer), job_id=job.pk, when=rome(24, 16))
        moved = events_of(Client().get(path))
        assert set(first) == set(moved) and moved[f"job-{job.pk}@127.0.0.1"].decoded("dtstart") == rome(24, 16)
        services.job_cancel(scope=tenant.scope(tenant.dispatcher), job_id=job.pk, reason="Customer withdrew")
        assert events_of(Client().get(path)) == {}


def test_company_feed_is_for_the_company_admin(tenant, other_tenant):
    with time_machine.travel(NOW, tick=False):
        jobs = [job_at(tenant, rome(20, 9)), job_at(tenant, rome(20, 10), taker=None)]
        job_at(other_tenant, rome(20, 9))
        admin_page = page(signed_in(tenant.company_admin))
        events = events_of(Client().get(feed_path(admin_page, "company")))
        assert set(events) == {f"job-{j.pk}@127.0.0.1" for j in jobs}
        assert 'data-testid="feed-company"' not in page(signed_in(tenant.installer))
        membership = Membership.objects.get(user=tenant.installer)
        forged = signing.dumps([membership.pk, 0, 1], salt=calendar.SALT)  # signed right, but not an admin
        assert Client().get(f"/calendar/{forged}.ics").status_code == 404


def test_guessed_or_tampered_addresses_are_refused_then_limited(tenant, settings):
    settings.CALENDAR_FEED_REFUSED_RATE = "3/h"
    path = feed_path(page(signed_in(tenant.installer)))
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    unsigned = signing.dumps([Membership.objects.get(user=tenant.installer).pk, 0, 0], salt="another-salt")
    client = Client()
    for bad in ("not-a-token", tampered, unsigned):
        response = client.get(f"/calendar/{bad}.ics")
        assert response.status_code == 404 and b"BEGIN:VCALENDAR" not in response.content
    assert client.get("/calendar/one-more.ics").status_code == 429
    assert client.get(path).status_code == 429  # the address that guessed is refused for a while


def test_new_address_stops_the_old_one(tenant):
    client = signed_in(tenant.installer)
    old = feed_path(page(client))
    response = client.post("/jobs/appointments/new-feed-address/", follow=True)
    body = response.content.decode()
    assert "Your calendar has a new address" in body
    new = feed_path(body)
    assert new != old
    assert Client().get(old).status_code == 404 and Client().get(new).status_code == 200
    assert client.get("/jobs/appointments/new-feed-address/").status_code == 405


def test_removing_the_member_stops_the_feed(tenant):
    path = feed_path(page(signed_in(tenant.installer)))
    assert Client().get(path).status_code == 200
    membership = Membership.objects.get(user=tenant.installer)
    accounts.member_remove(scope=tenant.scope(tenant.company_admin), membership_id=membership.pk)
    assert Client().get(path).status_code == 404


def test_the_api_gives_the_feed_addresses_and_renews_them(tenant):
    installer, admin, dispatcher = (
        signed_in(tenant.installer),
        signed_in(tenant.company_admin),
        signed_in(tenant.dispatcher),
    )
    mine = installer.get("/api/v1/calendar-feeds").json()
    assert mine["company"] is None and Client().get(mine["mine"]).status_code == 200
    assert admin.get("/api/v1/calendar-feeds").json()["company"]
    assert dispatcher.get("/api/v1/calendar-feeds").status_code == 403
    renewed = installer.post("/api/v1/calendar-feeds/renew").json()
    assert renewed["mine"] != mine["mine"]
    assert Client().get(mine["mine"]).status_code == 404 and Client().get(renewed["mine"]).status_code == 200
