"""Mail into tickets: one ingestion path, whatever brought the message (IMAP or a mail server's pipe)."""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from fieldbox.core.models import AuditEvent
from fieldbox.service import services
from fieldbox.service.choices import ClosedReply, MailOutcome, MessageKind, TicketStatus
from fieldbox.service.models import Attachment, Contact, InboundMail, Mailbox, Team, Ticket, TicketMessage
from fieldbox.service.tests.conftest import PDF, mail, message_id

pytestmark = pytest.mark.django_db


def test_a_new_request_opens_a_ticket_in_the_mailbox_team_from_a_contact_to_confirm(desk):
    received = services.mail_ingest(mailbox=desk, raw=mail())
    ticket = received.ticket
    assert received.outcome == MailOutcome.TICKET and ticket is not None and not received.duplicate
    assert (ticket.number, ticket.team, ticket.status, ticket.channel) == ("T0000001", desk.team, "new", "email")
    contact = Contact.objects.get()
    assert (contact.email, contact.name, contact.customer, contact.confirmed_at) == (
        "anna@cliente.example",
        "Anna Verdi",
        None,
        None,
    )
    assert ticket.contact == contact and ticket.customer is None  # never a customer made silently
    [message] = ticket.messages.all()
    assert message.kind == MessageKind.INBOUND and "non risponde" in message.text
    event = AuditEvent.objects.get(action="ticket.receive")
    assert event.organisation_id == desk.organisation_id and event.to_state == "new"


def test_the_same_message_twice_is_stored_once(desk):
    raw = mail()
    first = services.mail_ingest(mailbox=desk, raw=raw)
    again = services.mail_ingest(mailbox=desk, raw=raw.replace(b"From:", b"Received: by mx2\nFrom:", 1))
    assert again.duplicate and again.ticket == first.ticket and again.outcome == MailOutcome.TICKET
    assert Ticket.objects.count() == 1 and TicketMessage.objects.count() == 1 and InboundMail.objects.count() == 1


def test_a_reply_joins_its_ticket_by_the_number_in_its_subject_then_by_its_references(desk):
    first = mail()
    ticket = services.mail_ingest(mailbox=desk, raw=first).ticket
    assert ticket is not None
    by_subject = services.mail_ingest(mailbox=desk, raw=mail(f"Re: La centralina [#{ticket.number}]"))
    by_reference = services.mail_ingest(
        mailbox=desk, raw=mail("Re: nuova domanda", headers={"In-Reply-To": message_id(first)})
    )
    assert by_subject.outcome == by_reference.outcome == MailOutcome.REPLY
    assert by_subject.ticket == by_reference.ticket == ticket
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 3


def test_a_reply_never_joins_another_organisations_ticket(desk, other_tenant):
    theirs_team = Team.objects.create(organisation=other_tenant.company, name="Support")
    theirs = Mailbox.objects.create(organisation=other_tenant.company, team=theirs_team, address="help@other.example")
    first = mail()
    foreign = services.mail_ingest(mailbox=theirs, raw=first).ticket
    assert foreign is not None
    reply = services.mail_ingest(
        mailbox=desk, raw=mail(f"Re: [#{foreign.number}]", headers={"References": message_id(first)})
    )
    assert reply.outcome == MailOutcome.TICKET and reply.ticket is not None
    assert reply.ticket.organisation_id == desk.organisation_id and foreign.messages.count() == 1


def test_a_reply_brings_a_waiting_ticket_back_and_a_closed_one_reopens_or_starts_anew(desk, tenant):
    ticket = services.mail_ingest(mailbox=desk, raw=mail()).ticket
    assert ticket is not None
    admin = tenant.scope(tenant.company_admin)
    services.ticket_wait(scope=admin, ticket_id=ticket.pk)
    services.mail_ingest(mailbox=desk, raw=mail(f"Re: [#{ticket.number}]"))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    services.mail_ingest(mailbox=desk, raw=mail(f"Re: [#{ticket.number}] ancora"))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN  # the team reopens
    Team.objects.filter(pk=desk.team_id).update(closed_reply=ClosedReply.NEW)
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    fresh = services.mail_ingest(mailbox=desk, raw=mail(f"Re: [#{ticket.number}] di nuovo"))
    assert fresh.outcome == MailOutcome.TICKET and fresh.ticket != ticket


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted"),
        ({"X-Autoreply": "yes"}, "auto-reply"),
        ({"Precedence": "bulk"}, "bulk"),
        ({"List-Id": "<news.cliente.example>"}, "list"),
        ({"X-Loop": "fieldbox"}, "loop"),
    ],
)
def test_mail_no_person_wrote_makes_no_ticket_and_is_kept_with_its_reason(desk, headers, reason):
    received = services.mail_ingest(mailbox=desk, raw=mail(headers=headers))
    assert (received.outcome, received.reason, received.ticket) == (MailOutcome.IGNORED, reason, None)
    assert Ticket.objects.count() == 0 and InboundMail.objects.get().reason == reason


