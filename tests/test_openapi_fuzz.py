"""The OpenAPI description agrees with the answers: schemathesis fuzzes every operation, with every check it has.

Every operation runs as a provider's dispatcher and as an installer of a partner company, each with a real API token
(and those a dispatcher is refused, the admins' and customer care's, as a provider admin), against a world where the
ids exist: jobs in every state, a checklist with answers and photos, devices in stock, shipped and received,
removal lines in every state and requests saved and draft, a pick-up, partnerships, invitations, tokens, messages,
webhooks. A generated integer id is swapped for one of the world's ids of that name (or kept, to meet a missing
one), so that requests reach the services and their answers are checked, not only the 404 of an unknown id. The two
operations that receive device events take no token: their requests are signed with the key and secret of one of
the world's device event feeds, over the very bytes sent.

Isolation and speed: the world is built once per module, in a transaction rolled back at the end of the module; each
operation runs in a savepoint of its own (pytest-django's ``db``), so what one operation changes (a job cancelled,
a draft deleted) reaches no other, nor any other test module.

Bounded and repeatable: ``MAX_EXAMPLES`` generated cases per operation and role, derandomized; the coverage phase
(the boundaries and the kinds of invalid value of every input, the other methods of every path) runs once, as the
dispatcher.

Every check runs on every case (``call_and_validate`` without ``checks``: all that schemathesis registers), with:

- ``positive_data_acceptance``: a write (POST, PUT, PATCH, DELETE) may answer 422 to data its schema accepts, as
  the services judge what a schema cannot (an id of another company, a serial of another product, an appointment
  after the deadline, the content of a spreadsheet) and name the field, as docs/api.md says; so may
  ``GET /vehicles/equipped``, which needs one of two parameters, and the call search and its export, whose date
  range must not end before it starts (and whose export is bounded). Reads must accept every valid input. What the API's
  own shapes refuse (pydantic, before any service) is never schema-valid, on any operation: the added check
  ``shapes_agree_with_the_description`` holds every positive case to it.
- Text generated without the NUL character: the API refuses it everywhere, before anything else (docs/api.md, the
  description's introduction), a rule stated once rather than on every string.
- ``format: email`` generated as the addresses the API takes (email-validator's: a reserved domain such as
  ``.invalid`` is none), JSON Schema leaving the format loose.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.utils import timezone
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ninja.errors import ValidationError as ShapeError
from PIL import Image
from schemathesis import Case, CheckContext, Response
from schemathesis.core import NotSet

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Membership, Partnership, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import Tenant, make_tenant, scope_of
from fieldbox.config.api import api
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.fleet.tests.factories import device, registry
from fieldbox.jobs import services as jobs
from fieldbox.jobs.checks import photos
from fieldbox.jobs.checks import services as checks
from fieldbox.jobs.models import ChecklistItem, Job, JobPhoto
from fieldbox.messaging import services as messaging
from fieldbox.messaging.choices import Channel, FeedFormat, MessageStatus
from fieldbox.messaging.models import DeviceEvent, Notification, OutboxMessage
from fieldbox.removals.models import BoxPickup, RemovalLine, RemovalRequest
from fieldbox.removals.services import lines as removal_lines
from fieldbox.removals.tests.factories import confirmed_request
from fieldbox.removals.tests.test_pickups import removed_boxes

MAX_EXAMPLES = 8
SHAPE_REFUSAL = "X-Fuzz-Refused-By-Shapes"
RULES_BEYOND_SCHEMA = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
FUZZ = settings(
    max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


def _config(*, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {"allow-x00": False, "with-security-parameters": False},
            "phases": {"coverage": {"enabled": coverage}},
            "operations": [
                {
                    "include-method": ["POST", "PUT", "PATCH", "DELETE"],
                    "checks": {"positive_data_acceptance": {"expected-statuses": RULES_BEYOND_SCHEMA}},
                },
                {
                    "include-path": "/api/v1/vehicles/equipped",
                    "checks": {"positive_data_acceptance": {"expected-statuses": RULES_BEYOND_SCHEMA}},
                },
                *(
                    {
                        "include-path": path,
                        "checks": {"positive_data_acceptance": {"expected-statuses": RULES_BEYOND_SCHEMA}},
                    }
                    for path in ("/api/v1/calls", "/api/v1/calls/export")
                ),
            ],
        }
    )


def _takes(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


schemathesis.openapi.format("email", st.emails().filter(_takes))
# Werkzeug's test client encodes an empty file part without the line break before the next boundary, a body no
# parser can read (the API rightly answers that the file is missing): files are generated with a byte at least.
schemathesis.openapi.format("binary", st.binary(min_size=1, max_size=2048))
DESCRIPTION = api.get_openapi_schema()


def _loaded(*, coverage: bool) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(DESCRIPTION)), config=_config(coverage=coverage))
    loaded.app = WSGIHandler()
    return loaded


# The coverage phase (every boundary and every kind of invalid value of every input, other methods) runs once, as
# the dispatcher: its invalid requests are refused before any role matters. The other runs generate and fuzz.
as_dispatcher = _loaded(coverage=True)
as_installer = _loaded(coverage=False)
# What a dispatcher is refused: the admins' operations, and customer care's that admins share.
ADMINS = r"/(audit-events|messages|webhooks|checklist-items|invitations|members|partnerships|organisations/current)"
CARE = r"/jobs/\{job_id\}/(reassign|extend-deadline|correct-pairing|certificate)|/tickets/\{ticket_id\}/(job|vehicle)$"
REFUSED = re.compile(f"{ADMINS}|{CARE}")
# ``exclude``: the configured ``operations`` already make an ``include`` that every operation matches.
as_admin = _loaded(coverage=False).exclude(lambda ctx: not REFUSED.search(ctx.operation.path))


@dataclass
class World:
    """The records the fuzzed requests reach, by the name of the id that reaches them; the tokens; the feeds."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    feeds: dict[str, tuple[str, str]] = field(default_factory=dict)

    def real_ids(self, case: Case) -> None:
        """Swap generated integer ids for the world's: ``value % (n + 1)`` picks one of ``n``, or keeps the value."""
        for name, value in list((case.path_parameters or {}).items()):
            case.path_parameters[name] = self._pick(name, value)
        if isinstance(case.query, dict):
            for name in ("company_id", "product_id"):
                if name in case.query:
                    case.query[name] = self._pick(name, case.query[name])
        if isinstance(case.body, dict):
            for name, value in list(case.body.items()):
                if name.endswith("_ids") and isinstance(value, list):
                    case.body[name] = [self._pick(name.removesuffix("s"), v) for v in value]
                elif name.endswith("_id"):
                    case.body[name] = self._pick(name, value)

    def _pick(self, name: str, value: Any) -> Any:
        known = self.ids.get(name, [])
        if not known or not isinstance(value, int) or isinstance(value, bool):
            return value
        index = abs(value) % (len(known) + 1)
        return known[index] if index < len(known) else value


