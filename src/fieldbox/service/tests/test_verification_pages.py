"""The final verification's screens and API: the admin's queue, one work order's recorded and verified lines side by
side with the covering contract, a review before marking it verified; technicians and the office are refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.service import selectors_verification as reads
from fieldbox.service.choices import WorkOrderStatus
from fieldbox.service.models import WorkOrder
from fieldbox.service.models.verification import Verification, VerifiedLine
from fieldbox.service.tests.test_verification import (  # noqa: F401 - the fixtures
    World,
    contract_for,
    done_work,
    media,
    resolved_call,
    world,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def w(world: World) -> World:  # noqa: F811 - the fixture of test_verification
    return world


def bearer(w: World, user) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=scope_of(user, w.org), name="verification", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def api_get(path: str, auth: dict[str, str], **params):
    return Client().get(f"/api/v1{path}", params, **auth)


def api_post(path: str, auth: dict[str, str], body: dict | None = None):
    return Client().post(f"/api/v1{path}", body or {}, content_type="application/json", **auth)


def form_data(order: WorkOrder, **changes: dict) -> dict[str, str]:
    """The screen's form as proposed, with ``changes`` by line number (0-based)."""
    lines = reads.propose_for_work_order(order).lines
    data = {
        "line-TOTAL_FORMS": str(len(lines)),
        "line-INITIAL_FORMS": str(len(lines)),
        "added-TOTAL_FORMS": "2",
        "added-INITIAL_FORMS": "0",
        "note": "",
    }
    for i, line in enumerate(lines):
        row = {
            "key": line.key,
            "quantity": f"{line.quantity:.2f}",
            "minutes": "" if line.minutes is None else str(line.minutes),
            "unit_price": "" if line.unit_price is None else f"{line.unit_price:.2f}",
            "billing": line.billing,
            "reason": "",
            **changes.get(f"l{i}", {}),
        }
        data.update({f"line-{i}-{k}": v for k, v in row.items() if v is not None})
    return data


def test_the_admin_finds_the_work_in_the_queue_corrects_reviews_and_verifies_it(w):
    contract = contract_for(w)
    order = done_work(w)
    admin = signed_in(w.admin)

    page = admin.get("/desk/verification/")
    assert page.status_code == 200
    assert order.number in page.content.decode() and 'data-testid="verification-row"' in page.content.decode()
    assert "Final verification" in page.content.decode()  # the menu entry and the title

    screen = admin.get(f"/desk/verification/work-orders/{order.pk}/")
    html = screen.content.decode()
    assert screen.status_code == 200
    assert contract.number in html and "Valvola di sicurezza 3 bar" in html
    assert html.count('data-testid="proposed-line"') == 5

    data = form_data(order, l0={"minutes": "120", "billing": "billable", "reason": "Pausa pranzo"})
    review = admin.post(f"/desk/verification/work-orders/{order.pk}/", {**data, "review": "1"})
    assert review.status_code == 200 and 'data-testid="confirmation"' in review.content.decode()
    assert "Pausa pranzo" in review.content.decode()
    assert not Verification.objects.exists()  # the review stores nothing

    done = admin.post(f"/desk/verification/work-orders/{order.pk}/", {**data, "confirm": "1"}, follow=True)
    assert "Verified: ready to bill." in done.content.decode()
    assert 'data-testid="verified-lines"' in done.content.decode()
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.VERIFIED
    labour = VerifiedLine.objects.get(source_kind="time_entry")
    assert (labour.minutes, labour.covered, labour.billable, labour.reason) == (120, False, True, "Pausa pranzo")
    assert VerifiedLine.objects.filter(billable=True, covered=False).count() == 1  # the rest the contract covers


def test_a_correction_without_a_reason_is_shown_and_nothing_is_stored(w):
    order = done_work(w)
    admin = signed_in(w.admin)
    data = form_data(order, l1={"quantity": "3"})
    answer = admin.post(f"/desk/verification/work-orders/{order.pk}/", {**data, "confirm": "1"})
    assert answer.status_code == 400
    assert "say why it differs from what was recorded" in answer.content.decode()
    assert not Verification.objects.exists()
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.DONE


@pytest.mark.parametrize("who", ["marco", "office"])
def test_technicians_and_the_office_cannot_open_the_verification(w, who):
    order = done_work(w)
    ticket = resolved_call(w)
    client = signed_in(getattr(w, who))
    for url in (
        "/desk/verification/",
        f"/desk/verification/work-orders/{order.pk}/",
        f"/desk/verification/calls/{ticket.pk}/",
    ):
        assert client.get(url).status_code == 403
    refused = client.post(f"/desk/verification/work-orders/{order.pk}/", {**form_data(order), "confirm": "1"})
    assert refused.status_code == 403
    assert "Final verification" not in client.get("/desk/work-orders/").content.decode()
    auth = bearer(w, getattr(w, who))
    assert api_get("/verification/queue", auth).status_code == 403
    assert api_post(f"/verification/work-orders/{order.pk}", auth, {"lines": []}).status_code == 403
    assert not Verification.objects.exists()


