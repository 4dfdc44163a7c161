"""The portal contact on a phone: the invitation sets their password, they open a request with a photo, follow it
while the desk answers, and reply."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fieldbox.accounts.tests.fixtures import make_tenant
from fieldbox.fleet.choices import CustomerKind
from fieldbox.fleet.models import Customer
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service import services
from fieldbox.service.choices import MessageKind, TicketStatus
from fieldbox.service.models import Contact, Equipment, Mailbox, Team, Ticket
from fieldbox.service.tests.conftest import PDF
from tests.browser.test_accounts_flows import fill_account

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 800}
PASSWORD = "portal passphrase 42"


def test_a_portal_contact_opens_a_request_follows_it_and_replies(page: Page, live_server, settings):
    settings.SITE_URL = live_server.url
    tenant = make_tenant("alpha")
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@rossi.example")
    customer = Customer.objects.create(organisation=tenant.company, kind=CustomerKind.COMPANY, company_name="Bar Sole")
    anna = Contact.objects.create(
        organisation=tenant.company, customer=customer, name="Anna Verdi", email="anna@barsole.example"
    )
    Equipment.objects.create(organisation=tenant.company, customer=customer, name="Macchina caffè", serial="MC-1")
    desk = tenant.scope(tenant.company_admin)
    services.portal_invite(scope=desk, contact_id=anna.pk)
    body = OutboxMessage.objects.get(kind="accounts.invitation").body
    link = re.search(r"http://\S+/invitations/[\w-]+/", body)
    assert link is not None

    page.set_viewport_size(PHONE)
    page.goto(link.group(0))
    fill_account(page, "Anna", "Verdi", PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Requests of Bar Sole")).to_be_visible()
    expect(page.get_by_text("No request being handled right now.")).to_be_visible()

    page.get_by_test_id("new-request").click()
    page.get_by_label("Subject").fill("La macchina perde acqua")
    page.get_by_label("Equipment").select_option(label="Macchina caffè (MC-1)")
    page.get_by_label("What happens?").fill("Da stamattina perde acqua sotto il gruppo.")
    page.get_by_label("Files").set_input_files([{"name": "perdita.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".messages")).to_contain_text("sent: we answer here and by e-mail.")
    expect(page.get_by_test_id("ticket-status")).to_have_text("New")
    expect(page.get_by_test_id("message")).to_have_count(1)
    expect(page.get_by_role("link", name="perdita.pdf")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing wider than the phone

    ticket = Ticket.objects.get()
    services.ticket_reply(scope=desk, ticket_id=ticket.pk, text="Buongiorno, passiamo domani alle 9.")
    services.ticket_note(scope=desk, ticket_id=ticket.pk, text="Portare la guarnizione grande")
    page.get_by_role("link", name="My requests").first.click()
    request = page.get_by_test_id("open-requests").get_by_test_id("request")
    expect(request).to_contain_text("La macchina perde acqua")
    expect(request).to_contain_text("Assistenza tecnica")
    expect(request).to_contain_text("passiamo domani alle 9.")
    request.click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    expect(page.get_by_test_id("message")).to_have_count(2)
    expect(page.get_by_test_id("conversation")).not_to_contain_text("guarnizione")

    page.get_by_label("Your answer").fill("Va bene, grazie: ci trovate dalle 8.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Answer sent.")
    expect(page.get_by_test_id("message")).to_have_count(3)
    expect(page.get_by_test_id("message").last).to_contain_text("ci trovate dalle 8.")
    said = Ticket.objects.get().messages.latest("pk")
    assert (said.kind, said.contact) == (MessageKind.INBOUND, anna)
    assert Ticket.objects.get().status == TicketStatus.OPEN
