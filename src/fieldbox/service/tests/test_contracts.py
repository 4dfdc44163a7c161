"""Maintenance contracts: a draft with its covered equipment, activated, terminated with a reason; at its end an
automatic renewal makes the next contract (the old one stays as it was), the others expire; the office hears of a
notice deadline before it passes, once; one contract at a time per piece of equipment."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service.choices import ContractStatus, Renewal
from fieldbox.service.models import Equipment, WorkType
from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.selectors_contracts import contract_covering
from fieldbox.service.services import contracts as services
from fieldbox.service.services.contracts import Terms
from fieldbox.service.tasks import renew_contracts

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
C = ContractStatus


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


@dataclass
class Office:
    office: User
    admin: User
    technician: User
    customer: Customer
    other_customer: Customer
    boiler: Equipment
    chiller: Equipment
    foreign: Equipment  # the other customer's
    service: WorkType

    def scope(self, user: User | None = None):
        return scope_of(user or self.office, self.boiler.organisation)


@pytest.fixture
def shop(tenant) -> Office:
    org = tenant.company
    org.time_zone = "Europe/Rome"
    org.save(update_fields=["time_zone"])
    customer = Customer.objects.create(organisation=org, kind="company", company_name="Condominio Aurora")
    other = Customer.objects.create(organisation=org, kind="company", company_name="Hotel Miramare")
    return Office(
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        admin=tenant.company_admin,
        technician=member(org, Role.TECHNICIAN, email="marco@rossi.example"),
        customer=customer,
        other_customer=other,
        boiler=Equipment.objects.create(organisation=org, customer=customer, name="Caldaia", serial="CA-1"),
        chiller=Equipment.objects.create(organisation=org, customer=customer, name="Gruppo frigo", serial="GF-2"),
        foreign=Equipment.objects.create(organisation=org, customer=other, name="Caldaia hotel", serial="CH-9"),
        service=WorkType.objects.create(organisation=org, name="Manutenzione ordinaria"),
    )


def terms(**changes) -> Terms:
    fields = {
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 12, 31),
        "notice_days": 60,
        "renewal": Renewal.AUTOMATIC,
        "renewal_months": 12,
        "fee": Decimal("1200.00"),
        "fee_period": "year",
        "included_visits": 4,
    }
    return Terms(**{**fields, **changes})


def drafted(shop: Office, *equipment: Equipment, **changes) -> Contract:
    contract = services.contract_create(scope=shop.scope(), customer_id=shop.customer.pk, terms=terms(**changes))
    for piece in equipment:
        services.contract_equipment_add(
            scope=shop.scope(),
            contract_id=contract.pk,
            equipment_id=piece.pk,
            months="1,7",
            work_type_id=shop.service.pk,
        )
    return contract


def active(shop: Office, *equipment: Equipment, **changes) -> Contract:
    contract = drafted(shop, *(equipment or (shop.boiler,)), **changes)
    return services.contract_activate(scope=shop.scope(), contract_id=contract.pk)


def snapshot(contract: Contract) -> dict:
    row = Contract.objects.filter(pk=contract.pk).values().get()
    row.pop("changed_at")
    lines = list(ContractEquipment.objects.filter(contract=contract).values("equipment_id", "months", "work_type_id"))
    return {**row, "lines": lines}


# ---- Drafts and their equipment -------------------------------------------------------------------------------


def test_a_draft_is_numbered_per_organisation_and_covers_its_equipment_in_its_months(shop):
    first = drafted(shop, shop.boiler)
    second = drafted(shop, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    assert (first.number, second.number) == ("C0000001", "C0000002")
    assert first.status == C.DRAFT and first.notice_by == date(2026, 11, 1)
    line = ContractEquipment.objects.get(contract=first)
    assert (line.equipment, line.months, line.work_type) == (shop.boiler, "1,7", shop.service)
    assert line.month_numbers == [1, 7]


def test_months_are_kept_sorted_once_and_wrong_ones_refused(shop):
    contract = drafted(shop)
    line = services.contract_equipment_add(
        scope=shop.scope(), contract_id=contract.pk, equipment_id=shop.chiller.pk, months="10, 4 4,1"
    )
    assert line.months == "1,4,10"
    with pytest.raises(ValidationError) as refused:
        services.contract_equipment_add(
            scope=shop.scope(), contract_id=contract.pk, equipment_id=shop.boiler.pk, months="1,13"
        )
    assert "1 to 12" in refused.value.message_dict["months"][0]
    assert ContractEquipment.objects.filter(contract=contract).count() == 1


def test_a_draft_changes_and_loses_equipment(shop):
    contract = drafted(shop, shop.boiler, shop.chiller)
    services.contract_edit(scope=shop.scope(), contract_id=contract.pk, terms=terms(fee="1500", notice_days=30))
    line = ContractEquipment.objects.get(contract=contract, equipment=shop.chiller)
    services.contract_equipment_remove(scope=shop.scope(), contract_id=contract.pk, line_id=line.pk)
    contract.refresh_from_db()
    assert contract.fee == Decimal("1500.00") and contract.notice_by == date(2026, 12, 1)
    assert list(ContractEquipment.objects.filter(contract=contract).values_list("equipment", flat=True)) == [
        shop.boiler.pk
    ]
    actions = list(
        AuditEvent.objects.filter(object_id=str(contract.pk)).order_by("id").values_list("action", flat=True)
    )
    assert actions.count("contract.edit") == 4 and actions[0] == "contract.create"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ends_on": date(2025, 12, 31)}, "ends_on", "before the start"),
        ({"fee": "-10"}, "fee", "negative"),
        ({"fee": "dieci"}, "fee", "amount"),
        ({"renewal_months": 0}, "renewal_months", "one month"),
        ({"notice_days": 400}, "notice_days", "longer than the contract"),
        ({"starts_on": None}, "starts_on", "required"),
    ],
)
def test_bad_terms_are_refused_naming_the_field_and_nothing_is_written(shop, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        services.contract_create(scope=shop.scope(), customer_id=shop.customer.pk, terms=terms(**changes))
    assert words in refused.value.message_dict[field][0]
    assert not Contract.objects.exists()


def test_editing_with_bad_terms_changes_nothing(shop):
    contract = drafted(shop, shop.boiler)
    before = snapshot(contract)
    with pytest.raises(ValidationError):
        services.contract_edit(scope=shop.scope(), contract_id=contract.pk, terms=terms(fee="-1"))
    assert snapshot(contract) == before


def test_equipment_of_another_customer_is_refused(shop):
    contract = drafted(shop)
    with pytest.raises(ValidationError) as refused:
        services.contract_equipment_add(scope=shop.scope(), contract_id=contract.pk, equipment_id=shop.foreign.pk)
    assert "this contract's customer" in refused.value.message_dict["equipment_id"][0]
    assert not ContractEquipment.objects.exists()


def test_another_organisations_customer_is_refused(shop, other_tenant):
    stranger = Customer.objects.create(organisation=other_tenant.company, kind="company", company_name="Altro")
    with pytest.raises(ValidationError) as refused:
        services.contract_create(scope=shop.scope(), customer_id=stranger.pk, terms=terms())
    assert "customer_id" in refused.value.message_dict
    assert not Contract.objects.exists()


def test_a_technician_may_not_write_contracts(shop):
    with pytest.raises(PermissionDenied):
        services.contract_create(scope=shop.scope(shop.technician), customer_id=shop.customer.pk, terms=terms())


def test_an_active_contract_never_changes(shop):
    contract = active(shop, shop.boiler)
    before = snapshot(contract)
    with pytest.raises(Conflict) as refused:
        services.contract_edit(scope=shop.scope(), contract_id=contract.pk, terms=terms(fee="1"))
    assert "only a draft contract changes" in refused.value.message
    with pytest.raises(Conflict):
        services.contract_equipment_add(scope=shop.scope(), contract_id=contract.pk, equipment_id=shop.chiller.pk)
    line = ContractEquipment.objects.get(contract=contract)
    with pytest.raises(Conflict):
        services.contract_equipment_remove(scope=shop.scope(), contract_id=contract.pk, line_id=line.pk)
    assert snapshot(contract) == before


def test_a_contract_without_equipment_is_not_activated(shop):
    contract = drafted(shop)
    with pytest.raises(ValidationError) as refused:
        services.contract_activate(scope=shop.scope(), contract_id=contract.pk)
    assert "Add the equipment" in refused.value.messages[0]
    contract.refresh_from_db()
    assert contract.status == C.DRAFT


# ---- One contract at a time per piece of equipment ----------------------------------------------------------


def test_overlapping_contracts_for_the_same_equipment_are_refused_naming_the_other(shop):
    first = active(shop, shop.boiler)
    second = drafted(shop, starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    with pytest.raises(ValidationError) as refused:
        services.contract_equipment_add(scope=shop.scope(), contract_id=second.pk, equipment_id=shop.boiler.pk)
    words = refused.value.message_dict["equipment_id"][0]
    assert first.number in words and "Caldaia" in words and "01/01/2026" in words
    assert not ContractEquipment.objects.filter(contract=second).exists()
    # Once the first has ended, the next term is free.
    later = drafted(shop, shop.boiler, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    assert ContractEquipment.objects.filter(contract=later).count() == 1


def test_moving_a_drafts_dates_onto_another_contract_is_refused(shop):
    first = active(shop, shop.boiler)
    second = drafted(shop, shop.boiler, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    before = snapshot(second)
    with pytest.raises(ValidationError) as refused:
        services.contract_edit(
            scope=shop.scope(),
            contract_id=second.pk,
            terms=terms(starts_on=date(2026, 12, 1), ends_on=date(2027, 12, 31)),
        )
    assert first.number in refused.value.messages[0]
    assert snapshot(second) == before


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_offices_adding_the_same_equipment_at_once_one_wins(shop):
    one = drafted(shop)
    two = drafted(shop)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add(contract: Contract) -> None:
        try:
            barrier.wait()
            services.contract_equipment_add(scope=shop.scope(), contract_id=contract.pk, equipment_id=shop.boiler.pk)
            outcomes.append("added")
        except ValidationError as e:
            outcomes.append(e.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(c,)) for c in (one, two)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "added" in outcomes and len(outcomes) == 2
    assert "already covered" in next(o for o in outcomes if o != "added")
    assert ContractEquipment.objects.filter(equipment=shop.boiler).count() == 1


# ---- Activation, termination, covering ----------------------------------------------------------------------


def test_covering_follows_the_contracts_term_and_termination(shop):
    contract = active(shop, shop.boiler)
    org = shop.boiler.organisation_id
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2026, 3, 1)) == contract
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2027, 1, 1)) is None
    assert contract_covering(organisation_id=org, equipment_id=shop.chiller.pk, on=date(2026, 3, 1)) is None
    draft = drafted(shop, shop.chiller)
    assert contract_covering(organisation_id=org, equipment_id=shop.chiller.pk, on=date(2026, 3, 1)) is None
    assert draft.status == C.DRAFT
    with time_machine.travel(rome(2026, 6, 15, 10, 0), tick=False):
        services.contract_terminate(scope=shop.scope(), contract_id=contract.pk, reason="Il cliente ha disdetto")
    contract.refresh_from_db()
    assert contract.status == C.TERMINATED and contract.terminated_on == date(2026, 6, 15)
    assert contract.end_reason == "Il cliente ha disdetto"
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2026, 6, 15)) == contract
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2026, 6, 16)) is None
    event = AuditEvent.objects.get(object_id=str(contract.pk), action="contract.terminate")
    assert (event.from_state, event.to_state, event.reason) == ("active", "terminated", "Il cliente ha disdetto")


def test_terminating_needs_a_reason_and_an_active_contract(shop):
    contract = active(shop, shop.boiler)
    with pytest.raises(ValidationError) as refused:
        services.contract_terminate(scope=shop.scope(), contract_id=contract.pk, reason="  ")
    assert "reason" in refused.value.message_dict
    draft = drafted(shop, starts_on=date(2028, 1, 1), ends_on=date(2028, 12, 31))
    with pytest.raises(Conflict):
        services.contract_terminate(scope=shop.scope(), contract_id=draft.pk, reason="Errore")
    contract.refresh_from_db()
    assert contract.status == C.ACTIVE and contract.end_reason == ""


# ---- The daily run ------------------------------------------------------------------------------------------


def test_an_automatic_renewal_makes_the_next_contract_and_keeps_the_old_one_unchanged(shop):
    old = active(shop, shop.boiler, shop.chiller)
    before = snapshot(old)
    with time_machine.travel(rome(2026, 12, 31, 23, 0), tick=False):
        renew_contracts()
        assert Contract.objects.count() == 1  # its last day is not over in Rome
    with time_machine.travel(rome(2027, 1, 1, 0, 30), tick=False):
        assert renew_contracts() == 1
        assert renew_contracts() == 0  # twice: nothing more
    new = Contract.objects.get(renews=old)
    after = snapshot(old)
    assert after.pop("status") == C.RENEWED
    before.pop("status")
    assert after == before
    assert new.status == C.ACTIVE and new.number == "C0000002"
    assert (new.starts_on, new.ends_on, new.notice_by) == (date(2027, 1, 1), date(2027, 12, 31), date(2027, 11, 1))
    assert (new.fee, new.fee_period, new.included_visits, new.customer) == (
        Decimal("1200.00"),
        "year",
        4,
        shop.customer,
    )
    assert sorted(ContractEquipment.objects.filter(contract=new).values_list("equipment_id", "months")) == sorted(
        [(shop.boiler.pk, "1,7"), (shop.chiller.pk, "1,7")]
    )
    assert list(old.renewals.all()) == [new]
    org = shop.boiler.organisation_id
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2026, 12, 31)) == old
    assert contract_covering(organisation_id=org, equipment_id=shop.boiler.pk, on=date(2027, 1, 1)) == new
    renewed = AuditEvent.objects.get(object_id=str(old.pk), action="contract.renew")
    assert renewed.actor is None and renewed.data["renewed_by"] == new.number


def test_a_renewal_long_overdue_is_renewed_up_to_today(shop):
    old = active(shop, shop.boiler, renewal_months=6)
    with time_machine.travel(rome(2027, 8, 1, 8, 0), tick=False):
        renew_contracts()
    chain = list(Contract.objects.order_by("starts_on").values_list("status", "starts_on", "ends_on"))
    assert chain == [
        (C.RENEWED, date(2026, 1, 1), date(2026, 12, 31)),
        (C.RENEWED, date(2027, 1, 1), date(2027, 6, 30)),
        (C.ACTIVE, date(2027, 7, 1), date(2027, 12, 31)),
    ]
    assert old.pk == Contract.objects.order_by("starts_on").first().pk


@pytest.mark.parametrize("renewal", [Renewal.ON_REQUEST, Renewal.NONE])
def test_without_automatic_renewal_a_contract_expires(shop, renewal):
    old = active(shop, shop.boiler, renewal=renewal)
    with time_machine.travel(rome(2027, 1, 2, 8, 0), tick=False):
        renew_contracts()
    old.refresh_from_db()
    assert old.status == C.EXPIRED and Contract.objects.count() == 1


def test_a_renewal_stands_aside_when_the_office_already_wrote_the_next_contract(shop):
    old = active(shop, shop.boiler)
    hand = drafted(shop, shop.chiller, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    services.contract_equipment_add(scope=shop.scope(), contract_id=hand.pk, equipment_id=shop.boiler.pk)
    with time_machine.travel(rome(2027, 1, 2, 8, 0), tick=False):
        renew_contracts()
    old.refresh_from_db()
    assert old.status == C.EXPIRED and not Contract.objects.filter(renews=old).exists()


def notices() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=services.NOTICE_KIND).order_by("pk"))


def test_the_office_is_told_of_a_notice_deadline_30_and_7_days_before_each_once(shop):
    active(shop, shop.boiler)  # notice by 1 November 2026
    with time_machine.travel(rome(2026, 10, 1, 8, 0), tick=False):
        renew_contracts()
        assert notices() == []
    with time_machine.travel(rome(2026, 10, 2, 8, 0), tick=False):
        renew_contracts()
        renew_contracts()
    told = notices()
    assert {m.recipient for m in told} == {"ufficio@rossi.example", shop.admin.email}
    assert all("C0000001" in m.subject and "01/11/2026" in m.subject for m in told)
    assert "technician" not in {m.recipient for m in told}
    with time_machine.travel(rome(2026, 10, 20, 8, 0), tick=False):
        renew_contracts()
        assert len(notices()) == 2
    with time_machine.travel(rome(2026, 10, 25, 8, 0), tick=False):
        renew_contracts()
        renew_contracts()
    assert len(notices()) == 4
    assert "in 7 days" in notices()[-1].body
    with time_machine.travel(rome(2026, 11, 2, 8, 0), tick=False):
        renew_contracts()
    assert len(notices()) == 4


def test_a_terminated_contract_is_not_announced_nor_renewed(shop):
    contract = active(shop, shop.boiler)
    services.contract_terminate(scope=shop.scope(), contract_id=contract.pk, reason="Disdetta", on=date(2026, 9, 30))
    with time_machine.travel(rome(2026, 10, 25, 8, 0), tick=False):
        renew_contracts()
    with time_machine.travel(rome(2027, 1, 2, 8, 0), tick=False):
        renew_contracts()
    assert notices() == [] and Contract.objects.count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_renew_once(shop):
    old = active(shop, shop.boiler, ends_on=date(2026, 11, 30), notice_days=30)
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            renew_contracts()
        finally:
            connection.close()

    with time_machine.travel(rome(2026, 12, 1, 8, 0), tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert Contract.objects.filter(renews=old).count() == 1
    assert Contract.objects.get(pk=old.pk).status == C.RENEWED


def test_the_demo_builds_contracts_with_automatic_renewal_and_one_renewed(shop):
    from fieldbox.service import demo_contracts

    org = shop.boiler.organisation
    with time_machine.travel(rome(2026, 5, 4, 9, 0), tick=False):
        made = demo_contracts.contracts(
            org, [shop.customer, shop.other_customer], [shop.boiler, shop.chiller, shop.foreign], work_type=shop.service
        )
    statuses = sorted(c.status for c in Contract.objects.all())
    assert statuses == sorted([C.RENEWED, C.ACTIVE, C.ACTIVE, C.DRAFT]) and len(made) == 4
    renewed = Contract.objects.get(status=C.RENEWED)
    assert renewed.renewals.get().status == C.ACTIVE and renewed.renewal == Renewal.AUTOMATIC
    demo_contracts.reset(type(org).objects.filter(pk=org.pk))
    assert not Contract.objects.exists()


def test_webhooks_tell_a_contract_activated_and_renewed(shop):
    from fieldbox.messaging import events
    from fieldbox.messaging.models import WebhookEndpoint

    org = shop.boiler.organisation
    WebhookEndpoint.objects.create(
        organisation=org, url="https://hooks.example/in", secret="s", event_types=["contract.status_changed"]
    )
    events.forget_subscriptions(org.pk)
    old = active(shop, shop.boiler)
    with time_machine.travel(rome(2027, 1, 2, 8, 0), tick=False):
        renew_contracts()
    bodies = [m.body for m in OutboxMessage.objects.filter(channel="webhook").order_by("pk")]
    assert len(bodies) == 4  # drafted, activated; renewed, and the renewal made active
    assert any('"action":"renew"' in b and f'"contract_id":{old.pk}' in b for b in bodies)
    assert any('"action":"renew_as"' in b and f'"renews_id":{old.pk}' in b for b in bodies)


def test_equipment_under_a_contract_is_not_removed(shop):
    from fieldbox.service.services.equipment import equipment_remove

    first = active(shop, shop.boiler)
    with pytest.raises(Conflict) as refused:
        equipment_remove(scope=shop.scope(), equipment_id=shop.boiler.pk)
    assert first.number in str(refused.value)
    assert Equipment.objects.filter(pk=shop.boiler.pk).exists()
