"""An offer's life after its cart: sent to the customer (the PDF by e-mail, through the outbox, with the customer's
link), sent again, accepted (then it is an order: the same record, the same number and history, ``ordered_at``
set), refused, left to expire, delivered, cancelled. Every move is ``OFFER_TABLE``'s.

The customer answers by the link (``commerce.links``: GET shows, POST answers, no sign-in); the office may record
the answer itself. An offer past its ``valid_until`` cannot be accepted, by anyone; ``offers_expire`` (a periodic
task) marks those left unanswered."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import links
from fieldbox.commerce import selectors_offers as reads
from fieldbox.commerce.choices import OFFER_TABLE, OfferStatus
from fieldbox.commerce.models import Offer
from fieldbox.commerce.services import offers_document as document
from fieldbox.commerce.services.offers import TEXT_LIMIT, locked
from fieldbox.core import clock, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email

KIND = "commerce.offer"
PDF = "application/pdf"
REFERENCE_LIMIT = 60

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: a spare-parts offer"),
        variables={
            "number": gettext_lazy("the offer's number"),
            "customer": gettext_lazy("the customer's name"),
            "organisation": gettext_lazy("your organisation's name"),
            "valid_until": gettext_lazy("the last day it may be accepted"),
            "link": gettext_lazy("the link where the customer accepts or refuses it"),
        },
        template="commerce/offers/email/offer",
        required=frozenset({"link"}),
        sample={
            "number": "OF-2026/00012",
            "customer": "Condominio Aurora",
            "organisation": "Rossi Impianti",
            "valid_until": "31/12/2026",
            "link": "https://fieldbox.example/of/offer.1.abc.signature/",
        },
    )
)


def link_of(offer: Offer) -> str:
    """The customer's link to the offer as last sent ("" before it is sent)."""
    if offer.sent_at is None:
        return ""
    token = links.token_for("offer", offer.pk, offer.sent_at)
    return settings.SITE_URL + reverse("commerce:offer_link", kwargs={"token": token})


def recipient(offer: Offer) -> str:
    """Who the offer goes to: its contact, else the customer's own address."""
    if offer.contact is not None and offer.contact.email:
        return offer.contact.email
    return offer.customer.email


def _email(offer: Offer) -> str:
    """Queue the offer's PDF with its link to the customer, in their language; the address it goes to."""
    address = recipient(offer)
    language = document.language_of(offer)
    with translation.override(language):
        until = formats.date_format(offer.valid_until, "SHORT_DATE_FORMAT") if offer.valid_until else "—"
    assert offer.sent_at is not None
    send_email(
        KIND,
        key=f"offer:{offer.pk}:{int(offer.sent_at.timestamp())}",
        to=address,
        language=language,
        organisation=offer.organisation,
        context={
            "number": offer.number,
            "customer": offer.customer.display_name,
            "organisation": offer.organisation.name,
            "valid_until": until,
            "link": link_of(offer),
        },
        attachments=[Attachment(document.filename(offer), document.render(offer), PDF)],
    )
    return address


def _sendable(offer: Offer) -> None:
    """An offer goes out with a cart, someone to send it to, and a day until which it holds."""
    if not offer.lines.exists():
        raise ValidationError({"lines": _("The cart is empty: add the items first.")})
    if not recipient(offer):
        message = _("Nobody to send it to: give the contact (or the customer) an e-mail address, or choose another.")
        raise ValidationError({"contact_id": message})
    if reads.is_expired(offer):
        raise ValidationError({"valid_until": _("The offer's validity is over: give it a later day first.")})


def offer_send(*, scope: Scope, offer_id: int, again: bool = False) -> str:
    """Send the offer (or, ``again``, send it once more: a new link, the old one stops working); the address."""
    action = "resend" if again else "send"
    with transitions.atomic():
        offer = locked(scope, offer_id)
        OFFER_TABLE.check(offer, action, scope)
        _sendable(offer)
        sent_at = timezone.now().replace(microsecond=0)
        if offer.sent_at is not None and int(offer.sent_at.timestamp()) >= int(sent_at.timestamp()):
            sent_at = offer.sent_at + timedelta(seconds=1)  # a new link, even within the same second
        OFFER_TABLE.apply(offer, action, scope=scope, changes={"sent_at": sent_at}, data={"to": recipient(offer)})
        address = _email(offer)
    return address


