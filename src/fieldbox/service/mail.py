"""A message that reached a support mailbox, read once and bounded: its size and parts are checked before anything
else, then its sender, subject, threading keys, text, HTML and attachments are taken out, and it is told apart
from mail no person wrote (auto-replies, delivery reports, lists and bulk mail, our own messages).

Reading never raises on a message a mail server accepted: what cannot be read is ``Refused`` with its reason, and
a charset Python does not know is read as UTF-8 with replacement characters.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parseaddr

from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from fieldbox.core import files

# Why a message made no ticket (kept, with the message, for the admin), and why one was refused.
REASONS = {
    "auto-submitted": _("Sent by a program (Auto-Submitted)."),
    "auto-reply": _("An automatic reply (out of office, vacation)."),
    "bounce": _("A delivery report (bounce)."),
    "list": _("Mail from a mailing list."),
    "bulk": _("Bulk or junk mail (Precedence)."),
    "loop": _("Our own message came back (X-Loop)."),
    "own": _("Sent by one of our own support addresses."),
    "no-sender": _("No sender address to answer."),
    "too-large": _("The message is larger than the limit."),
    "too-many-parts": _("The message has too many parts."),
    "malformed": _("The message cannot be read as e-mail."),
}
TICKET_TAG = re.compile(r"\[#(T\d{7,})\]")
MESSAGE_ID = re.compile(r"<([^<>\s]{1,250})>")
AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
SENDERS_NOBODY_ANSWERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.I)


class Refused(Exception):
    """The message cannot be taken: ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class File:
    name: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    key: str  # the Message-ID, or a digest of the bytes: one delivery of it is kept, the next ones are not
    message_id: str
    sender: str  # the address, in lower case
    sender_name: str
    subject: str
    references: list[str]  # In-Reply-To first, then References from the newest
    text: str
    html: str
    size: int
    automatic: str = ""  # a key of REASONS when no person wrote it
    files: list[File] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)  # files not kept, with why

    @property
    def ticket_number(self) -> str:
        """The ticket number our replies carry in their subject ("[#T0000042]"), or ""."""
        found = TICKET_TAG.search(self.subject)
        return found.group(1) if found else ""


class _ParsedOnce(EmailPolicy):
    """``policy.default``, but a header value is parsed once: the parser and ``get_body`` read each part's
    Content-Type and Content-Disposition again and again, and the same values come back message after message.
    A parsed header is immutable, so one object serves every reader."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):  # parsed already
            return value
        return _parsed(name, value)


@functools.lru_cache(maxsize=512)
def _parsed(name: str, value: str) -> str:
    return policy.default.header_fetch_parse(name, value)


READING = _ParsedOnce()


def digest(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def read(raw: bytes, *, own_addresses: frozenset[str] = frozenset()) -> Mail:
    """The message in ``raw``, or ``Refused``."""
    if len(raw) > settings.SERVICE_MAIL_MAX_BYTES:
        raise Refused("too-large")
    try:
        message = BytesParser(policy=READING).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; what it cannot take at all is not mail
        raise Refused("malformed") from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise Refused("malformed")
    parts = sum(1 for _ in message.walk())
    if parts > settings.SERVICE_MAIL_MAX_PARTS:
        raise Refused("too-many-parts")
    message_id = _ids(_header(message, "message-id"))
    name, sender = parseaddr(_header(message, "from"))
    mail = Mail(
        key=f"<{message_id[0]}>" if message_id else digest(raw),
        message_id=message_id[0] if message_id else "",
        sender=_address(sender),
        sender_name=name.strip()[:200],
        subject=" ".join(_header(message, "subject").split())[:255],
        references=_ids(_header(message, "in-reply-to")) + list(reversed(_ids(_header(message, "references")))),
        text="",
        html="",
        size=len(raw),
    )
    mail.automatic = _automatic(message, mail, own_addresses)
    if not mail.automatic:  # mail no person wrote is kept without its text
        _bodies(message, mail)
        _files(message, mail)
    return mail


def _address(value: str) -> str:
    """A sender's address in lower case, or "" when it is none one could answer (kept no longer than e-mail allows)."""
    address = value.strip().lower()
    local, at, domain = address.rpartition("@")
    return address if at and local and "." in domain and len(address) <= 254 and " " not in address else ""


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse (broken encoded words): read it raw
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return str(value or "").replace("\x00", "")


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)


def _automatic(message: EmailMessage, mail: Mail, own: frozenset[str]) -> str:
    """Why no person wrote this message (a key of REASONS), or ""."""
    submitted = _header(message, "auto-submitted").strip().lower()
    precedence = _header(message, "precedence").strip().lower()
    if not mail.sender:
        return "no-sender"
    if mail.sender in own:
        return "own"
    if _header(message, "x-loop").strip().lower() == settings.SERVICE_LOOP_MARKER:
        return "loop"
    if message.get_content_type() == "multipart/report" or SENDERS_NOBODY_ANSWERS.match(mail.sender):
        return "bounce"
    if submitted and submitted != "no":
        return "auto-submitted"
    if any(_header(message, h) for h in AUTO_REPLY_HEADERS):
        return "auto-reply"
    if precedence in ("bulk", "junk", "list"):
        return "bulk"
    if _header(message, "list-id") or _header(message, "list-unsubscribe"):
        return "list"
    return ""


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    return content.replace("\x00", "") if isinstance(content, str) else ""


def _bodies(message: EmailMessage, mail: Mail) -> None:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    mail.html = _content(html) if isinstance(html, EmailMessage) else ""
    if isinstance(plain, EmailMessage):
        mail.text = _content(plain)
    elif mail.html:  # HTML-only mail: its text, tags taken out
        mail.text = re.sub(r"\n{3,}", "\n\n", strip_tags(re.sub(r"(?i)<br\s*/?>|</p>", "\n", mail.html))).strip()


def _files(message: EmailMessage, mail: Mail) -> None:
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage):
            continue
        name = (part.get_filename() or "attachment").replace("/", "_").replace("\\", "_").strip()[:200]
        kind = part.get_content_type()
        data = part.get_payload(decode=True) if kind != "message/rfc822" else part.as_bytes()
        if not isinstance(data, bytes):
            data = b""
        why = files.refusal(kind, data, settings.SERVICE_ATTACHMENT_MAX_BYTES)
        if why:
            mail.skipped.append({"name": name, "reason": why})
        else:
            mail.files.append(File(name or "attachment", kind, data))
