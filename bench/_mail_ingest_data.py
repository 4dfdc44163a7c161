"""The data of ``bench/mail_ingest.py``: a service desk holding many tickets (written with COPY), and the mail that
reaches it (new requests, replies by subject and by References, auto-replies, bounces, attachments), written once to
a spool file that both sides of the benchmark read.

Every ticket ``k`` (0-based) is described by a few arrays (team, status, contact) drawn from a seeded generator, so
the messages that answer a ticket can be written without reading the database back: its number, subject, contact,
support address and the Message-IDs of its conversation all follow from ``k``.
"""

from __future__ import annotations

import base64
import io
import random
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any, BinaryIO

from _common import Laps, bare_table, copy_lines, ids_after, max_id

# (name, share of the tickets, what a reply to a closed ticket does)
TEAMS = (
    ("Assistenza tecnica", 0.40, "reopen"),
    ("Amministrazione", 0.25, "reopen"),
    ("Installazioni", 0.15, "new"),
    ("Commerciale", 0.12, "reopen"),
    ("Resi e garanzie", 0.08, "new"),
)
# (status, cumulative share): most tickets of a desk that has worked for years are closed.
STATUS_MIX = (
    ("new", 0.02),
    ("open", 0.07),
    ("waiting", 0.15),
    ("resolved", 0.21),
    ("closed", 0.96),
    ("cancelled", 0.99),
    ("merged", 1.00),
)
STATUSES = tuple(s for s, _ in STATUS_MIX)
ENDED = ("closed", "cancelled", "merged")
ANSWERED = ("waiting", "resolved", "closed")  # the desk wrote back: the conversation holds its reply
CONTACTS_PER_TICKET = 0.1
DOMAIN = "rossi-impianti.example"
SUBJECTS = (
    "La caldaia non parte",
    "Richiesta intervento urgente",
    "Fattura di marzo errata",
    "Centralina in errore E42",
    "Preventivo per manutenzione annuale",
    "Il tecnico non si è presentato",
    "Cambio indirizzo di fatturazione",
    "Perdita d'acqua dal condizionatore",
    "Richiesta copia del contratto",
    "Rumore anomalo dalla pompa di calore",
    "Installazione nuovo impianto",
    "Reso merce danneggiata",
    "Garanzia scaduta?",
    "Appuntamento da spostare",
    "Codice errore F28 sul display",
    "Sollecito pagamento",
)
BODY = (
    "Buongiorno,\n\nvi scrivo perché {what}. L'impianto è quello installato presso la sede di {city}, "
    "matricola {serial}. Potete mandare qualcuno in settimana?\n\nGrazie mille,\n{name}\n"
)
WHATS = (
    "da ieri mattina l'impianto non si accende più",
    "il display mostra un codice di errore che non riesco a interpretare",
    "nella fattura ci sono due voci che non corrispondono al contratto",
    "il tecnico doveva venire martedì ma nessuno si è fatto vivo",
    "sentiamo un rumore forte ogni volta che parte il compressore",
)
SENTENCES = (
    "Vi allego le foto della targhetta e del pannello, così il tecnico sa già cosa portare.",
    "Siamo disponibili tutte le mattine dalle 8 alle 12, il pomeriggio solo su appuntamento.",
    "È la seconda volta in un mese che succede, e l'impianto è ancora in garanzia.",
    "Vi prego di confermare la ricezione di questa mail e di indicarmi un numero di pratica.",
    "Per l'accesso al locale tecnico chiedere del custode, sig. Ferrari, al piano terra.",
    "In attesa di un vostro cortese riscontro porgo distinti saluti.",
    "Nel frattempo abbiamo spento l'impianto dal quadro generale come indicato nel manuale.",
)
DISCLAIMER = (
    "Le informazioni contenute in questo messaggio di posta elettronica sono riservate e confidenziali e ne è "
    "vietata la diffusione in qualunque modo eseguita. Qualora Lei non fosse la persona a cui il presente messaggio "
    "è destinato, La invitiamo ad eliminarlo e a non leggerlo, dandocene gentilmente comunicazione. Per qualsiasi "
    "informazione si prega di contattare l'ufficio. Rispettiamo l'ambiente: stampare solo se necessario."
)
QUOTED = (
    'Gentile cliente,\nabbiamo preso in carico la sua richiesta "{subject}".\nPer procedere ci servirebbe '
    "una foto della targhetta dell'impianto e un recapito telefonico per concordare l'intervento.\n"
    "Cordiali saluti\nL'assistenza clienti"
)
CITIES = ("Milano", "Bergamo", "Brescia", "Monza", "Como", "Lecco", "Pavia", "Lodi")
NAMES = ("Giulia Bianchi", "Marco Esposito", "Anna Romano", "Luca Colombo", "Sara Ricci", "Paolo Marino")


