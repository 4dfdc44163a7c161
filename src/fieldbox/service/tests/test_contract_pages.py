"""The office's contract pages: the list with its filters and export, a new draft for a customer found by name,
its page (equipment with its months, the buttons its state allows, the renewal chain, the history), the terms
form, termination with a reason. A technician is kept out; another organisation's contract is a 404."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.service.choices import ContractStatus
from fieldbox.service.models.contracts import Contract, ContractEquipment
from fieldbox.service.tasks import renew_contracts
from fieldbox.service.tests.test_contracts import Office, active, drafted
from fieldbox.service.tests.test_contracts import shop as contract_shop  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
C = ContractStatus

TERMS = {
    "starts_on": "2026-01-01",
    "ends_on": "2026-12-31",
    "notice_days": "60",
    "renewal": "automatic",
    "renewal_months": "12",
    "fee": "1200.00",
    "fee_period": "year",
    "included_minutes": "0",
    "included_visits": "4",
    "notes": "",
}


@pytest.fixture
def shop(request) -> Office:
    return request.getfixturevalue("contract_shop")


def url(name: str, *args) -> str:
    return reverse(f"service:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def test_the_office_drafts_a_contract_covers_equipment_and_activates_it(shop):
    office = signed_in(shop.office)
    menu = text(office.get(url("work_orders")))
    assert url("contracts") in menu and ">Contracts<" in menu
    found = office.get(url("contract_new"), {"q": "Aurora"})
    assert f'?customer={shop.customer.pk}"' in text(found)
    backwards = office.post(url("contract_new"), {**TERMS, "customer": shop.customer.pk, "ends_on": "2025-12-31"})
    assert backwards.status_code == 400 and "The end cannot come before the start." in text(backwards)
    negative = office.post(url("contract_new"), {**TERMS, "customer": shop.customer.pk, "fee": "-1"})
    assert negative.status_code == 400 and not Contract.objects.exists()

    done = office.post(url("contract_new"), {**TERMS, "customer": shop.customer.pk})
    contract = Contract.objects.get()
    assert done.status_code == 302 and done.url == url("contract", contract.pk)
    page = text(office.get(done.url))
    assert "C0000001" in page and "Draft" in page and 'data-testid="add-equipment"' in page
    assert 'data-testid="terminate"' not in page

    foreign = office.post(url("contract_equipment_add", contract.pk), {"equipment_id": shop.foreign.pk})
    assert foreign.status_code == 400 and not ContractEquipment.objects.exists()
    months = office.post(url("contract_equipment_add", contract.pk), {"equipment_id": shop.boiler.pk, "months": "1,13"})
    assert months.status_code == 400 and "1 to 12" in text(months)
    added = office.post(
        url("contract_equipment_add", contract.pk),
        {"equipment_id": shop.boiler.pk, "months": "1,7", "work_type_id": shop.service.pk},
    )
    assert added.status_code == 302
    page = text(office.get(added.url))
    assert "Caldaia (CA-1)" in page and "January, July" in page and "Manutenzione ordinaria" in page

    edited = office.post(url("contract_edit", contract.pk), {**TERMS, "fee": "1500"})
    assert edited.status_code == 302
    assert "1500.00 €" in text(office.get(edited.url))

    office.post(url("contract_activate", contract.pk))
    page = text(office.get(url("contract", contract.pk)))
    assert "Active" in page and 'data-testid="add-equipment"' not in page and 'data-testid="edit"' not in page
    assert 'data-confirm="Terminate this contract?' in page
    refused = office.post(url("contract_edit", contract.pk), {**TERMS, "fee": "1"})
    assert "only a draft contract changes" in text(office.get(url("contract", contract.pk)))
    assert refused.status_code == 302
    contract.refresh_from_db()
    assert str(contract.fee) == "1500.00"


def test_an_overlap_is_refused_on_the_page_naming_the_other_contract(shop):
    first = active(shop, shop.boiler)
    second = drafted(shop, starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    office = signed_in(shop.office)
    refused = office.post(url("contract_equipment_add", second.pk), {"equipment_id": shop.boiler.pk})
    assert refused.status_code == 400
    assert f"already covered by contract {first.number}" in text(refused)


def test_terminating_asks_for_a_reason(shop):
    contract = active(shop, shop.boiler)
    office = signed_in(shop.office)
    blank = office.post(url("contract_terminate", contract.pk), {"reason": ""})
    assert blank.status_code == 400 and "This field is required." in text(blank)
    done = office.post(url("contract_terminate", contract.pk), {"reason": "Il cliente ha venduto l'immobile"})
    assert done.status_code == 302
    page = text(office.get(done.url))
    assert "Terminated" in page and "Il cliente ha venduto l&#x27;immobile" in page


def test_the_renewal_chain_and_history_are_shown(shop):
    old = active(shop, shop.boiler)
    with time_machine.travel(datetime(2027, 1, 1, 8, tzinfo=ZoneInfo("Europe/Rome")), tick=False):
        renew_contracts()
    new = Contract.objects.get(renews=old)
    office = signed_in(shop.office)
    page = text(office.get(url("contract", old.pk)))
    assert f'data-testid="renewed-by">{new.number}<' in page and "Active → Renewed" in page
    assert "Contract renewed" in page
    page = text(office.get(url("contract", new.pk)))
    assert f'data-testid="renews">{old.number}<' in page and "Contract made by a renewal" in page


def test_the_list_filters_and_exports(shop):
    old = active(shop, shop.boiler, ends_on=date(2026, 6, 30), notice_days=30)
    draft = drafted(shop, starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    office = signed_in(shop.office)
    listed = text(office.get(url("contracts")))
    assert old.number in listed and draft.number in listed
    only_drafts = text(office.get(url("contracts"), {"status": "draft"}))
    assert draft.number in only_drafts and old.number not in only_drafts
    with time_machine.travel(datetime(2026, 5, 15, 8, tzinfo=ZoneInfo("Europe/Rome")), tick=False):
        due = text(office.get(url("contracts"), {"notice_due": "on"}))
    assert old.number in due and draft.number not in due
    ending = text(office.get(url("contracts"), {"ending_before": "2026-12-31"}))
    assert old.number in ending and draft.number not in ending
    exported = office.get(url("contracts"), {"format": "csv", "status": "active"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = exported.content.decode().splitlines()
    assert rows[0].startswith("Number,Status,Customer") and len(rows) == 2 and old.number in rows[1]


def test_a_technician_and_another_organisation_are_kept_out(shop, other_tenant):
    contract = active(shop, shop.boiler)
    technician = signed_in(shop.technician)
    assert technician.get(url("contracts")).status_code == 403
    assert technician.get(url("contract", contract.pk)).status_code == 403
    assert url("contracts") not in text(technician.get(url("work_orders")))
    stranger = signed_in(other_tenant.company_admin)
    assert stranger.get(url("contract", contract.pk)).status_code == 404
    assert stranger.post(url("contract_terminate", contract.pk), {"reason": "x"}).status_code == 404
    assert contract.number not in text(stranger.get(url("contracts")))


def test_a_draft_loses_equipment_and_its_terms_form_is_filled(shop):
    contract = drafted(shop, shop.boiler, shop.chiller)
    office = signed_in(shop.office)
    form = text(office.get(url("contract_edit", contract.pk)))
    assert 'value="2026-01-01"' in form and 'value="1200.00"' in form
    line = ContractEquipment.objects.get(contract=contract, equipment=shop.chiller)
    done = office.post(url("contract_equipment_remove", contract.pk, line.pk))
    assert done.status_code == 302
    page = text(office.get(done.url))
    assert page.count('data-testid="contract-line"') == 1 and ">Caldaia (CA-1)</a>" in page
    assert ">Gruppo frigo (GF-2)</a>" not in page and "Contract changed" in page


def test_the_list_page_export_and_api_read_in_the_same_queries_at_any_length(shop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fieldbox.service.tests.test_contract_api import api

    office = signed_in(shop.office)
    token = api(shop)

    def counts() -> tuple[int, ...]:
        found = []
        for read in (
            lambda: office.get(url("contracts")),
            lambda: office.get(url("contracts"), {"format": "csv"}),
            lambda: token.get("/contracts"),
        ):
            with CaptureQueriesContext(connection) as seen:
                assert read().status_code == 200
            found.append(len(seen))
        return tuple(found)

    def more(n: int, year: int) -> None:
        for k in range(n):
            start = date(year + k, 1, 1)
            drafted(shop, shop.boiler, starts_on=start, ends_on=date(year + k, 12, 31))

    more(2, 2030)
    few = counts()
    more(6, 2040)
    assert counts() == few
