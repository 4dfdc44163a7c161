"""The customer portal: a contact invited by the desk sets a password, signs in to the portal, opens requests with
files, follows and answers them; they see their own requests (their colleagues' when their customer shares them),
never another customer's, never a note between colleagues, and no page of the organisation's staff."""

from __future__ import annotations

import re

import orjson
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.choices import InvitationStatus, Role
from fieldbox.accounts.models import Invitation, Membership, User
from fieldbox.accounts.tests.factories import member
from fieldbox.accounts.tests.fixtures import scope_of, signed_in
from fieldbox.core.models import AuditEvent
from fieldbox.fleet.choices import CustomerKind
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.messaging import services as messaging
from fieldbox.messaging.models import OutboxMessage
from fieldbox.service import services
from fieldbox.service.choices import Channel, ClosedReply, MessageKind, TicketStatus
from fieldbox.service.models import Attachment, Contact, Equipment, Ticket, TicketMessage
from fieldbox.service.tests.conftest import PDF, mail

pytestmark = pytest.mark.django_db

PASSWORD = "portal passphrase 42"


@pytest.fixture
def bar(tenant, desk):
    """A customer of the workshop with two contacts and a coffee machine, and another customer with one contact."""
    customer = Customer.objects.create(organisation=tenant.company, kind=CustomerKind.COMPANY, company_name="Bar Sole")
    site = CustomerAddress.objects.create(customer=customer, kind="plant", street="Via Roma 1", city="Torino")
    anna = Contact.objects.create(
        organisation=tenant.company, customer=customer, name="Anna Verdi", email="anna@barsole.example", phone="+3901"
    )
    marco = Contact.objects.create(
        organisation=tenant.company, customer=customer, name="Marco Neri", email="marco@barsole.example"
    )
    machine = Equipment.objects.create(
        organisation=tenant.company, customer=customer, site=site, name="Macchina caffè", serial="MC-1"
    )
    other = Customer.objects.create(organisation=tenant.company, kind=CustomerKind.COMPANY, company_name="Hotel Lago")
    lia = Contact.objects.create(organisation=tenant.company, customer=other, name="Lia", email="lia@lago.example")
    Equipment.objects.create(organisation=tenant.company, customer=other, name="Caldaia", serial="CL-9")
    return {"customer": customer, "anna": anna, "marco": marco, "machine": machine, "other": other, "lia": lia}


def invitation_link(email: str) -> str:
    body = OutboxMessage.objects.filter(kind="accounts.invitation", recipient=email).latest("pk").body
    found = re.search(r"http://\S+/invitations/([\w-]+)/", body)
    assert found is not None
    return found.group(0)


def portal_user(tenant, contact: Contact) -> User:
    """The contact invited by the company's admin, the account made through the link."""
    services.portal_invite(scope=tenant.scope(tenant.company_admin), contact_id=contact.pk)
    token = invitation_link(contact.email).rstrip("/").rsplit("/", 1)[1]
    return accounts.invitation_accept(raw_token=token, user=None, first_name=contact.name, password=PASSWORD)


def page(response) -> str:
    """A page as a person reads it: without the form token (new with every answer) and its own address."""
    text = response.content.decode().replace(response.request["PATH_INFO"], "")
    return re.sub(r'"X-CSRFToken": "\w+"|name="csrfmiddlewaretoken" value="\w+"', "", text)


def request(subject: str = "La macchina perde acqua", **extra):
    return {"subject": subject, "text": "Da stamattina perde acqua sotto il gruppo.", **extra}


