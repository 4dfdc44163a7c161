"""Prepaid pay-per-call minutes: a package sold is a purchase move; a call's time uses its minutes rounded as the
package says; the balance is the sum of the moves; a call beyond the balance is billed at the customer's rate;
an expired package and more than the balance are refused; the office (and the customer) hear of a low and an
empty balance once per crossing; a correction is a reversal; two uses at once never overdraw."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from fieldbox.commerce.choices import MinuteMoveKind
from fieldbox.commerce.models import LabourRate
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services import prepaid
from fieldbox.core import clock
from fieldbox.core.errors import Conflict
from fieldbox.messaging.models import Notification, OutboxMessage
from fieldbox.service.models import Charge, Team, Ticket
from fieldbox.service.services.calls import charge_add, charge_remove

pytestmark = pytest.mark.django_db
MK = MinuteMoveKind
NOW = "2026-03-10 09:00:00+01:00"
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def on_a_tuesday():
    with time_machine.travel(NOW, tick=False):
        yield


def sell(shop, **terms) -> PrepaidPackage:
    data = {"minutes": 120, "price": "90.00", "valid_from": date(2026, 1, 1), "low_minutes": 30, **terms}
    return prepaid.package_create(scope=shop.scope(shop.office), customer_id=shop.customer.pk, data=data)


def call(shop, customer=None) -> Ticket:
    team, _ = Team.objects.get_or_create(organisation=shop.org, name="Assistenza")
    number = f"T{Ticket.objects.count() + 1:07d}"
    return Ticket.objects.create(
        organisation=shop.org,
        team=team,
        customer=customer or shop.customer,
        contact=shop.contact,
        number=number,
        subject="La caldaia non parte",
    )


def time_on(shop, ticket, minutes, user=None, **more) -> Charge:
    return charge_add(
        scope=shop.scope(user or shop.marco),
        ticket_id=ticket.pk,
        kind="time",
        description="Assistenza telefonica",
        minutes=minutes,
        **more,
    )


def rate(shop, hourly="45.00") -> None:
    LabourRate.objects.create(price_list=shop.public, hourly_rate=Decimal(hourly), valid_from=date(2026, 1, 1))


def ledger(package) -> list[tuple[str, int]]:
    return list(MinuteMove.objects.filter(package=package).order_by("pk").values_list("kind", "minutes"))


def test_minutes_are_rounded_up_to_blocks_with_a_minimum_per_call(shop):
    package = sell(shop, rounding_minutes=15, minimum_minutes=15)
    assert [prepaid.rounded_minutes(package, m) for m in (1, 7, 15, 16, 31)] == [15, 15, 15, 30, 45]
    fives = PrepaidPackage(rounding_minutes=5, minimum_minutes=10)
    assert [prepaid.rounded_minutes(fives, m) for m in (3, 10, 11, 21)] == [10, 10, 15, 25]


def test_a_sold_package_is_numbered_and_its_purchase_is_the_first_move(shop):
    package = sell(shop)
    assert package.number == "PP-2026/00001"
    assert ledger(package) == [(MK.PURCHASE, 120)]
    assert prepaid.balance_of(package.pk) == 120
    assert sell(shop).number == "PP-2026/00002"


def test_a_calls_time_uses_the_rounded_minutes_and_is_not_billed_again(shop):
    package = sell(shop)
    ticket = call(shop)
    charge = time_on(shop, ticket, 20)
    assert ledger(package) == [(MK.PURCHASE, 120), (MK.USE, -30)]
    assert prepaid.balance_of(package.pk) == 90
    charge.refresh_from_db()
    assert charge.minutes == 20 and charge.billable is False  # the time as recorded, paid by the package
    used = MinuteMove.objects.get(kind=MK.USE)
    assert (used.ticket_id, used.charge_id, used.by_id) == (ticket.pk, charge.pk, shop.marco.pk)
    time_on(shop, ticket, 5)
    assert prepaid.balance_of(package.pk) == 75  # the minimum per call
    assert Charge.objects.filter(billable=True).count() == 0


def test_the_balance_is_the_sum_of_the_moves_and_a_correction_is_a_reversal(shop):
    package = sell(shop)
    charge = time_on(shop, call(shop), 40)
    use = MinuteMove.objects.get(charge=charge)
    back = prepaid.move_reverse(scope=shop.scope(shop.office), move_id=use.pk, reason="Chiamata in garanzia")
    assert (back.kind, back.minutes, back.reverses_id) == (MK.REVERSAL, 45, use.pk)
    assert ledger(package) == [(MK.PURCHASE, 120), (MK.USE, -45), (MK.REVERSAL, 45)]
    assert prepaid.balance_of(package.pk) == 120
    with pytest.raises(Conflict, match="already reversed"):
        prepaid.move_reverse(scope=shop.scope(shop.office), move_id=use.pk, reason="Di nuovo")
    with pytest.raises(Conflict, match="not reversed"):
        prepaid.move_reverse(scope=shop.scope(shop.office), move_id=back.pk, reason="Annulla la correzione")
    assert len(ledger(package)) == 3


def test_a_call_beyond_the_balance_is_billed_at_the_customers_hourly_rate(shop):
    rate(shop)
    package = sell(shop, minutes=60, low_minutes=0)
    ticket = call(shop)
    time_on(shop, ticket, 40)  # 45 used, 15 left
    charge = time_on(shop, ticket, 50)  # 60 counted: 15 from the package, 45 billed
    charge.refresh_from_db()
    assert charge.billable is False
    assert prepaid.balance_of(package.pk) == 0
    billed = Charge.objects.get(billable=True)
    assert (billed.minutes, billed.unit_price, billed.ticket_id) == (45, Decimal("45.00"), ticket.pk)
    assert billed.description == f"Beyond prepaid package {package.number}"
    assert MinuteMove.objects.get(charge=charge).billed_id == billed.pk
    again = time_on(shop, ticket, 10)  # nothing left: billed whole, at the rate
    again.refresh_from_db()
    assert (again.billable, again.unit_price) == (True, Decimal("45.00"))
    assert prepaid.balance_of(package.pk) == 0


def test_a_call_beyond_one_package_goes_on_to_the_next_then_is_billed(shop):
    rate(shop)
    first = sell(shop, minutes=30, low_minutes=0, valid_until=date(2026, 6, 30))
    second = sell(shop, minutes=60, low_minutes=0)
    ticket = call(shop)
    charge = time_on(shop, ticket, 120)  # 30 from the first (ends first), 60 from the second, 30 billed
    assert (prepaid.balance_of(first.pk), prepaid.balance_of(second.pk)) == (0, 0)
    moves = MinuteMove.objects.filter(charge=charge).order_by("pk")
    assert [(m.package_id, m.minutes) for m in moves] == [(first.pk, -30), (second.pk, -60)]
    billed = Charge.objects.get(billable=True)
    assert billed.minutes == 30 and billed.description == f"Beyond prepaid package {second.number}"
    assert moves.last().billed_id == billed.pk
    charge_remove(scope=shop.scope(shop.marco), charge_id=charge.pk)  # every package gets its minutes back
    assert (prepaid.balance_of(first.pk), prepaid.balance_of(second.pk)) == (30, 60)
    assert not Charge.objects.exists()


def test_a_package_that_may_go_below_zero_takes_the_whole_call(shop):
    package = sell(shop, minutes=30, low_minutes=0, allow_overdraft=True)
    time_on(shop, call(shop), 50)
    assert prepaid.balance_of(package.pk) == -30
    assert not Charge.objects.filter(billable=True).exists()


def test_removing_a_charge_gives_its_minutes_back_and_takes_off_what_was_billed(shop):
    rate(shop)
    package = sell(shop, minutes=30, low_minutes=0)
    charge = time_on(shop, call(shop), 50)
    assert Charge.objects.count() == 2
    charge_remove(scope=shop.scope(shop.marco), charge_id=charge.pk)
    assert ledger(package) == [(MK.PURCHASE, 30), (MK.USE, -30), (MK.REVERSAL, 30)]
    assert not Charge.objects.exists()


def test_a_charge_uses_minutes_once(shop):
    package = sell(shop)
    charge = time_on(shop, call(shop), 20)
    Charge.objects.filter(pk=charge.pk).update(billable=True)
    charge.refresh_from_db()
    prepaid.charge_used(scope=shop.scope(shop.marco), charge=charge)
    assert prepaid.balance_of(package.pk) == 90


def test_not_billable_time_fees_and_calls_of_customers_without_a_package_use_nothing(shop):
    package = sell(shop)
    ticket = call(shop)
    time_on(shop, ticket, 20, billable=False)
    charge_add(
        scope=shop.scope(shop.marco), ticket_id=ticket.pk, kind="fee", description="Uscita", unit_price=Decimal(30)
    )
    assert prepaid.balance_of(package.pk) == 120
    other = shop.customer.__class__.objects.create(organisation=shop.org, kind="company", company_name="Altro")
    mine = time_on(shop, call(shop, other), 20)
    assert mine.billable is True and ledger(package) == [(MK.PURCHASE, 120)]


def test_an_expired_package_is_refused_and_a_call_does_not_use_it(shop):
    package = sell(shop, valid_until=date(2026, 2, 28))
    with pytest.raises(Conflict, match=r"PP-2026/00001 expired on .*: its minutes can no longer be used"):
        prepaid.minutes_use(scope=shop.scope(shop.office), package_id=package.pk, minutes=10, reason="Telefonata")
    charge = time_on(shop, call(shop), 20)
    assert charge.billable is True
    assert ledger(package) == [(MK.PURCHASE, 120)]


def test_using_more_than_the_balance_by_hand_is_refused(shop):
    package = sell(shop, minutes=60, low_minutes=0)
    with pytest.raises(ValidationError) as refused:
        prepaid.minutes_use(scope=shop.scope(shop.office), package_id=package.pk, minutes=61, reason="Telefonata")
    assert refused.value.message_dict["minutes"] == ["Only 60 minutes are left on package PP-2026/00001."]
    assert ledger(package) == [(MK.PURCHASE, 60)]
    move = prepaid.minutes_use(scope=shop.scope(shop.office), package_id=package.pk, minutes=7, reason=" Telefonata ")
    assert (move.minutes, move.note) == (-7, "Telefonata")  # as written: no rounding by hand


def test_reversing_a_purchase_whose_minutes_were_used_is_refused(shop):
    package = sell(shop, minutes=60, low_minutes=0)
    time_on(shop, call(shop), 20)
    bought = MinuteMove.objects.get(kind=MK.PURCHASE)
    with pytest.raises(Conflict, match="already used"):
        prepaid.move_reverse(scope=shop.scope(shop.office), move_id=bought.pk, reason="Venduto per errore")
    assert prepaid.balance_of(package.pk) == 30


def test_low_and_empty_balances_are_told_once_per_crossing(shop):
    package = sell(shop, minutes=120, low_minutes=30, tell_customer=True)
    ticket = call(shop)
    use = lambda minutes: prepaid.minutes_use(  # noqa: E731
        scope=shop.scope(shop.office), package_id=package.pk, minutes=minutes, reason="Telefonata"
    )

    def told(kind: str) -> list[str]:
        return sorted(OutboxMessage.objects.filter(kind=kind).values_list("recipient", flat=True))

    use(60)
    assert told(prepaid.OFFICE_KIND) == [] and told(prepaid.CUSTOMER_KIND) == []
    use(40)  # 20 left: low
    office = sorted({shop.office.email, shop.admin.email})
    assert told(prepaid.OFFICE_KIND) == office
    assert told(prepaid.CUSTOMER_KIND) == ["giulia@aurora.example"]
    low = OutboxMessage.objects.get(kind=prepaid.CUSTOMER_KIND)
    assert "PP-2026/00001" in low.subject and "restano 20 minuti" in low.body  # in the customer's language
    time_on(shop, ticket, 5)  # 5 left: still low, nobody told again
    assert len(told(prepaid.OFFICE_KIND)) == 2 and len(told(prepaid.CUSTOMER_KIND)) == 1
    use(5)  # empty
    assert len(told(prepaid.OFFICE_KIND)) == 4 and len(told(prepaid.CUSTOMER_KIND)) == 2
    assert Notification.objects.filter(user=shop.office, event="prepaid.empty").count() == 1
    assert Notification.objects.filter(user=shop.office, event="prepaid.low").count() == 1


def test_the_customer_is_not_told_unless_chosen(shop):
    package = sell(shop, minutes=60, low_minutes=30)
    prepaid.minutes_use(scope=shop.scope(shop.office), package_id=package.pk, minutes=45, reason="Telefonata")
    assert OutboxMessage.objects.filter(kind=prepaid.OFFICE_KIND).exists()
    assert not OutboxMessage.objects.filter(kind=prepaid.CUSTOMER_KIND).exists()


def test_what_is_left_expires_after_the_last_day(shop):
    package = sell(shop, valid_until=TODAY)
    time_on(shop, call(shop), 20)
    assert prepaid.packages_expire() == 0
    with time_machine.travel(clock.start_of_day(TODAY + timedelta(days=1), "Europe/Rome"), tick=False):
        assert prepaid.packages_expire() == 1
        assert prepaid.packages_expire() == 0
    assert ledger(package)[-1] == (MK.EXPIRY, -90)
    assert prepaid.balance_of(package.pk) == 0


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"minutes": 0}, "minutes"),
        ({"minutes": "tanti"}, "minutes"),
        ({"price": "abc"}, "price"),
        ({"price": "-5"}, "price"),
        ({"price": "10.555"}, "price"),
        ({"rounding_minutes": 0}, "rounding_minutes"),
        ({"valid_until": date(2025, 12, 31)}, "valid_until"),
        ({"low_minutes": 120}, "low_minutes"),
        ({"notes": "x" * 501}, "notes"),
    ],
)
def test_bad_terms_are_refused_naming_the_field_and_nothing_is_sold(shop, terms, field):
    with pytest.raises(ValidationError) as refused:
        sell(shop, **terms)
    assert field in refused.value.message_dict
    assert not PrepaidPackage.objects.exists() and not MinuteMove.objects.exists()


def test_another_organisations_customer_or_a_technician_cannot_sell(shop, other_tenant):
    from fieldbox.fleet.models import Customer

    theirs = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Lago srl")
    with pytest.raises(ValidationError, match="Choose one of your customers"):
        prepaid.package_create(scope=shop.scope(shop.office), customer_id=theirs.pk, data={"minutes": 60, "price": 1})
    with pytest.raises(PermissionDenied):
        prepaid.package_create(scope=shop.scope(shop.marco), customer_id=shop.customer.pk, data={"minutes": 60})
    assert not PrepaidPackage.objects.exists()


def test_bad_manual_use_and_reversal_are_refused_and_write_nothing(shop):
    package = sell(shop)
    office = shop.scope(shop.office)
    with pytest.raises(ValidationError, match="whole number"):
        prepaid.minutes_use(scope=office, package_id=package.pk, minutes="mezz'ora", reason="Telefonata")
    with pytest.raises(ValidationError) as refused:
        prepaid.minutes_use(scope=office, package_id=package.pk, minutes=10, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        prepaid.move_reverse(scope=office, move_id=MinuteMove.objects.get().pk, reason="")
    with pytest.raises(PrepaidPackage.DoesNotExist):
        prepaid.minutes_use(scope=office, package_id=999999, minutes=10, reason="Telefonata")
    assert ledger(package) == [(MK.PURCHASE, 120)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uses_at_once_never_overdraw(shop):
    package = sell(shop, minutes=60, low_minutes=0)
    ready = threading.Barrier(4, timeout=10)
    won: list[int] = []

    def one(n: int) -> None:
        try:
            ready.wait()
            prepaid.minutes_use(scope=shop.scope(shop.office), package_id=package.pk, minutes=30, reason=f"#{n}")
            won.append(n)
        except ValidationError:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len(won) == 2
    assert prepaid.balance_of(package.pk) == 0
