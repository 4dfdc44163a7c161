"""The final verification (SYS "verifica intervento finale"): an admin checks a done work order or a resolved call —
hours, parts, expenses, call time, what the contract covers — corrects a line with a reason and marks it verified,
ready to bill. Technicians and the office cannot; what was recorded (the signed report) never changes."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation
from PIL import Image, ImageDraw

from fieldbox.accounts.choices import Role
from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of
from fieldbox.core.errors import Conflict
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service import selectors_verification as reads
from fieldbox.service.choices import MaterialUse, WorkOrderStatus
from fieldbox.service.models import Equipment, Expense, Material, Team, Ticket, TimeEntry, WorkOrder, WorkType
from fieldbox.service.models.contracts import Contract
from fieldbox.service.models.verification import Verification, VerifiedLine
from fieldbox.service.services.calls import charge_add, ticket_create
from fieldbox.service.services.contracts import Terms, contract_activate, contract_create, contract_equipment_add
from fieldbox.service.services.reports import ExpenseLine, MaterialLine, report_draft, report_sign, report_update
from fieldbox.service.services.tickets import ticket_resolve
from fieldbox.service.services.verification import Correction, verify_call, verify_work_order
from fieldbox.service.services.work_orders import (
    work_order_answer,
    work_order_create,
    work_order_move,
    work_order_plan,
)

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=ROME)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 7, hour, minute, tzinfo=ROME)


def drawing() -> str:
    image = Image.new("RGBA", (400, 150), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(20, 120), (120, 40), (220, 130)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@dataclass
class World:
    org: Organisation
    admin: User
    office: User
    marco: User
    customer: Customer
    boiler: Equipment
    work_type: WorkType

    def scope(self, user: User | None = None):
        return scope_of(user or self.admin, self.org)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _english():
    """The services' messages in English, whatever language an earlier test's request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def world(tenant) -> World:
    org = tenant.company
    customer = Customer.objects.create(
        organisation=org, kind="company", company_name="Condominio Aurora", email="amministrazione@aurora.example"
    )
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Bologna")
    boiler = Equipment.objects.create(organisation=org, customer=customer, site=site, name="Caldaia", serial="CX-1")
    Team.objects.create(organisation=org, name="Assistenza tecnica")
    return World(
        org=org,
        admin=tenant.company_admin,
        office=member(org, Role.OFFICE, email="ufficio@rossi.example"),
        marco=member(org, Role.TECHNICIAN, email="marco@rossi.example", first_name="Marco", last_name="Bianchi"),
        customer=customer,
        boiler=boiler,
        work_type=WorkType.objects.create(organisation=org, name="Manutenzione ordinaria"),
    )


def done_work(w: World, *, equipment: bool = True, start: int = 9) -> WorkOrder:
    """A work order carried out by Marco today, its report signed: 2 h 15 min, a valve used, gaskets left with
    the customer, a toll and a parking."""
    desk = w.scope(w.office)
    with time_machine.travel(NOW, tick=False):
        order = work_order_create(
            scope=desk,
            customer_id=w.customer.pk,
            equipment_id=w.boiler.pk if equipment else None,
            work_type_id=w.work_type.pk,
            description="Manutenzione caldaia",
        )
        work_order_plan(scope=desk, work_order_id=order.pk, starts_at=at(start), minutes=120, technician_id=w.marco.pk)
        work_order_move(scope=desk, work_order_id=order.pk, action="send")
        mine = w.scope(w.marco)
        work_order_answer(scope=mine, work_order_id=order.pk, accept=True)
        work_order_move(scope=mine, work_order_id=order.pk, action="start")
        report = report_draft(scope=mine, work_order_id=order.pk)
        report_update(
            scope=mine,
            report_id=report.pk,
            arrived_at=at(start, 5),
            left_at=at(start + 2, 20),
            work_done="Sostituita la valvola di sicurezza.",
            materials=[
                MaterialLine("Valvola di sicurezza 3 bar", "1", "pc", "VS-3", use=MaterialUse.USED),
                MaterialLine("Guarnizioni", "4", "pc", use=MaterialUse.LEFT),
            ],
            expenses=[ExpenseLine("toll", "3.10", "A14"), ExpenseLine("parking", 2)],
        )
        report_sign(
            scope=mine,
            report_id=report.pk,
            technician_name="Marco Bianchi",
            technician_signature=drawing(),
            customer_name="Anna Verdi",
            customer_signature=drawing(),
        )
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DONE
    return order


