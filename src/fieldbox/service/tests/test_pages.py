"""The desk's pages: the tickets by tab and team, one ticket with its conversation, the answer that threads."""

from __future__ import annotations

import re

import pytest

from fieldbox.accounts.tests.fixtures import signed_in
from fieldbox.messaging import outbox
from fieldbox.service import services
from fieldbox.service.choices import MessageKind, TicketStatus
from fieldbox.service.models import Mailbox, Team, Ticket
from fieldbox.service.tests.conftest import PDF, mail

pytestmark = pytest.mark.django_db


def test_the_desk_lists_tickets_by_tab_and_team_with_exact_totals(desk, tenant):
    other_team = Team.objects.create(organisation=tenant.company, name="Amministrazione")
    Mailbox.objects.create(organisation=tenant.company, team=other_team, address="amministrazione@rossi.example")
    first = services.mail_ingest(mailbox=desk, raw=mail("Centralina spenta")).ticket
    services.mail_ingest(mailbox=Mailbox.objects.get(team=other_team), raw=mail("Fattura sbagliata"))
    assert first is not None
    admin = tenant.scope(tenant.company_admin)
    services.ticket_open(scope=admin, ticket_id=first.pk)
    client = signed_in(tenant.company_admin)
    page = client.get("/desk/").content.decode()
    assert re.search(r'data-testid="tab-open"[^>]*>To answer <span class="total">2</span>', page)
    assert "Centralina spenta" in page and "Fattura sbagliata" in page and "(to confirm)" in page
    narrowed = client.get(f"/desk/?team={other_team.pk}").content.decode()
    assert "Fattura sbagliata" in narrowed and "Centralina spenta" not in narrowed
    services.ticket_resolve(scope=admin, ticket_id=first.pk)
    resolved = client.get("/desk/?tab=resolved").content.decode()
    assert re.search(r'data-testid="tab-resolved"[^>]*>Resolved <span class="total">1</span>', resolved)
    assert "Centralina spenta" in resolved and "Fattura sbagliata" not in resolved
    assert client.get("/desk/?q=T0000002").content.decode().count('href="/desk/tickets/') == 1
    assert signed_in(tenant.installer).get("/desk/").status_code == 403  # not the desk


def test_the_ticket_page_shows_the_conversation_and_offers_the_moves_its_table_allows(desk, tenant):
    raw = mail("Centralina spenta", files=[("foto.pdf", "application/pdf", PDF), ("x.exe", "application/x-bad", b"MZ")])
    ticket = services.mail_ingest(mailbox=desk, raw=raw).ticket
    assert ticket is not None
    client = signed_in(tenant.company_admin)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Centralina spenta" in page and "non risponde" in page and "foto.pdf" in page
    assert 'data-testid="skipped">Files not kept: x.exe' in page
    assert 'data-testid="move-open"' in page and 'data-testid="move-close"' not in page
    attachment = ticket.messages.get().attachments.get()
    download = client.get(f"/desk/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment") and download["X-Content-Type-Options"] == "nosniff"
    empty = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"reply-text": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    assert client.post(f"/desk/tickets/{ticket.pk}/note/", {"note-text": "Richiamare domani"}).status_code == 302
    assert client.post(f"/desk/tickets/{ticket.pk}/resolve/").status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Richiamare domani" in page and 'data-testid="move-close"' in page and 'id="reply"' not in page


def test_an_answer_leaves_from_the_support_address_threaded_and_the_customers_reply_comes_back(
    desk,
    tenant,
    smtp,
):
    first = mail("Centralina spenta")
    ticket = services.mail_ingest(mailbox=desk, raw=first).ticket
    assert ticket is not None
    client = signed_in(tenant.company_admin)
    sent = client.post(f"/desk/tickets/{ticket.pk}/reply/", {"reply-text": "Passiamo domani alle 9."})
    assert sent.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # a new ticket opens with its first answer
    assert outbox.drain().sent == 1
    [(_from, rcpt, message)] = smtp.received
    original = first.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode()
    assert rcpt == ["anna@cliente.example"] and message["From"].addresses[0].addr_spec == "assistenza@rossi.example"
    assert message["Subject"] == f"Re: Centralina spenta [#{ticket.number}]"
    assert message["In-Reply-To"] == original and original in message["References"]
    assert message["Auto-Submitted"] == "auto-replied" and message["X-Loop"] == "fieldbox"
    ours = message["Message-ID"]
    assert ticket.messages.get(kind=MessageKind.OUTBOUND).message_id == ours.strip("<>")
    # The customer answers without the number in the subject: the references find the ticket.
    back = services.mail_ingest(mailbox=desk, raw=mail("Re: Centralina spenta", headers={"In-Reply-To": ours}))
    assert back.ticket == ticket and Ticket.objects.count() == 1
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert page.index("Passiamo domani alle 9.") < page.rindex("non risponde")


