"""Device events in: signed, checked, stored once, attached to the device, passed on to the provider."""

from __future__ import annotations

import time

import orjson
import pytest
from django.test import Client

from fieldbox.fleet.models import Device
from fieldbox.messaging import services, signing
from fieldbox.messaging.choices import DeviceEventStatus, FeedFormat
from fieldbox.messaging.models import DeviceEvent, Notification, OutboxMessage, UnknownDevice

pytestmark = pytest.mark.django_db
URL = "/api/v1/device-events"


@pytest.fixture
def feed(tenant):
    return services.feed_create(scope=tenant.scope(tenant.provider_admin))


@pytest.fixture
def device(tenant):
    return Device.objects.create(provider=tenant.provider, serial="TBA0001234", imei="356938035643809")


def event(**changes):
    body = {"id": "evt-1", "type": "online", "serial": "TBA0001234", "time": "2026-11-22T08:30:00Z", "payload": {}}
    return orjson.dumps(body | changes)


def post(feed, body: bytes, *, secret: str | None = None, at: float | None = None, **headers):
    sent = signing.headers(secret or feed.secret, body, now=at)
    extra = {
        "HTTP_X_FIELDBOX_KEY": feed.key_id,
        "HTTP_X_FIELDBOX_TIMESTAMP": sent["X-Fieldbox-Timestamp"],
        "HTTP_X_FIELDBOX_SIGNATURE": sent["X-Fieldbox-Signature"],
    } | headers
    return Client().post(URL, body, content_type="application/json", **extra)


def nothing_written():
    return not DeviceEvent.objects.exists() and not OutboxMessage.objects.exists()


def test_a_signed_event_is_stored_attached_to_its_device_and_processed(
    feed, device, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(feed, event())
    assert response.status_code == 202 and response.json()["duplicate"] is False
    stored = DeviceEvent.objects.get()
    assert stored.device == device and stored.type == "online" and stored.status == DeviceEventStatus.PROCESSED
    device.refresh_from_db()
    assert device.online is True and device.last_event_at == stored.occurred_at


def test_the_same_event_id_is_taken_once(feed, device):
    assert post(feed, event()).status_code == 202
    again = post(feed, event(type="offline"))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert DeviceEvent.objects.get().type == "online"


def test_an_activation_found_by_imei_dates_the_device_and_tells_the_provider(
    tenant, feed, device, django_capture_on_commit_callbacks
):
    body = event(id="evt-9", type="activated", serial="", imei="356938035643809", time="2026-11-22T09:00:00+01:00")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(feed, body).status_code == 202
    device.refresh_from_db()
    assert device.activated_at.isoformat() == "2026-11-22T08:00:00+00:00"
    told = Notification.objects.filter(organisation=tenant.provider, event="device.activated")
    assert {n.user for n in told} == {tenant.provider_admin, tenant.dispatcher, tenant.care}
    assert "TBA0001234" in told.first().text


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        ("wrong secret", 401),
        ("old timestamp", 401),
        ("future timestamp", 401),
        ("no signature", 401),
        ("unknown key", 401),
    ],
)
def test_a_request_that_is_not_signed_right_is_refused_and_writes_nothing(feed, device, tamper, status):
    body = event()
    if tamper == "wrong secret":
        response = post(feed, body, secret="not-the-secret")
    elif tamper == "old timestamp":
        response = post(feed, body, at=time.time() - 330)
    elif tamper == "future timestamp":
        response = post(feed, body, at=time.time() + 330)  # well past 5 min even on a slow machine
    elif tamper == "no signature":
        response = post(feed, body, HTTP_X_FIELDBOX_SIGNATURE="")
    else:
        response = post(feed, body, HTTP_X_FIELDBOX_KEY="fbk_nope")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json" and response.json()["title"]
    assert nothing_written()