def resolved_call(w: World) -> Ticket:
    desk = w.scope()
    with time_machine.travel(NOW, tick=False):
        ticket = ticket_create(
            scope=desk,
            data={"customer_id": w.customer.pk, "equipment_id": w.boiler.pk, "subject": "La caldaia è in blocco"},
        )
        charge_add(scope=desk, ticket_id=ticket.pk, kind="time", description="Assistenza telefonica", minutes=25,
                   unit_price=Decimal("48.00"))  # fmt: skip
        charge_add(scope=desk, ticket_id=ticket.pk, kind="fee", description="Diritto di chiamata",
                   quantity=Decimal(1), unit_price=Decimal("30.00"))  # fmt: skip
        ticket_resolve(scope=desk, ticket_id=ticket.pk)
    ticket.refresh_from_db()
    return ticket


def contract_for(
    w: World, *, starts: date = date(2026, 1, 1), ends: date = date(2026, 12, 31), **included: int
) -> Contract:
    """An active contract covering the boiler (made as the office makes it)."""
    office = w.scope(w.office)
    terms = Terms(starts_on=starts, ends_on=ends, **included)
    contract = contract_create(scope=office, customer_id=w.customer.pk, terms=terms)
    contract_equipment_add(scope=office, contract_id=contract.pk, equipment_id=w.boiler.pk, months="1,7")
    return contract_activate(scope=office, contract_id=contract.pk)


def recorded_state(order: WorkOrder) -> tuple:
    return (
        list(TimeEntry.objects.filter(work_order=order).values_list("minutes", "billable")),
        list(Material.objects.filter(work_order=order).values_list("quantity", "billable")),
        list(Expense.objects.filter(report__work_order=order).values_list("amount", flat=True)),
        list(order.reports.values_list("content_hash", "status")),
    )


# ---- The proposal -----------------------------------------------------------------------------------------------


def test_a_done_work_order_proposes_its_hours_parts_and_expenses_as_recorded(world):
    order = done_work(world)
    proposal = reads.propose_for_work_order(order)
    kinds = [(line.kind, line.quantity, line.minutes, line.billable, line.covered) for line in proposal.lines]
    assert kinds == [
        ("labour", Decimal("2.25"), 135, True, False),
        ("part", Decimal("1.00"), None, True, False),
        ("part", Decimal("4.00"), None, True, False),
        ("expense", Decimal(1), None, True, False),
        ("expense", Decimal(1), None, True, False),
    ]
    labour = proposal.lines[0]
    assert labour.work_type == "Manutenzione ordinaria" and "Marco Bianchi" in labour.description
    assert proposal.lines[1].item_code == "VS-3"
    totals = proposal.totals
    assert (totals.minutes, totals.parts, totals.expenses) == (135, Decimal("5.00"), Decimal("5.10"))
    assert proposal.contract is None


def test_what_a_contract_covers_that_day_is_proposed_covered_and_not_billable(world):
    contract = contract_for(world)
    order = done_work(world)
    proposal = reads.propose_for_work_order(order)
    assert proposal.contract == contract
    assert all(line.covered and not line.billable for line in proposal.lines)
    assert proposal.totals.billable_amount == Decimal("0.00") and proposal.totals.billable_minutes == 0


def test_a_contract_with_included_minutes_covers_time_while_they_last_and_bills_parts_and_expenses(world):
    contract_for(world, included_minutes=180)
    first = reads.propose_for_work_order(done_work(world, start=8))
    assert [line.covered for line in first.lines] == [True, False, False, False, False]  # time only
    assert (first.included.minutes, first.included.visits) == (180, 0)
    verify_work_order(scope=world.scope(), work_order_id=WorkOrder.objects.order_by("pk").first().pk)
    second = reads.propose_for_work_order(done_work(world, start=14))
    assert second.included.minutes == 45  # 180 less the 135 verified under it
    assert not any(line.covered for line in second.lines)  # 135 minutes do not fit in 45: billed
    admin = Client()
    admin.force_login(world.admin)
    with translation.override("en"):
        page = admin.get(f"/desk/verification/work-orders/{WorkOrder.objects.order_by('pk').last().pk}/")
    assert "45 minutes of 180 left before this work" in page.content.decode()
    again = reads.propose_for_work_order(WorkOrder.objects.order_by("pk").first())
    assert again.included.minutes == 180  # the verified work itself is not counted against itself


def test_a_contract_with_included_visits_covers_one_piece_of_work_per_visit(world):
    contract_for(world, included_visits=1)
    order = done_work(world, start=8)
    assert reads.propose_for_work_order(order).lines[0].covered
    verify_work_order(scope=world.scope(), work_order_id=order.pk)
    later = reads.propose_for_work_order(done_work(world, start=14))
    assert later.included.visits == 0 and not later.lines[0].covered and later.lines[0].billable