@dataclass
class Segment:
    """Consecutive items ``start``..``end`` (0-based) written at once: their ids are consecutive from ``first_id``,
    and (tickets) their numbers from ``first_number``."""

    start: int
    end: int
    first_id: int
    first_number: int = 0


@dataclass
class World:
    """The organisation and what each ticket ``k`` is."""

    tickets: int
    contacts: int
    team: bytearray  # index into ``teams``
    status: bytearray  # index into STATUSES
    contact: array  # type: ignore[type-arg]  # contact index of each ticket
    now: datetime
    org: int = 0
    user: int = 0
    teams: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, closed_reply)
    mailboxes: list[tuple[int, str]] = field(default_factory=list)  # (id, address), one per team
    ticket_segments: list[Segment] = field(default_factory=list)
    contact_segments: list[Segment] = field(default_factory=list)

    # -- what follows from k

    def ticket_id(self, k: int) -> int:
        s = _segment(self.ticket_segments, k)
        return s.first_id + k - s.start

    def number(self, k: int) -> str:
        s = _segment(self.ticket_segments, k)
        return f"T{s.first_number + k - s.start:07d}"

    def contact_id(self, c: int) -> int:
        s = _segment(self.contact_segments, c)
        return s.first_id + c - s.start

    def status_of(self, k: int) -> str:
        return STATUSES[self.status[k]]

    def subject(self, k: int) -> str:
        return f"{SUBJECTS[k % len(SUBJECTS)]} - pratica {k % 9973}"

    def created(self, k: int) -> datetime:
        return self.now - timedelta(days=3 * 365) + timedelta(days=3 * 365) * (k / self.tickets)

    def answered(self, k: int) -> bool:
        return self.status_of(k) in ANSWERED and k % 5 != 0


def _segment(segments: list[Segment], i: int) -> Segment:
    for s in segments:
        if s.start <= i < s.end:
            return s
    raise IndexError(i)


def contact_email(c: int) -> str:
    return f"cliente{c}@azienda{c % 5003}.example"


def contact_name(c: int) -> str:
    return f"{NAMES[c % len(NAMES)]} {c}"


def inbound_id(k: int) -> str:
    """The Message-ID of the customer's first message on ticket k (as their mail client wrote it)."""
    return f"CAJ{k:09d}.{(k * 7919) % 99991:05d}.mail@posta.example"


def outbound_id(k: int) -> str:
    return f"ticket.{k}.{(k * 104729) % 99991:05d}@{DOMAIN}"


def make_world(tickets: int, seed: int = 13) -> World:
    """Team, status and contact of every ticket, drawn once."""
    rng = random.Random(seed)
    contacts = max(100, int(tickets * CONTACTS_PER_TICKET))
    team_cuts = []
    total = 0.0
    for _name, share, _reply in TEAMS:
        total += share
        team_cuts.append(total)
    team, status, contact = bytearray(tickets), bytearray(tickets), array("l", bytes(8 * tickets))
    for k in range(tickets):
        t, s = rng.random(), rng.random()
        team[k] = next(i for i, cut in enumerate(team_cuts) if t < cut or i == len(team_cuts) - 1)
        status[k] = next(i for i, (_st, cut) in enumerate(STATUS_MIX) if s < cut or i == len(STATUS_MIX) - 1)
        contact[k] = rng.randrange(min(contacts, 100 if k < 1000 else contacts))
    return World(tickets, contacts, team, status, contact, now=datetime.now(UTC))


# --- the organisation ----------------------------------------------------------------------------------------------


def create_desk(world: World) -> None:
    """The organisation, a desk agent, the teams and one support address each."""
    from fieldbox.accounts.choices import OrganisationKind, Role
    from fieldbox.accounts.models import Membership, Organisation, User
    from fieldbox.service.models import Mailbox, Team

    org = Organisation.objects.create(
        name="Rossi Impianti", kind=OrganisationKind.INSTALLER, installer_code="RI001", email=f"info@{DOMAIN}"
    )
    user = User.objects.create_user(f"desk@{DOMAIN}", "x", first_name="Chiara", last_name="Desk")
    Membership.objects.create(user=user, organisation=org, role=Role.DESK_AGENT)
    world.org, world.user = org.pk, user.pk
    for i, (name, _share, closed_reply) in enumerate(TEAMS):
        team = Team.objects.create(organisation=org, name=name, closed_reply=closed_reply)
        mailbox = Mailbox.objects.create(organisation=org, team=team, address=f"team{i}@{DOMAIN}")
        world.teams.append((team.pk, name, closed_reply))
        world.mailboxes.append((mailbox.pk, mailbox.address))


