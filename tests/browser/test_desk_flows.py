"""The desk agent in the browser: mail arrives, becomes a ticket, is answered, the customer's reply threads back,
the ticket is resolved."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.service import services
from fieldbox.service.choices import MessageKind
from fieldbox.service.models import Mailbox, Team, Ticket
from fieldbox.service.tests.conftest import mail
from tests.browser.test_accounts_flows import sign_in
from tests.browser.test_jobs_flows import go_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_desk_agent_answers_a_mail_and_resolves_the_ticket_when_the_customer_replies(page: Page, live_server):
    tenant = make_tenant("alpha")
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    mailbox = Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@rossi.example")
    ticket = services.mail_ingest(mailbox=mailbox, raw=mail("La centralina non risponde")).ticket
    assert ticket is not None

    sign_in(page, live_server.url, tenant.company_admin.email)
    go_to(page, "Tickets")
    expect(page.get_by_test_id("tab-open")).to_contain_text("1")
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    expect(page.get_by_test_id("conversation")).to_contain_text("la centralina del furgone non risponde")

    page.get_by_label("Your answer").fill("Buongiorno, passiamo domani alle 9.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages")).to_contain_text("Sent to the customer.")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    expect(page.get_by_test_id("message")).to_have_count(2)

    ours = Ticket.objects.get(pk=ticket.pk).messages.get(kind=MessageKind.OUTBOUND).message_id
    reply = mail("Re: La centralina non risponde", body="Va bene, grazie.", headers={"In-Reply-To": f"<{ours}>"})
    assert services.mail_ingest(mailbox=mailbox, raw=reply).ticket == ticket
    page.reload()
    expect(page.get_by_test_id("message")).to_have_count(3)
    expect(page.get_by_test_id("message").last).to_contain_text("Va bene, grazie.")

    page.get_by_test_id("move-resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.locator("#reply")).to_have_count(0)
