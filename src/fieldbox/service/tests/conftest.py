"""The service desk's tests share a support mailbox and messages written as mail clients write them."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

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


@dataclass(frozen=True)
class Imap:
    host: str
    port: int
    user: str
    password: str

    def client(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, folder: str, *messages: bytes) -> None:
        """Put messages in ``folder`` (made if missing), as the mail server delivers them."""
        client = self.client()
        client.create(folder)
        for raw in messages:
            status, _ = client.append(folder, None, None, raw)
            assert status == "OK"
        client.logout()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def imap_server() -> Iterator[Imap]:
    """A throw-away Dovecot on a free port of this machine, one mail user, mail in a temporary folder (run as its
    own unprivileged users when the tests run as root, as Dovecot requires)."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(dovecot):
        pytest.fail("Dovecot is needed (scripts/ensure-tools.sh dovecot installs Debian's dovecot-imapd)")
    # Its own folder, readable by Dovecot's users (pytest's temporary folders are its user's only).
    home = Path(tempfile.mkdtemp(prefix="fieldbox-dovecot-"))
    (home / "mail").mkdir()
    root = os.getuid() == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    login, internal = ("dovenull", "dovecot") if root else (me, me)
    group = grp.getgrgid(pwd.getpwnam(internal).pw_gid).gr_name
    os.chmod(home, 0o755)
    if root:
        shutil.chown(home / "mail", internal, group)
    port = _free_port()
    (home / "users").write_text("desk@rossi.example:{PLAIN}imap-test-password\n")
    os.chmod(home / "users", 0o644)
    (home / "dovecot.conf").write_text(
        f"""protocols = imap
listen = 127.0.0.1
base_dir = {home}/run
state_dir = {home}/run
instance_name = fieldbox-test-{port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {home}/dovecot.log
mail_location = maildir:{home}/mail/%u
mail_uid = {internal}
mail_gid = {group}
first_valid_uid = 0
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/users
}}
userdb {{
  driver = static
  args = uid={internal} gid={group} home={home}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    subprocess.run([dovecot, "-c", str(home / "dovecot.conf")], check=True)
    server = Imap("127.0.0.1", port, "desk@rossi.example", "imap-test-password")
    for _ in range(100):  # until it listens
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield server
    subprocess.run([dovecot, "-c", str(home / "dovecot.conf"), "stop"], check=False)
    shutil.rmtree(home, ignore_errors=True)