def fill(world: World, start: int, end: int, *, bare: bool, say: Any = print) -> None:
    """Tickets ``start``..``end`` with their contacts, conversations and received mail; the number series and the
    counters set as the services would have left them; vacuumed and analysed."""
    from django.core.management import call_command
    from django.db import connection

    from fieldbox.core import numbering
    from fieldbox.service.models import Contact, InboundMail, Ticket, TicketMessage

    lap = Laps(say)
    c_start = world.contact_segments[-1].end if world.contact_segments else 0
    c_end = 100 if start == 0 else world.contacts
    if c_end > c_start:
        last = max_id(Contact)
        stamp, null = world.now.isoformat(), "\\N"
        copy_lines(
            Contact,
            "organisation_id, name, email, phone, role, is_default, confirmed_at, created_at",
            (
                f"{world.org}\t{contact_name(c)}\t{contact_email(c)}\t+39 02 {c:07d}\t\tf\t"
                f"{stamp if c % 10 else null}\t{stamp}\n"
                for c in range(c_start, c_end)
            ),
        )
        world.contact_segments.append(Segment(c_start, c_end, ids_after(Contact, last, c_end - c_start)))
        lap(f"{c_end - c_start:,} contacts")
    series = f"service.ticket:{world.org}"
    first_number = numbering.last(series) + 1
    last = max_id(Ticket)
    with _maybe_bare(Ticket, bare):
        copy_lines(
            Ticket, TICKET_COLUMNS, (_ticket_line(world, k, first_number + k - start) for k in range(start, end))
        )
    world.ticket_segments.append(Segment(start, end, ids_after(Ticket, last, end - start), first_number))
    _set_series(series, first_number + end - start - 1)
    lap(f"{end - start:,} tickets")
    with _maybe_bare(TicketMessage, bare):
        copy_lines(
            TicketMessage, MESSAGE_COLUMNS, (line for k in range(start, end) for line in _message_lines(world, k))
        )
    lap("their conversations")
    with _maybe_bare(InboundMail, bare):
        copy_lines(InboundMail, INBOUND_COLUMNS, (_inbound_line(world, k) for k in range(start, end)))
    lap("their received mail")
    call_command("counters", "--repair", stdout=io.StringIO())  # COPY wrote rows without their moves
    lap("counters (fieldbox counters --repair)")
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE")
    lap("VACUUM ANALYZE")


@contextmanager
def _maybe_bare(model: Any, bare: bool) -> Iterator[None]:
    if bare:
        with bare_table(model):
            yield
    else:
        yield


def _set_series(series: str, last: int) -> None:
    from fieldbox.core.models import NumberSeries

    NumberSeries.objects.update_or_create(key=series, defaults={"last": last})


TICKET_COLUMNS = (
    "organisation_id, number, subject, team_id, mailbox_id, contact_id, kind, channel, priority, status, phone, "
    "created_at, changed_at, closed_at, resolved_at, first_response_at"
)


def _ticket_line(world: World, k: int, number: int) -> str:
    team_id, _name, _reply = world.teams[world.team[k]]
    mailbox_id = world.mailboxes[world.team[k]][0]
    status = world.status_of(k)
    created = world.created(k)
    changed = created + timedelta(hours=2 + k % 70)
    closed = changed.isoformat() if status in ENDED else "\\N"
    resolved = changed.isoformat() if status in ("resolved", "closed") else "\\N"
    answered = (created + timedelta(hours=1)).isoformat() if world.answered(k) else "\\N"
    return (
        f"{world.org}\tT{number:07d}\t{world.subject(k)}\t{team_id}\t{mailbox_id}\t"
        f"{world.contact_id(world.contact[k])}\trequest\temail\tnormal\t{status}\t\t"
        f"{created.isoformat()}\t{changed.isoformat()}\t{closed}\t{resolved}\t{answered}\n"
    )


MESSAGE_COLUMNS = (
    "organisation_id, ticket_id, kind, message_id, sender, subject, text, html, skipped, created_at, contact_id"
)


def _message_lines(world: World, k: int) -> Iterator[str]:
    """The customer's request and, on a ticket the desk answered, the desk's reply."""
    ticket = world.ticket_id(k)
    c = world.contact[k]
    created = world.created(k)
    body = BODY.format(what=WHATS[k % 5], city=CITIES[k % 8], serial=f"SN{k:08d}", name=contact_name(c))
    body = body.replace("\n", "\\n")
    yield (
        f"{world.org}\t{ticket}\tin\t{inbound_id(k)}\t{contact_email(c)}\t{world.subject(k)}\t{body}\t\t[]\t"
        f"{created.isoformat()}\t{world.contact_id(c)}\n"
    )
    if world.answered(k):
        mailbox = world.mailboxes[world.team[k]][1]
        yield (
            f"{world.org}\t{ticket}\tout\t{outbound_id(k)}\t{mailbox}\tRe: {world.subject(k)} [#{world.number(k)}]\t"
            f"Gentile cliente,\\nabbiamo preso in carico la sua richiesta.\\nCordiali saluti\t\t[]\t"
            f"{(created + timedelta(hours=1)).isoformat()}\t\\N\n"
        )


INBOUND_COLUMNS = "organisation_id, mailbox_id, key, received_at, size, sender, subject, outcome, reason, ticket_id"