def png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "green").save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def _items(t: Tenant) -> list[ChecklistItem]:
    """The provider's installation checklist: a required check, an optional choice, a required photo."""
    admin = t.scope(t.provider_admin)
    return [
        checks.item_save(scope=admin, kind="installation", label="Fuse", type="check", options=[], required=True),
        checks.item_save(scope=admin, kind="installation", label="Lock", type="choice", options=["CAN", "wired"]),
        checks.item_save(scope=admin, kind="installation", label="Box", type="photo", options=[], required=True),
    ]


def _fill(t: Tenant, job_id: int, items: list[ChecklistItem]) -> int:
    """The required items answered, the photo's id."""
    fitter = t.scope(t.installer)
    checks.check_answer(scope=fitter, job_id=job_id, item_id=items[0].pk, value="yes")
    return photos.photo_add(scope=fitter, job_id=job_id, item_id=items[2].pk, upload=png()).pk


def _job(t: Tenant, state: str, by: User, items: list[ChecklistItem]) -> Job:
    """A job taken to ``state`` through the services people use, by the installer ``by``."""
    dispatch, fitter = t.scope(t.dispatcher), scope_of(by, t.company)
    job = jobs.job_create(scope=dispatch, subscription_id=registry(t.provider).subscription.pk, spec={"notes": state})
    if state != "draft":
        jobs.job_assign(scope=dispatch, job_id=job.pk, company_id=t.company.pk)
    if state in ("draft", "assigned"):
        return job
    jobs.job_take(scope=fitter, job_id=job.pk)
    if state == "cancelled":
        return jobs.job_cancel(scope=dispatch, job_id=job.pk, reason="Sold")
    if state == "failed":
        return jobs.job_fail(scope=fitter, job_id=job.pk, comment="Owner away")
    if state == "in_progress":
        return job
    box = device(t.provider, company=t.company)
    assert box.imei
    job = jobs.job_pair(scope=fitter, job_id=job.pk, serial=box.serial, imei_last4=box.imei[-4:])
    if state == "succeeded":
        _fill(t, job.pk, items)
        with transaction.atomic():
            jobs.job_activate(box, timezone.now())
    return job


