"""IMAP polling of a support mailbox: each new message goes through ``services.mail_ingest``, the path piped mail
takes too.

Where polling stands is kept on the mailbox: the folder's UIDVALIDITY and the last UID taken, moved on after each
message is stored. A restart therefore reads nothing twice and skips nothing; a message whose storing failed is
read again next round (and stored once: ingestion keys messages by their Message-ID). When the server renumbers
the folder (a new UIDVALIDITY), the whole folder is read again, and what was stored before is recognised. The
folder is opened read-only: Fieldbox never deletes or flags the customers' mail.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from fieldbox.core import crypto
from fieldbox.service import services
from fieldbox.service.choices import ImapSecurity
from fieldbox.service.models import Mailbox

SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class Polled:
    taken: int = 0
    error: str = ""


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.SERVICE_IMAP_TIMEOUT
    if mailbox.imap_security == ImapSecurity.SSL:
        return imaplib.IMAP4_SSL(
            mailbox.imap_host, mailbox.imap_port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    if mailbox.imap_security == ImapSecurity.STARTTLS:
        client.starttls(ssl_context=ssl.create_default_context())
    return client


def poll(mailbox: Mailbox) -> Polled:
    """Take the messages that arrived since the last round (at most ``SERVICE_IMAP_BATCH``)."""
    result = Polled()
    try:
        client = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        return _done(mailbox, result, f"connection: {exc.__class__.__name__}: {exc}")
    try:
        client.login(mailbox.imap_user, crypto.decrypt(mailbox.imap_password))
        status, _ = client.select(_quoted(mailbox.imap_folder), readonly=True)
        if status != "OK":
            return _done(mailbox, result, f"folder {mailbox.imap_folder} cannot be opened")
        validity = int(client.response("UIDVALIDITY")[1][0])
        start = mailbox.last_uid + 1 if mailbox.uidvalidity == validity else 1
        _status, found = client.uid("SEARCH", None, f"UID {start}:*")  # type: ignore[arg-type]
        uids = sorted(int(u) for u in (found[0] or b"").split() if int(u) >= start)[: settings.SERVICE_IMAP_BATCH]
        for uid in uids:
            _take(client, mailbox, validity, uid)
            result.taken += 1
    except (OSError, imaplib.IMAP4.error, ValueError) as exc:
        return _done(mailbox, result, f"{exc.__class__.__name__}: {exc}")
    except DatabaseError as exc:  # the message stays on the server: the next round takes it
        return _done(mailbox, result, f"database: {exc.__class__.__name__}")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return _done(mailbox, result, "")


def _take(client: imaplib.IMAP4, mailbox: Mailbox, validity: int, uid: int) -> None:
    """Store message ``uid`` (a too large one is refused without being downloaded), then move past it."""
    _status, meta = client.uid("FETCH", str(uid), "(RFC822.SIZE)")
    size = SIZE.search(b" ".join(part for part in meta if isinstance(part, bytes)) or b"")
    if size and int(size.group(1)) > settings.SERVICE_MAIL_MAX_BYTES:
        services.mail_too_large(mailbox=mailbox, key=f"imap:{mailbox.pk}:{validity}:{uid}", size=int(size.group(1)))
    else:
        _status, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), b"")
        services.mail_ingest(mailbox=mailbox, raw=raw)
    Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=uid)
    mailbox.uidvalidity, mailbox.last_uid = validity, uid


def _done(mailbox: Mailbox, result: Polled, error: str) -> Polled:
    result.error = error[:255]
    Mailbox.objects.filter(pk=mailbox.pk).update(polled_at=timezone.now(), poll_error=result.error)
    return result


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
