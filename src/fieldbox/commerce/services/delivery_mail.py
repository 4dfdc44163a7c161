"""An issued delivery note e-mailed to the customer with its PDF, through the outbox (kind
``commerce.delivery_note``): to the customer's default contact, else the customer's own address, or to an address
typed by the office. A draft is not sent (it has no number yet)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import delivery_pdf
from fieldbox.commerce.choices import DELIVERY_NOTE_TABLE, DeliveryNoteStatus
from fieldbox.commerce.models import DeliveryNote
from fieldbox.core import audit, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email
from fieldbox.service import customers

KIND = "commerce.delivery_note"

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: a delivery note"),
        variables={
            "number": gettext_lazy("the delivery note's number"),
            "day": gettext_lazy("its date"),
            "customer": gettext_lazy("the customer's name"),
            "organisation": gettext_lazy("your organisation's name"),
        },
        template="commerce/delivery/email/note",
        sample={
            "number": "DDT-2026/00012",
            "day": "2026-12-07",
            "customer": "Condominio Aurora",
            "organisation": "Rossi Impianti",
        },
    )
)
audit.label_actions({"delivery_note.send": gettext_lazy("Delivery note e-mailed")})


def delivery_send(*, scope: Scope, note_id: int, to: str = "") -> str:
    """E-mail an issued note's PDF to the customer (or to ``to``); the address it goes to."""
    DELIVERY_NOTE_TABLE.require("issue", scope)
    typed = (to or "").strip()
    if typed:
        try:
            validate_email(typed)
        except ValidationError:
            raise ValidationError({"to": _("Enter a valid e-mail address.")}) from None
    with transitions.atomic():
        note = DELIVERY_NOTE_TABLE.lock(DeliveryNote.objects.visible_to(scope).select_related("customer"), note_id)
        if note.status != DeliveryNoteStatus.ISSUED:
            raise Conflict(_("Only an issued delivery note is sent."))
        address = typed or customers.mail_address(note.customer)
        if not address:
            raise Conflict(_("The customer has no e-mail address: add one to the customer or type it."))
        organisation = Organisation.objects.get(pk=note.organisation_id)
        event = audit.record(
            actor=scope.user,
            organisation=note.organisation_id,
            obj=note,
            action="delivery_note.send",
            data={"to": address},
        )
        send_email(
            KIND,
            key=f"delivery_note:{note.pk}:send:{event.pk}",
            to=address,
            language=note.customer.language or organisation.language,
            organisation=organisation,
            context={
                "number": note.number,
                "day": note.issued_on.isoformat() if note.issued_on else "",
                "customer": note.customer.display_name,
                "organisation": organisation.name,
            },
            attachments=[Attachment(delivery_pdf.filename(note), delivery_pdf.render(note), "application/pdf")],
        )
    return address