def test_another_organisations_admin_gets_not_found(w, other_tenant):
    order = done_work(w)
    stranger = signed_in(other_tenant.company_admin)
    assert stranger.get(f"/desk/verification/work-orders/{order.pk}/").status_code == 404
    assert order.number not in stranger.get("/desk/verification/").content.decode()


def test_the_call_is_verified_from_its_screen_and_its_page_shows_who_verified_it(w):
    ticket = resolved_call(w)
    admin = signed_in(w.admin)
    page = admin.get(f"/desk/tickets/{ticket.pk}/")
    assert 'data-testid="section-verified"' in page.content.decode()
    assert 'data-testid="verify-call"' in page.content.decode()
    queue = admin.get("/desk/verification/?kind=call")
    assert ticket.number in queue.content.decode()
    lines = reads.propose_for_call(ticket).lines
    data = {
        "line-TOTAL_FORMS": str(len(lines)),
        "line-INITIAL_FORMS": str(len(lines)),
        "added-TOTAL_FORMS": "1",
        "added-INITIAL_FORMS": "0",
        "added-0-kind": "part",
        "added-0-description": "Fusibile",
        "added-0-quantity": "1",
        "added-0-billing": "billable",
        "added-0-reason": "Spedito al cliente",
    }
    for i, line in enumerate(lines):
        data.update({f"line-{i}-key": line.key, f"line-{i}-billing": line.billing})
        data[f"line-{i}-minutes" if line.minutes is not None else f"line-{i}-quantity"] = str(
            line.minutes if line.minutes is not None else line.quantity
        )
        if line.unit_price is not None:
            data[f"line-{i}-unit_price"] = f"{line.unit_price:.2f}"
    answer = admin.post(f"/desk/verification/calls/{ticket.pk}/", {**data, "confirm": "1"}, follow=True)
    assert "Verified: ready to bill." in answer.content.decode()
    assert VerifiedLine.objects.filter(verification__ticket=ticket).count() == 3
    page = admin.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "25 minutes" in page and str(w.admin) in page and 'data-testid="verify-call"' not in page
    again = admin.post(f"/desk/verification/calls/{ticket.pk}/", {**data, "confirm": "1"})
    assert again.status_code == 200 and Verification.objects.count() == 1  # the screen shows it verified


# ---- API ----------------------------------------------------------------------------------------------------------


def test_the_api_lists_proposes_and_verifies_with_corrections(w):
    order = done_work(w)
    auth = bearer(w, w.admin)
    queue = api_get("/verification/queue", auth)
    assert queue.status_code == 200
    assert [(i["kind"], i["id"]) for i in queue.json()["items"]] == [("work_order", order.pk)]

    got = api_get(f"/verification/work-orders/{order.pk}", auth).json()
    assert got["verified"] is None and got["recorded"]["totals"]["minutes"] == 135
    keys = [line["key"] for line in got["recorded"]["lines"]]

    bad = api_post(f"/verification/work-orders/{order.pk}", auth, {"lines": [{"key": keys[1], "quantity": -2}]})
    assert bad.status_code == 422 and bad["Content-Type"].startswith(PROBLEM)
    assert "cannot be negative" in bad.content.decode()
    no_reason = api_post(f"/verification/work-orders/{order.pk}", auth, {"lines": [{"key": keys[0], "minutes": 90}]})
    assert no_reason.status_code == 422 and "say why" in no_reason.content.decode()
    assert not Verification.objects.exists()

    body = {"note": "ok", "lines": [{"key": keys[0], "minutes": 90, "reason": "Sovrapposizione"}]}
    made = api_post(f"/verification/work-orders/{order.pk}", auth, body)
    assert made.status_code == 201, made.content
    answer = made.json()
    assert answer["status"] == "verified" and answer["verified_by_id"] == w.admin.pk
    first = answer["verified"]["lines"][0]
    assert (first["minutes"], first["quantity"], first["recorded"]["minutes"]) == (90, "1.50", 135)
    assert answer["verified"]["totals"]["minutes"] == 90

    twice = api_post(f"/verification/work-orders/{order.pk}", auth, body)
    assert twice.status_code == 409 and Verification.objects.count() == 1
    assert api_get("/verification/queue", auth).json()["items"] == []


def test_the_api_refuses_a_work_order_not_done_and_verifies_a_call(w):
    auth = bearer(w, w.admin)
    from fieldbox.service.services.work_orders import work_order_create

    todo = work_order_create(scope=w.scope(w.office), customer_id=w.customer.pk, description="Da fare")
    refused = api_post(f"/verification/work-orders/{todo.pk}", auth, {})
    assert refused.status_code == 409 and "To plan" in refused.content.decode()
    ticket = resolved_call(w)
    assert [i["id"] for i in api_get("/verification/queue", auth, kind="call").json()["items"]] == [ticket.pk]
    made = api_post(f"/verification/calls/{ticket.pk}", auth, {"lines": []})
    assert made.status_code == 201
    assert made.json()["verified"]["totals"]["billable_amount"] == f"{Decimal('50.00'):.2f}"
    assert api_post(f"/verification/calls/{ticket.pk}", auth, {}).status_code == 409
