"""Work orders: planned with people and resources that are never in two places at once, sent to their assignees
who accept or decline, carried out, left for a follow-up, verified by an admin only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.choices import Answer, WorkOrderStatus
from fieldbox.service.models import Booking, Resource, WorkOrder
from fieldbox.service.services.verification import verify_work_order
from fieldbox.service.services.work_orders import (
    work_order_answer,
    work_order_create,
    work_order_follow_up,
    work_order_move,
    work_order_plan,
)

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
W = WorkOrderStatus


@dataclass
class Shop:
    office: User
    marco: User
    luca: User
    admin: User
    van: Resource
    customer: Customer
    site: CustomerAddress

    def scope(self, user: User):
        return scope_of(user, self.van.organisation)


@pytest.fixture
def shop(tenant) -> Shop:
    org = tenant.company
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    return Shop(
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi"),
        luca=member(org, Role.TECHNICIAN, email="luca@rossi.example", first_name="Luca", last_name="Neri"),
        admin=tenant.company_admin,
        van=Resource.objects.create(organisation=org, name="Furgone 1", code="FG123AB"),
        customer=customer,
        site=CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna"),
    )


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ROME)


def new(shop: Shop, words: str = "Manutenzione caldaia") -> WorkOrder:
    return work_order_create(
        scope=shop.scope(shop.office), customer_id=shop.customer.pk, site_id=shop.site.pk, description=words
    )


def plan(shop: Shop, order: WorkOrder, start: datetime, *, lead: User | None = None, helpers=(), van=True, **kw):
    return work_order_plan(
        scope=shop.scope(shop.office),
        work_order_id=order.pk,
        starts_at=start,
        minutes=kw.get("minutes", 120),
        technician_id=(lead or shop.marco).pk,
        helper_ids=[h.pk for h in helpers],
        resource_ids=[shop.van.pk] if van else [],
    )


def test_a_planned_work_order_holds_its_people_and_van_and_a_second_booking_is_refused_with_the_reason(shop):
    first = plan(shop, new(shop), at(7, 9), helpers=[shop.luca])
    assert first.status == W.PLANNED and first.ends_at == at(7, 11)
    assert Booking.objects.filter(work_order=first, busy=True).count() == 3  # Marco, Luca, the van

    second = new(shop, "Collaudo impianto")
    with pytest.raises(ValidationError) as refused:
        plan(shop, second, at(7, 10), lead=shop.luca, van=False)
    assert "Luca Neri is on " + first.number in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        plan(shop, second, at(7, 10, 30), lead=shop.luca.__class__.objects.get(pk=shop.office.pk), van=True)
    assert "technician" in str(refused.value).lower()  # the office is nobody to send
    second.refresh_from_db()
    assert second.status == W.TO_PLAN and not Booking.objects.filter(work_order=second).exists()

    # Back to back is fine: the first ends at 11:00.
    plan(shop, second, at(7, 11), lead=shop.luca)
    second.refresh_from_db()
    assert second.status == W.PLANNED


def test_a_cancelled_or_declined_work_order_frees_the_time_for_another(shop):
    first = plan(shop, new(shop), at(8, 9))
    work_order_move(scope=shop.scope(shop.office), work_order_id=first.pk, action="cancel", reason="Il cliente rinvia")
    assert not Booking.objects.filter(work_order=first, busy=True).exists()
    other = plan(shop, new(shop), at(8, 9))
    assert other.status == W.PLANNED


def test_sent_work_order_is_accepted_when_every_assignee_accepts_and_a_refusal_goes_back_to_the_planner(shop):
    order = plan(shop, new(shop), at(9, 14), helpers=[shop.luca])
    with pytest.raises(Conflict):  # nobody answers a work order that was not sent
        work_order_answer(scope=shop.scope(shop.marco), work_order_id=order.pk, accept=True)
    order = work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")
    assert order.status == W.SENT

    order = work_order_answer(scope=shop.scope(shop.marco), work_order_id=order.pk, accept=True)
    assert order.status == W.SENT  # Luca has not answered
    with pytest.raises(ValidationError):  # declining needs a reason
        work_order_answer(scope=shop.scope(shop.luca), work_order_id=order.pk, accept=False)
    order = work_order_answer(scope=shop.scope(shop.luca), work_order_id=order.pk, accept=False, reason="Sono in ferie")
    assert order.status == W.DECLINED
    assert Booking.objects.get(work_order=order, user=shop.luca).answer == Answer.DECLINED
    assert not Booking.objects.filter(work_order=order, busy=True).exists()

    # The planner replans without Luca; sent again, Marco's acceptance is the last one needed.
    order = plan(shop, order, at(9, 14))
    assert order.status == W.PLANNED and not Booking.objects.filter(work_order=order, user=shop.luca).exists()
    work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")
    order = work_order_answer(scope=shop.scope(shop.marco), work_order_id=order.pk, accept=True)
    assert order.status == W.ACCEPTED
    actions = list(
        AuditEvent.objects.filter(object_id=order.pk, action__startswith="work_order.")
        .values_list("action", flat=True)
        .order_by("pk")
    )
    assert actions[-3:] == ["work_order.plan", "work_order.send", "work_order.accept_last"]


def test_outsiders_may_not_answer_carry_out_or_verify(shop, other_tenant):
    order = plan(shop, new(shop), at(10, 8))
    work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")
    with pytest.raises(ValidationError):
        work_order_answer(scope=shop.scope(shop.luca), work_order_id=order.pk, accept=True)
    stranger = member(other_tenant.company, Role.TECHNICIAN, email="x@other.example")
    with pytest.raises(WorkOrder.DoesNotExist):
        work_order_answer(scope=scope_of(stranger, other_tenant.company), work_order_id=order.pk, accept=True)
    work_order_answer(scope=shop.scope(shop.marco), work_order_id=order.pk, accept=True)
    with pytest.raises(ValidationError):
        work_order_move(scope=shop.scope(shop.luca), work_order_id=order.pk, action="start")
    work_order_move(scope=shop.scope(shop.marco), work_order_id=order.pk, action="start")
    work_order_move(scope=shop.scope(shop.marco), work_order_id=order.pk, action="finish")
    with pytest.raises(ValidationError):  # verified only through the final verification, which keeps the lines
        work_order_move(scope=shop.scope(shop.admin), work_order_id=order.pk, action="verify")
    with pytest.raises(PermissionDenied):
        verify_work_order(scope=shop.scope(shop.office), work_order_id=order.pk)
    verify_work_order(scope=shop.scope(shop.admin), work_order_id=order.pk)
    order.refresh_from_db()
    assert order.status == W.VERIFIED and order.closed_at is not None
    with pytest.raises(Conflict):  # a verified work order is not moved any more
        plan(shop, order, at(11, 8))


def test_a_follow_up_leaves_a_new_work_order_on_the_same_call_and_site(shop):
    order = plan(shop, new(shop), at(14, 8))
    work_order_move(scope=shop.scope(shop.office), work_order_id=order.pk, action="send")
    work_order_answer(scope=shop.scope(shop.marco), work_order_id=order.pk, accept=True)
    work_order_move(scope=shop.scope(shop.marco), work_order_id=order.pk, action="start")
    follow = work_order_follow_up(
        scope=shop.scope(shop.marco), work_order_id=order.pk, description="Manca la valvola: tornare"
    )
    order.refresh_from_db()
    assert order.status == W.FOLLOW_UP
    assert (follow.status, follow.follows_id, follow.site_id, follow.customer_id) == (
        W.TO_PLAN,
        order.pk,
        shop.site.pk,
        shop.customer.pk,
    )
    assert follow.number != order.number


def test_a_work_order_lasts_between_five_minutes_and_a_day_and_needs_a_time_zone(shop):
    order = new(shop)
    for minutes in (0, 24 * 60 + 1):
        with pytest.raises(ValidationError):
            plan(shop, order, at(15, 8), minutes=minutes)
    with pytest.raises(ValidationError):
        plan(shop, order, at(15, 8).replace(tzinfo=None))
    assert WorkOrder.objects.get(pk=order.pk).starts_at is None


@pytest.mark.postgres
def test_the_database_itself_refuses_an_overlap_the_service_did_not_see(shop):
    from django.db import IntegrityError, transaction

    order = plan(shop, new(shop), at(16, 9))
    other = new(shop)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            organisation=shop.van.organisation,
            work_order=other,
            resource=shop.van,
            starts_at=at(16, 10),
            ends_at=at(16, 12),
            busy=True,
        )
    assert order.ends_at - order.starts_at == timedelta(hours=2)
