"""The pages of prepaid minutes: the office sells a package, reads its ledger and balance, uses minutes by hand and
reverses a move; the call page shows the customer's balance and this call's minutes; the customer's contact sees
their balance and moves on the portal, and nobody else's; the API does the same, 404 outside the organisation."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import Role
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.commerce.models.prepaid import MinuteMove, PrepaidPackage
from fieldbox.commerce.services import prepaid
from fieldbox.commerce.tests.test_prepaid import call, sell, time_on
from fieldbox.fleet.models import Customer
from fieldbox.service.models import Contact

pytestmark = pytest.mark.django_db
NOW = "2026-03-10 09:00:00+01:00"


@pytest.fixture(autouse=True)
def on_a_tuesday():
    with time_machine.travel(NOW, tick=False):
        yield


def text(response) -> str:
    return response.content.decode()


def told(response) -> list[str]:
    """The messages shown after this answer (the last one is this answer's)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_the_office_sells_a_package_and_reads_its_ledger(shop):
    office = signed_in(shop.office)
    assert "Prepaid minutes" in text(office.get("/"))
    found = office.get("/commerce/prepaid/new/", {"q": "Aurora"})
    assert "Condominio Aurora" in text(found)
    form = {
        "customer": shop.customer.pk,
        "minutes": "300",
        "price": "180,00",
        "rounding_minutes": "15",
        "minimum_minutes": "15",
        "valid_from": "2026-03-01",
        "valid_until": "2026-12-31",
        "low_minutes": "60",
        "tell_customer": "on",
    }
    sold = office.post("/commerce/prepaid/new/", form)
    package = PrepaidPackage.objects.get()
    assert sold.status_code == 302 and sold["Location"] == f"/commerce/prepaid/{package.pk}/"
    assert (package.minutes, str(package.price), package.tell_customer) == (300, "180.00", True)
    time_on(shop, call(shop), 20)
    detail = text(office.get(f"/commerce/prepaid/{package.pk}/"))
    assert 'data-testid="balance">270<' in detail and "Bought" in detail and "Used" in detail
    listed = text(office.get("/commerce/prepaid/"))
    assert package.number in listed and "Condominio Aurora" in listed


def test_a_bad_form_shows_the_field_and_sells_nothing(shop):
    office = signed_in(shop.office)
    form = {"customer": shop.customer.pk, "minutes": "60", "price": "dieci", "rounding_minutes": "15"}
    form |= {"minimum_minutes": "15", "valid_from": "2026-03-01", "low_minutes": "90"}
    answer = office.post("/commerce/prepaid/new/", form)
    assert answer.status_code == 400
    assert "Write a number, such as 12.50." in text(answer)
    assert not PrepaidPackage.objects.exists()


def test_the_list_filters_by_customer_validity_and_low_balance(shop):
    low = sell(shop, minutes=60, low_minutes=30)
    prepaid.minutes_use(scope=shop.scope(shop.office), package_id=low.pk, minutes=45, reason="Telefonata")
    full = sell(shop, minutes=600)
    old = sell(shop, valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Bar Sport")
    theirs = prepaid.package_create(
        scope=shop.scope(shop.office), customer_id=other.pk, data={"minutes": 60, "price": "40", "low_minutes": 10}
    )
    office = signed_in(shop.office)

    def shown(**filters) -> set[str]:
        page = text(office.get("/commerce/prepaid/", filters))
        return {p.number for p in (low, full, old, theirs) if p.number in page}

    assert shown() == {low.number, full.number, old.number, theirs.number}
    assert shown(low="on") == {low.number}
    assert shown(valid="no") == {old.number}
    assert shown(valid="yes", q="Bar Sport") == {theirs.number}


def test_minutes_used_by_hand_and_a_move_reversed_from_the_page(shop):
    package = sell(shop)
    office = signed_in(shop.office)
    used = office.post(f"/commerce/prepaid/{package.pk}/use/", {"minutes": "25", "reason": "Telefonata del 9/3"})
    assert used.status_code == 302 and told(used) == ["25 minutes used."]
    assert prepaid.balance_of(package.pk) == 95
    move = MinuteMove.objects.get(minutes=-25)
    too_many = office.post(f"/commerce/prepaid/{package.pk}/use/", {"minutes": "500", "reason": "Telefonata"})
    assert told(too_many) == ["Only 95 minutes are left on package PP-2026/00001."]
    no_reason = office.post(f"/commerce/prepaid/{package.pk}/moves/{move.pk}/reverse/", {"reason": ""})
    assert told(no_reason) == ["This field is required."]
    back = office.post(f"/commerce/prepaid/{package.pk}/moves/{move.pk}/reverse/", {"reason": "Errore"})
    assert told(back) == ["Move reversed."] and prepaid.balance_of(package.pk) == 120
    assert "(reversed)" in text(office.get(f"/commerce/prepaid/{package.pk}/"))


def test_an_expired_package_refuses_a_use_from_the_page(shop):
    package = sell(shop, valid_until=date(2026, 2, 28))
    office = signed_in(shop.office)
    refused = office.post(f"/commerce/prepaid/{package.pk}/use/", {"minutes": "10", "reason": "Telefonata"})
    assert "expired on" in told(refused)[0]
    assert prepaid.balance_of(package.pk) == 120
    assert "Expired" in text(office.get(f"/commerce/prepaid/{package.pk}/"))


def test_the_call_page_shows_the_balance_and_this_calls_minutes(shop):
    sell(shop)
    ticket = call(shop)
    time_on(shop, ticket, 20)
    page = text(signed_in(shop.office).get(f"/desk/tickets/{ticket.pk}/"))
    assert 'data-testid="call-prepaid"' in page
    assert "This call used 30 prepaid minutes." in page and "90 minutes left" in page


def test_technicians_read_but_do_not_sell_and_outsiders_get_404(shop, other_tenant):
    package = sell(shop)
    marco = signed_in(shop.marco)
    assert marco.get(f"/commerce/prepaid/{package.pk}/").status_code == 200
    assert marco.get("/commerce/prepaid/new/").status_code == 403
    assert marco.post(f"/commerce/prepaid/{package.pk}/use/", {"minutes": 5, "reason": "x"}).status_code == 403
    stranger = member(other_tenant.company, Role.OFFICE, email="ufficio@lago.example")
    assert signed_in(stranger).get(f"/commerce/prepaid/{package.pk}/").status_code == 404
    assert prepaid.balance_of(package.pk) == 120


def portal(shop, contact: Contact) -> Client:
    user = member(shop.org, Role.PORTAL_CONTACT, email=contact.email)
    Contact.objects.filter(pk=contact.pk).update(user=user)
    return signed_in(user)


def test_the_portal_shows_the_customer_their_balance_and_moves_only(shop):
    package = sell(shop)
    time_on(shop, call(shop), 20)
    other = Customer.objects.create(organisation=shop.org, kind="company", company_name="Bar Sport")
    theirs = prepaid.package_create(
        scope=shop.scope(shop.office), customer_id=other.pk, data={"minutes": 60, "price": "40", "low_minutes": 10}
    )
    giulia = portal(shop, shop.contact)
    home = text(giulia.get("/portal/"))
    assert 'data-testid="portal-prepaid"' in home and "90 minutes left" in home
    minutes = text(giulia.get("/portal/minutes/"))
    assert package.number in minutes and 'data-testid="portal-balance">90<' in minutes
    assert "Used" in minutes and "-30" in minutes and theirs.number not in minutes
    assert giulia.get(f"/commerce/prepaid/{package.pk}/").status_code in (403, 404)
    bar = Contact.objects.create(organisation=shop.org, customer=other, name="Mario", email="mario@bar.example")
    assert package.number not in text(portal(shop, bar).get("/portal/minutes/"))


# ---- API --------------------------------------------------------------------------------------------------------


def api(shop, user, org=None):
    _token, raw = accounts.token_create(scope=scope_of(user, org or shop.org), name="prepaid", days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()

    def send(method: str, path: str, body: dict | None = None):
        if method == "get":
            return client.get(f"/api/v1{path}", body or {}, **auth)
        return getattr(client, method)(f"/api/v1{path}", body or {}, content_type="application/json", **auth)

    return send


def test_the_api_sells_lists_uses_and_reverses(shop):
    office = api(shop, shop.office)
    made = office("post", "/prepaid-packages", {"customer_id": shop.customer.pk, "minutes": 120, "price": "90.00"})
    assert made.status_code == 201, made.content
    package = made.json()
    assert (package["number"], package["balance"], package["valid"]) == ("PP-2026/00001", 120, True)
    used = office("post", f"/prepaid-packages/{package['id']}/use", {"minutes": 20, "reason": "Telefonata"})
    assert used.status_code == 201 and used.json()["minutes"] == -20
    listed = office("get", "/prepaid-packages", {"customer_id": shop.customer.pk}).json()["items"]
    assert [(p["id"], p["balance"]) for p in listed] == [(package["id"], 100)]
    moves = office("get", f"/prepaid-packages/{package['id']}/moves").json()["items"]
    assert [(m["kind"], m["minutes"]) for m in moves] == [("use", -20), ("purchase", 120)]
    back = office("post", f"/prepaid-moves/{moves[0]['id']}/reverse", {"reason": "Errore"})
    assert back.status_code == 201 and back.json()["reverses_id"] == moves[0]["id"]
    assert office("get", f"/prepaid-packages/{package['id']}").json()["balance"] == 120


def test_the_api_refuses_bad_input_expired_packages_and_outsiders(shop, other_tenant):
    office = api(shop, shop.office)
    bad = office("post", "/prepaid-packages", {"customer_id": shop.customer.pk, "minutes": 0, "price": "9"})
    assert bad.status_code == 422
    worse = office("post", "/prepaid-packages", {"customer_id": shop.customer.pk, "minutes": 60, "price": "9.999"})
    assert worse.status_code == 422 and worse.json()["errors"][0]["field"] == "price"
    old = sell(shop, valid_until=date(2026, 2, 28))
    expired = office("post", f"/prepaid-packages/{old.pk}/use", {"minutes": 5, "reason": "Telefonata"})
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]
    stranger = api(shop, member(other_tenant.company, Role.OFFICE, email="u@lago.example"), other_tenant.company)
    assert stranger("get", f"/prepaid-packages/{old.pk}").status_code == 404
    assert stranger("post", f"/prepaid-packages/{old.pk}/use", {"minutes": 5, "reason": "x"}).status_code == 404
    assert stranger("get", "/prepaid-packages").json()["items"] == []
    technician = api(shop, shop.marco)
    assert technician("post", f"/prepaid-packages/{old.pk}/use", {"minutes": 5, "reason": "x"}).status_code == 403
    assert PrepaidPackage.objects.count() == 1 and MinuteMove.objects.count() == 1