def _jobs(t: Tenant, ids: dict[str, list[int]], colleague: User) -> None:
    """A job in every state (one in progress with a colleague, to take over), the checklist, answers and photos."""
    items = _items(t)
    states = ("draft", "assigned", "in_progress", "paired", "succeeded", "failed", "cancelled")
    made = [_job(t, state, t.installer, items) for state in states]
    made.append(_job(t, "in_progress", colleague, items))
    ids["job_id"] = [job.pk for job in made]
    ids["item_id"] = [item.pk for item in items]
    ids["photo_id"] = [_fill(t, made[2].pk, items), *(p.pk for p in JobPhoto.objects.filter(job=made[4]))]


def _registry(t: Tenant, ids: dict[str, list[int]]) -> None:
    """Registry records: a subscription without a job, devices in stock, shipped and received."""
    reg = registry(t.provider, arrived_on=date(2026, 1, 1))
    stock = device(t.provider)
    shipped = device(t.provider, company=t.company)
    received = device(t.provider, company=t.company)
    Device.objects.filter(pk=received.pk).update(status=DeviceStatus.RECEIVED)
    ids["subscription_id"] = [reg.subscription.pk]
    ids["customer_id"] = [reg.customer.pk]
    ids["vehicle_id"] = [reg.vehicle.pk]
    ids["product_id"] = [reg.product.pk]
    ids["device_id"] = [stock.pk, shipped.pk, received.pk]


def _removals(t: Tenant, ids: dict[str, list[int]]) -> None:
    """A saved request of two lines (notified, accepted), another of two lines done (their boxes wait at the
    remover's, one of them picked up), a draft."""
    request, removals = confirmed_request(t, count=2)
    removal_lines.line_accept(scope=t.scope(t.installer), line_id=removals[1].line.pk)
    boxes = removed_boxes(t, 2)
    done = list(RemovalLine.objects.filter(device__in=boxes))
    pickup = BoxPickup.objects.create(
        provider=t.provider, company=t.company, carrier="Carrier", picked_up_on=date(2026, 11, 1)
    )
    pickup.devices.add(boxes[1])
    draft = RemovalRequest.objects.create(provider=t.provider, created_by=t.dispatcher, state="ready")
    ids["line_id"] = [r.line.pk for r in removals] + [line.pk for line in done]
    ids["request_id"] = [request.pk, done[0].request_id, draft.pk]
    ids["pickup_id"] = [pickup.pk]
    ids["device_id"] += [box.pk for box in boxes]


def _accounts(t: Tenant, ids: dict[str, list[int]]) -> None:
    """Partnerships (accepted, pending), invitations, members, tokens, messages, webhooks, notifications."""
    admin = t.scope(t.provider_admin)
    pending = accounts.partnership_invite(scope=admin, email="office@prospect.example")
    invited = accounts.invitation_create(scope=t.scope(t.company_admin), email="new@fitters.example", role="installer")
    hook = messaging.webhook_create(scope=admin, url="https://hooks.example/in", event_types=["partnership.accepted"])
    spare, _raw = accounts.token_create(scope=t.scope(t.installer), name="spare", days=10)
    ids["partnership_id"] = [Partnership.objects.get(provider=t.provider, installer=t.company).pk, pending.pk]
    ids["invitation_id"] = [invited.pk]
    ids["membership_id"] = list(
        Membership.objects.filter(user__in=[t.installer, t.care]).order_by("pk").values_list("pk", flat=True)
    )
    ids["token_id"] = [spare.pk]
    ids["endpoint_id"] = [hook.pk]
    ids["company_id"] = [t.company.pk]
    ids["message_id"] = [
        OutboxMessage.objects.create(
            idempotency_key=f"fuzz-{org.pk}",
            channel=Channel.EMAIL,
            recipient="someone@example.com",
            organisation=org,
            subject="Failed",
            status=MessageStatus.FAILED,
        ).pk
        for org in (t.provider, t.company)
    ]
    for user, org in ((t.dispatcher, t.provider), (t.installer, t.company)):
        Notification.objects.create(user=user, organisation=org, event="job.assigned", text="Fuzz notice")


def build_world(t: Tenant) -> World:
    world = World()
    _accounts(t, world.ids)
    _registry(t, world.ids)
    _jobs(t, world.ids, member(t.company, Role.INSTALLER, email="colleague@fuzz-workshop.example"))
    _removals(t, world.ids)
    box = Device.objects.filter(provider=t.provider).first()
    assert box is not None
    DeviceEvent.objects.create(
        organisation=t.provider, device=box, event_id="fuzz-1", type="online", occurred_at=timezone.now()
    )
    admin = t.scope(t.provider_admin)
    for fmt in (FeedFormat.FIELDBOX, FeedFormat.TRACCAR):
        feed = messaging.feed_create(scope=admin, format=fmt)
        world.feeds[fmt] = (feed.key_id, feed.secret)
    for role, user in (("dispatcher", t.dispatcher), ("installer", t.installer), ("admin", t.provider_admin)):
        _token, raw = accounts.token_create(scope=t.scope(user), name=f"fuzz-{role}", days=1)
        world.tokens[role] = raw
    return world


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("media")
    hosts = [*django_settings.ALLOWED_HOSTS, "localhost"]  # the WSGI client's host, with the test client's
    with override_settings(MEDIA_ROOT=root, SMS_BACKEND="locmem", ALLOWED_HOSTS=hosts):
        yield root


