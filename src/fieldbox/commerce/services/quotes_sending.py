"""A quote goes to the customer and comes back answered: ``quote_send`` (and ``quote_resend``, which makes a new
link and kills the old one) e-mails the PDF, in the customer's language, through the outbox, with the customer's
link (``commerce.links``); the customer accepts or refuses on the public page (``quote_answer_by_link``), or the
office records the answer (``quote_answer``); a quote past its date cannot be accepted, and the scheduled task
``quote_expire_due`` marks the ones left unanswered "expired". The office is told in the app when a customer
answers by the link (``quotes_notices``, which also holds the e-mail's message kind)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import links
from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QUOTE_TABLE, QuoteStatus
from fieldbox.commerce.models import Quote
from fieldbox.commerce.pdf import render_pdf
from fieldbox.commerce.services import quotes_notices as notices
from fieldbox.commerce.services.quotes import locked
from fieldbox.commerce.services.quotes_notices import KIND
from fieldbox.core import clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email

PDF = "application/pdf"


# ---- The document -----------------------------------------------------------------------------------------------


def language_of(quote: Quote, organisation: Organisation) -> str:
    """The customer's language, else the organisation's (as the work report)."""
    return (quote.customer.language if quote.customer_id else "") or organisation.language


def pdf_context(quote: Quote, organisation: Organisation) -> dict[str, Any]:
    return {"quote": quote, "organisation": organisation, "totals": reads.totals(quote)}


def pdf_of(quote: Quote) -> bytes:
    """The quote's PDF as it stands, in the customer's language."""
    organisation = Organisation.objects.get(pk=quote.organisation_id)
    return render_pdf(
        "commerce/quotes/pdf.html",
        pdf_context(quote, organisation),
        language_of(quote, organisation),
        organisation.time_zone,
    )


def filename(quote: Quote) -> str:
    return "quote-" + quote.number.replace("/", "-") + ".pdf"


def customer_link(quote: Quote) -> str:
    assert quote.sent_at is not None
    token = links.token_for("quote", quote.pk, quote.sent_at)
    return settings.SITE_URL + reverse("commerce:quote_link", kwargs={"token": token})


def recipient(quote: Quote) -> str:
    """Where the quote goes: its contact's e-mail, else the customer's."""
    contact = quote.contact.email if quote.contact_id and quote.contact else ""
    return contact or (quote.customer.email if quote.customer_id else "")


# ---- Sending ----------------------------------------------------------------------------------------------------


def _address(quote: Quote, to: str) -> str:
    address = (to or "").strip() or recipient(quote)
    if not address:
        raise ValidationError({"to": _("Neither the contact nor the customer has an e-mail address: write one.")})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"to": _("Write a valid e-mail address.")}) from None
    return address


def _send(scope: Scope, quote_id: int, action: str, to: str) -> tuple[Quote, str]:
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, action, scope)
        totals = reads.totals(quote)
        if not totals.priced:
            raise Conflict(_("Give every line a price before sending the quote (apply the price list)."))
        address = _address(quote, to)
        sent_at = timezone.now().replace(microsecond=0)
        step = QUOTE_TABLE.apply(quote, action, scope=scope, changes={"sent_at": sent_at}, data={"to": address})
        organisation = scope.organisation
        language = language_of(quote, organisation)
        valid = formats.date_format(quote.valid_until, "SHORT_DATE_FORMAT") if quote.valid_until else ""
        assert step.event is not None
        send_email(
            KIND,
            key=f"quote:{quote.pk}:event:{step.event.pk}",
            to=address,
            language=language,
            organisation=organisation,
            context={
                "number": quote.number,
                "customer": quote.customer.display_name,
                "organisation": organisation.name,
                "total": f"{totals.total:.2f} €",
                "valid_until": valid,
                "link": customer_link(quote),
                "again": action == "resend",
            },
            attachments=[Attachment(filename(quote), pdf_of(quote), PDF)],
        )
    return quote, address


def quote_send(*, scope: Scope, quote_id: int, to: str = "") -> tuple[Quote, str]:
    """Send a priced draft: its PDF by e-mail with the customer's link. Answers the quote and the address."""
    return _send(scope, quote_id, "send", to)


def quote_resend(*, scope: Scope, quote_id: int, to: str = "") -> tuple[Quote, str]:
    """Send a sent quote again: a new link (the old one stops working), the PDF again."""
    return _send(scope, quote_id, "resend", to)


