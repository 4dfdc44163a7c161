"""Calendar feeds of technicians and resources: the same signed addresses with a generation as the installers'
feeds (``jobs.feeds``); each lists only its person's or resource's busy bookings, in UTC, with the work order's
number, customer and site."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.test import Client
from icalendar import Calendar

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Membership, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import Tenant, scope_of, signed_in
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs import feeds as shared
from fieldbox.service import feeds
from fieldbox.service.choices import ActivityKind
from fieldbox.service.models import Activity, Booking, Resource, WorkOrder
from fieldbox.service.services.work_orders import work_order_create, work_order_move, work_order_plan

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=ROME)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


@dataclass
class Shop:
    office: User
    marco: User
    luca: User
    van: Resource
    drill: Resource
    customer: Customer
    site: CustomerAddress

    @property
    def org(self):
        return self.van.organisation

    def scope(self, user: User | None = None):
        return scope_of(user or self.office, self.org)

    def order(self, start: datetime, lead: User, resources=(), words: str = "Manutenzione caldaia") -> WorkOrder:
        order = work_order_create(
            scope=self.scope(), customer_id=self.customer.pk, site_id=self.site.pk, description=words
        )
        return work_order_plan(
            scope=self.scope(),
            work_order_id=order.pk,
            starts_at=start,
            minutes=90,
            technician_id=lead.pk,
            helper_ids=[],
            resource_ids=[r.pk for r in resources],
        )


def shop_of(tenant: Tenant, suffix: str = "") -> Shop:
    org = tenant.company
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name=f"Condominio Aurora{suffix}", phone="+390511234567"
    )
    return Shop(
        office=member(org, Role.OFFICE, email=f"ufficio{suffix}@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email=f"marco{suffix}@rossi.example", first_name="Marco"),
        luca=member(org, Role.TECHNICIAN, email=f"luca{suffix}@rossi.example", first_name="Luca"),
        van=Resource.objects.create(organisation=org, name="Furgone 1", code="FG123AB"),
        drill=Resource.objects.create(organisation=org, name="Carotatrice", kind="tool"),
        customer=customer,
        site=CustomerAddress.objects.create(
            customer=customer, kind="plant", street="Via Roma 1", postcode="40121", city="Bologna"
        ),
    )


@pytest.fixture
def shop(tenant) -> Shop:
    return shop_of(tenant)


def address(client: Client, testid: str) -> str:
    """The feed address shown on the feeds page, as a path."""
    body = client.get("/desk/calendar-feeds/").content.decode()
    marker = f'data-testid="{testid}"'
    tag = body[body.rindex("<input", 0, body.index(marker)) : body.index(">", body.index(marker))]
    return tag.split('value="', 1)[1].split('"', 1)[0].replace("http://127.0.0.1:8000", "")


def events(path: str) -> dict[str, object]:
    response = Client().get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return {str(e["uid"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")}


def test_a_technician_s_feed_lists_only_their_busy_bookings_in_utc(shop):
    with time_machine.travel(NOW, tick=False):
        mine = shop.order(at(3, 9, 30), shop.marco, [shop.van])
        shop.order(at(3, 9, 30), shop.luca)  # a colleague's
        cancelled = shop.order(at(4, 14), shop.marco)
        work_order_move(scope=shop.scope(), work_order_id=cancelled.pk, action="cancel", reason="Cliente assente")
        work_order_create(scope=shop.scope(), customer_id=shop.customer.pk, description="Da pianificare")
        course = Activity.objects.create(
            organisation=shop.org,
            kind=ActivityKind.TRAINING,
            title="Corso F-gas",
            starts_at=at(5, 9),
            ends_at=at(5, 13),
        )
        Booking.objects.create(
            organisation=shop.org, activity=course, user=shop.marco, starts_at=at(5, 9), ends_at=at(5, 13), busy=True
        )
        old = Activity.objects.create(organisation=shop.org, starts_at=at(1, 9) - timedelta(days=40), ends_at=at(1, 10))
        Booking.objects.create(
            organisation=shop.org,
            activity=old,
            user=shop.marco,
            starts_at=old.starts_at,
            ends_at=old.starts_at + timedelta(hours=1),
            busy=True,
        )
        path = address(signed_in(shop.marco), f"feed-person-{shop.marco.pk}")
        found = events(path)
    assert set(found) == {f"work-order-{mine.pk}", f"activity-{course.pk}"}
    event = found[f"work-order-{mine.pk}"]
    assert event["dtstart"].to_ical() == b"20261203T083000Z"  # 09:30 in Rome, written in UTC
    assert event.decoded("dtstart") == at(3, 9, 30) and event.decoded("dtend") == at(3, 11)
    assert str(event["summary"]) == f"{mine.number} · Condominio Aurora"
    assert str(event["location"]) == "Via Roma 1, 40121 Bologna"
    text = str(event["description"])
    assert mine.number in text and "Condominio Aurora" in text and "Via Roma 1, 40121 Bologna" in text
    assert "+390511234567" in text and "Manutenzione caldaia" in text
    assert str(found[f"activity-{course.pk}"]["summary"]) == "Training · Corso F-gas"


def test_a_resource_s_feed_lists_only_its_bookings(shop):
    with time_machine.travel(NOW, tick=False):
        with_van = shop.order(at(3, 8), shop.marco, [shop.van])
        shop.order(at(3, 8), shop.luca, [shop.drill])
        later = shop.order(at(7, 15), shop.luca, [shop.van, shop.drill])
        path = address(signed_in(shop.office), f"feed-resource-{shop.van.pk}")
        found = events(path)
        assert set(found) == {f"work-order-{with_van.pk}", f"work-order-{later.pk}"}
        assert found[f"work-order-{later.pk}"].decoded("dtstart") == at(7, 15).astimezone(UTC)
        # The planner also follows each technician; a technician only themself.
        office_page = signed_in(shop.office).get("/desk/calendar-feeds/").content.decode()
        assert f'data-testid="feed-person-{shop.luca.pk}"' in office_page
        marco_page = signed_in(shop.marco).get("/desk/calendar-feeds/").content.decode()
        assert f'data-testid="feed-person-{shop.luca.pk}"' not in marco_page
        assert set(events(address(signed_in(shop.office), f"feed-person-{shop.luca.pk}"))) == {
            f"work-order-{later.pk}",
            *{f"work-order-{o.pk}" for o in WorkOrder.objects.filter(technician=shop.luca)},
        }


def test_a_bad_or_renewed_address_answers_404(shop, settings):
    settings.CALENDAR_FEED_REFUSED_RATE = "100/h"
    client = signed_in(shop.marco)
    old = address(client, f"feed-person-{shop.marco.pk}")
    old_van = address(client, f"feed-resource-{shop.van.pk}")
    assert Client().get(old).status_code == 200
    token = old.removeprefix("/calendar/work/").removesuffix(".ics")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in ("not-a-token", tampered):
        response = Client().get(f"/calendar/work/{bad}.ics")
        assert response.status_code == 404 and b"BEGIN:VCALENDAR" not in response.content
    response = client.post("/desk/calendar-feeds/renew/", follow=True)
    assert "new addresses" in response.content.decode()
    new = address(client, f"feed-person-{shop.marco.pk}")
    assert new != old and Client().get(new).status_code == 200
    assert Client().get(old).status_code == 404 and Client().get(old_van).status_code == 404
    assert client.get("/desk/calendar-feeds/renew/").status_code == 405


def test_an_address_serves_only_what_its_taker_may_see(shop, tenant, other_tenant, settings):
    settings.CALENDAR_FEED_REFUSED_RATE = "100/h"
    marco = Membership.objects.get(user=shop.marco)
    # Signed right, but a technician follows no colleague.
    colleague = shared.token(marco, feeds.person_subject(shop.luca))
    assert Client().get(f"/calendar/work/{colleague}.ics").status_code == 404
    # Another organisation's people sign addresses for our technician and our van: they show nothing.
    theirs = shop_of(other_tenant, "-other")
    stranger = Membership.objects.get(user=theirs.office)
    for subject in (feeds.person_subject(shop.marco), feeds.resource_subject(shop.van)):
        assert Client().get(f"/calendar/work/{shared.token(stranger, subject)}.ics").status_code == 404
    unsigned = signing.dumps([marco.pk, 0, feeds.person_subject(shop.marco)], salt="another-salt")
    assert Client().get(f"/calendar/work/{unsigned}.ics").status_code == 404
    # An installer's address is not a work feed, and a work feed is not an installer's address.
    installer = shared.token(Membership.objects.get(user=tenant.installer), "mine")
    assert Client().get(f"/calendar/{installer}.ics").status_code == 200
    assert Client().get(f"/calendar/work/{installer}.ics").status_code == 404
    work = shared.token(marco, feeds.person_subject(shop.marco))
    assert Client().get(f"/calendar/{work}.ics").status_code == 404
    # A person removed from the organisation: their addresses name nothing.
    assert Client().get(f"/calendar/work/{work}.ics").status_code == 200
    accounts.member_remove(scope=scope_of(tenant.company_admin, shop.org), membership_id=marco.pk)
    assert Client().get(f"/calendar/work/{work}.ics").status_code == 404


def test_who_has_the_feeds_page(shop, tenant):
    assert signed_in(tenant.dispatcher).get("/desk/calendar-feeds/").status_code == 403
    contact = member(shop.org, Role.PORTAL_CONTACT, email="anna@cliente.example")
    assert signed_in(contact).get("/desk/calendar-feeds/").status_code in (403, 404)


def test_the_api_gives_the_addresses_and_renews_them(shop, tenant):
    client = signed_in(shop.marco)
    given = client.get("/api/v1/work-calendar-feeds").json()
    mine = given["people"][0]
    assert mine["id"] == shop.marco.pk and len(given["people"]) == 1 and Client().get(mine["url"]).status_code == 200
    assert {r["name"] for r in given["resources"]} == {"Furgone 1", "Carotatrice"}
    office = signed_in(shop.office).get("/api/v1/work-calendar-feeds").json()
    assert {shop.marco.pk, shop.luca.pk} <= {p["id"] for p in office["people"]}
    assert signed_in(tenant.dispatcher).get("/api/v1/work-calendar-feeds").status_code == 403
    renewed = client.post("/api/v1/work-calendar-feeds/renew").json()
    assert renewed["people"][0]["url"] != mine["url"]
    assert Client().get(mine["url"]).status_code == 404 and Client().get(renewed["people"][0]["url"]).status_code == 200
