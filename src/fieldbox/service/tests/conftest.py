"""The service desk's tests share a support mailbox and messages written as mail clients write them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from fieldbox.messaging.tests.test_email import smtp  # noqa: F401 - a real SMTP server on this machine
from fieldbox.service.models import Mailbox, Team

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def desk(tenant):
    team = Team.objects.create(organisation=tenant.company, name="Assistenza tecnica")
    return Mailbox.objects.create(organisation=tenant.company, team=team, address="assistenza@rossi.example")


def mail(
    subject: str = "La centralina non risponde",
    *,
    sender: str = "Anna Verdi <anna@cliente.example>",
    body: str = "Buongiorno, la centralina del furgone non risponde.",
    headers: dict[str, str] | None = None,
    html: str = "",
    files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "assistenza@rossi.example", subject
    message["Message-ID"] = make_msgid(domain="cliente.example")
    for name, value in (headers or {}).items():
        message[name] = value
    if html and not body:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, kind, data in files:
        main, sub = kind.split("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return bytes(message)


def message_id(raw: bytes) -> str:
    return raw.split(b"Message-ID: ", 1)[1].split(b"\n", 1)[0].strip().decode()