# ---- Answers ----------------------------------------------------------------------------------------------------


def _refuse_if_past(quote: Quote, organisation: Organisation) -> None:
    if reads.is_past(quote, clock.today(organisation.time_zone)):
        assert quote.valid_until is not None
        day = formats.date_format(quote.valid_until, "SHORT_DATE_FORMAT")
        raise Conflict(_("This quote was valid until %(day)s: it can no longer be accepted.") % {"day": day})


def _note(note: str) -> str:
    words = (note or "").strip()
    if len(words) > 2000:
        raise ValidationError({"note": _("At most %(n)s characters.") % {"n": 2000}})
    return words


def quote_answer(*, scope: Scope, quote_id: int, accept: bool, note: str = "") -> Quote:
    """The office records the customer's answer (by phone, by mail): accepted or refused."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        action = "accept" if accept else "refuse"
        QUOTE_TABLE.check(quote, action, scope)
        words = _note(note)
        if accept:
            _refuse_if_past(quote, scope.organisation)
        changes = {"answered_at": timezone.now(), "answer_note": words}
        QUOTE_TABLE.apply(quote, action, scope=scope, changes=changes, data={"by": "office"})
    return quote


class BadLink(Exception):
    """A customer's link that does not open a quote: tampered, of an older sending, or of a quote no longer sent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "bad", "old", "answered"


def _from_token(token: str) -> tuple[int, int]:
    try:
        return links.read(token, "quote")
    except signing.BadSignature:
        raise BadLink("bad") from None


def quote_by_link(token: str) -> Quote:
    """The quote a customer's link opens (read only). ``BadLink`` when it opens none."""
    pk, stamp = _from_token(token)
    quote = Quote.objects.select_related("customer", "site", "contact").filter(pk=pk).first()
    if quote is None:
        raise BadLink("bad")
    if not links.is_current(stamp, quote.sent_at):
        raise BadLink("old")
    return quote


def quote_answer_by_link(*, token: str, accept: bool, note: str = "") -> Quote:
    """The customer accepts or refuses on the public page (a POST): once, while it is sent and in date."""
    pk, stamp = _from_token(token)
    with transitions.atomic():
        try:
            quote = QUOTE_TABLE.lock(Quote.objects.all(), pk)
        except Quote.DoesNotExist:
            raise BadLink("bad") from None
        if not links.is_current(stamp, quote.sent_at):
            raise BadLink("old")
        if quote.status != QuoteStatus.SENT:
            raise BadLink("answered")
        words = _note(note)
        organisation = Organisation.objects.get(pk=quote.organisation_id)
        if accept:
            _refuse_if_past(quote, organisation)
        action = "accept" if accept else "refuse"
        changes = {"answered_at": timezone.now(), "answer_note": words}
        QUOTE_TABLE.apply(quote, action, scope=None, changes=changes, data={"by": "customer link"})
        notices.tell_answer(quote, organisation, accept)
    return quote


# ---- Cancelling and expiring --------------------------------------------------------------------------------------


def quote_cancel(*, scope: Scope, quote_id: int, reason: str = "") -> Quote:
    """Cancel a draft or a sent quote (its link stops working: the quote is no longer "sent")."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, "cancel", scope)
        QUOTE_TABLE.apply(quote, "cancel", scope=scope, reason=_note(reason)[:500])
    return quote


@dataclass
class Expired:
    count: int
    numbers: list[str]


def quote_expire_due() -> Expired:
    """Mark "expired" every sent quote past its date on its organisation's clock (the scheduled task's work).
    Each quote in its own short transaction, locked and checked again: one the customer just accepted stays so."""
    candidates = list(
        Quote.objects.filter(status=QuoteStatus.SENT, valid_until__lt=clock.today("UTC") + timedelta(days=1))
        .values_list("pk", "organisation_id")
        .order_by("pk")
    )
    zones = dict(Organisation.objects.filter(pk__in={o for _pk, o in candidates}).values_list("pk", "time_zone"))
    done = Expired(0, [])
    for pk, org in candidates:
        with transitions.atomic():
            try:
                quote = QUOTE_TABLE.lock(Quote.objects.filter(status=QuoteStatus.SENT), pk)
            except Quote.DoesNotExist:
                continue
            if not reads.is_past(quote, clock.today(zones.get(org) or "UTC")):
                continue
            QUOTE_TABLE.apply(quote, "expire", scope=None, organisation=org)
            done.count += 1
            done.numbers.append(quote.number)
    return done