def test_an_invited_contact_sets_a_password_signs_in_and_lands_in_the_portal(tenant, bar):
    agent = member(tenant.company, Role.DESK_AGENT, email="desk@alpha-workshop.example")
    desk_client = signed_in(agent)
    anna = bar["anna"]
    sent = desk_client.post(f"/desk/contacts/{anna.pk}/invite/", {"next": "/desk/contacts/"})
    assert sent.status_code == 302 and sent["Location"] == "/desk/contacts/"
    first = Invitation.objects.get(email=anna.email)
    assert first.role == Role.PORTAL_CONTACT and first.invited_by == agent
    anna.refresh_from_db()
    assert anna.invited_at is not None
    # The mail got lost: inviting again sends a new link and the first one no longer works.
    desk_client.post(f"/desk/contacts/{anna.pk}/invite/")
    first.refresh_from_db()
    assert first.status == InvitationStatus.REVOKED
    link = invitation_link(anna.email)
    browser = Client()
    assert "Set your password" in browser.get(link).content.decode()
    form = {"first_name": "Anna", "last_name": "Verdi", "language": "en", "password1": PASSWORD, "password2": PASSWORD}
    landed = browser.post(link, form, follow=True)
    assert landed.redirect_chain[-1][0] == "/portal/" and "Requests of Bar Sole" in landed.content.decode()
    user = User.objects.get(email=anna.email)
    anna.refresh_from_db()
    assert anna.user == user and Membership.objects.get(user=user).role == Role.PORTAL_CONTACT
    fresh = Client()
    signed = fresh.post("/accounts/login/", {"username": anna.email, "password": PASSWORD}, follow=True)
    assert signed.redirect_chain[-1][0] == "/portal/"
    # No e-mail address, no customer, or access already given: refused with the reason, nothing sent.
    nameless = Contact.objects.create(organisation=tenant.company, customer=bar["customer"], name="Senza mail")
    refused = desk_client.post(f"/desk/contacts/{nameless.pk}/invite/", follow=True)
    assert "Give the contact an e-mail address first" in refused.content.decode()
    with pytest.raises(ValidationError, match="already signs in"):
        services.portal_invite(scope=scope_of(agent, tenant.company), contact_id=anna.pk)
    assert signed_in(tenant.installer).post(f"/desk/contacts/{bar['marco'].pk}/invite/").status_code == 403
    assert desk_client.post("/desk/contacts/999999/invite/").status_code == 404
    assert not Invitation.objects.filter(email=bar["marco"].email).exists()


def test_a_customer_s_contacts_are_invited_at_once_and_their_access_withdrawn(tenant, bar):
    Contact.objects.create(organisation=tenant.company, customer=bar["customer"], name="Senza mail")
    admin = signed_in(tenant.company_admin)
    page = admin.post(f"/desk/customers/{bar['customer'].pk}/portal-invite/", follow=True).content.decode()
    assert "2 invitations sent." in page
    assert set(Invitation.objects.values_list("email", flat=True)) == {"anna@barsole.example", "marco@barsole.example"}
    anna = bar["anna"]
    token = invitation_link(anna.email).rstrip("/").rsplit("/", 1)[1]
    user = accounts.invitation_accept(raw_token=token, user=None, first_name="Anna", password=PASSWORD)
    portal = signed_in(user)
    assert portal.get("/portal/").status_code == 200
    admin.post(f"/desk/contacts/{anna.pk}/portal-revoke/")
    admin.post(f"/desk/contacts/{bar['marco'].pk}/portal-revoke/")
    anna.refresh_from_db()
    assert anna.user is None and not Membership.objects.filter(user=user).exists()
    assert Invitation.objects.get(email="marco@barsole.example").status == InvitationStatus.REVOKED
    assert portal.get("/portal/").status_code == 403  # no organisation any more
    again = admin.post(f"/desk/contacts/{anna.pk}/portal-revoke/", follow=True).content.decode()
    assert "This contact has no access to the portal" in again