def test_bounces_and_our_own_messages_make_no_ticket(desk):
    bounce = mail(sender="MAILER-DAEMON@mx.cliente.example", subject="Undelivered Mail Returned to Sender")
    own = mail(sender="assistenza@rossi.example")
    assert services.mail_ingest(mailbox=desk, raw=bounce).reason == "bounce"
    assert services.mail_ingest(mailbox=desk, raw=own).reason == "own"
    report = EmailMessage()
    report["From"], report["Subject"] = "Mail System <mx@cliente.example>", "Delivery Status Notification"
    report.set_content("failed")
    report.make_mixed()
    report.replace_header("Content-Type", 'multipart/report; report-type=delivery-status; boundary="b"')
    assert services.mail_ingest(mailbox=desk, raw=bytes(report)).reason == "bounce"
    assert Ticket.objects.count() == 0


def test_html_only_mail_is_read_as_text_and_files_are_type_checked(desk, settings):
    settings.SERVICE_ATTACHMENT_MAX_BYTES = 1000
    raw = mail(
        body="",
        html="<p>Il <b>furgone</b> non parte.</p><script>alert(1)</script>",
        files=[
            ("rapporto.pdf", "application/pdf", PDF),
            ("finto.pdf", "application/pdf", b"MZ\x90\x00 not a pdf"),
            ("setup.exe", "application/x-msdownload", b"MZ\x90\x00"),
            ("grande.pdf", "application/pdf", PDF + b"0" * 2000),
        ],
    )
    ticket = services.mail_ingest(mailbox=desk, raw=raw).ticket
    assert ticket is not None
    [message] = ticket.messages.all()
    assert "Il furgone non parte." in message.text and "<b>" not in message.text
    [kept] = Attachment.objects.all()
    assert kept.name == "rapporto.pdf" and kept.size == len(PDF) and "rapporto" not in kept.file.name
    assert kept.file.read() == PDF
    assert message.skipped == [
        {"name": "finto.pdf", "reason": "content"},
        {"name": "setup.exe", "reason": "type"},
        {"name": "grande.pdf", "reason": "too-large"},
    ]


def test_a_huge_or_broken_message_is_refused_with_its_reason_and_nothing_else(desk, settings):
    settings.SERVICE_MAIL_MAX_BYTES = 2000
    huge = services.mail_ingest(mailbox=desk, raw=mail(body="x" * 5000))
    assert (huge.outcome, huge.reason) == (MailOutcome.REFUSED, "too-large")
    settings.SERVICE_MAIL_MAX_BYTES = 10_000_000
    settings.SERVICE_MAIL_MAX_PARTS = 5
    parts = mail(files=[(f"f{n}.txt", "text/plain", b"x") for n in range(6)])
    assert services.mail_ingest(mailbox=desk, raw=parts).reason == "too-many-parts"
    assert services.mail_ingest(mailbox=desk, raw=b"\x00\xff\xfe garbage without headers").reason == "malformed"
    assert Ticket.objects.count() == 0 and InboundMail.objects.filter(outcome=MailOutcome.REFUSED).count() == 3


def test_a_charset_nobody_knows_is_still_read(desk):
    raw = (
        b"From: anna@cliente.example\r\nTo: assistenza@rossi.example\r\nSubject: =?x-unknown?q?Aiuto?=\r\n"
        b"Message-ID: <odd@cliente.example>\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"La centralina \xe8 spenta.\r\n"
    )
    ticket = services.mail_ingest(mailbox=desk, raw=raw).ticket
    assert ticket is not None and "La centralina" in ticket.messages.get().text


