"""Every list a person or a program reads states its query budget, and keeps it at any length.

Each page and API list below is read as the person who uses it, once with a few records of each kind and
again with several times as many: it answers 200 with the same number of queries both times (no query per
row) and within the budget written next to it. A list added to the product gets its line here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Partnership, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import Tenant, make_tenant, signed_in
from fieldbox.core.uploads import numbered
from fieldbox.fleet import imports as device_imports
from fieldbox.fleet import services as fleet
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device as make_device
from fieldbox.fleet.tests.factories import imei, product_of, registry
from fieldbox.jobs import imports as job_imports
from fieldbox.jobs import services as jobs
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.tests.factories import assigned_job, draft_job, paired_job, taken_job
from fieldbox.messaging import services as messaging
from fieldbox.messaging.choices import Channel, MessageStatus
from fieldbox.messaging.models import Notification, OutboxMessage
from fieldbox.removals.services import pickups
from fieldbox.removals.tests.factories import confirmed_request

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DAY = timezone.localdate() + timedelta(days=2)  # of the appointments

# path: (who reads it, most queries it may send). Budgets count the session, the scope, the counters and the rows.
PAGES: dict[str, tuple[str, int]] = {
    "/jobs/": ("dispatcher", 7),
    "/jobs/?status=assigned": ("dispatcher", 7),
    "/jobs/dashboard/": ("dispatcher", 9),
    "/jobs/installations/": ("installer", 9),
    "/jobs/installations/?tab=completed": ("installer", 9),
    "/jobs/available/": ("installer", 7),
    "/jobs/mine/": ("installer", 7),
    f"/jobs/appointments/?day={DAY.isoformat()}&who=company": ("installer", 7),
    "/jobs/search/?q=%2B39+333+123+4567": ("care", 6),
    "/jobs/checklists/": ("provider_admin", 6),
    "/customers/": ("dispatcher", 6),
    "/vehicles/": ("dispatcher", 6),
    "/subscriptions/": ("dispatcher", 7),
    "/products/": ("dispatcher", 6),
    "/devices/": ("dispatcher", 8),
    "/removal-requests/": ("dispatcher", 8),
    "/removals/": ("company_admin", 8),
    "/removals/pickups/": ("dispatcher", 7),
    "/organisation/audit/": ("provider_admin", 6),
    "/organisation/members/": ("company_admin", 7),
    "/partners/": ("provider_admin", 8),
    "/notifications/": ("dispatcher", 6),
    "/messages/": ("provider_admin", 6),
}
TOTALS_ONLY = {"/jobs/dashboard/"}  # counts by status and company: more jobs, the same rows
FULL_PAGE = 50  # a list that shows a full page with few records shows a full page with more
APIS: dict[str, tuple[str, int]] = {
    "/api/v1/jobs": ("dispatcher", 4),
    "/api/v1/jobs?status=assigned": ("dispatcher", 4),
    "/api/v1/search?q=%2B39+333+123+4567": ("care", 4),
    "/api/v1/customers": ("dispatcher", 4),
    "/api/v1/vehicles": ("dispatcher", 4),
    "/api/v1/subscriptions": ("dispatcher", 4),
    "/api/v1/products": ("dispatcher", 4),
    "/api/v1/devices": ("dispatcher", 4),
    "/api/v1/removals": ("company_admin", 5),
    "/api/v1/removal-requests": ("dispatcher", 5),
    "/api/v1/removals/waiting-boxes": ("dispatcher", 4),
    "/api/v1/box-pickups": ("dispatcher", 5),
    "/api/v1/audit-events": ("provider_admin", 5),
    "/api/v1/messages": ("provider_admin", 5),
    "/api/v1/notifications": ("dispatcher", 5),
    "/api/v1/members": ("company_admin", 4),
    "/api/v1/partnerships": ("provider_admin", 5),
    "/api/v1/invitations": ("company_admin", 4),
    "/api/v1/checklist-items": ("provider_admin", 5),
}


@dataclass
class World:
    tenant: Tenant
    browsers: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    grown: int = 0

    def person(self, role: str) -> User:
        user: User = getattr(self.tenant, role)
        return user

    def browser(self, role: str) -> Client:
        if role not in self.browsers:
            self.browsers[role] = signed_in(self.person(role))
        return self.browsers[role]

    def api(self, role: str) -> Client:
        if role not in self.tokens:
            scope = self.tenant.scope(self.person(role))
            _token, raw = accounts.token_create(scope=scope, name=f"budget-{role}", days=1)
            self.tokens[role] = raw
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.tokens[role]}")


def grow(world: World, n: int) -> None:
    """``n`` more of every kind of record the lists show."""
    t = world.tenant
    dispatch, admin = t.scope(t.dispatcher), t.scope(t.provider_admin)
    for _ in range(n):
        world.grown += 1
        k = world.grown
        draft_job(t, plate=f"QB{k:03d}DR")
        assigned_job(t, plate=f"QB{k:03d}AS")
        job = taken_job(t, plate=f"QB{k:03d}TA")
        when = datetime.combine(DAY, time(9, k), tzinfo=timezone.get_current_timezone())
        jobs.job_appointment(scope=t.scope(t.installer), job_id=job.pk, when=when)
        paired_job(t, plate=f"QB{k:03d}PA")
        accounts.partnership_invite(scope=admin, email=f"workshop{k}@partner.example")
        fleet.product_save(scope=admin, data={"code": f"BOX{k}", "name": f"Box {k}"})
        confirmed_request(t, count=2)
        make_device(t.provider)
        waiting = make_device(t.provider, company=t.company)
        Device.objects.filter(pk=waiting.pk).update(status=DeviceStatus.REMOVED)
        accounts.invitation_create(
            scope=t.scope(t.company_admin), email=f"hire{k}@workshop.example", role=Role.INSTALLER
        )
        member(t.company, Role.INSTALLER, email=f"fitter{k}@workshop.example")
        Notification.objects.create(user=t.dispatcher, organisation=t.provider, event="job.help_requested", text="Help")
        OutboxMessage.objects.create(
            idempotency_key=f"budget-{k}",
            channel=Channel.EMAIL,
            recipient=f"someone{k}@example.com",
            organisation=t.provider,
            subject="Subject",
            status=MessageStatus.FAILED,
        )
        checks.item_save(scope=admin, label=f"Photo {k}", kind="installation", type="photo")
    boxes = list(pickups.waiting_boxes(dispatch, t.company.pk).values_list("pk", flat=True)[:1])
    if boxes:
        pickups.pickup_record(
            scope=dispatch, company_id=t.company.pk, carrier="Carrier", picked_up_on=date(2026, 11, 1), device_ids=boxes
        )


@dataclass
class Read:
    queries: int
    rows: int  # links to records (pages) or items (API lists) it shows


def shown(body: bytes, api: bool) -> int:
    if api:
        answer = json.loads(body)
        return len(answer["items"] if isinstance(answer, dict) else answer)
    links = set(re.findall(rb'href="(/[a-z-]+/[a-z-]*/?\d+/)', body))
    return len(links) + len(re.findall(rb"<(?:tr|li)[ >]", body))


def measure(lists: dict[str, tuple[str, int]], client: Callable[[str], Client], api: bool) -> dict[str, Read]:
    reads = {}
    for path, (role, _budget) in lists.items():
        browser = client(role)
        browser.get(path)  # the first read fills the session and caches; the next ones are what people wait for
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(path)
        assert response.status_code == 200, f"{path} as {role} answered {response.status_code}"
        reads[path] = Read(len(captured), shown(response.content, api))
    return reads


def over_budget(lists: dict[str, tuple[str, int]], few: dict[str, Read], many: dict[str, Read]) -> list[str]:
    problems = []
    for path, (role, budget) in lists.items():
        if many[path].rows <= few[path].rows and few[path].rows < FULL_PAGE and path not in TOTALS_ONLY:
            problems.append(
                f"{path} as {role}: shows {many[path].rows} records, no more than the {few[path].rows} before"
            )
        if many[path].queries != few[path].queries:
            problems.append(
                f"{path} as {role}: {few[path].queries} queries for {few[path].rows} records, "
                f"{many[path].queries} for {many[path].rows}"
            )
        if many[path].queries > budget:
            problems.append(f"{path} as {role}: {many[path].queries} queries, budget {budget}")
    return problems


@pytest.fixture
def world(db: Any) -> World:
    world = World(tenant=make_tenant("alpha"))
    grow(world, 2)
    return world


def test_pages_keep_their_query_budget_at_any_length(world: World) -> None:
    few = measure(PAGES, world.browser, api=False)
    grow(world, 4)
    many = measure(PAGES, world.browser, api=False)
    problems = over_budget(PAGES, few, many)
    assert not problems, "\n".join(problems)


def test_api_lists_keep_their_query_budget_at_any_length(world: World) -> None:
    few = measure(APIS, world.api, api=True)
    grow(world, 4)
    many = measure(APIS, world.api, api=True)
    problems = over_budget(APIS, few, many)
    assert not problems, "\n".join(problems)


# ---- bulk services: queries = fixed + per_record * records, for the records one call changes --------------------

# service: (fixed, per record). 0 per record: one statement for all of them. The others move each record through
# the transition kernel (lock, save, audit, counters, messages: an assigned job also tells its owner and the
# provider's systems), bounded by the service's own limit (500 devices, the rows of a file, a partner's open jobs).
BULK: dict[str, tuple[int, int]] = {
    "job import (drafts)": (8, 0),
    "job import (assigned)": (10, 11),
    "device load": (6, 0),
    "devices ship": (3, 6),
    "devices receive": (3, 5),
    "pick-up record": (8, 0),
    "pick-up receive": (8, 3),
    "partnership end (jobs taken back)": (15, 6),
    "failed messages retried": (6, 0),
    "notifications read": (1, 0),
}


def spent(call: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def bulk_costs(t: Tenant, n: int) -> dict[str, int]:
    """What each bulk service costs for ``n`` records, in a world of its own."""
    dispatch, admin = t.scope(t.dispatcher), t.scope(t.provider_admin)
    company_admin = t.scope(t.company_admin)
    assert dispatch.organisation.is_provider and company_admin.organisation.is_provider is False
    header = ["subscription", "kind", "vehicle_model", "central_lock_type", "notes", "installer_code"]
    code = t.company.installer_code
    costs = {}
    for label, assign in (("job import (drafts)", ""), ("job import (assigned)", code)):
        numbers = [registry(t.provider).subscription.number for _ in range(n)]
        table = numbered([header] + [[s, "installation", "", "", "", assign] for s in numbers])
        costs[label] = spent(lambda table=table: job_imports.job_import(scope=dispatch, table=table))
    product = product_of(t.provider)
    k = Device.objects.count()
    rows = [["serial", "imei", "product_code"]] + [
        [f"TBAQ{k + i:06d}", imei(900000 + k + i), product.code] for i in range(n)
    ]
    checked = device_imports.check(dispatch, numbered(rows))
    assert checked.ok
    costs["device load"] = spent(lambda: device_imports.devices_load(scope=dispatch, checked=checked))
    loaded = Device.objects.filter(provider=t.provider, serial__startswith="TBAQ", company=None)
    stock = list(loaded.values_list("pk", flat=True))
    costs["devices ship"] = spent(lambda: fleet.devices_ship(scope=dispatch, device_ids=stock, company_id=t.company.pk))
    costs["devices receive"] = spent(lambda: fleet.devices_receive(scope=company_admin, device_ids=stock))
    Device.objects.filter(pk__in=stock).update(status=DeviceStatus.REMOVED)
    costs["pick-up record"] = spent(
        lambda: pickups.pickup_record(
            scope=dispatch, company_id=t.company.pk, carrier="Carrier", picked_up_on=date(2026, 11, 1), device_ids=stock
        )
    )
    pickup = pickups.pickups_for(dispatch).latest("pk")
    costs["pick-up receive"] = spent(lambda: pickups.pickup_receive(scope=dispatch, pickup_id=pickup.pk))
    for _ in range(n):
        OutboxMessage.objects.create(
            idempotency_key=f"bulk-{n}-{_}",
            channel=Channel.EMAIL,
            recipient="someone@example.com",
            organisation=t.provider,
            subject="Subject",
            status=MessageStatus.FAILED,
        )
        Notification.objects.create(user=t.dispatcher, organisation=t.provider, event="job.help_requested", text="Help")
    costs["failed messages retried"] = spent(lambda: messaging.messages_retry(scope=admin))
    costs["notifications read"] = spent(lambda: messaging.notifications_read(scope=dispatch))
    for _ in range(n):
        assigned_job(t)
    partnership = Partnership.objects.get(provider=t.provider, installer=t.company)
    costs["partnership end (jobs taken back)"] = spent(
        lambda: accounts.partnership_end(scope=admin, partnership_id=partnership.pk, reason="Contract over")
    )
    return costs


def test_bulk_services_keep_their_query_budget(db: Any) -> None:
    few, many = 3, 12
    small, large = bulk_costs(make_tenant("few"), few), bulk_costs(make_tenant("many"), many)
    problems = []
    for label, (fixed, per_record) in BULK.items():
        per = (large[label] - small[label]) / (many - few)
        base = small[label] - per * few
        if per > per_record or base > fixed:
            problems.append(
                f"{label}: {small[label]} queries for {few} records, {large[label]} for {many} "
                f"({base:g} + {per:g} per record), budget {fixed} + {per_record} per record"
            )
    assert not problems, "\n".join(problems)
