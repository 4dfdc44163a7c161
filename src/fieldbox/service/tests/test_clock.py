"""Virtual clock-in: inside the fence it passes; from far away it is refused with how far, and the attempt is kept
with its distance; a position too vague proves nothing but the network may; only an admin corrects, with a reason;
the daily attendance pairs what counts; another organisation sees nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.jobs.tests.test_api import bearer, get, post
from fieldbox.service import selectors_clock as clocks
from fieldbox.service.choices import ClockKind, ClockRule
from fieldbox.service.models import ClockEvent, ClockPoint, FieldSettings, WorkOrder
from fieldbox.service.services.clock import (
    ClockRefused,
    clock_correct,
    clock_in,
    clock_out,
    clock_point_remove,
    clock_point_save,
    distance_m,
    field_settings_save,
)
from fieldbox.service.services.work_orders import work_order_create

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
# Via Roma 1, Bologna; 0.00045 degrees of latitude are about 50 m, 0.018 about 2,002 m.
LAT, LON = Decimal("44.494900"), Decimal("11.342600")


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


@dataclass
class Field:
    admin: User
    marco: User
    order: WorkOrder
    site: CustomerAddress

    def scope(self, user: User):
        return scope_of(user, self.order.organisation)


@pytest.fixture
def field(tenant) -> Field:
    org = tenant.company
    office = member(org, Role.OFFICE, email="ufficio@rossi.example")
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    site = CustomerAddress.objects.create(
        customer=customer, kind="plant", street="Via Roma 1", city="Bologna", latitude=LAT, longitude=LON
    )
    order = work_order_create(
        scope=scope_of(office, org), customer_id=customer.pk, site_id=site.pk, description="Manutenzione caldaia"
    )
    marco = member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi")
    return Field(admin=tenant.company_admin, marco=marco, order=order, site=site)


def test_the_distance_is_the_great_circle_one():
    assert round(distance_m(44.4949, 11.3426, 44.4949 + 0.018, 11.3426)) == 2002
    assert round(distance_m(45.4642, 9.19, 41.9028, 12.4964) / 1000) == 477  # Milano - Roma


def test_a_clock_in_inside_the_fence_passes_and_a_second_one_is_refused_until_clocked_out(field):
    scope = field.scope(field.marco)
    with time_machine.travel(at(8, 2), tick=False):
        event = clock_in(
            scope=scope, latitude=LAT + Decimal("0.00045"), longitude=LON, accuracy=20, work_order_id=field.order.pk
        )
    assert (event.passed, event.rule, event.kind, event.site, event.accuracy) == (
        True,
        ClockRule.POSITION,
        "in",
        field.site,
        20,
    )
    assert 45 <= event.distance <= 55
    assert AuditEvent.objects.filter(action="clock.in", object_id=str(event.pk)).exists()

    with time_machine.travel(at(9), tick=False), pytest.raises(ValidationError) as refused:
        clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=10, work_order_id=field.order.pk)
    assert "09:02" not in str(refused.value) and "08:02" in str(refused.value)
    assert ClockEvent.objects.count() == 1

    with time_machine.travel(at(12, 30), tick=False):
        out = clock_out(scope=scope, latitude=LAT, longitude=LON, accuracy=10, work_order_id=field.order.pk)
    assert out.passed and out.distance == 0
    with time_machine.travel(at(12, 31), tick=False), pytest.raises(ValidationError) as refused:
        clock_out(scope=scope, latitude=LAT, longitude=LON, accuracy=10)
    assert "not clocked in" in str(refused.value)

    day = clocks.attendance(scope, field.marco.pk, at(0).date())
    assert [(s.clock_in.pk, s.clock_out.pk) for s in day.spans] == [(event.pk, out.pk)]
    assert day.label == "4:28"


def test_a_clock_in_from_far_away_is_refused_with_how_far_and_recorded_with_its_distance(field):
    scope = field.scope(field.marco)
    with time_machine.travel(at(8), tick=False), pytest.raises(ClockRefused) as refused:
        clock_in(scope=scope, latitude=LAT + Decimal("0.018"), longitude=LON, accuracy=15, work_order_id=field.order.pk)
    assert "You are 2.0 km from Via Roma 1" in str(refused.value) and "within 150 m" in str(refused.value)
    kept = ClockEvent.objects.get()
    assert (kept.passed, kept.rule, kept.distance, kept.kind) == (False, ClockRule.POSITION, 2002, "in")
    assert kept == refused.value.event
    assert AuditEvent.objects.filter(action="clock.refused", object_id=str(kept.pk)).exists()

    # A vague position proves nothing, even near the site.
    with time_machine.travel(at(8, 5), tick=False), pytest.raises(ClockRefused) as refused:
        clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=900, work_order_id=field.order.pk)
    assert "only within 900 m" in str(refused.value)
    # The refused attempts do not count: the person may still clock in, from the site.
    with time_machine.travel(at(8, 10), tick=False):
        assert clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=30, work_order_id=field.order.pk).passed
    assert ClockEvent.objects.count() == 3

    # A wider tolerance (an admin's) lets the same position pass.
    field_settings_save(scope=field.scope(field.admin), clock_tolerance=2500, clock_accuracy=500)
    with time_machine.travel(at(12), tick=False):
        assert clock_out(
            scope=scope, latitude=LAT + Decimal("0.018"), longitude=LON, accuracy=15, work_order_id=field.order.pk
        ).passed
    with pytest.raises(ValidationError) as refused:
        field_settings_save(scope=field.scope(field.admin), clock_tolerance=1, clock_accuracy=500)
    assert "clock_tolerance" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        field_settings_save(scope=scope, clock_tolerance=5000, clock_accuracy=500)
    assert FieldSettings.objects.get().clock_tolerance == 2500


def test_bad_positions_are_refused_and_nothing_is_recorded(field):
    scope = field.scope(field.marco)
    with pytest.raises(ValidationError) as refused:
        clock_in(scope=scope, latitude="91", longitude="11", accuracy=5)
    assert "latitude" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        clock_in(scope=scope, latitude="44", longitude="abc", accuracy=5)
    assert "latitude" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=5, work_order_id=987654)
    assert "work_order_id" in refused.value.message_dict
    assert not ClockEvent.objects.exists()


def test_the_network_rule_lets_a_clock_in_from_the_office_network_pass_with_the_trusted_proxy_address(field):
    admin = field.scope(field.admin)
    with pytest.raises(ValidationError) as refused:
        clock_point_save(scope=admin, name="Sede", networks="203.0.113.0/24\nnot-an-address")
    assert "not-an-address" in refused.value.message_dict["networks"][0]
    with pytest.raises(ValidationError) as refused:
        clock_point_save(scope=admin, name="Sede")
    assert "latitude" in refused.value.message_dict
    point = clock_point_save(scope=admin, name="Sede", networks="203.0.113.0/24, 2001:db8::/32")
    assert point.networks == "203.0.113.0/24\n2001:db8::/32" and point.site is None
    with pytest.raises(PermissionDenied):
        clock_point_save(scope=field.scope(field.marco), name="Mia", networks="198.51.100.1")

    scope = field.scope(field.marco)
    with pytest.raises(ClockRefused) as refused:
        clock_in(scope=scope, address="198.51.100.9")
    assert "not on the network" in str(refused.value)
    event = clock_in(scope=scope, address="203.0.113.7")
    assert (event.passed, event.rule, event.address, event.distance) == (True, ClockRule.NETWORK, "203.0.113.7", None)

    # Through the page: the address is REMOTE_ADDR; a forged X-Forwarded-For changes nothing without a proxy.
    client = signed_in(field.marco)
    url = reverse("service:clock_punch")
    refused_page = client.post(
        url, {"kind": "out"}, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.7", follow=True
    )
    assert "not on the network" in refused_page.content.decode()
    assert ClockEvent.objects.filter(passed=False).count() == 2
    with override_settings(TRUSTED_PROXY_COUNT=1):
        client.post(url, {"kind": "out"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    last = ClockEvent.objects.latest("pk")
    assert (last.kind, last.passed, last.address) == ("out", True, "203.0.113.8")

    clock_point_remove(scope=admin, point_id=point.pk)
    assert not ClockPoint.objects.exists()


def test_the_clock_in_button_posts_the_position_and_tells_how_far_one_is(field):
    client = signed_in(field.marco)
    block = client.get(reverse("service:clock_block"), {"work_order": field.order.pk, "next": "/desk/hours/"})
    html = block.content.decode()
    assert block.status_code == 200 and "Clock in" in html and 'name="latitude"' in html
    page = client.post(
        reverse("service:clock_punch"),
        {
            "kind": "in",
            "work_order": field.order.pk,
            "latitude": "44.512900",
            "longitude": "11.342600",
            "accuracy": "12",
            "next": "/desk/hours/",
        },
        follow=True,
    )
    assert "You are 2.0 km from Via Roma 1" in page.content.decode()
    assert page.redirect_chain[-1][0] == "/desk/hours/"
    ok = client.post(
        reverse("service:clock_punch"),
        {
            "kind": "in",
            "work_order": field.order.pk,
            "latitude": "44.494950",
            "longitude": "11.342600",
            "accuracy": "12",
            "next": "https://evil.example/",
        },
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("service:attendance")
    assert "Clock out" in client.get(reverse("service:clock_block")).content.decode()
    assert [e.passed for e in ClockEvent.objects.order_by("pk")] == [False, True]


def test_only_an_admin_corrects_a_clock_event_with_a_reason_and_the_correction_counts(field):
    scope = field.scope(field.marco)
    with time_machine.travel(at(8), tick=False):
        came = clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=10, work_order_id=field.order.pk)
    with time_machine.travel(at(17), tick=False):
        with pytest.raises(PermissionDenied):
            clock_correct(scope=scope, event_id=came.pk, at=at(7, 30), reason="Ero lì prima")
        admin = field.scope(field.admin)
        with pytest.raises(ValidationError) as refused:
            clock_correct(scope=admin, event_id=came.pk, at=at(7, 30), reason=" ")
        assert "reason" in refused.value.message_dict
        with pytest.raises(ValidationError) as refused:
            clock_correct(scope=admin, event_id=came.pk, at=at(18), reason="Domani")
        assert "at" in refused.value.message_dict
        fixed = clock_correct(scope=admin, event_id=came.pk, at=at(7, 30), reason="Ero lì prima")
        assert (fixed.corrects, fixed.rule, fixed.passed, fixed.reason, fixed.recorded_by) == (
            came,
            ClockRule.MANUAL,
            True,
            "Ero lì prima",
            field.admin,
        )
        with pytest.raises(ValidationError):
            clock_correct(scope=admin, event_id=came.pk, at=at(7, 45), reason="Ancora")
        forgot = clock_correct(scope=admin, user_id=field.marco.pk, kind=ClockKind.OUT, at=at(16), reason="Dimenticato")
    assert AuditEvent.objects.filter(action="clock.correct").count() == 2

    day = clocks.attendance(admin, field.marco.pk, at(0).date())
    assert [(s.clock_in.pk, s.clock_out.pk) for s in day.spans] == [(fixed.pk, forgot.pk)]
    assert day.label == "8:30" and day.corrected == {came.pk}

    page = signed_in(field.admin).get(reverse("service:attendance"), {"user": field.marco.pk, "day": "2026-12-07"})
    html = page.content.decode()
    assert 'data-testid="worked-span">8:30<' in html and "Ero lì prima" in html
    # Through the page: a correction without a reason is refused and nothing is added.
    posted = signed_in(field.admin).post(
        reverse("service:clock_correct"), {"event": forgot.pk, f"c{forgot.pk}-kind": "out", f"c{forgot.pk}-at": "16:30"}
    )
    assert posted.status_code == 400 and ClockEvent.objects.count() == 3
    assert signed_in(field.marco).post(reverse("service:clock_correct"), {"event": forgot.pk}).status_code == 403
    # A technician reads their own attendance, not someone else's.
    assert signed_in(field.marco).get(reverse("service:attendance")).status_code == 200
    assert signed_in(field.marco).get(reverse("service:attendance"), {"user": field.admin.pk}).status_code == 404


def test_the_api_clocks_in_refuses_far_away_and_lists_the_attempts(field, tenant):
    auth = bearer(tenant, tenant.company_admin)
    far = post(
        "/clock/in", auth, {"latitude": 44.5129, "longitude": 11.3426, "accuracy": 10, "work_order_id": field.order.pk}
    )
    assert far.status_code == 422
    assert far.json()["errors"][0]["field"] == "position" and "2.0 km" in far.json()["errors"][0]["message"]
    near = post(
        "/clock/in", auth, {"latitude": 44.4949, "longitude": 11.3426, "accuracy": 10, "work_order_id": field.order.pk}
    )
    assert near.status_code == 201 and near.json()["passed"] and near.json()["rule"] == "position"
    events = get("/clock/events", auth).json()["items"]
    assert [(e["passed"], e["distance"]) for e in events] == [(True, 0), (False, 2002)]

    fixed = post(
        "/clock/corrections",
        auth,
        {"event_id": near.json()["id"], "reason": "Ora giusta", "at": "2026-01-05T08:00:00+01:00"},
    )
    assert fixed.status_code == 201 and fixed.json()["corrects_id"] == near.json()["id"]
    point = post(
        "/clock/points",
        auth,
        {"name": "Ingresso B", "site_id": field.site.pk, "latitude": 44.4951, "longitude": 11.3430},
    )
    assert point.status_code == 201 and point.json()["site_id"] == field.site.pk
    assert get("/clock/settings", auth).json() == {"clock_tolerance": 150, "clock_accuracy": 500}

    tech = bearer(tenant, tenant.installer)
    assert get("/clock/points", tech).status_code == 403
    assert post("/clock/corrections", tech, {"event_id": near.json()["id"], "reason": "x"}).status_code == 403


def test_another_organisation_sees_none_of_the_clock(field, other_tenant):
    scope = field.scope(field.marco)
    event = clock_in(scope=scope, latitude=LAT, longitude=LON, accuracy=10, work_order_id=field.order.pk)
    point = clock_point_save(scope=field.scope(field.admin), name="Sede", networks="203.0.113.0/24")
    stranger = other_tenant.company_admin
    strange = scope_of(stranger, other_tenant.company)
    with pytest.raises(ClockEvent.DoesNotExist):
        clock_correct(scope=strange, event_id=event.pk, reason="x")
    with pytest.raises(ValidationError):
        clock_in(scope=strange, latitude=LAT, longitude=LON, accuracy=10, work_order_id=field.order.pk)
    with pytest.raises(ClockPoint.DoesNotExist):
        clock_point_save(scope=strange, point_id=point.pk, name="Mia", networks="198.51.100.0/24")
    # The other organisation's point does not count for a clock-in here either.
    assert clock_in(scope=strange, address="203.0.113.9").rule == ClockRule.NONE

    client = signed_in(stranger)
    assert client.get(reverse("service:attendance"), {"user": field.marco.pk}).status_code == 404
    assert client.get(reverse("service:clock_point", args=[point.pk])).status_code == 404
    assert client.post(reverse("service:clock_point_remove", args=[point.pk])).status_code == 404
    assert client.post(reverse("service:clock_correct"), {"event": event.pk}).status_code == 404
    assert client.get(reverse("service:clock_block"), {"work_order": field.order.pk}).status_code == 404
    assert "Sede" not in client.get(reverse("service:clock_points")).content.decode()
    auth = bearer(other_tenant, stranger)
    assert [e["user_id"] for e in get("/clock/events", auth).json()["items"]] == [stranger.pk]
    assert get("/clock/points", auth).json() == []
    assert Client().delete(f"/api/v1/clock/points/{point.pk}", **auth).status_code == 404
    assert ClockPoint.objects.filter(pk=point.pk, name="Sede").exists()
