"""Demo service desk: Officina Rossi runs its own after-sales service, with two teams and their support addresses,
and mail that came in through the same path as a mail server's pipe (the .eml files in ``fixtures/``)."""

from __future__ import annotations

from pathlib import Path

from fieldbox.accounts.models import Organisation, User
from fieldbox.accounts.selectors import scope_for
from fieldbox.service import services
from fieldbox.service.choices import ClosedReply
from fieldbox.service.models import Contact, InboundMail, Mailbox, Team, Ticket

COMPANY, DESK_ADMIN = "Officina Rossi", "admin@rossi.example"
# (team, its support address, a reply to a closed ticket)
TEAMS = [
    ("Assistenza tecnica", "assistenza@rossi.example", ClosedReply.REOPEN),
    ("Amministrazione", "amministrazione@rossi.example", ClosedReply.NEW),
]
MAIL = Path(__file__).parent / "fixtures"


def reset() -> None:
    companies = Organisation.objects.filter(name=COMPANY)
    InboundMail.objects.filter(organisation__in=companies).delete()
    Ticket.objects.filter(organisation__in=companies).delete()
    Contact.objects.filter(organisation__in=companies).delete()
    Mailbox.objects.filter(organisation__in=companies).delete()
    Team.objects.filter(organisation__in=companies).delete()


def load() -> None:
    company = Organisation.objects.get(name=COMPANY)
    boxes = {}
    for name, address, closed_reply in TEAMS:
        team = Team.objects.create(organisation=company, name=name, closed_reply=closed_reply)
        boxes[address] = Mailbox.objects.create(organisation=company, team=team, address=address)
    received = {}
    for path in sorted(MAIL.glob("*.eml")):
        raw = path.read_bytes()
        to = next(a for a in boxes if a.encode() in raw.split(b"\n\n", 1)[0])
        received[path.stem] = services.mail_ingest(mailbox=boxes[to], raw=raw).ticket
    scope = scope_for(User.objects.get(email=DESK_ADMIN), company.pk)
    assert scope is not None
    van, invoice = received["02-furgone-centralina"], received["04-fattura"]
    assert van is not None
    assert invoice is not None
    # The van: answered, then the customer added a line (03 threads by its references), so it is open again.
    services.ticket_reply(
        scope=scope, ticket_id=van.pk, text="Buongiorno, passiamo giovedì mattina a controllare la centralina."
    )
    # The invoice: answered, resolved and closed.
    services.ticket_reply(scope=scope, ticket_id=invoice.pk, text="Verificato: vi mandiamo la nota di credito.")
    services.ticket_resolve(scope=scope, ticket_id=invoice.pk)
    services.ticket_close(scope=scope, ticket_id=invoice.pk)