def test_a_contact_opens_a_request_with_a_file_and_the_desk_is_told_as_for_mail(tenant, bar):
    messaging.webhook_create(
        scope=tenant.scope(tenant.company_admin),
        url="https://crm.rossi.example/hooks",
        event_types=["ticket.created", "ticket.message_received"],
    )
    user = portal_user(tenant, bar["anna"])
    client = signed_in(user)
    form = client.get("/portal/tickets/new/").content.decode()
    assert "Macchina caffè (MC-1)" in form and "Caldaia" not in form  # their customer's equipment only
    photo = SimpleUploadedFile("perdita.pdf", PDF, content_type="application/octet-stream")
    sent = client.post("/portal/tickets/new/", request(equipment=bar["machine"].pk, attachments=[photo]))
    ticket = Ticket.objects.get()
    assert sent.status_code == 302 and sent["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.status, ticket.contact, ticket.customer) == (
        Channel.PORTAL,
        TicketStatus.NEW,
        bar["anna"],
        bar["customer"],
    )
    assert ticket.equipment == bar["machine"] and ticket.site == bar["machine"].site and ticket.phone == "+3901"
    assert re.fullmatch(r"T\d{7}", ticket.number)
    stored = Attachment.objects.get()
    assert (stored.name, stored.content_type, stored.file.read()) == ("perdita.pdf", "application/pdf", PDF)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Da stamattina perde acqua" in page and "perdita.pdf" in page and ">New<" in page
    download = client.get(f"/portal/attachments/{stored.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    desk = signed_in(tenant.company_admin).get("/desk/").content.decode()
    assert ticket.number in desk and "La macchina perde acqua" in desk
    webhooks = [orjson.loads(m.body)["type"] for m in OutboxMessage.objects.filter(channel="webhook")]
    assert sorted(webhooks) == ["ticket.created", "ticket.message_received"]
    assert AuditEvent.objects.get(action="ticket.receive").actor == user


def test_a_refused_file_refuses_the_request_and_nothing_is_stored(tenant, bar, settings):
    client = signed_in(portal_user(tenant, bar["anna"]))
    for name, data, reason in (
        ("fattura.pdf", b"MZ\x90\x00 not a pdf", "does not match its type"),
        ("setup.exe", b"MZ\x90\x00", "Files of this type are not kept"),
        ("foto.jpg", b"\xff\xd8\xff" + b"x" * 200, "larger than"),
    ):
        settings.SERVICE_ATTACHMENT_MAX_BYTES = 100
        files = [SimpleUploadedFile("ok.pdf", PDF), SimpleUploadedFile(name, data)]
        refused = client.post("/portal/tickets/new/", request(attachments=files))
        assert refused.status_code == 400 and reason in refused.content.decode() and name in refused.content.decode()
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists() and not Attachment.objects.exists()
    many = [SimpleUploadedFile(f"p{n}.pdf", PDF) for n in range(6)]
    assert "At most 5 files" in client.post("/portal/tickets/new/", request(attachments=many)).content.decode()
    assert "This field is required" in client.post("/portal/tickets/new/", request(text="  ")).content.decode()
    assert not Ticket.objects.exists()


def test_a_contact_sees_their_own_requests_and_with_sharing_their_colleagues(tenant, bar, desk):
    anna, marco = portal_user(tenant, bar["anna"]), portal_user(tenant, bar["marco"])
    mine = services.portal_ticket_open(scope=scope_of(anna, tenant.company), **request("Mia richiesta"))
    theirs = services.portal_ticket_open(scope=scope_of(marco, tenant.company), **request("Richiesta di Marco"))
    lago = services.mail_ingest(mailbox=desk, raw=mail("Caldaia rotta", sender="lia@lago.example"))
    assert lago.ticket is not None and lago.ticket.customer == bar["other"]
    client = signed_in(anna)
    home = client.get("/portal/").content.decode()
    assert "Mia richiesta" in home and "Richiesta di Marco" not in home and "Caldaia rotta" not in home
    missing = client.get("/portal/tickets/999999/")
    for other in (theirs, lago.ticket):
        guessed = client.get(f"/portal/tickets/{other.pk}/")
        assert guessed.status_code == missing.status_code == 404 and page(guessed) == page(missing)
    bar["customer"].portal_shared = True
    bar["customer"].save(update_fields=["portal_shared"])
    shared = client.get("/portal/").content.decode()
    assert "Richiesta di Marco" in shared and "Marco Neri" in shared and "Caldaia rotta" not in shared
    assert client.get(f"/portal/tickets/{theirs.pk}/").status_code == 200
    assert client.get(f"/portal/tickets/{lago.ticket.pk}/").status_code == 404
    equipment = client.get("/portal/equipment/").content.decode()
    assert "Macchina caffè" in equipment and "MC-1" in equipment and "Caldaia" not in equipment
    assert mine.pk != theirs.pk


def test_notes_between_colleagues_never_reach_the_contact(tenant, bar):
    user = portal_user(tenant, bar["anna"])
    ticket = services.portal_ticket_open(scope=scope_of(user, tenant.company), **request())
    admin = tenant.scope(tenant.company_admin)
    services.ticket_reply(scope=admin, ticket_id=ticket.pk, text="Passiamo domani alle 9.")
    services.ticket_note(scope=admin, ticket_id=ticket.pk, text="Cliente che non paga mai")
    client = signed_in(user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Passiamo domani alle 9." in page and "Cliente che non paga mai" not in page
    assert page.count('data-testid="message"') == 2
    home = client.get("/portal/").content.decode()
    assert "Passiamo domani alle 9." in home and "Cliente che non paga mai" not in home  # the last message shown


def test_an_answer_threads_into_the_request_and_reopens_a_resolved_one(tenant, bar, desk):
    user = portal_user(tenant, bar["anna"])
    scope = scope_of(user, tenant.company)
    ticket = services.portal_ticket_open(scope=scope, **request())
    admin = tenant.scope(tenant.company_admin)
    services.ticket_reply(scope=admin, ticket_id=ticket.pk, text="Ci manda una foto?")
    services.ticket_wait(scope=admin, ticket_id=ticket.pk)
    client = signed_in(user)
    assert "Waiting for your answer" in client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    photo = SimpleUploadedFile("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    answered = client.post(f"/portal/tickets/{ticket.pk}/", {"text": "Ecco la foto.", "attachments": [photo]})
    assert answered.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    said = ticket.messages.latest("pk")
    assert (said.kind, said.contact, said.text) == (MessageKind.INBOUND, bar["anna"], "Ecco la foto.")
    assert said.attachments.get().name == "foto.png"
    staff = signed_in(tenant.company_admin).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Ecco la foto." in staff and "foto.png" in staff
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    assert "your answer opens it again" in client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    client.post(f"/portal/tickets/{ticket.pk}/", {"text": "Perde ancora."})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    reopened = AuditEvent.objects.filter(action="ticket.reopen").get()
    assert reopened.actor == user and reopened.data == {"by": "portal"}
    # A team that wants a new ticket for a reply to a closed one: the request says so, and takes no answer.
    ticket.team.closed_reply = ClosedReply.NEW
    ticket.team.save(update_fields=["closed_reply"])
    services.ticket_resolve(scope=admin, ticket_id=ticket.pk)
    services.ticket_close(scope=admin, ticket_id=ticket.pk)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="closed"' in page and 'id="answer"' not in page
    with pytest.raises(ValidationError, match="open a new one"):
        services.portal_reply(scope=scope, ticket_id=ticket.pk, text="Ancora?")
    other = services.mail_ingest(mailbox=desk, raw=mail("Altro", sender="lia@lago.example")).ticket
    assert other is not None
    with pytest.raises(Ticket.DoesNotExist):
        services.portal_reply(scope=scope, ticket_id=other.pk, text="Non è mio")


def test_the_organisation_s_pages_and_api_do_not_exist_for_a_contact(tenant, bar):
    client = signed_in(portal_user(tenant, bar["anna"]))
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/portal/"
    for path in ("/desk/", "/desk/contacts/", "/jobs/", "/accounts/tokens/", "/organisation/members/"):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/tickets").status_code == 404
    assert client.get("/accounts/profile/").status_code == 200
    assert signed_in(tenant.company_admin).get("/portal/").status_code == 403  # and the staff have no portal
    with pytest.raises(PermissionDenied):
        services.portal_ticket_open(scope=tenant.scope(tenant.company_admin), **request())
