"""IMAP polling against a real Dovecot: nothing read twice, nothing skipped, across restarts and renumbering."""

from __future__ import annotations

import itertools

import pytest

from fieldbox.core import crypto
from fieldbox.service import imap
from fieldbox.service.choices import MailOutcome
from fieldbox.service.models import InboundMail, Mailbox, Ticket
from fieldbox.service.tests.conftest import mail

pytestmark = pytest.mark.django_db

_folders = itertools.count(1)


@pytest.fixture
def polled(desk: Mailbox, imap_server):
    """The desk's mailbox, polling a folder of its own on the test IMAP server."""
    folder = f"Support{next(_folders)}"
    Mailbox.objects.filter(pk=desk.pk).update(
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_security="none",
        imap_user=imap_server.user,
        imap_password=crypto.encrypt(imap_server.password),
        imap_folder=folder,
    )
    desk.refresh_from_db()
    return desk, folder


def test_new_mail_becomes_tickets_once_and_polling_takes_up_where_it_stopped(polled, imap_server):
    mailbox, folder = polled
    assert imap_server.password not in mailbox.imap_password  # encrypted at rest
    imap_server.deliver(folder, mail("Prima richiesta"), mail("Seconda richiesta"))
    first = imap.poll(mailbox)
    assert (first.taken, first.error) == (2, "")
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2 and mailbox.uidvalidity and mailbox.polled_at and not mailbox.poll_error
    assert imap.poll(mailbox).taken == 0  # nothing read twice
    imap_server.deliver(folder, mail("Terza richiesta"))
    assert imap.poll(mailbox).taken == 1
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Prima richiesta",
        "Seconda richiesta",
        "Terza richiesta",
    ]
    # A worker died after storing the third message, before moving on: the next round reads it again, stores none.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=2)
    mailbox.refresh_from_db()
    assert imap.poll(mailbox).taken == 1 and Ticket.objects.count() == 3
    client = imap_server.client()
    client.select(folder)
    assert client.uid("SEARCH", None, "UNSEEN")[1][0].split() == [b"1", b"2", b"3"]  # read-only: left unread
    client.logout()


def test_a_renumbered_folder_is_read_again_and_what_was_stored_is_recognised(polled, imap_server):
    mailbox, folder = polled
    messages = [mail("Una"), mail("Due")]
    imap_server.deliver(folder, *messages)
    assert imap.poll(mailbox).taken == 2
    before = mailbox.uidvalidity
    client = imap_server.client()
    client.delete(folder)  # the server lost its index: same mail, new UIDVALIDITY
    client.logout()
    imap_server.deliver(folder, *messages, mail("Tre"))
    again = imap.poll(mailbox)
    mailbox.refresh_from_db()
    assert again.taken == 3 and mailbox.uidvalidity != before and mailbox.last_uid == 3
    assert Ticket.objects.count() == 3 and InboundMail.objects.count() == 3


def test_a_wrong_password_or_a_huge_message_are_told_and_lose_nothing(polled, imap_server, settings):
    mailbox, folder = polled
    imap_server.deliver(folder, mail("Piccola"), mail("Enorme", body="x" * 20_000))
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password=crypto.encrypt("wrong"))
    mailbox.refresh_from_db()
    refused = imap.poll(mailbox)
    mailbox.refresh_from_db()
    assert refused.taken == 0 and "AUTHENTICATIONFAILED" in mailbox.poll_error and mailbox.last_uid == 0
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_password=crypto.encrypt(imap_server.password))
    mailbox.refresh_from_db()
    settings.SERVICE_MAIL_MAX_BYTES = 10_000
    assert imap.poll(mailbox).taken == 2
    huge = InboundMail.objects.get(outcome=MailOutcome.REFUSED)
    assert huge.reason == "too-large" and huge.key.startswith(f"imap:{mailbox.pk}:") and huge.size > 20_000
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Piccola"]


def test_an_admin_sets_up_polling_the_password_stays_encrypted_and_a_new_folder_starts_over(desk, tenant):
    from fieldbox.accounts.tests.fixtures import signed_in

    Mailbox.objects.filter(pk=desk.pk).update(uidvalidity=7, last_uid=40)
    client = signed_in(tenant.company_admin)
    form = {
        "imap_host": "imap.rossi.example",
        "imap_port": "993",
        "imap_security": "ssl",
        "imap_user": "assistenza",
        "imap_password": "s3cret-imap",
        "imap_folder": "INBOX",
    }
    assert client.post(f"/desk/mailboxes/{desk.pk}/imap/", form).status_code == 302
    desk.refresh_from_db()
    assert desk.imap_host == "imap.rossi.example" and crypto.decrypt(desk.imap_password) == "s3cret-imap"
    assert "s3cret-imap" not in desk.imap_password and (desk.uidvalidity, desk.last_uid) == (None, 0)
    kept = client.post(f"/desk/mailboxes/{desk.pk}/imap/", {**form, "imap_password": "", "imap_port": "143"})
    desk.refresh_from_db()
    assert kept.status_code == 302 and desk.imap_port == 143 and crypto.decrypt(desk.imap_password) == "s3cret-imap"
    page = client.get(f"/desk/mailboxes/{desk.pk}/imap/").content.decode()
    assert "s3cret-imap" not in page and desk.imap_password not in page
    bad = client.post(f"/desk/mailboxes/{desk.pk}/imap/", {**form, "imap_user": ""})
    assert bad.status_code == 400 and "needs a user and a password" in bad.content.decode()
    assert signed_in(tenant.installer).get(f"/desk/mailboxes/{desk.pk}/imap/").status_code == 403
