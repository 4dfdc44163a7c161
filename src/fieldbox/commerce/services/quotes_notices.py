"""What quotes tell people: the message kinds (the customer's e-mail with the quote, the office's notices) and the
events of the office (a technician asked for a quote, a customer answered one), registered at start-up."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import Organisation
from fieldbox.commerce.choices import SELLERS
from fieldbox.commerce.models import Quote
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind

KIND = "commerce.quote"
ASKED_KIND = "commerce.quote_asked"
ANSWERED_KIND = "commerce.quote_answered"
EXAMPLE_LINK = "https://fieldbox.example/…"

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: a quote, with its PDF and the link to answer it"),
        variables={
            "number": gettext_lazy("the quote's number"),
            "customer": gettext_lazy("the customer's name"),
            "organisation": gettext_lazy("your organisation's name"),
            "total": gettext_lazy("the total, VAT included"),
            "valid_until": gettext_lazy("the last day it may be accepted"),
            "link": gettext_lazy("the link where the customer reads, accepts or refuses it"),
            "again": gettext_lazy("whether it was sent before"),
        },
        template="commerce/quotes/email/quote",
        required=frozenset({"link"}),
        sample={
            "number": "PR-2026/00012",
            "customer": "Condominio Aurora",
            "organisation": "Rossi Impianti",
            "total": "1.234,50 €",
            "valid_until": "31/12/2026",
            "link": EXAMPLE_LINK,
            "again": False,
        },
    ),
    MessageKind(
        key=ASKED_KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("A technician asked for a quote (to the office)"),
        variables={
            "number": gettext_lazy("the quote's number"),
            "person": gettext_lazy("who asked"),
            "customer": gettext_lazy("the customer's name"),
            "finding": gettext_lazy("the technician's finding"),
            "link": gettext_lazy("the link to the quote"),
        },
        template="commerce/quotes/email/quote_asked",
        required=frozenset({"number", "link"}),
        sample={
            "number": "PR-2026/00012",
            "person": "Marco Bianchi",
            "customer": "Condominio Aurora",
            "finding": "Scambiatore incrostato",
            "link": EXAMPLE_LINK,
        },
    ),
    MessageKind(
        key=ANSWERED_KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("A customer answered a quote by its link (to the office)"),
        variables={
            "number": gettext_lazy("the quote's number"),
            "customer": gettext_lazy("the customer's name"),
            "accepted": gettext_lazy("whether it was accepted"),
            "note": gettext_lazy("the customer's note"),
            "link": gettext_lazy("the link to the quote"),
        },
        template="commerce/quotes/email/quote_answered",
        required=frozenset({"number", "link"}),
        sample={
            "number": "PR-2026/00012",
            "customer": "Condominio Aurora",
            "accepted": True,
            "note": "",
            "link": EXAMPLE_LINK,
        },
    ),
)
events.register(
    EventType(
        "quote.asked",
        gettext_lazy("A technician asked for a quote"),
        kind=ASKED_KIND,
        roles=frozenset(SELLERS),
        email_default=False,
    ),
    EventType(
        "quote.answered",
        gettext_lazy("A customer answered a quote"),
        kind=ANSWERED_KIND,
        roles=frozenset(SELLERS),
        email_default=False,
    ),
)


def _office_link(quote: Quote) -> str:
    return reverse("commerce:quote", kwargs={"pk": quote.pk})


def tell_office(quote: Quote, scope: Scope) -> None:
    """The office hears in the app that a technician asked for a quote (in the asker's transaction)."""
    context = {
        "number": quote.number,
        "person": str(scope.user),
        "customer": quote.customer.display_name,
        "finding": quote.finding[:300],
        "link": settings.SITE_URL + _office_link(quote),
    }
    events.emit(
        "quote.asked",
        organisation=scope.organisation,
        key=f"quote:{quote.pk}:asked",
        context=context,
        url=_office_link(quote),
    )


def tell_answer(quote: Quote, organisation: Organisation, accepted: bool) -> None:
    context = {
        "number": quote.number,
        "customer": quote.customer.display_name,
        "accepted": accepted,
        "note": quote.answer_note[:300],
        "link": settings.SITE_URL + _office_link(quote),
    }
    events.emit(
        "quote.answered",
        organisation=organisation,
        key=f"quote:{quote.pk}:answered:{int(quote.sent_at.timestamp()) if quote.sent_at else 0}",
        context=context,
        url=_office_link(quote),
    )