def _inbound_line(world: World, k: int) -> str:
    mailbox_id = world.mailboxes[world.team[k]][0]
    return (
        f"{world.org}\t{mailbox_id}\t<{inbound_id(k)}>\t{world.created(k).isoformat()}\t{2400 + k % 3000}\t"
        f"{contact_email(world.contact[k])}\t{world.subject(k)}\tticket\t\t{world.ticket_id(k)}\n"
    )


# --- the mail ------------------------------------------------------------------------------------------------------


def uuid_like(rng: random.Random) -> str:
    h = rng.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


OUTLOOK_HEAD = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
    'xmlns="http://www.w3.org/TR/REC-html40"><head><meta http-equiv="Content-Type" content="text/html; '
    'charset=utf-8"><meta name="Generator" content="Microsoft Word 15 (filtered medium)"><style><!--\n'
    '/* Font Definitions */\n@font-face\n\t{font-family:"Cambria Math";\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\n'
    "@font-face\n\t{font-family:Calibri;\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\n"
    "@font-face\n\t{font-family:Aptos;}\n/* Style Definitions */\n"
    "p.MsoNormal, li.MsoNormal, div.MsoNormal\n\t{margin:0cm;\n\tfont-size:11.0pt;\n\t"
    'font-family:"Aptos",sans-serif;\n\tmso-ligatures:standardcontextual;\n\tmso-fareast-language:EN-US;}\n'
    "a:link, span.MsoHyperlink\n\t{mso-style-priority:99;\n\tcolor:#467886;\n\ttext-decoration:underline;}\n"
    'span.EmailStyle17\n\t{mso-style-type:personal-compose;\n\tfont-family:"Aptos",sans-serif;\n\t'
    "color:windowtext;}\n.MsoChpDefault\n\t{mso-style-type:export-only;\n\tfont-size:11.0pt;\n\t"
    "mso-fareast-language:EN-US;}\n@page WordSection1\n\t{size:612.0pt 792.0pt;\n\t"
    "margin:70.85pt 2.0cm 2.0cm 2.0cm;}\ndiv.WordSection1\n\t{page:WordSection1;}\n--></style>"
    '<!--[if gte mso 9]><xml>\n<o:shapedefaults v:ext="edit" spidmax="1026" />\n</xml><![endif]--></head>'
    '<body lang="IT" link="#467886" vlink="#96607D" style="word-wrap:break-word"><div class="WordSection1">'
)


def outlook_html(text: str) -> str:
    """The HTML Outlook sends for ``text``: a Word document, a paragraph of class MsoNormal per line."""
    lines = "\n".join(
        f'<p class="MsoNormal"><span style="font-size:11.0pt;font-family:&quot;Aptos&quot;,sans-serif">'
        f"{line}<o:p></o:p></span></p>"
        if line
        else '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        for line in text.split("\n")
    )
    return f"{OUTLOOK_HEAD}\n{lines}\n</div></body></html>"


@dataclass(frozen=True)
class Target:
    """A ticket a message answers: what the customer's mail client knows of it."""

    ticket_id: int
    number: str
    subject: str
    sender: str
    sender_name: str
    mailbox: int  # index into world.mailboxes
    refs: tuple[str, ...]  # Message-IDs of its conversation, oldest first
    expect_same: bool  # the reply joins this ticket (else: a new ticket opens)


@dataclass
class Item:
    """One message of the spool."""

    offset: int
    size: int
    kind: str
    mailbox: int
    outcome: str  # expected: ticket, reply, ignored
    ticket_id: int = 0  # expected ticket of a reply (0: the ticket of message ``follows``, or a new one)
    follows: int = -1  # a reply to the request written as message ``follows`` of this spool
    files: int = 0  # attachments that must be kept
    message_id: str = ""
    subject: str = ""
    sender: str = ""
    sender_name: str = ""


def target_of(world: World, k: int) -> Target:
    c = world.contact[k]
    refs = (inbound_id(k), outbound_id(k)) if world.answered(k) else (inbound_id(k),)
    status = world.status_of(k)
    reopen = world.teams[world.team[k]][2] == "reopen"
    same = status in ("new", "open", "waiting") or (status in ("resolved", "closed") and reopen)
    return Target(
        world.ticket_id(k),
        world.number(k),
        world.subject(k),
        contact_email(c),
        contact_name(c),
        world.team[k],
        refs,
        same,
    )


