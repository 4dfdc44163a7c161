"""The contract covering a piece of equipment, on the equipment's page and on the call page: its number (a link for
the office, who may open contracts), status, term, and the equipment's service months and type of work. The call
page reads it as the final verification does; a call without equipment has none. A few queries, however many."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.service import selectors_verification as verification
from fieldbox.service.models import Equipment
from fieldbox.service.selectors_contracts import contract_covering, cover_of
from fieldbox.service.services.calls import ticket_create
from fieldbox.service.services.contracts import Terms, contract_activate, contract_create, contract_equipment_add
from fieldbox.service.tests.test_verification import NOW, ROME, World, contract_for, resolved_call
from fieldbox.service.tests.test_verification import world as verification_world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(request) -> World:
    found: World = request.getfixturevalue("verification_world")
    return found


def page(client, name: str, pk: int) -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse(f"service:{name}", args=[pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_equipment_page_shows_the_contract_covering_it_with_its_months(world):
    contract = contract_for(world)
    shown = page(signed_in(world.office), "equipment_detail", world.boiler.pk)
    link = reverse("service:contract", args=[contract.pk])
    assert f'href="{link}" data-testid="cover-link">{contract.number}</a>' in shown
    assert "Active" in shown and "01/01/2026 \u2013 12/31/2026" in shown and "January, July" in shown
    desk = member(world.org, Role.DESK_AGENT, email="desk@rossi.example")
    read_only = page(signed_in(desk), "equipment_detail", world.boiler.pk)
    assert contract.number in read_only and link not in read_only


def test_equipment_no_contract_covers_today_says_so(world):
    contract_for(world, ends=date(2026, 11, 30))
    shown = page(signed_in(world.office), "equipment_detail", world.boiler.pk)
    assert "No contract covers this equipment." in shown and 'data-testid="cover"' not in shown


def test_the_call_page_shows_the_contract_the_verification_reads(world):
    contract = contract_for(world)
    ticket = resolved_call(world)
    assert verification.propose_for_call(ticket).contract == contract
    shown = page(signed_in(world.office), "ticket", ticket.pk)
    assert 'data-testid="call-contract"' in shown
    assert f'data-testid="cover-link">{contract.number}</a>' in shown and "January, July" in shown
    with time_machine.travel(datetime(2027, 2, 1, 9, tzinfo=ROME), tick=False):  # read on the day it was resolved
        later = signed_in(world.office).get(reverse("service:ticket", args=[ticket.pk])).content.decode()
    assert f'data-testid="cover-link">{contract.number}</a>' in later


def test_a_call_without_equipment_has_no_contract_on_its_page_nor_in_its_verification(world):
    contract_for(world)
    with time_machine.travel(NOW, tick=False):
        ticket = ticket_create(scope=world.scope(), data={"customer_id": world.customer.pk, "subject": "Domanda"})
    assert contract_covering(organisation_id=world.org.pk, equipment_id=None, on=NOW.date()) is None
    assert verification.propose_for_call(ticket).contract is None
    shown = page(signed_in(world.office), "ticket", ticket.pk)
    assert "The call names no equipment: no contract covers it." in shown


def test_the_contract_is_read_in_two_queries_however_much_it_covers(world):
    contract = contract_for(world)
    with CaptureQueriesContext(connection) as seen:
        cover = cover_of(organisation_id=world.org.pk, equipment_id=world.boiler.pk, on=NOW.date())
        assert cover is not None and cover.contract == contract and cover.line.work_type is None
        assert cover.months == "January, July"
    assert len(seen) == 2
    office = signed_in(world.office)

    def read(piece: Equipment) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as seen, time_machine.travel(NOW, tick=False):
            response = office.get(reverse("service:equipment_detail", args=[piece.pk]))
        return len(seen), response.content.decode()

    site = world.boiler.site
    pumps = [Equipment.objects.create(organisation=world.org, customer=world.customer, site=site, name=f"Pompa {n}")
             for n in range(5)]  # fmt: skip
    desk = world.scope(world.office)
    terms = Terms(starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    many = contract_create(scope=desk, customer_id=world.customer.pk, terms=terms)
    for pump in pumps:
        contract_equipment_add(
            scope=desk, contract_id=many.pk, equipment_id=pump.pk, months="3", work_type_id=world.work_type.pk
        )
    contract_activate(scope=desk, contract_id=many.pk)
    queries, shown = read(pumps[0])
    assert "March" in shown and "Manutenzione ordinaria" in shown
    assert read(world.boiler)[0] == queries