def test_a_contract_that_ended_before_the_day_covers_nothing(world):
    contract_for(world, ends=date(2026, 11, 30))
    proposal = reads.propose_for_work_order(done_work(world))
    assert proposal.contract is None and not any(line.covered for line in proposal.lines)


# ---- Verifying a work order -------------------------------------------------------------------------------------


def test_the_admin_verifies_a_work_order_as_proposed_and_it_is_ready_to_bill(world):
    order = done_work(world)
    before = recorded_state(order)
    with time_machine.travel(datetime(2026, 12, 9, 10, 0, tzinfo=ROME), tick=False):
        made = verify_work_order(scope=world.scope(), work_order_id=order.pk, note="Tutto in ordine")
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.VERIFIED
    assert (made.work_order, made.verified_by, made.customer, made.note) == (
        order,
        world.admin,
        world.customer,
        "Tutto in ordine",
    )
    lines = VerifiedLine.objects.filter(verification=made).order_by("pk")
    assert [(v.kind, v.source_kind) for v in lines] == [
        ("labour", "time_entry"),
        ("part", "material"),
        ("part", "material"),
        ("expense", "expense"),
        ("expense", "expense"),
    ]
    to_bill = VerifiedLine.objects.filter(organisation=world.org, billable=True, covered=False)
    assert to_bill.count() == 5
    assert [v.unit_price for v in lines if v.kind == "expense"] == [Decimal("3.10"), Decimal("2.00")]
    assert all(v.reason == "" and v.recorded == {} for v in lines)
    assert recorded_state(order) == before  # the signed report and the recorded lines stay as they were
    event = AuditEvent.objects.get(object_id=str(order.pk), action="work_order.verify")
    assert event.actor == world.admin and event.data["lines"] == 5


def test_corrections_are_kept_on_the_lines_with_what_was_recorded_and_why(world):
    order = done_work(world)
    proposal = reads.propose_for_work_order(order)
    labour, valve, gaskets, toll, _parking = (line.key for line in proposal.lines)
    before = recorded_state(order)
    corrections = [
        Correction(key=labour, minutes=120, reason="15 minuti di pausa pranzo"),
        Correction(key=valve, billable=False, reason="In garanzia"),
        Correction(key=toll, drop=True, reason="Già rimborsato"),
        Correction(key=gaskets, quantity=Decimal("2"), reason="Due guarnizioni tornate a magazzino"),
        Correction(
            kind="visit",
            description="Uscita tecnico",
            quantity=Decimal(1),
            unit_price=Decimal("35.00"),
            reason="Diritto di uscita da contratto cliente",
        ),
    ]
    made = verify_work_order(scope=world.scope(), work_order_id=order.pk, corrections=corrections)
    rows = {v.source_kind + str(v.source_id or ""): v for v in VerifiedLine.objects.filter(verification=made)}
    hours = rows[labour.replace(":", "")]
    assert (hours.minutes, hours.quantity, hours.reason) == (120, Decimal("2.00"), "15 minuti di pausa pranzo")
    assert hours.recorded["minutes"] == 135 and hours.recorded["quantity"] == "2.25"
    assert rows[valve.replace(":", "")].billable is False and rows[valve.replace(":", "")].recorded["billable"]
    dropped = rows[toll.replace(":", "")]
    assert dropped.dropped and not dropped.billable and dropped.reason == "Già rimborsato"
    assert rows[gaskets.replace(":", "")].quantity == Decimal("2.00")
    added = rows["added"]
    assert (added.kind, added.unit_price, added.recorded, added.source_id) == ("visit", Decimal("35.00"), {}, None)
    assert recorded_state(order) == before
    assert VerifiedLine.objects.filter(verification=made, billable=True, covered=False).count() == 4


def test_a_covered_line_made_billable_is_no_longer_covered(world):
    contract = contract_for(world)
    order = done_work(world)
    labour = reads.propose_for_work_order(order).lines[0].key
    made = verify_work_order(
        scope=world.scope(),
        work_order_id=order.pk,
        corrections=[Correction(key=labour, billable=True, reason="Oltre le ore incluse nel contratto")],
    )
    assert made.contract == contract
    line = VerifiedLine.objects.get(verification=made, source_kind="time_entry")
    assert (line.covered, line.billable, line.recorded["covered"]) == (False, True, True)


# ---- Bad input ---------------------------------------------------------------------------------------------------


def _nothing_verified(order: WorkOrder, status: str = WorkOrderStatus.DONE) -> None:
    order.refresh_from_db()
    assert order.status == status
    assert not Verification.objects.filter(work_order=order).exists()
    assert not VerifiedLine.objects.exists()