class Writer:
    """Writes messages as mail clients and servers do; ``rng`` makes the same messages every run."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.serial = 0
        self.stamp, self.domain, self.style = world.now, "", ""
        self.traces: dict[str, tuple[int, datetime, str, str]] = {}  # by Message-ID: what the servers add

    def _base(self, sender: str, name: str, mailbox: int, subject: str) -> EmailMessage:
        """A message with the headers its author's client writes; the headers the servers on the way add come in
        ``raw`` (the mail server's trace, authentication results, signatures)."""
        self.serial += 1
        message = EmailMessage()
        self.stamp = self.world.now - timedelta(seconds=self.rng.randrange(86_400))
        self.domain = sender.rpartition("@")[2] or "posta.example"
        self.style = ("gmail", "gmail", "gmail", "gmail", "gmail", "outlook", "outlook", "outlook", "other", "other")[
            self.serial % 10
        ]
        message["From"] = f'"{name}" <{sender}>' if name else sender
        message["To"] = self.world.mailboxes[mailbox][1]
        message["Subject"] = subject
        message["Date"] = format_datetime(self.stamp)
        message["Message-ID"] = f"<bench.{self.serial}.{self.rng.randrange(10**9)}@{self.domain}>"
        self.traces[str(message["Message-ID"])] = (self.serial, self.stamp, self.domain, self.style)
        message["MIME-Version"] = "1.0"
        if self.style == "other":
            message["User-Agent"] = "Mozilla Thunderbird"
        message["Content-Language"] = "it-IT"
        return message

    def raw(self, message: EmailMessage) -> bytes:
        """The message as the desk's IMAP server hands it over: the servers' headers above the author's, CRLF."""
        n, stamp, domain, style = self.traces.pop(str(message["Message-ID"]))
        sender = str(message["From"].addresses[0].addr_spec)
        return self._trace(n, stamp, domain, style, sender, str(message["To"])) + message.as_bytes(policy=SMTP_POLICY)

    def _trace(self, n: int, stamp: datetime, domain: str, style: str, sender: str, to: str) -> bytes:
        rng, date = self.rng, format_datetime(stamp)

        def b64(size: int) -> str:
            return base64.b64encode(rng.randbytes(size)).decode()

        def folded(value: str) -> str:
            return "\r\n\t".join(value[i : i + 74] for i in range(0, len(value), 74))

        ip = f"{40 + n % 160}.{n * 7 % 250}.{n * 13 % 250}.{n % 250}"
        lines = [
            f"Return-Path: <{sender}>",
            f"Delivered-To: {to}",
            f"Received: from mail.{DOMAIN}\r\n\tby mail.{DOMAIN} with LMTP\r\n\tid {b64(12)}\r\n\t"
            f"(envelope-from <{sender}>)\r\n\tfor <{to}>; {date}",
            f"Received: from mx{n % 9}.{domain} (mx{n % 9}.{domain} [{ip}])\r\n\t(using TLSv1.3 with cipher "
            f"TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\t(No client certificate requested)\r\n\tby mail.{DOMAIN} "
            f"(Postfix) with ESMTPS id 4T{b64(6)[:8]}\r\n\tfor <{to}>; {date}",
            f"Authentication-Results: mail.{DOMAIN};\r\n\tdkim=pass (2048-bit key; unprotected) header.d={domain} "
            f"header.i=@{domain} header.a=rsa-sha256 header.s=s{n % 3} header.b={b64(6)};\r\n\t"
            f"dmarc=pass (p=none dis=none) header.from={domain};\r\n\tspf=pass smtp.mailfrom={sender}",
            f"Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip={ip}; helo=mx{n % 9}.{domain};\r\n\t"
            f"envelope-from=<{sender}>; receiver=<UNKNOWN>",
        ]
        signature = f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s{n % 3}; t={n};"
        if style == "gmail":
            lines += [
                f"ARC-Seal: i=1; a=rsa-sha256; t={n}; cv=none; d=google.com; s=arc-20160816;\r\n\tb="
                + folded(b64(256)),
                "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=google.com; s=arc-20160816;\r\n\t"
                f"h=to:subject:message-id:date:from:mime-version:dkim-signature;\r\n\tbh={b64(32)};\r\n\tb="
                + folded(b64(256)),
                f"ARC-Authentication-Results: i=1; mx.google.com;\r\n\tdkim=pass header.i=@{domain};\r\n\t"
                f"spf=pass (google.com: domain of {sender} designates {ip} as permitted sender)",
                f"DKIM-Signature: {signature}\r\n\th=to:subject:message-id:date:from:mime-version:from:to:cc:subject"
                f":date:message-id:reply-to;\r\n\tbh={b64(32)};\r\n\tb=" + folded(b64(256)),
                f"X-Google-DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=1e100.net; s=20230601; t={n};\r\n\t"
                f"bh={b64(32)};\r\n\tb=" + folded(b64(256)),
                "X-Gm-Message-State: " + folded(b64(120)),
                "X-Google-Smtp-Source: " + folded(b64(80)),
                f"X-Received: by 2002:a05:6402:{n % 9999:x}:b0:55c:{n % 7777:x} with SMTP id {b64(9)};\r\n\t{date}",
            ]
        elif style == "outlook":
            lines += [
                "ARC-Seal: i=1; a=rsa-sha256; s=arcselector9901; d=microsoft.com; cv=none;\r\n\tb=" + folded(b64(256)),
                "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com; s=arcselector9901;\r\n\t"
                f"h=From:Date:Subject:Message-ID:Content-Type:MIME-Version;\r\n\tbh={b64(32)};\r\n\tb="
                + folded(b64(256)),
                f"DKIM-Signature: {signature}\r\n\th=From:Date:Subject:Message-ID:Content-Type:MIME-Version;\r\n\t"
                f"bh={b64(32)};\r\n\tb=" + folded(b64(256)),
                f"Received: from AM0PR{n % 90:02d}MB{n % 9000:04d}.eurprd{n % 9:02d}.prod.outlook.com\r\n\t"
                f"([fe80::{n % 65535:x}]) by AM0PR{n % 90:02d}MB{n % 9000:04d}.eurprd{n % 9:02d}.prod.outlook.com\r\n\t"
                f"with mapi id 15.20.7409.{n % 999}; {date}",
                f"Thread-Topic: {SUBJECTS[n % len(SUBJECTS)]}",
                f"Thread-Index: {b64(22)}",
                "Accept-Language: it-IT, en-US",
                "X-MS-Has-Attach:",
                "X-MS-TNEF-Correlator:",
                "x-ms-publictraffictype: Email",
                f"x-ms-traffictypediagnostic: AM0PR{n % 90:02d}MB{n % 9000:04d}:EE_|"
                f"DB9PR{n % 90:02d}MB{n % 999:04d}:EE_",
                f"x-ms-office365-filtering-correlation-id: {uuid_like(rng)}",
                "x-ms-exchange-senderadcheck: 1",
                "x-ms-exchange-antispam-relay: 0",
                "x-microsoft-antispam: BCL:0;ARA:13230031|366007|1800799015|376005|38070700009;",
                "x-microsoft-antispam-message-info: " + folded(b64(900)),
                "x-forefront-antispam-report: CIP:255.255.255.255;CTRY:;LANG:it;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:AM0PR;"
                "PTR:;CAT:NONE;SFS:(13230031)(366007)(1800799015)(376005)(38070700009);DIR:OUT;SFP:1102;",
                "x-ms-exchange-antispam-messagedata-chunkcount: 1",
                "x-ms-exchange-antispam-messagedata-0: " + folded(b64(1200)),
                f"X-MS-Exchange-CrossTenant-Network-Message-Id: {uuid_like(rng)}",
                f"X-MS-Exchange-CrossTenant-originalarrivaltime: {date}",
                "X-MS-Exchange-CrossTenant-fromentityheader: Hosted",
                f"X-MS-Exchange-CrossTenant-id: {uuid_like(rng)}",
                "X-MS-Exchange-CrossTenant-mailboxtype: HOSTED",
                f"X-MS-Exchange-CrossTenant-userprincipalname: {b64(60)}",
                f"X-MS-Exchange-Transport-CrossTenantHeadersStamped: DB9PR{n % 90:02d}MB{n % 999:04d}",
            ]
        else:
            lines += [
                f"Received: from [192.168.{n % 250}.{n * 3 % 250}] (host-{ip.replace('.', '-')}.isp.example [{ip}])"
                f"\r\n\tby mx{n % 9}.{domain} (Postfix) with ESMTPSA id {b64(6)[:8]}\r\n\tfor <{to}>; {date}",
                f"DKIM-Signature: {signature} h=from:to:subject:date;\r\n\tbh={b64(32)};\r\n\tb=" + folded(b64(128)),
                "X-Spam-Status: No, score=-0.1 required=5.0 tests=DKIM_SIGNED,DKIM_VALID,SPF_PASS autolearn=ham",
            ]
        return ("\r\n".join(lines) + "\r\n").encode()

    def _body(self, message: EmailMessage, quoted: str = "") -> None:
        """What people write: a few paragraphs, a signature with the usual confidentiality notice, the quoted
        conversation under a reply; Gmail and Outlook send it as text and HTML (Outlook's HTML as Word makes it)."""
        rng, k = self.rng, self.serial
        paragraphs = [
            BODY.format(what=WHATS[k % 5], city=CITIES[k % 8], serial=f"SN{k:08d}", name="").strip(),
            *rng.sample(SENTENCES, rng.randrange(1, 4)),
        ]
        name = NAMES[k % len(NAMES)]
        signature = f"{name}\nUfficio tecnico - {CITIES[k % 8]} S.r.l.\nTel. +39 02 {k % 10**7:07d}\n\n{DISCLAIMER}"
        text = "\n\n".join(paragraphs) + "\n\n--\n" + signature + "\n"
        if quoted:
            text += f"\n\nIl {format_datetime(self.stamp - timedelta(days=1))} ha scritto:\n" + "\n".join(
                "> " + line for line in quoted.split("\n")
            )
        message.set_content(text)
        if self.style == "outlook":
            message.add_alternative(outlook_html(text), subtype="html")
        elif self.style == "gmail":
            html = "".join(f'<div dir="ltr">{line}</div>' if line else "<div><br></div>" for line in text.split("\n"))
            message.add_alternative(f'<div dir="ltr">{html}</div>', subtype="html")

    def new_request(self, *, known: bool) -> EmailMessage:
        w = self.world
        if known:
            c = self.rng.randrange(w.contact_segments[-1].end)  # one the desk knows already
            sender, name = contact_email(c), contact_name(c)
        else:
            sender = f"nuovo{self.serial}.{self.rng.randrange(10**6)}@privato{self.serial % 311}.example"
            name = f"Cliente {self.serial}"
        mailbox = self.rng.choices(range(len(w.mailboxes)), weights=[share for _n, share, _r in TEAMS])[0]
        subject = f"{SUBJECTS[self.rng.randrange(len(SUBJECTS))]} ({self.serial})"
        message = self._base(sender, name, mailbox, subject)
        self._body(message)
        return message

    def reply(self, target: Target, *, by_subject: bool) -> EmailMessage:
        """A customer's answer: by the number in the subject only (another client, a forward), or by In-Reply-To and
        References with the subject as the client makes it."""
        subject = f"Re: {target.subject}" + (f" [#{target.number}]" if by_subject else "")
        message = self._base(target.sender, target.sender_name, target.mailbox, subject)
        if not by_subject:
            message["In-Reply-To"] = f"<{target.refs[-1]}>"
            message["References"] = " ".join(f"<{r}>" for r in target.refs)
        self._body(message, quoted=QUOTED.format(subject=target.subject))
        return message

    def auto_reply(self, target: Target) -> EmailMessage:
        """An out-of-office answer to the desk's mail."""
        message = self._base(
            target.sender, target.sender_name, target.mailbox, f"Risposta automatica: {target.subject}"
        )
        message["In-Reply-To"] = f"<{target.refs[-1]}>"
        message["References"] = " ".join(f"<{r}>" for r in target.refs)
        if self.serial % 2:
            message["Auto-Submitted"] = "auto-replied"
        else:
            message["X-Autoreply"] = "yes"
        message.set_content("Sono fuori ufficio fino a lunedì, risponderò al mio rientro.\n")
        return message

    def bounce(self, target: Target) -> bytes:
        """A delivery report (multipart/report) for a reply of the desk that could not be delivered, as the mail
        server wrote it (the returned headers in 8 bits)."""
        self.serial += 1
        w, boundary = self.world, f"bounce-{self.serial}"
        desk, domain = w.mailboxes[target.mailbox][1], target.sender.rpartition("@")[2]
        text = (
            f"From: Mail Delivery System <MAILER-DAEMON@mx.{domain}>\n"
            f"To: {desk}\nSubject: Undelivered Mail Returned to Sender\nDate: {format_datetime(w.now)}\n"
            f"Message-ID: <bounce.{self.serial}.{self.rng.randrange(10**9)}@mx.{domain}>\n"
            "Auto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n\n'
            f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n"
            "I'm sorry to have to inform you that your message could not be delivered.\n\n"
            f"--{boundary}\nContent-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; mx.{domain}\n\nFinal-Recipient: rfc822; {target.sender}\nAction: failed\n"
            "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
            f"--{boundary}\nContent-Type: text/rfc822-headers\n\n"
            f"From: {desk}\nTo: {target.sender}\nSubject: Re: {target.subject}\nMessage-ID: <{target.refs[-1]}>\n\n"
            f"--{boundary}--\n"
        )
        return text.replace("\n", "\r\n").encode()

    def attach(self, message: EmailMessage) -> int:
        """One to three files up to 5 MB (photos, a PDF); now and then one that is not kept. Answers the kept."""
        kept = 0
        for i in range(self.rng.choices((1, 2, 3), weights=(70, 25, 5))[0]):
            size = attachment_size(self.rng)
            pick = self.rng.randrange(10)
            if pick < 4:
                data, main, sub, name = b"\xff\xd8\xff\xe0" + self.rng.randbytes(size), "image", "jpeg", f"foto{i}.jpg"
            elif pick < 8:
                data, main, sub, name = b"%PDF-1.5\n" + self.rng.randbytes(size), "application", "pdf", f"doc{i}.pdf"
            elif pick < 9:
                data, main, sub, name = b"\x89PNG\r\n\x1a\n" + self.rng.randbytes(size), "image", "png", f"img{i}.png"
            else:  # a program: never kept
                data, main, sub, name = b"MZ" + self.rng.randbytes(size), "application", "x-msdownload", "setup.exe"
            kept += pick < 9
            message.add_attachment(data, maintype=main, subtype=sub, filename=name)
        return kept


def attachment_size(rng: random.Random) -> int:
    """Most files are photos and documents of tens or hundreds of kilobytes; one in fifty is a few megabytes."""
    pick = rng.random()
    if pick < 0.80:
        return rng.randrange(10_000, 200_000)
    if pick < 0.98:
        return rng.randrange(200_000, 1_000_000)
    return rng.randrange(1_000_000, 5_000_000)


# The corpus: kind and share. An attachment comes with a new request (mostly) or a reply by References.
MIX = (
    ("new", 0.30),
    ("reply-subject", 0.18),
    ("reply-references", 0.22),
    ("auto-reply", 0.10),
    ("bounce", 0.05),
    ("attachment", 0.15),
)


def write_corpus(world: World, count: int, path: Path, seed: int = 7) -> list[Item]:
    """``count`` messages in a spool file (each after the other); answers where each is and what it must become."""
    rng = random.Random(seed)
    writer = Writer(world, rng)
    targets = _target_picker(world, rng)
    kinds = rng.choices([k for k, _ in MIX], weights=[s for _, s in MIX], k=count)
    items: list[Item] = []
    new_requests: list[int] = []  # spool positions of new requests: later replies may answer them
    with path.open("wb") as spool:
        for i, kind in enumerate(kinds):
            message, item = _one(writer, world, kind, targets, new_requests, items, rng)
            _write(spool, writer.raw(message) if isinstance(message, EmailMessage) else message, message, item, items)
            if item.outcome == "ticket" and kind in ("new", "attachment"):
                new_requests.append(i)
    return items


def _one(
    writer: Writer,
    world: World,
    kind: str,
    targets: Any,
    new_requests: list[int],
    items: list[Item],
    rng: random.Random,
) -> tuple[EmailMessage | bytes, Item]:
    if kind == "new":
        message = writer.new_request(known=rng.random() < 0.6)
        return message, Item(0, 0, kind, _mailbox_of(world, message), "ticket")
    if kind in ("auto-reply", "bounce"):
        target = targets()
        raw = writer.auto_reply(target) if kind == "auto-reply" else writer.bounce(target)
        return raw, Item(0, 0, kind, target.mailbox, "ignored")
    if kind == "attachment" and rng.random() < 0.7:
        message = writer.new_request(known=rng.random() < 0.6)
        files = writer.attach(message)
        return message, Item(0, 0, kind, _mailbox_of(world, message), "ticket", files=files)
    # A reply; one in five to a request that reached the desk earlier in this spool.
    by_subject = kind == "reply-subject"
    if not by_subject and len(new_requests) > 20 and rng.random() < 0.2:
        follows = new_requests[rng.randrange(len(new_requests) - 20)]
        message = writer.reply(_spooled_target(items[follows]), by_subject=False)
        item = Item(0, 0, kind, items[follows].mailbox, "reply", follows=follows)
    else:
        target = targets()
        message = writer.reply(target, by_subject=by_subject)
        item = Item(0, 0, kind, target.mailbox, "reply" if target.expect_same else "ticket", target.ticket_id)
    if kind == "attachment":
        item.files = writer.attach(message)
    return message, item


def _spooled_target(earlier: Item) -> Target:
    """What a customer's client knows of a request it sent earlier in the spool."""
    return Target(
        0, "", earlier.subject, earlier.sender, earlier.sender_name, earlier.mailbox, (earlier.message_id,), True
    )


def _mailbox_of(world: World, message: EmailMessage) -> int:
    to = str(message["To"])
    return next(i for i, (_id, address) in enumerate(world.mailboxes) if address == to)


def _write(spool: BinaryIO, raw: bytes, message: EmailMessage | bytes, item: Item, items: list[Item]) -> None:
    item.offset, item.size = spool.tell(), len(raw)
    if isinstance(message, EmailMessage):
        item.message_id = str(message["Message-ID"]).strip("<>")
        item.subject = str(message["Subject"])
        sender = message["From"].addresses[0]
        item.sender_name, item.sender = sender.display_name, sender.addr_spec
    spool.write(raw)
    items.append(item)


def _target_picker(world: World, rng: random.Random) -> Any:
    """Distinct tickets to answer (never one the start's samples touched): half of them still open, a quarter
    resolved, the rest ended."""
    by_status: dict[str, array] = {s: array("l") for s in STATUSES}  # type: ignore[type-arg]
    for k in range(1000, world.tickets):
        by_status[world.status_of(k)].append(k)
    groups = (("new", "open", "waiting"), ("resolved",), ("closed",), ("cancelled", "merged"))
    weights = (50, 25, 20, 5)
    used: set[int] = set()

    def pick() -> Target:
        while True:
            group = rng.choices(groups, weights=weights)[0]
            pool = by_status[rng.choice(group)]
            k = pool[rng.randrange(len(pool))]
            if k not in used:
                used.add(k)
                return target_of(world, k)

    return pick


def read_spool(path: Path, items: list[Item]) -> Iterator[bytes]:
    """The raw messages of ``items``, in order."""
    with path.open("rb") as spool:
        for item in items:
            spool.seek(item.offset)
            yield spool.read(item.size)
