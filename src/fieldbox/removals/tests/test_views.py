"""The remover's screen, the requester's list, the action links of the remover's e-mail, and the API of lines."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.fleet.choices import DeviceStatus
from fieldbox.fleet.models import Device
from fieldbox.messaging.models import OutboxMessage
from fieldbox.removals import notifications
from fieldbox.removals.choices import LineStatus
from fieldbox.removals.models import RemovalLine
from fieldbox.removals.services import requests as services_requests
from fieldbox.removals.services.lines import line_accept, line_report
from fieldbox.removals.tests.factories import confirmed_request
from fieldbox.removals.tests.test_imports import vehicle, xlsx
from fieldbox.removals.views import requester as requester_views

pytestmark = pytest.mark.django_db


def _status(line):
    return RemovalLine.objects.get(pk=line.pk).status


def _api(user, tenant):
    from fieldbox.accounts import services

    _t, raw = services.token_create(scope=tenant.scope(user), name="t", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_remover_sees_its_lines_and_accepts(tenant, other_tenant):
    _request, [removal] = confirmed_request(tenant)
    client = signed_in(tenant.installer)
    page = client.get("/removals/").content.decode()
    for text in (tenant.provider.name, "BMW", removal.line.vehicle.vin, removal.line.subscription.number, "Notified"):
        assert text in page
    assert f'href="/removals/{removal.line.pk}/code/"' in page, "a technician without an account gets a job code"
    assert removal.line.vehicle.vin not in signed_in(other_tenant.installer).get("/removals/").content.decode()
    response = client.post(f"/removals/{removal.line.pk}/accept/", follow=True)
    assert "Removal accepted" in response.content.decode()
    assert _status(removal.line) == LineStatus.ACCEPTED


def test_the_remover_filters_by_status_and_vin(tenant):
    _request, [first, second] = confirmed_request(tenant, count=2)
    line_accept(scope=tenant.scope(tenant.installer), line_id=first.line.pk)
    client = signed_in(tenant.installer)
    page = client.get("/removals/?status=accepted").content.decode()
    assert first.line.vehicle.vin in page and second.line.vehicle.vin not in page
    page = client.get(f"/removals/?q={second.line.vehicle.vin[-8:].lower()}").content.decode()
    assert second.line.vehicle.vin in page and first.line.vehicle.vin not in page


def test_an_ended_line_hides_the_vehicle_from_the_remover(tenant):
    _request, [removal] = confirmed_request(tenant)
    line_report(
        scope=tenant.scope(tenant.installer),
        line_id=removal.line.pk,
        removed_at=timezone.now() - timedelta(hours=1),
        serial_end=removal.device.serial[-7:],
        technician="Marc",
    )
    page = signed_in(tenant.installer).get("/removals/").content.decode()
    assert "Done" in page and removal.line.vehicle.vin not in page


def test_refuse_without_a_reason_names_the_field(tenant):
    _request, [removal] = confirmed_request(tenant)
    client = signed_in(tenant.company_admin)
    page = client.post(f"/removals/{removal.line.pk}/refuse/", {"reason": ""}).content.decode()
    assert "Say why you refuse this removal" in page
    assert _status(removal.line) == LineStatus.NOTIFIED
    client.post(f"/removals/{removal.line.pk}/refuse/", {"reason": "No access"})
    assert _status(removal.line) == LineStatus.REFUSED


def test_report_form_warns_and_checks_the_box(tenant):
    _request, [removal] = confirmed_request(tenant)
    client = signed_in(tenant.installer)
    url = f"/removals/{removal.line.pk}/report/"
    form = client.get(url).content.decode()
    assert "physically removed the box" in form
    # The form opens the page, filled in with now and who reports; the box number is scannable.
    assert form.index('name="serial_end"') < form.index('data-testid="pickup-contact"')
    assert f'value="{tenant.installer.get_full_name()}"' in form and 'data-scan="last7"' in form
    now = timezone.localtime(timezone=ZoneInfo(tenant.company.time_zone))
    assert f'name="removed_at" value="{now:%Y-%m-%dT}' in form
    page = client.post(url, {"removed_at": "", "serial_end": "", "technician": "Marc"}).content.decode()
    assert 'data-testid="error-summary"' in page  # what to correct, at the top of the form too
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(url, {"removed_at": when, "serial_end": "0000000", "technician": "Marc"}).content.decode()
    assert "not the last 7 characters of the box installed" in page
    assert _status(removal.line) == LineStatus.NOTIFIED
    serial_end = removal.device.serial[-7:]
    response = client.post(url, {"removed_at": when, "serial_end": serial_end, "technician": "Marc"}, follow=True)
    assert "Removal reported" in response.content.decode()
    assert Device.objects.get(pk=removal.device.pk).status == DeviceStatus.REMOVED


def test_another_company_gets_404_on_every_action(tenant, other_tenant):
    _request, [removal] = confirmed_request(tenant)
    client = signed_in(other_tenant.installer)
    for action in ("accept", "refuse", "report"):
        assert client.post(f"/removals/{removal.line.pk}/{action}/").status_code == 404
    assert signed_in(other_tenant.dispatcher).get(f"/removal-requests/{_request.pk}/").status_code == 404
    assert _status(removal.line) == LineStatus.NOTIFIED


def test_action_link_shows_then_accepts_on_post(tenant, other_tenant):
    request, [removal] = confirmed_request(tenant)
    notifications.notify_removers(request)
    body = OutboxMessage.objects.get(idempotency_key__startswith=f"removal-request:{request.pk}:").body
    accept = re.findall(r"Accept: (\S+)", body)[0].split("testserver")[-1].replace("http://127.0.0.1:8000", "")
    assert signed_in(other_tenant.installer).post(accept).status_code == 404
    client = signed_in(tenant.installer)
    page = client.get(accept).content.decode()
    assert removal.line.vehicle.vin in page and "Accept the removal" in page
    assert _status(removal.line) == LineStatus.NOTIFIED  # opening the link changes nothing
    client.post(accept)
    assert _status(removal.line) == LineStatus.ACCEPTED


def test_requester_list_shows_the_summary(tenant, other_tenant):
    request, removals = confirmed_request(tenant, count=3)
    line_accept(scope=tenant.scope(tenant.installer), line_id=removals[0].line.pk)
    line_report(
        scope=tenant.scope(tenant.installer),
        line_id=removals[1].line.pk,
        removed_at=timezone.now() - timedelta(hours=1),
        serial_end=removals[1].device.serial[-7:],
        technician="Marc",
    )
    page = signed_in(tenant.dispatcher).get("/removal-requests/").content.decode()
    assert request.number in page and "follow-up@requester.example" in page
    assert "Total: 3 of which accepted: 2 of which done: 1" in page
    assert request.number not in signed_in(other_tenant.dispatcher).get("/removal-requests/").content.decode()
    detail = signed_in(tenant.dispatcher).get(f"/removal-requests/{request.pk}/", HTTP_HX_REQUEST="true")
    assert "Accepted" in detail.content.decode() and "<html" not in detail.content.decode()
    done = signed_in(tenant.dispatcher).get(f"/removal-requests/{request.pk}/?status=done").content.decode()
    assert removals[1].line.vehicle.vin in done and removals[0].line.vehicle.vin not in done


def test_the_lines_of_a_request_come_a_page_at_a_time(tenant, monkeypatch):
    monkeypatch.setattr(requester_views, "LINES_PER_PAGE", 2)
    request, removals = confirmed_request(tenant, count=3)
    client = signed_in(tenant.dispatcher)
    first = client.get(f"/removal-requests/{request.pk}/").content.decode()
    assert "Page 1 of 2" in first and removals[2].line.vehicle.vin not in first
    second = client.get(f"/removal-requests/{request.pk}/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert removals[2].line.vehicle.vin in second and removals[0].line.vehicle.vin not in second


def test_drafts_not_saved_are_listed_for_the_requesters(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    confirmed = confirmed_request(tenant)[0]
    vin, number = vehicle(tenant)
    row = [vin, number, tenant.company.installer_code, "Lyon", date(2030, 7, 30), ""]
    draft = services_requests.request_upload(
        scope=tenant.scope(tenant.dispatcher), stream=io.BytesIO(xlsx([row])), file_name="fin-de-contrat.xlsx",
        size=None,
    )  # fmt: skip
    page = signed_in(tenant.dispatcher).get("/removal-requests/").content.decode()
    drafts = page.split('data-testid="drafts"')[1].split("</section>")[0]
    assert f"/removal-requests/{draft.pk}/summary/" in drafts and "fin-de-contrat.xlsx" in drafts
    assert f">{confirmed.number}<" not in drafts


def test_requester_cancels_after_confirming(tenant):
    _request, [removal] = confirmed_request(tenant)
    client = signed_in(tenant.dispatcher)
    url = f"/removal-requests/lines/{removal.line.pk}/cancel/"
    assert "cannot be undone" in client.get(url).content.decode()
    assert _status(removal.line) == LineStatus.NOTIFIED
    response = client.post(url, {"reason": ""}, follow=True)
    assert "Removal cancelled" in response.content.decode()
    assert _status(removal.line) == LineStatus.CANCELLED


def test_export_is_safe_from_formulas(tenant):
    request, [removal] = confirmed_request(tenant)
    RemovalLine.objects.filter(pk=removal.line.pk).update(place="=HYPERLINK(1)", comment="+cmd")
    client = signed_in(tenant.dispatcher)
    csv = client.get("/removal-requests/?format=csv").content.decode()
    assert removal.line.vehicle.vin in csv and "'=HYPERLINK(1)" in csv and "'+cmd" in csv
    book = load_workbook(io.BytesIO(client.get("/removal-requests/?format=xlsx").content))
    values = [c.value for c in next(book.active.iter_rows(min_row=2, max_row=2))]
    assert request.number in values and "'=HYPERLINK(1)" in values


def test_api_lines(tenant, other_tenant):
    request, [first, second] = confirmed_request(tenant, count=2)
    installer, dispatcher = _api(tenant.installer, tenant), _api(tenant.dispatcher, tenant)
    client = signed_in(tenant.installer)
    items = client.get("/api/v1/removals", **installer).json()["items"]
    assert {i["vin"] for i in items} == {first.line.vehicle.vin, second.line.vehicle.vin}
    assert client.post(f"/api/v1/removals/{first.line.pk}/accept", **installer).json()["status"] == "accepted"
    refused = client.post(f"/api/v1/removals/{second.line.pk}/refuse", {}, "application/json", **installer)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    body = {"removed_at": "2020-01-01T10:00:00", "serial_end": "ABCDEFG", "technician": "Marc"}
    wrong = client.post(f"/api/v1/removals/{first.line.pk}/report", body, "application/json", **installer)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "serial_end"
    body["serial_end"] = first.device.serial[-7:]
    done = client.post(f"/api/v1/removals/{first.line.pk}/report", body, "application/json", **installer)
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["vin"] is None
    late = client.post(f"/api/v1/removals/{first.line.pk}/cancel", {}, "application/json", **dispatcher)
    assert late.status_code == 409
    listing = client.get("/api/v1/removal-requests", **dispatcher).json()["items"]
    assert listing[0]["summary"] == {"total": 2, "accepted": 1, "done": 1}
    detail = client.get(f"/api/v1/removal-requests/{request.pk}", **dispatcher).json()
    assert [line["status"] for line in detail["lines"]] == ["done", "notified"]
    other = _api(other_tenant.installer, other_tenant)
    assert client.post(f"/api/v1/removals/{second.line.pk}/accept", **other).status_code == 404