@pytest.mark.parametrize("who", ["marco", "office"])
def test_a_technician_or_the_office_cannot_verify_and_nothing_changes(world, who):
    order = done_work(world)
    with pytest.raises(PermissionDenied):
        verify_work_order(scope=world.scope(getattr(world, who)), work_order_id=order.pk)
    _nothing_verified(order)
    with pytest.raises(PermissionDenied):
        verify_call(scope=world.scope(getattr(world, who)), ticket_id=resolved_call(world).pk)
    assert not Verification.objects.exists()


def test_a_correction_without_a_reason_is_refused_naming_the_line(world):
    order = done_work(world)
    labour = reads.propose_for_work_order(order).lines[0].key
    with pytest.raises(ValidationError) as refused:
        verify_work_order(scope=world.scope(), work_order_id=order.pk, corrections=[Correction(key=labour, minutes=90)])
    assert "say why it differs from what was recorded" in str(refused.value.message_dict["lines"])
    assert "Line 1" in str(refused.value.message_dict["lines"])
    _nothing_verified(order)


def test_an_added_line_without_a_reason_is_refused(world):
    order = done_work(world)
    with pytest.raises(ValidationError) as refused:
        verify_work_order(
            scope=world.scope(),
            work_order_id=order.pk,
            corrections=[Correction(kind="part", description="Filtro", quantity=Decimal(1))],
        )
    assert "say why the line is added" in str(refused.value.message_dict["lines"])
    _nothing_verified(order)


@pytest.mark.parametrize(
    "change",
    [{"quantity": Decimal("-1")}, {"minutes": -30}, {"unit_price": Decimal("-2")}],
)
def test_a_negative_quantity_minutes_or_price_is_refused(world, change):
    order = done_work(world)
    keys = [line.key for line in reads.propose_for_work_order(order).lines]
    key = keys[0] if "minutes" in change else keys[3] if "unit_price" in change else keys[1]
    with pytest.raises(ValidationError) as refused:
        verify_work_order(
            scope=world.scope(), work_order_id=order.pk, corrections=[Correction(key=key, reason="Errore", **change)]
        )
    assert "cannot be negative" in str(refused.value.message_dict["lines"])
    _nothing_verified(order)


def test_an_unknown_line_is_refused(world):
    order = done_work(world)
    with pytest.raises(ValidationError) as refused:
        verify_work_order(
            scope=world.scope(), work_order_id=order.pk, corrections=[Correction(key="material:999999", reason="x")]
        )
    assert "not one of the recorded lines" in str(refused.value.message_dict["lines"])
    _nothing_verified(order)


def test_verifying_twice_is_refused_and_the_first_stays(world):
    order = done_work(world)
    first = verify_work_order(scope=world.scope(), work_order_id=order.pk)
    with pytest.raises(Conflict) as refused:
        verify_work_order(scope=world.scope(), work_order_id=order.pk, note="di nuovo")
    assert "Verified" in refused.value.message
    assert list(Verification.objects.all()) == [first]
    assert VerifiedLine.objects.count() == 5


def test_a_work_order_not_done_cannot_be_verified(world):
    desk = world.scope(world.office)
    order = work_order_create(scope=desk, customer_id=world.customer.pk, description="Da pianificare")
    with pytest.raises(Conflict) as refused:
        verify_work_order(scope=world.scope(), work_order_id=order.pk)
    assert "To plan" in refused.value.message
    _nothing_verified(order, WorkOrderStatus.TO_PLAN)


def test_another_organisations_work_order_is_not_found(world, other_tenant):
    order = done_work(world)
    with pytest.raises(WorkOrder.DoesNotExist):
        verify_work_order(scope=scope_of(other_tenant.company_admin, other_tenant.company), work_order_id=order.pk)
    _nothing_verified(order)


# ---- Calls --------------------------------------------------------------------------------------------------------


def test_a_resolved_call_is_verified_once_with_its_call_time_and_fee(world):
    ticket = resolved_call(world)
    proposal = reads.propose_for_call(ticket)
    assert [(line.kind, line.minutes, line.amount) for line in proposal.lines] == [
        ("call_time", 25, Decimal("20.00")),
        ("expense", None, Decimal("30.00")),
    ]
    assert list(reads.calls_to_verify(world.scope(), reads.Filters(kind="call"))) == [ticket]
    made = verify_call(scope=world.scope(), ticket_id=ticket.pk)
    assert made.ticket == ticket and made.lines.count() == 2
    assert list(reads.calls_to_verify(world.scope(), reads.Filters(kind="call"))) == []
    assert AuditEvent.objects.filter(object_id=str(ticket.pk), action="verification.call").count() == 1
    with pytest.raises(Conflict) as refused:
        verify_call(scope=world.scope(), ticket_id=ticket.pk)
    assert "already verified" in refused.value.message
    assert Verification.objects.count() == 1 and VerifiedLine.objects.count() == 2