def test_the_pipe_command_prints_the_ticket_and_exits_as_a_mail_server_expects(desk, monkeypatch):
    def run(raw: bytes, address: str = "Assistenza@Rossi.example") -> tuple[int, str]:
        stdin = io.TextIOWrapper(io.BytesIO(raw))
        monkeypatch.setattr("sys.stdin", stdin)
        out = io.StringIO()
        try:
            call_command("ingest_mail", mailbox=address, stdout=out, stderr=io.StringIO())
        except SystemExit as exit_:
            return int(exit_.code or 0), out.getvalue()
        return 0, out.getvalue()

    raw = mail()
    assert run(raw) == (0, "T0000001 ticket\n")
    assert run(raw) == (0, "T0000001 ticket (received before)\n")
    assert run(mail(headers={"Precedence": "junk"})) == (0, "ignored: Bulk or junk mail (Precedence).\n")
    assert run(mail(), "nobody@rossi.example")[0] == 67  # the mail server bounces it


def test_the_desk_moves_a_ticket_through_its_table_and_nobody_else_does(desk, tenant, other_tenant):
    from django.core.exceptions import PermissionDenied

    from fieldbox.core.errors import Conflict

    ticket = services.mail_ingest(mailbox=desk, raw=mail()).ticket
    assert ticket is not None
    admin = tenant.scope(tenant.company_admin)
    with pytest.raises(PermissionDenied):  # an installer is not the desk
        services.ticket_open(scope=tenant.scope(tenant.installer), ticket_id=ticket.pk)
    with pytest.raises(Ticket.DoesNotExist):  # another organisation does not see it at all
        services.ticket_open(scope=other_tenant.scope(other_tenant.company_admin), ticket_id=ticket.pk)
    with pytest.raises(Conflict, match="Not possible while the ticket is"):
        services.ticket_close(scope=admin, ticket_id=ticket.pk)  # only a resolved ticket closes
    services.ticket_open(scope=admin, ticket_id=ticket.pk)
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    closed = services.ticket_close(scope=admin, ticket_id=ticket.pk)
    assert closed.status == TicketStatus.CLOSED and closed.closed_at is not None
    moves = list(AuditEvent.objects.filter(object_id=str(ticket.pk)).values_list("action", flat=True).order_by("pk"))
    assert moves == ["ticket.receive", "ticket.open", "ticket.resolve", "ticket.close"]
    assert not Ticket.objects.visible_to(other_tenant.scope(other_tenant.company_admin)).exists()


def test_other_systems_hear_of_tickets_through_webhooks(tenant):
    import orjson

    from fieldbox.messaging import services as messaging
    from fieldbox.messaging.models import OutboxMessage

    admin = tenant.scope(tenant.provider_admin)
    messaging.webhook_create(
        scope=admin,
        url="https://crm.provider.example/hooks",
        event_types=["ticket.created", "ticket.status_changed", "ticket.message_received"],
    )
    team = Team.objects.create(organisation=tenant.provider, name="Customer care")
    box = Mailbox.objects.create(organisation=tenant.provider, team=team, address="care@provider.example")
    ticket = services.mail_ingest(mailbox=box, raw=mail()).ticket
    assert ticket is not None
    services.ticket_wait(scope=tenant.scope(tenant.care), ticket_id=ticket.pk)
    services.mail_ingest(mailbox=box, raw=mail(f"Re: [#{ticket.number}]"))
    sent = [orjson.loads(m.body) for m in OutboxMessage.objects.filter(channel="webhook").order_by("pk")]
    assert [(s["type"], s["data"]["from"], s["data"]["to"]) for s in sent] == [
        ("ticket.created", "", "new"),
        ("ticket.message_received", "", "new"),
        ("ticket.status_changed", "new", "waiting"),
        ("ticket.status_changed", "waiting", "open"),
        ("ticket.message_received", "waiting", "open"),
    ]
    assert {s["data"]["number"] for s in sent} == {ticket.number}
    assert {s["organisation_id"] for s in sent} == {tenant.provider.pk}


def test_a_sender_no_one_could_answer_makes_no_ticket(desk):
    for sender in ("nobody", "x" * 250 + "@cliente.example", "<>"):
        assert services.mail_ingest(mailbox=desk, raw=mail(sender=sender)).reason == "no-sender"
    assert Ticket.objects.count() == 0 and Contact.objects.count() == 0