def test_an_admin_adds_teams_and_support_addresses_and_nobody_takes_an_address_twice(tenant, other_tenant):
    client = signed_in(tenant.company_admin)
    assert client.get("/desk/teams/").status_code == 200
    assert (
        client.post("/desk/teams/", {"form": "team", "team-name": "Assistenza", "team-closed_reply": "new"}).status_code
        == 302
    )
    team = Team.objects.get(organisation=tenant.company)
    assert team.closed_reply == "new"
    added = client.post(
        "/desk/teams/", {"form": "mailbox", "mailbox-team": team.pk, "mailbox-address": "Help@Rossi.example"}
    )
    assert added.status_code == 302 and Mailbox.objects.get().address == "help@rossi.example"
    theirs = signed_in(other_tenant.company_admin)
    theirs.post("/desk/teams/", {"form": "team", "team-name": "Support", "team-closed_reply": "reopen"})
    other_team = Team.objects.get(organisation=other_tenant.company)
    taken = theirs.post(
        "/desk/teams/", {"form": "mailbox", "mailbox-team": other_team.pk, "mailbox-address": "help@rossi.example"}
    )
    assert taken.status_code == 400 and "already a support address" in taken.content.decode()
    foreign = theirs.post(
        "/desk/teams/", {"form": "mailbox", "mailbox-team": team.pk, "mailbox-address": "x@y.example"}
    )
    assert foreign.status_code == 400 and Mailbox.objects.count() == 1  # not one of their teams
    again = client.post("/desk/teams/", {"form": "team", "team-name": " assistenza ", "team-closed_reply": "new"})
    assert again.status_code == 400 and "already" in again.content.decode()
    assert signed_in(tenant.installer).get("/desk/teams/").status_code == 403


def test_an_html_mail_shows_as_text_and_as_sent_without_anything_that_runs(desk, tenant):
    html = (
        '<p onclick="steal()">Il <b>furgone</b> non parte.</p><script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif"><a href="javascript:alert(2)">x</a>'
        '<a href="https://cliente.example/foto">foto</a><style>body{display:none}</style>'
    )
    ticket = services.mail_ingest(mailbox=desk, raw=mail(body="", html=html)).ticket
    assert ticket is not None
    page = signed_in(tenant.company_admin).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    shown = page[
        page.index('data-testid="html-mail"') : page.index("</details>", page.index('data-testid="html-mail"'))
    ]
    assert "<b>furgone</b>" in shown and 'href="https://cliente.example/foto"' in shown
    assert 'rel="noopener noreferrer nofollow"' in shown
    for gone in ("<script", "onclick", "tracker.example", "javascript:", "<style", "display:none"):
        assert gone not in shown, gone


def test_the_desk_cancels_with_a_reason_and_reopens_a_closed_ticket(desk, tenant):
    ticket = services.mail_ingest(mailbox=desk, raw=mail("Richiesta doppia")).ticket
    assert ticket is not None
    client = signed_in(tenant.company_admin)
    missing = client.post(f"/desk/tickets/{ticket.pk}/cancel/", {"reason": ""})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW  # nothing changed
    assert client.post(f"/desk/tickets/{ticket.pk}/cancel/", {"reason": "Doppione di T0000001"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED and ticket.closed_at is not None
    other = services.mail_ingest(mailbox=desk, raw=mail("Altra richiesta")).ticket
    assert other is not None
    for action in ("open", "resolve", "close"):
        assert client.post(f"/desk/tickets/{other.pk}/{action}/").status_code == 302
    page = client.get(f"/desk/tickets/{other.pk}/").content.decode()
    assert 'data-testid="move-reopen"' in page and 'id="reply"' not in page
    client.post(f"/desk/tickets/{other.pk}/reopen/")
    other.refresh_from_db()
    assert other.status == TicketStatus.OPEN and other.closed_at is None  # open again: no longer closed
    assert client.post(f"/desk/tickets/{other.pk}/nonsense/").status_code == 302  # no such move: nothing happens
    other.refresh_from_db()
    assert other.status == TicketStatus.OPEN
