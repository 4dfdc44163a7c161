"""Assignments to the phone: a work order sent to its people reaches each one by e-mail (through the outbox) and in
the app, with signed links; opening a link changes nothing, confirming it (signed in) answers, a refusal needs its
reason, and the planner reads each answer on the work order's page."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging import events, outbox
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.models import Notification, OutboxMessage, WebhookEndpoint
from fieldbox.service.assignments import KIND
from fieldbox.service.choices import Answer, WorkOrderStatus
from fieldbox.service.models import Booking, WorkOrder
from fieldbox.service.services.materials import material_add
from fieldbox.service.services.work_orders import work_order_answer, work_order_move
from fieldbox.service.tests.test_work_orders import Shop, at, new, plan
from fieldbox.service.tests.test_work_orders import shop as lead_shop  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(request) -> Shop:
    """The lead's world of work orders (``test_work_orders``): an office, two technicians, a van, a customer."""
    return request.getfixturevalue("lead_shop")


W = WorkOrderStatus


def links_in(body: str) -> list[str]:
    """The action links of an e-mail, as paths of this site."""
    return [u.split("://", 1)[1].split("/", 1)[1] for u in re.findall(r"https?://\S+/a/\S+/", body)]


def sent(shop: Shop) -> WorkOrder:
    order = plan(shop, new(shop), at(14, 9), helpers=[shop.luca])
    material_add(scope=shop.scope(shop.office), work_order_id=order.pk, description="Filtro aria", quantity=2)
    return work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")


def mail_of(person) -> OutboxMessage:
    return OutboxMessage.objects.get(kind=KIND, recipient=person.email)


def answer_of(order: WorkOrder, person) -> Booking:
    return Booking.objects.get(work_order=order, user=person)


def test_each_assignee_gets_the_work_order_by_email_and_in_the_app_with_links(shop):
    order = sent(shop)
    for person in (shop.marco, shop.luca):
        message = mail_of(person)
        assert order.number in message.subject
        assert "Condominio Aurora" in message.body and "Via Roma 1" in message.body
        assert "2 pc Filtro aria" in message.body and "Furgone 1" in message.body
        accept, decline = links_in(message.body)
        assert accept != decline
        assert Notification.objects.filter(user=person, event="work_order.assigned", url__contains=f"/{order.pk}/")
    assert "You lead it." in mail_of(shop.marco).body and "You help Marco Bianchi." in mail_of(shop.luca).body
    outbox.drain()
    assert {m.to[0] for m in mail.outbox} >= {shop.marco.email, shop.luca.email}


def test_opening_a_link_changes_nothing_and_confirming_it_accepts(shop):
    order = sent(shop)
    accept, _decline = links_in(mail_of(shop.marco).body)
    phone = signed_in(shop.marco)
    page = phone.get("/" + accept)  # a mail scanner, or the first tap: it only shows
    assert page.status_code == 200
    assert "Accept the work order" in page.content.decode() and order.number in page.content.decode()
    assert answer_of(order, shop.marco).answer == Answer.PENDING

    done = phone.post("/" + accept)
    assert done.status_code == 302 and done.url == reverse("service:work_order", args=[order.pk])
    assert answer_of(order, shop.marco).answer == Answer.ACCEPTED
    order.refresh_from_db()
    assert order.status == W.SENT  # Luca has not answered yet

    accept_luca, _ = links_in(mail_of(shop.luca).body)
    signed_in(shop.luca).post("/" + accept_luca)
    order.refresh_from_db()
    assert order.status == W.ACCEPTED


def test_declining_needs_a_reason_and_the_planner_sees_it_with_a_replan_button(shop):
    order = sent(shop)
    _accept, decline = links_in(mail_of(shop.luca).body)
    phone = signed_in(shop.luca)
    blank = phone.post("/" + decline, {"reason": "  "})
    assert blank.status_code == 200 and "This field is required." in blank.content.decode()
    assert answer_of(order, shop.luca).answer == Answer.PENDING

    done = phone.post("/" + decline, {"reason": "Sono in ferie"})
    assert done.status_code == 302
    order.refresh_from_db()
    assert order.status == W.DECLINED and answer_of(order, shop.luca).reason == "Sono in ferie"

    [told] = Notification.objects.filter(user=shop.office, event="work_order.declined")
    assert "Luca Neri declined" in told.text and "Sono in ferie" in told.text and told.url.endswith(f"/{order.pk}/")
    assert not OutboxMessage.objects.filter(kind="service.work_order_declined").exists()  # e-mail only by choice
    page = signed_in(shop.office).get(reverse("service:work_order", args=[order.pk])).content.decode()
    assert "Sono in ferie" in page and 'data-testid="replan"' in page
    assert reverse("service:work_order_plan", args=[order.pk]) in page


def test_another_organisations_technician_gets_a_404_from_the_link(shop, other_tenant):
    order = sent(shop)
    accept, decline = links_in(mail_of(shop.marco).body)
    stranger = member(other_tenant.company, Role.TECHNICIAN, email="tecnico@altra.example")
    for url in (accept, decline):
        assert signed_in(stranger).get("/" + url).status_code == 404
        assert signed_in(stranger).post("/" + url, {"reason": "no"}).status_code == 404
    # Nor does a colleague who is not on the work order answer for it.
    colleague = member(shop.van.organisation, Role.TECHNICIAN, email="altro@rossi.example")
    assert signed_in(colleague).get("/" + accept).status_code == 404
    assert set(Booking.objects.filter(work_order=order).exclude(user=None).values_list("answer", flat=True)) == {
        Answer.PENDING
    }


def test_a_move_after_sending_sends_again_once_per_person_and_event(shop):
    order = sent(shop)
    assert OutboxMessage.objects.filter(kind=KIND).count() == 2
    plan(shop, order, at(15, 9), helpers=[shop.luca])  # moved: sent again, answers start over
    order.refresh_from_db()
    assert order.status == W.SENT
    assert OutboxMessage.objects.filter(kind=KIND).count() == 4
    keys = set(OutboxMessage.objects.filter(kind=KIND).values_list("idempotency_key", flat=True))
    assert len(keys) == 4 and all(f"work_order:{order.pk}:event:" in k for k in keys)
    assert "moved" in OutboxMessage.objects.filter(kind=KIND, recipient=shop.marco.email).latest("pk").subject


def test_webhooks_tell_a_work_order_created_moved_and_answered(shop):
    wanted = ["work_order.created", "work_order.status_changed", "work_order.answered"]
    WebhookEndpoint.objects.create(
        organisation=shop.van.organisation, url="https://hooks.example/in", secret="s", event_types=wanted
    )
    events.forget_subscriptions(shop.van.organisation.pk)
    order = sent(shop)
    work_order_answer(scope=shop.scope(shop.luca), work_order_id=order.pk, accept=False, reason="Malato")
    bodies = [json.loads(m.body) for m in OutboxMessage.objects.filter(channel=Channel.WEBHOOK).order_by("pk")]
    assert [(b["type"], b["data"]["to"]) for b in bodies] == [
        ("work_order.created", "to_plan"),
        ("work_order.status_changed", "planned"),
        ("work_order.status_changed", "sent"),
        ("work_order.status_changed", "declined"),
        ("work_order.answered", "declined"),
    ]
    assert bodies[-1]["data"]["answer"] == "declined" and bodies[-1]["data"]["reason"] == "Malato"
    assert bodies[-1]["data"]["person_id"] == shop.luca.pk and bodies[-1]["data"]["number"] == order.number
