"""A supplier order on paper and by e-mail: its PDF (``commerce/buying/pdf.html``) and the message that takes it to
the supplier through the outbox when the order is sent (kind ``commerce.supplier_order``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from fieldbox.accounts.models import Organisation
from fieldbox.commerce.models import ItemSupplier, PurchaseOrder
from fieldbox.commerce.pdf import render_pdf
from fieldbox.core import clock
from fieldbox.messaging import kinds
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.outbox import Attachment
from fieldbox.messaging.services import send_email

KIND = "commerce.supplier_order"
PDF = "application/pdf"

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=gettext_lazy("E-mail to a supplier: our order"),
        variables={
            "number": gettext_lazy("the order's number"),
            "supplier": gettext_lazy("the supplier's name"),
            "organisation": gettext_lazy("your organisation's name"),
        },
        template="commerce/buying/email/order",
        sample={"number": "OA-2026/00012", "supplier": "Ricambi Emilia srl", "organisation": "Rossi Impianti"},
    )
)


def filename(order: PurchaseOrder) -> str:
    return f"{order.number.replace('/', '-')}.pdf"


def render(order: PurchaseOrder) -> bytes:
    organisation = Organisation.objects.get(pk=order.organisation_id)
    lines = list(order.lines.select_related("item").order_by("pk"))
    codes = dict(
        ItemSupplier.objects.filter(supplier_id=order.supplier_id, item_id__in=[line.item_id for line in lines])
        .exclude(supplier_code="")
        .values_list("item_id", "supplier_code")
    )
    for line in lines:
        line.supplier_code = codes.get(line.item_id, "")  # type: ignore[attr-defined]
    zone = order.organisation.time_zone
    day = clock.day_of(order.sent_at, zone) if order.sent_at else clock.today(zone)
    context = {"order": order, "organisation": organisation, "lines": lines, "day": day}
    return render_pdf("commerce/buying/pdf.html", context, organisation.language, organisation.time_zone)


def email_supplier(order: PurchaseOrder, *, key: str) -> str:
    """Queue the order's PDF to the supplier (in the outbox); the address, or "" when the supplier has none."""
    address = order.supplier.email
    if not address:
        return ""
    organisation = Organisation.objects.get(pk=order.organisation_id)
    send_email(
        KIND,
        key=key,
        to=address,
        language=organisation.language,
        organisation=organisation,
        context={"number": order.number, "supplier": order.supplier.name, "organisation": organisation.name},
        attachments=[Attachment(filename(order), render(order), PDF)],
    )
    return address
