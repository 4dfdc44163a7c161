"""The job code: the remover issues it (shown once, only its hash kept); a technician without an account opens
exactly that removal with the installer code and reports it; wrong pairs are limited; the code dies with the line."""

from __future__ import annotations

import random
import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from fieldbox.accounts.models import Organisation
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import codes, lines
from fieldbox.removals.tests.factories import Removal, confirmed_request

pytestmark = pytest.mark.django_db


def technician() -> Client:
    return Client(REMOTE_ADDR=f"10.{random.randint(0, 250)}.{random.randint(0, 250)}.{random.randint(1, 250)}")


def removal(tenant: Tenant) -> Removal:
    Organisation.objects.filter(pk=tenant.company.pk).update(installer_code=f"ZQ{uuid.uuid4().int % 10**6:06d}")
    tenant.company.refresh_from_db()
    return confirmed_request(tenant)[1][0]


def issued(tenant: Tenant, line: RemovalLine) -> str:
    body = signed_in(tenant.installer).post(f"/removals/{line.pk}/code/").content.decode()
    found = re.search(r'data-testid="code-value">([A-Z0-9]{8})<', body)
    assert found, body
    return found.group(1)


def open_with(client: Client, installer_code: str, code: str) -> object:
    return client.post("/mission/", {"installer_code": installer_code, "code": code})


def test_the_code_is_shown_once_and_only_its_hash_is_kept(tenant):
    line = removal(tenant).line
    page = signed_in(tenant.installer).get(f"/removals/{line.pk}/code/").content.decode()
    assert "Give a technician access" in page
    code = issued(tenant, line)
    line.refresh_from_db()
    assert set(code) <= set(codes.ALPHABET) and len(code) == 8
    assert line.code_hash == codes.code_hash(code) and code not in line.code_hash
    again = signed_in(tenant.installer).get(f"/removals/{line.pk}/code/").content.decode()
    assert code not in again and "not shown again" in again


def test_the_right_pair_opens_that_removal_and_reports_it(tenant):
    found = removal(tenant)
    code = issued(tenant, found.line)
    client = technician()
    opened = open_with(client, tenant.company.installer_code.lower(), code.lower())
    assert opened.status_code == 302 and opened.url == "/mission/job/"
    page = client.get("/mission/job/").content.decode()
    assert found.line.vehicle.vin in page and "Chambéry" in page and "BMW" in page
    assert "physically removed the box" in page
    # The form first, now already in the date (by the remover's clock), the box number scannable.
    assert page.index('data-testid="mission-report"') < page.index('data-testid="mission-vehicle"')
    now = timezone.localtime(timezone.now(), ZoneInfo(tenant.company.time_zone)).strftime("%Y-%m-%dT%H:")
    assert re.search(rf'name="removed_at" value="{now}\d\d"', page)
    assert re.search(r'<input[^>]*name="serial_end"[^>]*data-scan="last7"', page)
    # Ten minutes ago by the remover's clock (no one is signed in: read as UTC, it would lie in the future).
    removed = (timezone.now() - timedelta(minutes=10)).replace(second=0, microsecond=0)
    when = timezone.localtime(removed, ZoneInfo(tenant.company.time_zone)).strftime("%Y-%m-%dT%H:%M")
    wrong = client.post("/mission/job/", {"removed_at": when, "serial_end": "0000000", "technician": "Marc"})
    assert "These are not the last 7 characters" in wrong.content.decode()
    done = client.post(
        "/mission/job/", {"removed_at": when, "serial_end": found.device.serial[-7:], "technician": "Marc Dupont"}
    )
    assert "The removal of the box" in done.content.decode()
    line = RemovalLine.objects.get(pk=found.line.pk)
    assert (line.status, line.technician, line.device_id) == (LineStatus.DONE, "Marc Dupont", found.device.pk)
    assert line.removed_at == removed
    assert Device.objects.get(pk=found.device.pk).status == DeviceStatus.REMOVED
    assert client.get("/mission/job/").status_code == 302  # the page closed with the line
    assert open_with(technician(), tenant.company.installer_code, code).status_code == 400  # the code is dead


def test_a_wrong_pair_does_not_say_which_half_is_wrong(tenant, other_tenant):
    line = removal(tenant).line
    code = issued(tenant, line)
    other = removal(other_tenant).line
    issued(other_tenant, other)
    wrong_code = open_with(technician(), tenant.company.installer_code, "ABCDEFGH").content.decode()
    other_company = open_with(technician(), other_tenant.company.installer_code, code).content.decode()
    message = "This installer code and job code do not open any removal in progress."
    assert message in wrong_code and message in other_company
    assert line.vehicle.vin not in other_company
    assert technician().get("/mission/job/").status_code == 302


def test_wrong_pairs_are_limited_per_address_and_per_installer_code(tenant, settings):
    settings.JOB_CODE_RATE_PER_ADDRESS = f"3/{random.randint(100, 100000)}s"
    settings.JOB_CODE_RATE_PER_INSTALLER_CODE = f"5/{random.randint(100, 100000)}s"
    line = removal(tenant).line
    code = issued(tenant, line)
    client = technician()
    assert [open_with(client, tenant.company.installer_code, "WRONG234").status_code for _i in range(3)] == [400] * 3
    assert open_with(client, tenant.company.installer_code, code).status_code == 429  # even the right pair now
    for _i in range(2):
        open_with(technician(), tenant.company.installer_code, "WRONG234")
    limited = open_with(technician(), tenant.company.installer_code, code)
    assert limited.status_code == 429 and "Too many wrong codes" in limited.content.decode()


def test_a_new_code_or_the_end_of_the_line_closes_the_door(tenant):
    line = removal(tenant).line
    first = issued(tenant, line)
    client = technician()
    open_with(client, tenant.company.installer_code, first)
    second = issued(tenant, line)
    assert client.get("/mission/job/").status_code == 302  # opened with the replaced code
    assert open_with(technician(), tenant.company.installer_code, first).status_code == 400
    client = technician()
    assert open_with(client, tenant.company.installer_code, second).status_code == 302
    lines.line_cancel(scope=tenant.scope(tenant.dispatcher), line_id=line.pk)
    assert client.get("/mission/job/").status_code == 302
    assert open_with(technician(), tenant.company.installer_code, second).status_code == 400
    ended = signed_in(tenant.installer).post(f"/removals/{line.pk}/code/", follow=True).content.decode()
    assert "its job code cannot be given any more" in ended


def test_only_the_remover_company_issues_a_code(tenant, other_tenant):
    line = removal(tenant).line
    assert signed_in(other_tenant.installer).post(f"/removals/{line.pk}/code/").status_code == 404
    assert signed_in(tenant.dispatcher).post(f"/removals/{line.pk}/code/").status_code == 403
    assert RemovalLine.objects.get(pk=line.pk).code_hash == ""