def test_an_open_call_cannot_be_verified(world):
    desk = world.scope()
    ticket = ticket_create(scope=desk, data={"customer_id": world.customer.pk, "subject": "Domanda"})
    with pytest.raises(Conflict) as refused:
        verify_call(scope=desk, ticket_id=ticket.pk)
    assert "resolved or closed" in refused.value.message
    assert not Verification.objects.exists()


def test_the_call_covered_by_a_contract_proposes_its_time_covered(world):
    contract_for(world)
    proposal = reads.propose_for_call(resolved_call(world))
    assert all(line.covered and not line.billable for line in proposal.lines)


# ---- The queue ---------------------------------------------------------------------------------------------------


def test_the_queue_lists_done_work_not_yet_verified_with_its_filters(world, tenant):
    first = done_work(world)
    second = done_work(world, equipment=False, start=15)
    scope = world.scope()
    queue = reads.work_orders_to_verify
    assert set(queue(scope, reads.Filters())) == {first, second}
    assert list(queue(scope, reads.Filters(technician_id=world.office.pk))) == []
    assert set(queue(scope, reads.Filters(technician_id=world.marco.pk))) == {first, second}
    assert list(queue(scope, reads.Filters(date_from=date(2026, 12, 8)))) == []
    assert len(queue(scope, reads.Filters(date_from=date(2026, 12, 7), date_to=date(2026, 12, 7)))) == 2
    other = Customer.objects.create(organisation=world.org, kind="company", company_name="Hotel Mare")
    assert list(queue(scope, reads.Filters(customer_id=other.pk))) == []
    verify_work_order(scope=scope, work_order_id=first.pk)
    assert list(queue(scope, reads.Filters())) == [second]
    assert list(queue(tenant.scope(tenant.provider_admin), reads.Filters())) == []


def test_the_call_page_section_lists_what_was_verified_and_by_whom(world):
    ticket = resolved_call(world)
    verify_call(
        scope=world.scope(),
        ticket_id=ticket.pk,
        corrections=[Correction(key=reads.propose_for_call(ticket).lines[0].key, minutes=30, reason="Arrotondato")],
    )
    rows = reads.verified_on_call(ticket)
    assert [(r.label, r.minutes, r.verification.verified_by) for r in rows] == [(ticket.number, 30, world.admin)]


def test_the_demo_verifies_done_work_one_corrected_and_a_resolved_call(world):
    from fieldbox.service.demo_verification import CORRECTION, verify_some

    first, second = done_work(world), done_work(world, start=15)
    ticket = resolved_call(world)
    made = verify_some(world.org)
    assert [(v.work_order_id, v.ticket_id) for v in made] == [(first.pk, None), (second.pk, None), (None, ticket.pk)]
    corrected = VerifiedLine.objects.get(verification=made[1], source_kind="time_entry")
    assert (corrected.minutes, corrected.reason) == (120, CORRECTION)
    assert verify_some(world.org) == []  # nothing left to verify


@pytest.mark.postgres  # several connections at once: SQLite has one writer
@pytest.mark.django_db(transaction=True)
def test_two_admins_verifying_at_once_make_one_verification(world):
    import threading

    from django.db import connections

    second = member(world.org, Role.INSTALLER_ADMIN, email="titolare2@rossi.example")
    order, ticket = done_work(world), resolved_call(world)
    ready = threading.Barrier(4, timeout=20)
    outcomes: list[str] = []

    def work(user: User, call: bool) -> None:
        try:
            ready.wait()
            if call:
                verify_call(scope=world.scope(user), ticket_id=ticket.pk)
            else:
                verify_work_order(scope=world.scope(user), work_order_id=order.pk)
            outcomes.append("verified")
        except Conflict:
            outcomes.append("refused")
        except BaseException as error:  # pragma: no cover - shown by the assertion
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    runs = [(u, c) for u in (world.admin, second) for c in (True, False)]
    threads = [threading.Thread(target=work, args=run) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused", "refused", "verified", "verified"]
    assert Verification.objects.filter(work_order=order).count() == 1
    assert Verification.objects.filter(ticket=ticket).count() == 1
    assert VerifiedLine.objects.count() == 5 + 2