def _answer(offer: Offer, *, accept: bool, scope: Scope | None, reference: str, note: str) -> Offer:
    """Accept (an order) or refuse ``offer``, locked; an expired one cannot be accepted."""
    action = "order" if accept else "refuse"
    OFFER_TABLE.check(offer, action, scope)
    if accept and reads.is_expired(offer):
        day = formats.date_format(offer.valid_until or clock.today(), "SHORT_DATE_FORMAT")
        raise Conflict(_("This offer expired on %(day)s: it can no longer be accepted.") % {"day": day})
    now = clock.now()
    changes: dict[str, object] = {
        "answered_at": now,
        "answer_note": typed_text(note, "note", TEXT_LIMIT),
        "customer_reference": typed_text(reference, "customer_reference", REFERENCE_LIMIT) if accept else "",
    }
    if accept:
        changes["ordered_at"] = now
    OFFER_TABLE.apply(
        offer,
        action,
        scope=scope,
        changes=changes,
        organisation=offer.organisation_id,
        reason=str(changes["answer_note"]),
        data={"by": "office" if scope else "customer", "reference": changes["customer_reference"]},
    )
    return offer


def offer_answer(*, scope: Scope, offer_id: int, accept: bool, reference: str = "", note: str = "") -> Offer:
    """The office records the customer's answer (by phone, by a signed copy): accepted, it is an order."""
    with transitions.atomic():
        offer = locked(scope, offer_id)
        return _answer(offer, accept=accept, scope=scope, reference=reference, note=note)


def offer_by_link(token: str) -> Offer:
    """The offer a customer's link opens; ``BadSignature`` when tampered, of another kind, or of an older sending
    (each sending makes a new link)."""
    pk, stamp = links.read(token, "offer")
    related = ("organisation", "customer", "contact", "site", "equipment")
    offer = Offer.objects.select_related(*related).filter(pk=pk).first()
    if offer is None or not links.is_current(stamp, offer.sent_at):
        raise signing.BadSignature("not the offer's current link")
    return offer


def offer_answer_by_link(*, token: str, accept: bool, reference: str = "", note: str = "") -> Offer:
    """The customer accepts or refuses by the link (no person: the system's move, checked by the token)."""
    with transitions.atomic():
        pk = offer_by_link(token).pk
        offer = locked(None, pk)
        if not links.is_current(links.read(token, "offer")[1], offer.sent_at):
            raise signing.BadSignature("sent again meanwhile")
        return _answer(offer, accept=accept, scope=None, reference=reference, note=note)


def offer_cancel(*, scope: Scope, offer_id: int, reason: str = "") -> Offer:
    """Cancel a draft, an offer the customer has not answered, or an order not delivered yet (with the reason)."""
    words = typed_text(reason, "reason", TEXT_LIMIT)
    with transitions.atomic():
        offer = locked(scope, offer_id)
        OFFER_TABLE.check(offer, "cancel", scope)
        OFFER_TABLE.apply(offer, "cancel", scope=scope, reason=words)
    return offer


def offer_deliver(*, scope: Scope, offer_id: int, delivery_note: str = "") -> Offer:
    """The order was delivered (its delivery note, by number, recorded in the history)."""
    with transitions.atomic():
        offer = locked(scope, offer_id)
        OFFER_TABLE.check(offer, "deliver", scope)
        OFFER_TABLE.apply(offer, "deliver", scope=scope, data={"delivery_note": delivery_note})
    return offer


def offers_expire(now: datetime | None = None) -> int:
    """Mark expired the sent offers left unanswered past their day (each on its organisation's clock); how many.
    The periodic task's body: each offer in its own short transaction, one taken meanwhile is left alone."""
    moment = now or clock.now()
    latest = moment.date() + timedelta(days=1)  # no organisation's day is later than this one
    candidates = Offer.objects.filter(status=OfferStatus.SENT, valid_until__lt=latest).select_related("organisation")
    expired = 0
    for offer in candidates.only("pk", "valid_until", "organisation__time_zone"):
        if not reads.is_expired(offer, moment):
            continue
        with transitions.atomic():
            held = locked(None, offer.pk)
            if held.status != OfferStatus.SENT:
                continue
            OFFER_TABLE.apply(held, "expire", scope=None, organisation=held.organisation_id)
            expired += 1
    return expired