@pytest.fixture(scope="module")
def marked_shape_refusals() -> Iterator[None]:
    """Answers refused by the API's own shapes carry a header, for ``shapes_agree_with_the_description``."""
    keep = api._exception_handlers[ShapeError]

    def marked(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = keep(request, exc)
        response[SHAPE_REFUSAL] = "1"
        return response

    api._exception_handlers[ShapeError] = marked
    yield
    api._exception_handlers[ShapeError] = keep


def shapes_agree_with_the_description(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A schema-valid request is never refused by the API's shapes: they and the description say the same."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and SHAPE_REFUSAL.lower() in response.headers:
        raise AssertionError(f"The API's shapes refuse a schema-valid request: {response.text}")
    return None


@pytest.fixture(scope="module")
def module_world(
    django_db_setup: Any, django_db_blocker: Any, media: Path, marked_shape_refusals: None
) -> Iterator[World]:
    """The world, in a transaction that the end of the module rolls back; requests keep its connection open
    (Django's own test client does the same: ``close_old_connections`` would close it in the middle)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world(make_tenant("fuzz"))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(module_world: World, db: Any) -> World:
    """The module's world, each operation in a savepoint of its own."""
    return module_world


def signed(case: Case, world: World) -> dict[str, Any]:
    """What a device event feed sends: the body as bytes, with the HMAC of those bytes for our format, or the
    feed's key and secret for Traccar's."""
    sent: dict[str, Any] = {}
    body = b""
    if isinstance(case.body, bytes):  # a body that is not JSON at all
        body = sent["data"] = case.body
    elif not isinstance(case.body, NotSet):
        body = sent["data"] = json.dumps(case.body).encode()
    if case.path.endswith("/traccar"):
        key_id, secret = world.feeds[FeedFormat.TRACCAR]
        return sent | {"headers": {"Authorization": f"Bearer {key_id}.{secret}"}}
    key_id, secret = world.feeds[FeedFormat.FIELDBOX]
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {"X-Fieldbox-Key": key_id, "X-Fieldbox-Timestamp": stamp, "X-Fieldbox-Signature": f"sha256={mac}"}
    return sent | {"headers": headers}


def answers_as_described(case: Case, world: World, role: str) -> None:
    """One generated request, as ``role`` (or signed, for device events), checked by every check."""
    world.real_ids(case)
    if case.path.startswith("/api/v1/device-events") and case.method == "POST":
        sent = signed(case, world)
    else:
        sent = {"headers": {"Authorization": f"Bearer {world.tokens[role]}"}}
    case.call_and_validate(additional_checks=[shapes_agree_with_the_description], **sent)


@as_dispatcher.parametrize()
@FUZZ
def test_as_a_dispatcher(case: Case, world: World) -> None:
    answers_as_described(case, world, "dispatcher")


@as_installer.parametrize()
@FUZZ
def test_as_an_installer(case: Case, world: World) -> None:
    answers_as_described(case, world, "installer")


@as_admin.parametrize()
@FUZZ
def test_as_a_provider_admin(case: Case, world: World) -> None:
    """The operations a dispatcher is refused (audit log, messages, webhooks, checklist items, settings, people,
    partners, customer care's moves): their answers are checked as a provider admin's."""
    answers_as_described(case, world, "admin")


def test_the_fuzzed_description_is_the_one_served(db: Any) -> None:
    served = Client().get("/api/openapi.json").json()
    assert served == json.loads(json.dumps(DESCRIPTION))


def test_no_two_shapes_share_a_component_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ninja names a component after its class: two classes of one name would silently overwrite each other."""
    from ninja.openapi import schema as ninja_schema

    clashes: list[str] = []
    keep = ninja_schema.OpenAPISchema.add_schema_definitions

    def add(self: Any, definitions: dict[str, Any]) -> None:
        clashes.extend(k for k, v in definitions.items() if k in self.schemas and self.schemas[k] != v)
        keep(self, definitions)

    monkeypatch.setattr(ninja_schema.OpenAPISchema, "add_schema_definitions", add)
    api.get_openapi_schema()
    assert clashes == []


def test_errors_are_documented_as_problems() -> None:
    for path, item in DESCRIPTION["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"], (method, path, status)