def test_a_body_changed_after_signing_is_refused(feed, device):
    signed = signing.headers(feed.secret, event())
    response = Client().post(
        URL,
        event(type="activated"),
        content_type="application/json",
        HTTP_X_FIELDBOX_KEY=feed.key_id,
        HTTP_X_FIELDBOX_TIMESTAMP=signed["X-Fieldbox-Timestamp"],
        HTTP_X_FIELDBOX_SIGNATURE=signed["X-Fieldbox-Signature"],
    )
    assert response.status_code == 401 and "signature" in response.json()["detail"]
    assert nothing_written()


def test_a_revoked_key_is_refused(tenant, feed, device):
    services.feed_revoke(scope=tenant.scope(tenant.provider_admin), feed_id=feed.pk)
    assert post(feed, event()).status_code == 401
    assert nothing_written()


def test_malformed_and_invalid_bodies_are_refused_with_their_fields(feed, device):
    assert post(feed, b"{not json").status_code == 400
    response = post(feed, event(time="yesterday", id=""))
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"id", "time"}
    assert post(feed, event(time="2026-11-22T08:30:00")).status_code == 422  # no UTC offset
    assert post(feed, event(serial="", imei="")).status_code == 422
    assert nothing_written()


def test_an_unknown_device_is_refused_and_counted_for_the_admin(tenant, other_tenant, feed):
    Device.objects.create(provider=other_tenant.provider, serial="TBA0001234")  # not this provider's
    for _ in range(2):
        response = post(feed, event())
        assert response.status_code == 422 and response.json()["title"] == "Unknown device."
    assert nothing_written()
    unknown = UnknownDevice.objects.get()
    assert unknown.organisation == tenant.provider and unknown.identifier == "TBA0001234" and unknown.times == 2


def traccar_body(event_id: int = 43334, kind: str = "deviceOffline") -> bytes:
    return orjson.dumps(
        {
            "event": {
                "id": event_id,
                "attributes": {},
                "deviceId": 385,
                "type": kind,
                "eventTime": "2026-11-22T10:45:34.984+00:00",
            },
            "device": {"id": 385, "name": "Fiat Panda", "uniqueId": "356938035643809", "status": "offline"},
            "position": {"latitude": 45.46, "longitude": 9.19},
        }
    )


def test_traccar_forwarded_events_are_taken_with_the_feed_secret(tenant, device, django_capture_on_commit_callbacks):
    feed = services.feed_create(scope=tenant.scope(tenant.provider_admin), format=FeedFormat.TRACCAR)
    client = Client()
    url = f"{URL}/traccar"
    auth = f"Bearer {feed.key_id}.{feed.secret}"
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url, traccar_body(), content_type="application/json", HTTP_AUTHORIZATION=auth).status_code
            == 202
        )
    stored = DeviceEvent.objects.get()
    assert (stored.event_id, stored.type, stored.source_type) == ("traccar-43334", "offline", "deviceOffline")
    assert stored.payload["position"]["latitude"] == 45.46
    device.refresh_from_db()
    assert device.online is False
    wrong = client.post(
        url, traccar_body(2), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {feed.key_id}.x"
    )
    assert wrong.status_code == 401
    # A Traccar key does not sign our format, and our format's key is no Traccar bearer.
    assert post(feed, event()).status_code == 401
    assert DeviceEvent.objects.count() == 1


def test_events_queued_while_the_broker_was_down_are_processed_by_the_sweep(feed, device):
    from fieldbox.messaging import inbound

    assert post(feed, event()).status_code == 202  # its task never ran (no commit in this test)
    DeviceEvent.objects.update(received_at="2026-01-01T00:00Z")
    assert inbound.sweep() == 1
    assert DeviceEvent.objects.get().status == DeviceEventStatus.PROCESSED
    assert inbound.sweep() == 0


def test_provider_staff_list_the_events_of_a_device(tenant, feed, device):
    from fieldbox.accounts.tests.fixtures import signed_in

    post(feed, event())
    page = signed_in(tenant.dispatcher).get("/integrations/device-events/?device=356938035643809")
    assert page.status_code == 200 and "evt-1" in page.content.decode()
    empty = signed_in(tenant.dispatcher).get("/integrations/device-events/?device=OTHER")
    assert "evt-1" not in empty.content.decode()
