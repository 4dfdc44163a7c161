"""The service desk's API: the same services and scope as its pages."""

from __future__ import annotations

import pytest

from fieldbox.jobs.tests.test_api import PROBLEM, bearer, get, post
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service import services
from fieldbox.service.models import Mailbox, Team
from fieldbox.service.tests.conftest import PDF, mail

pytestmark = pytest.mark.django_db


def test_an_admin_sets_up_the_desk_and_answers_a_ticket_through_the_api(tenant, other_tenant):
    admin = bearer(tenant, tenant.company_admin)
    team = post("/teams", admin, {"name": "Assistenza tecnica", "closed_reply": "new"})
    assert team.status_code == 201 and team.json()["closed_reply"] == "new"
    box = post("/mailboxes", admin, {"team_id": team.json()["id"], "address": "Assistenza@Rossi.example"})
    assert box.status_code == 201 and box.json()["address"] == "assistenza@rossi.example"
    taken = post("/mailboxes", bearer(other_tenant, other_tenant.company_admin), {"team_id": 1, "address": "x@y.z"})
    assert taken.status_code == 422 and taken["Content-Type"] == PROBLEM
    [listed] = get("/teams", admin).json()
    assert listed["mailboxes"][0]["address"] == "assistenza@rossi.example"

    raw = mail("Centralina spenta", files=[("foto.pdf", "application/pdf", PDF)])
    ticket = services.mail_ingest(mailbox=Mailbox.objects.get(), raw=raw).ticket
    assert ticket is not None
    page = get("/tickets", admin, status="new", team_id=team.json()["id"]).json()
    assert [t["number"] for t in page["items"]] == [ticket.number] and page["next_cursor"] is None
    assert page["items"][0]["contact"] == {
        "id": ticket.contact_id,
        "name": "Anna Verdi",
        "email": "anna@cliente.example",
        "confirmed": False,
    }
    detail = get(f"/tickets/{ticket.pk}", admin).json()
    assert detail["messages"][0]["attachments"][0]["name"] == "foto.pdf"

    answered = post(f"/tickets/{ticket.pk}/reply", admin, {"text": "Passiamo domani."})
    assert answered.status_code == 200 and answered.json()["status"] == "open"
    assert [m["kind"] for m in answered.json()["messages"]] == ["in", "out"]
    row = OutboxMessage.objects.get(kind="written")
    assert row.recipient == "anna@cliente.example" and row.data["headers"]["X-Loop"] == "fieldbox"
    blank = post(f"/tickets/{ticket.pk}/notes", admin, {"text": "   "})
    assert blank.status_code == 422 and "Write the message." in blank.json()["detail"] + str(blank.json())
    assert post(f"/tickets/{ticket.pk}/close", admin).status_code == 409  # only a resolved ticket closes
    assert post(f"/tickets/{ticket.pk}/resolve", admin).json()["status"] == "resolved"
    assert post(f"/tickets/{ticket.pk}/close", admin).json()["closed_at"] is not None
    installer = bearer(tenant, tenant.installer)
    assert get("/tickets", installer).status_code == 403  # not the desk
    assert get(f"/tickets/{ticket.pk}", bearer(other_tenant, other_tenant.company_admin)).status_code == 404
    assert Team.objects.filter(organisation=tenant.company).count() == 1
