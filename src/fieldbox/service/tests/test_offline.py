"""A change sent from a phone with its idempotency key is applied once however often it arrives; a refusal is told;
a change the server could not finish is not remembered, so the phone's next try applies it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.service.choices import MessageKind
from fieldbox.service.models import FieldChange, Ticket, TicketMessage
from fieldbox.service.services import mail_ingest
from fieldbox.service.tests.conftest import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(desk) -> Ticket:
    found = mail_ingest(mailbox=desk, raw=mail()).ticket
    assert found is not None
    return found


def notes(ticket: Ticket) -> list[str]:
    return list(TicketMessage.objects.filter(ticket=ticket, kind=MessageKind.NOTE).values_list("text", flat=True))


def test_a_change_that_arrives_twice_is_applied_once_and_the_second_arrival_gets_the_same_answer(ticket, tenant):
    agent = member(tenant.company, Role.DESK_AGENT, email="banco@rossi.example")
    client = signed_in(agent)
    url = reverse("service:note", args=[ticket.pk])
    headers = {"Idempotency-Key": "c0ffee00-1111-2222-3333-444455556666"}
    first = client.post(url, {"note-text": "Cliente richiamato"}, headers=headers)
    again = client.post(url, {"note-text": "Cliente richiamato"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == {"outcome": "done", "location": reverse("service:ticket", args=[ticket.pk]) + "#notes"}
    assert again.json() == {**first.json(), "repeated": True}
    assert notes(ticket) == ["Cliente richiamato"]
    # Another key is another change.
    client.post(url, {"note-text": "Cliente richiamato"}, headers={"Idempotency-Key": "another-key-0001"})
    assert notes(ticket) == ["Cliente richiamato", "Cliente richiamato"]


def test_a_refused_change_is_told_with_its_reason_and_changes_nothing(ticket, tenant):
    agent = member(tenant.company, Role.DESK_AGENT, email="banco@rossi.example")
    url = reverse("service:note", args=[ticket.pk])
    answer = signed_in(agent).post(url, {"note-text": ""}, headers={"Idempotency-Key": "empty-note-000001"})
    assert answer.json()["outcome"] == "refused"
    assert notes(ticket) == []


def test_a_change_the_server_did_not_finish_is_forgotten_so_the_next_try_applies_it(ticket, tenant, other_tenant):
    stranger = member(other_tenant.company, Role.DESK_AGENT, email="x@other.example")
    url = reverse("service:note", args=[ticket.pk])
    key = {"Idempotency-Key": "try-again-000001"}
    assert signed_in(stranger).post(url, {"note-text": "Intruso"}, headers=key).status_code == 404
    assert not FieldChange.objects.filter(key=key["Idempotency-Key"]).exists()
    agent = member(tenant.company, Role.DESK_AGENT, email="banco@rossi.example")
    assert signed_in(agent).post(url, {"note-text": "Ora sì"}, headers=key).json()["outcome"] == "done"
    assert notes(ticket) == ["Ora sì"]
    assert scope_of(agent, tenant.company).organisation == FieldChange.objects.get().organisation


def test_a_key_that_is_not_one_is_refused_and_the_service_worker_is_served_from_the_root(ticket, tenant):
    agent = member(tenant.company, Role.DESK_AGENT, email="banco@rossi.example")
    client = signed_in(agent)
    url = reverse("service:note", args=[ticket.pk])
    assert client.post(url, {"note-text": "x"}, headers={"Idempotency-Key": "bad key!"}).status_code == 400
    assert notes(ticket) == []
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript") and worker["Service-Worker-Allowed"] == "/"
    assert b'"/field/"' in worker.content
