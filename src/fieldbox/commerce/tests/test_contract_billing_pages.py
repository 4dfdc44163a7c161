"""The contract page's billing terms: the office chooses the price list of the work the contract does not include
among the organisation's active lists (or the customer's), through the same service as the API; a wrong choice is
named and changes nothing; a technician is kept out and another organisation's contract is a 404."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.commerce.models import PriceList
from fieldbox.commerce.models.invoicing import ContractTerms
from fieldbox.commerce.tests.conftest import Shop
from fieldbox.service.models.contracts import Contract

pytestmark = pytest.mark.django_db


def contract_of(shop: Shop) -> Contract:
    return Contract.objects.create(
        organisation=shop.org,
        customer=shop.customer,
        number="C0000009",
        status="active",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        notice_by=date(2026, 12, 1),
    )


def text(response) -> str:
    return response.content.decode()


def test_the_office_chooses_the_contracts_price_list_on_its_page(shop):
    contract = contract_of(shop)
    special = PriceList.objects.create(organisation=shop.org, name="Listino contratti")
    PriceList.objects.create(organisation=shop.org, name="Listino vecchio", active=False)
    office = signed_in(shop.office)
    page = text(office.get(reverse("service:contract", args=[contract.pk])))
    assert 'data-testid="contract-billing"' in page and "<strong>the customer's list</strong>" in page
    assert "Customer&#x27;s list" in page and "Listino contratti" in page and "Listino vecchio" not in page
    target = reverse("commerce:contract_billing", args=[contract.pk])
    assert f'action="{target}"' in page

    done = office.post(target, {"price_list_id": special.pk})
    assert done.status_code == 302 and done.url.endswith("#billing")
    assert ContractTerms.objects.get(contract=contract).price_list == special
    page = text(office.get(done.url))
    assert "Contract C0000009: work outside it is billed from Listino contratti." in page
    assert "<strong>Listino contratti</strong>" in page and "Contract&#x27;s price list for extra work set" in page

    back = office.post(target, {"price_list_id": ""})
    assert back.status_code == 302 and ContractTerms.objects.get(contract=contract).price_list is None


def test_a_list_not_offered_is_refused_on_the_page_and_nothing_changes(shop, other_tenant):
    contract = contract_of(shop)
    foreign = PriceList.objects.create(organisation=other_tenant.company, name="Listino Beta")
    office = signed_in(shop.office)
    refused = office.post(reverse("commerce:contract_billing", args=[contract.pk]), {"price_list_id": foreign.pk})
    assert refused.status_code == 400 and 'data-testid="error-summary"' in text(refused)
    assert "Select a valid choice." in text(refused) and not ContractTerms.objects.exists()


def test_the_form_needs_its_csrf_token_and_the_office(shop, other_tenant):
    contract = contract_of(shop)
    target = reverse("commerce:contract_billing", args=[contract.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(shop.office)
    assert strict.post(target, {"price_list_id": shop.public.pk}).status_code == 403
    technician = signed_in(shop.marco)
    assert technician.post(target, {"price_list_id": shop.public.pk}).status_code == 403
    stranger = signed_in(other_tenant.company_admin)
    assert stranger.post(target, {"price_list_id": ""}).status_code == 404
    assert stranger.get(target).status_code == 405
    assert not ContractTerms.objects.exists()
