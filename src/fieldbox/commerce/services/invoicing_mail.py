"""An issued invoice or credit note e-mailed to the customer with its PDF (and its XML when it has one), through the
outbox (kind ``commerce.invoice``); and the webhooks ``invoice.issued`` and ``invoice.paid``, told by the invoice's
table in the transaction of the move (outbox rows, sent after commit)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import Organisation
from fieldbox.commerce import invoicing_pdf
from fieldbox.commerce.choices import INVOICE_TABLE, InvoiceStatus
from fieldbox.commerce.models.invoicing import Invoice
from fieldbox.commerce.services import invoicing_documents
from fieldbox.core import audit, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.messaging import events, kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email
from fieldbox.service import customers

KIND = "commerce.invoice"

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to the customer: an invoice or a credit note"),
        variables={
            "number": gettext_lazy("the invoice's number"),
            "day": gettext_lazy("its date"),
            "total": gettext_lazy("its total"),
            "customer": gettext_lazy("the customer's name"),
            "organisation": gettext_lazy("your organisation's name"),
        },
        template="commerce/invoicing/email/invoice",
        sample={
            "number": "FT-2026/00012",
            "day": "2026-12-07",
            "total": "122.00",
            "customer": "Condominio Aurora",
            "organisation": "Rossi Impianti",
        },
    )
)
events.register(
    EventType("invoice.issued", gettext_lazy("An invoice or a credit note was issued")),
    EventType("invoice.paid", gettext_lazy("An invoice was paid in full")),
)
audit.label_actions(
    {
        "invoice.send": gettext_lazy("Invoice e-mailed"),
        "invoice.create": gettext_lazy("Draft invoice written"),
        "invoice.edit": gettext_lazy("Draft invoice line changed"),
        "invoice.discard": gettext_lazy("Draft invoice discarded"),
        "invoice.issue": gettext_lazy("Invoice issued"),
        "invoice.record_payment": gettext_lazy("Invoice partly paid"),
        "invoice.pay": gettext_lazy("Invoice paid in full"),
        "invoice.credit": gettext_lazy("Invoice credited by a credit note"),
        "invoice_run.create": gettext_lazy("Invoice run collected"),
        "invoice_run.issue": gettext_lazy("Invoice run issued"),
        "invoice_run.discard": gettext_lazy("Invoice run discarded"),
        "invoicing_settings.save": gettext_lazy("Invoicing settings saved"),
        "contract.billing_terms": gettext_lazy("Contract's price list for extra work set"),
    }
)


def _data(invoice: Invoice) -> dict[str, object]:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "kind": invoice.kind,
        "document_type": invoice.document_type,
        "customer_id": invoice.customer_id,
        "issued_on": invoice.issued_on.isoformat() if invoice.issued_on else None,
        "total": str(invoice.total),
        "corrects": invoice.corrects_id,
    }


@INVOICE_TABLE.on_move
def on_invoice_move(step: Step) -> None:
    """Webhooks of an issued and of a paid invoice."""
    if step.action not in ("issue", "pay"):
        return
    invoice: Invoice = step.record
    organisation = step.scope.organisation if step.scope else Organisation.objects.get(pk=invoice.organisation_id)
    event = "invoice.issued" if step.action == "issue" else "invoice.paid"
    events.emit(event, organisation=organisation, key=f"invoice:{invoice.pk}:{step.action}", data=_data(invoice))


def invoice_send(*, scope: Scope, invoice_id: int, to: str = "") -> str:
    """E-mail an issued invoice's PDF (and XML) to the customer (or to ``to``); the address it goes to."""
    INVOICE_TABLE.require("credit", scope)
    typed = (to or "").strip()
    if typed:
        try:
            validate_email(typed)
        except ValidationError:
            raise ValidationError({"to": _("Enter a valid e-mail address.")}) from None
    with transitions.atomic():
        invoice = INVOICE_TABLE.lock(Invoice.objects.visible_to(scope).select_related("customer"), invoice_id)
        if invoice.status == InvoiceStatus.DRAFT:
            raise Conflict(_("Only an issued invoice is sent."))
        address = typed or customers.mail_address(invoice.customer)
        if not address:
            raise Conflict(_("The customer has no e-mail address: add one to the customer or type it."))
        organisation = Organisation.objects.get(pk=invoice.organisation_id)
        event = audit.record(
            actor=scope.user,
            organisation=invoice.organisation_id,
            obj=invoice,
            action="invoice.send",
            data={"to": address},
        )
        files = [Attachment(invoicing_pdf.filename(invoice), invoicing_documents.pdf_of(invoice), "application/pdf")]
        if invoice.xml:
            files.append(Attachment(invoice.xml_name, invoice.xml.encode("utf-8"), "application/xml"))
        send_email(
            KIND,
            key=f"invoice:{invoice.pk}:send:{event.pk}",
            to=address,
            language=invoice.language or organisation.language,
            organisation=organisation,
            context={
                "number": invoice.number,
                "day": invoice.issued_on.isoformat() if invoice.issued_on else "",
                "total": f"{invoice.total:.2f}",
                "customer": invoice.customer.display_name,
                "organisation": organisation.name,
            },
            attachments=files,
        )
    return address
