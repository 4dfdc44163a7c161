"""Quotes (Appsistance "preventivazione interventi", SYS "gestione preventivo"): a technician's finding on a work
order or a call opens a draft with the parts and work needed (``quote_request``), or the office writes one
(``quote_create``); the office prices it from a price list (``quote_apply_price_list``), changes its lines and its
terms while it is a draft. Sending, the customer's answer and expiry are ``quotes_sending``'s; turning an accepted
quote into work is ``quotes_convert``'s.

Every change goes through ``QUOTE_TABLE`` (created by "request" or "create", changed by "edit" while a draft);
amounts are checked by ``pricing`` (not negative, at most four decimals for prices, three for quantities). The
quote is looked up before its input is checked: another organisation's answers 404, never 422."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import numbering, pricing
from fieldbox.commerce import selectors_quotes as reads
from fieldbox.commerce.choices import QUOTE_TABLE, SELLERS, DocumentKind, ItemKind, LineKind, VatTreatment
from fieldbox.commerce.models import CommerceSettings, Item, PriceList, Quote, QuoteLine
from fieldbox.commerce.services.quotes_notices import tell_office
from fieldbox.core import audit, clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.models import Booking, Contact, Ticket, WorkOrder

TEXT_LIMIT = 20_000
MAX_LINES = 200

audit.label_actions(
    {
        "quote.request": gettext_lazy("Quote asked by the technician"),
        "quote.create": gettext_lazy("Quote written"),
        "quote.edit": gettext_lazy("Quote changed"),
        "quote.send": gettext_lazy("Quote sent to the customer"),
        "quote.resend": gettext_lazy("Quote sent again (new link)"),
        "quote.accept": gettext_lazy("Quote accepted"),
        "quote.refuse": gettext_lazy("Quote refused"),
        "quote.expire": gettext_lazy("Quote expired"),
        "quote.convert": gettext_lazy("Quote turned into work"),
        "quote.cancel": gettext_lazy("Quote cancelled"),
    }
)


def _text(value: str | None, field: str, *, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    return typed_text(value, field, limit, required=required)


def locked(scope: Scope, quote_id: int) -> Quote:
    """The quote, locked, among the organisation's (``Quote.DoesNotExist``: 404)."""
    return QUOTE_TABLE.lock(Quote.objects.visible_to(scope), quote_id)


def link_of(quote: Quote) -> str:
    return settings.SITE_URL + reverse("commerce:quote", kwargs={"pk": quote.pk})


# ---- Lines ------------------------------------------------------------------------------------------------------


def _items(scope: Scope, raw: Iterable[Mapping[str, Any]]) -> tuple[dict[int, Item], dict[str, Item]]:
    """The items the lines name, by id and by code (upper case), in one query."""
    ids = {int(r["item_id"]) for r in raw if str(r.get("item_id") or "").isdigit() and len(str(r["item_id"])) < 12}
    written = {str(r.get("item_code") or "").strip()[:40] for r in raw} - {""}
    if not ids and not written:
        return {}, {}
    codes = written | {c.upper() for c in written}
    found = list(Item.objects.visible_to(scope).filter(Q(pk__in=ids) | Q(code__in=codes), active=True))
    return {i.pk: i for i in found}, {i.code.upper(): i for i in found}


def _line(raw: Mapping[str, Any], by_id: dict[int, Item], by_code: dict[str, Item]) -> QuoteLine:
    """A line as written (not saved): an item of the organisation (by id or code) or free text, a quantity, a
    kind, and, when the office gives them, a unit price and a discount."""
    item = None
    item_id, code = raw.get("item_id"), str(raw.get("item_code") or "").strip()
    if item_id not in (None, ""):
        item = by_id.get(int(item_id)) if str(item_id).isdigit() else None
        if item is None:
            raise ValidationError({"item_id": _("Choose one of your items.")})
    elif code:
        item = by_code.get(code.upper())
        if item is None:
            raise ValidationError({"item_code": _("No item has the code %(code)s.") % {"code": code[:40]}})
    description = _text(raw.get("description") or (item.description if item else ""), "description", limit=255)
    if not description:
        raise ValidationError({"description": _("Name the part or the work, or choose an item.")})
    kind = str(raw.get("kind") or "")
    if not kind:
        kind = LineKind.LABOUR if item is not None and item.kind == ItemKind.LABOUR else LineKind.PART
    if kind not in LineKind.values:
        raise ValidationError({"kind": _("Choose part, labour or other.")})
    unit = (
        item.unit if item else (_text(raw.get("unit"), "unit", limit=6) or ("h" if kind == LineKind.LABOUR else "pc"))
    )
    price = raw.get("unit_price")
    return QuoteLine(
        item=item,
        kind=kind,
        description=description,
        quantity=pricing.quantity(raw.get("quantity", 1) if raw.get("quantity") not in (None, "") else 1),
        unit=unit,
        unit_price=None if price in (None, "") else pricing.price(price),
        discount=pricing.discount(raw.get("discount") or 0),
    )


def parse_lines(scope: Scope, raw: Sequence[Mapping[str, Any]]) -> list[QuoteLine]:
    """Lines as written, checked together (one query for their items); an error names the line."""
    if len(raw) > MAX_LINES:
        raise ValidationError({"lines": _("At most %(n)s lines.") % {"n": MAX_LINES}})
    by_id, by_code = _items(scope, raw)
    lines = []
    for n, one in enumerate(raw, start=1):
        try:
            lines.append(_line(one, by_id, by_code))
        except ValidationError as error:
            words = " ".join(error.messages)
            raise ValidationError({"lines": _("Line %(n)s: %(error)s") % {"n": n, "error": words}}) from None
    return lines


# ---- Creating ---------------------------------------------------------------------------------------------------


def _today(scope: Scope) -> date:
    return clock.today(scope.organisation.time_zone)


def _series(organisation_id: int) -> str:
    found = CommerceSettings.objects.filter(organisation_id=organisation_id).values_list("series", flat=True)
    return next(iter(found), "") or ""


def _new_quote(scope: Scope, action: str, lines: list[QuoteLine], **fields: Any) -> Quote:
    """Number and create a quote with its lines (the caller checked them): the one place quotes are made."""
    org = scope.organisation.pk
    today = _today(scope)
    price_list = pricing.list_for(org, fields["customer"].pk)
    quote = Quote(
        organisation_id=org,
        number=numbering.take(org, DocumentKind.QUOTE, today, _series(org)),
        price_list=price_list,
        valid_until=today + timedelta(days=reads.valid_days(org)),
        **fields,
    )
    QUOTE_TABLE.create(quote, action, scope=scope, data={"lines": len(lines)})
    for position, line in enumerate(lines, start=1):
        line.quote, line.position = quote, position
    QuoteLine.objects.bulk_create(lines)
    return quote


def _on_it(scope: Scope, order: WorkOrder) -> bool:
    if scope.role in SELLERS or order.technician_id == scope.user.pk:
        return True
    return Booking.objects.filter(work_order=order, user=scope.user).exists()


def quote_request(
    *,
    scope: Scope,
    finding: str,
    lines: Sequence[Mapping[str, Any]] = (),
    work_order_id: int | None = None,
    ticket_id: int | None = None,
) -> Quote:
    """The technician's finding on a work order (or a call): a draft quote with the parts and work needed, for
    the customer, site and contact of the work order or call; the office is told in the app."""
    QUOTE_TABLE.require("request", scope)
    with transitions.atomic():
        order, ticket = None, None
        if work_order_id:
            order = WorkOrder.objects.visible_to(scope).select_related("ticket").get(pk=work_order_id)
            if not _on_it(scope, order):
                raise ValidationError({"work_order_id": _("You are not on this work order.")})
            ticket = order.ticket
        elif ticket_id:
            ticket = Ticket.objects.visible_to(scope).get(pk=ticket_id)
        else:
            raise ValidationError({"work_order_id": _("Ask for a quote from a work order or a call.")})
        customer_id = (order.customer_id if order else None) or (ticket.customer_id if ticket else None)
        if customer_id is None:
            raise ValidationError({"work_order_id": _("It has no customer: the office must add one first.")})
        words = _text(finding, "finding", required=True)
        parsed = parse_lines(scope, list(lines))
        site_id = (order.site_id if order else None) or (ticket.site_id if ticket else None)
        contact_id = ticket.contact_id if ticket else None
        quote = _new_quote(
            scope,
            "request",
            parsed,
            customer=Customer.objects.get(pk=customer_id),
            site_id=site_id,
            contact_id=contact_id or _default_contact(scope, customer_id),
            work_order=order,
            ticket=ticket,
            finding=words,
            requested_by=scope.user,
        )
        tell_office(quote, scope)
    return quote


def _default_contact(scope: Scope, customer_id: int) -> int | None:
    found = Contact.objects.visible_to(scope).filter(customer_id=customer_id).order_by("-is_default", "pk")
    return found.values_list("pk", flat=True).first()


def _where(scope: Scope, customer_id: int | None, site_id: int | None, contact_id: int | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    customer = Customer.objects.visible_to(scope).filter(pk=customer_id or 0).first()
    if customer is None:
        raise ValidationError({"customer_id": _("Choose one of your customers.")})
    site = CustomerAddress.objects.filter(pk=site_id, customer=customer).first() if site_id else None
    if site_id and site is None:
        errors["site_id"] = _("Choose a site of this customer.")
    contact = Contact.objects.visible_to(scope).filter(pk=contact_id, customer=customer).first() if contact_id else None
    if contact_id and contact is None:
        errors["contact_id"] = _("Choose a contact of this customer.")
    if errors:
        raise ValidationError(errors)
    return {"customer": customer, "site": site, "contact": contact}


def quote_create(
    *,
    scope: Scope,
    customer_id: int | None,
    site_id: int | None = None,
    contact_id: int | None = None,
    work_order_id: int | None = None,
    ticket_id: int | None = None,
    finding: str = "",
    lines: Sequence[Mapping[str, Any]] = (),
) -> Quote:
    """A quote the office writes itself, for a customer (and, if named, one of its work orders or calls)."""
    QUOTE_TABLE.require("create", scope)
    with transitions.atomic():
        order = WorkOrder.objects.visible_to(scope).get(pk=work_order_id) if work_order_id else None
        ticket = Ticket.objects.visible_to(scope).get(pk=ticket_id) if ticket_id else None
        if order is not None:
            customer_id = customer_id or order.customer_id
            site_id = site_id or order.site_id
            ticket = ticket or order.ticket
        if ticket is not None:
            customer_id = customer_id or ticket.customer_id
            site_id = site_id or ticket.site_id
            contact_id = contact_id or ticket.contact_id
        where = _where(scope, customer_id, site_id, contact_id)
        for source, name in ((order, "work_order_id"), (ticket, "ticket_id")):
            if source is not None and source.customer_id != where["customer"].pk:
                raise ValidationError({name: _("It is another customer's.")})
        if where["contact"] is None:
            default = _default_contact(scope, where["customer"].pk)
            where["contact"] = Contact.objects.filter(pk=default).first() if default else None
        parsed = parse_lines(scope, list(lines))
        words = _text(finding, "finding")
        quote = _new_quote(scope, "create", parsed, work_order=order, ticket=ticket, finding=words, **where)
    return quote


# ---- Changing a draft -------------------------------------------------------------------------------------------


def quote_edit(
    *,
    scope: Scope,
    quote_id: int,
    price_list_id: int | None,
    vat: str,
    valid_until: date | None,
    notes: str = "",
    finding: str = "",
    site_id: int | None = None,
    contact_id: int | None = None,
) -> Quote:
    """The terms of a draft: price list, VAT, validity, notes, finding, site and contact."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, "edit", scope)
        errors: dict[str, str] = {}
        price_list = None
        if price_list_id:
            price_list = PriceList.objects.visible_to(scope).filter(pk=price_list_id, active=True).first()
            if price_list is None:
                errors["price_list_id"] = _("Choose one of your price lists.")
        if vat not in VatTreatment.values:
            errors["vat"] = _("Choose one of the VAT treatments.")
        if valid_until is None or valid_until < _today(scope):
            errors["valid_until"] = _("Give a day from today on.")
        if errors:
            raise ValidationError(errors)
        where = _where(scope, quote.customer_id, site_id, contact_id)
        changes = {
            "price_list": price_list,
            "vat": vat,
            "valid_until": valid_until,
            "notes": _text(notes, "notes"),
            "finding": _text(finding, "finding"),
            "site": where["site"],
            "contact": where["contact"],
        }
        QUOTE_TABLE.apply(quote, "edit", scope=scope, changes=changes, data={"terms": True})
    return quote


def _line_locked(scope: Scope, line_id: int) -> tuple[Quote, QuoteLine]:
    line = QuoteLine.objects.filter(quote__in=Quote.objects.visible_to(scope)).get(pk=line_id)
    quote = locked(scope, line.quote_id)
    QUOTE_TABLE.check(quote, "edit", scope)
    return quote, line


def quote_line_add(*, scope: Scope, quote_id: int, **raw: Any) -> QuoteLine:
    """Add a line to a draft (an item by id or code, or free text; quantity, kind, price, discount)."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, "edit", scope)
        by_id, by_code = _items(scope, [raw])
        line = _line(raw, by_id, by_code)
        last = QuoteLine.objects.filter(quote=quote).aggregate(n=Max("position"))["n"] or 0
        line.quote, line.position = quote, last + 1
        if QuoteLine.objects.filter(quote=quote).count() >= MAX_LINES:
            raise ValidationError({"description": _("At most %(n)s lines.") % {"n": MAX_LINES}})
        line.save()
        QUOTE_TABLE.apply(quote, "edit", scope=scope, data={"line_added": line.pk, "description": line.description})
    return line


def quote_line_edit(
    *,
    scope: Scope,
    line_id: int,
    description: str,
    quantity: Any,
    unit_price: Any = None,
    discount: Any = 0,
    kind: str | None = None,
) -> QuoteLine:
    """Change a line of a draft: its words, quantity, unit price (empty: not priced yet) and discount."""
    with transitions.atomic():
        quote, line = _line_locked(scope, line_id)
        words = _text(description, "description", required=True, limit=255)
        if kind is not None and kind not in LineKind.values:
            raise ValidationError({"kind": _("Choose part, labour or other.")})
        line.description = words
        line.quantity = pricing.quantity(quantity)
        line.unit_price = None if unit_price in (None, "") else pricing.price(unit_price)
        line.discount = pricing.discount(discount or 0)
        line.kind = kind or line.kind
        line.save(update_fields=["description", "quantity", "unit_price", "discount", "kind"])
        data = {"line_changed": line.pk, "quantity": str(line.quantity), "unit_price": str(line.unit_price)}
        QUOTE_TABLE.apply(quote, "edit", scope=scope, data=data)
    return line


def quote_line_remove(*, scope: Scope, line_id: int) -> Quote:
    with transitions.atomic():
        quote, line = _line_locked(scope, line_id)
        data = {"line_removed": line.pk, "description": line.description}
        line.delete()
        QUOTE_TABLE.apply(quote, "edit", scope=scope, data=data)
    return quote


def quote_apply_price_list(*, scope: Scope, quote_id: int, price_list_id: int | None = None) -> tuple[Quote, int]:
    """Price a draft from a list (the one named, else the quote's, else the customer's): each item's price on
    the list today; labour at the list's hourly rate for the work order's type of work. Lines the list does not
    price keep theirs. Answers the quote and how many lines are still without a price."""
    with transitions.atomic():
        quote = locked(scope, quote_id)
        QUOTE_TABLE.check(quote, "edit", scope)
        chosen = price_list_id or quote.price_list_id
        price_list = None
        if chosen:
            price_list = PriceList.objects.visible_to(scope).filter(pk=chosen, active=True).first()
        elif not price_list_id:
            price_list = pricing.list_for(quote.organisation_id, quote.customer_id)
        if price_list is None:
            raise ValidationError({"price_list_id": _("Choose one of your price lists.")})
        lines = reads.lines_of(quote)
        today = _today(scope)
        prices = pricing.item_prices(price_list.pk, [x.item_id for x in lines if x.item_id], today)
        work_type_id = quote.work_order.work_type_id if quote.work_order_id and quote.work_order else None
        rate = pricing.labour_rate(price_list.pk, work_type_id, today)
        for line in lines:
            found: Decimal | None = prices.get(line.item_id) if line.item_id else None
            if line.kind == LineKind.LABOUR and rate is not None:
                found = rate.hourly_rate
            if found is not None:
                line.unit_price = found
        QuoteLine.objects.bulk_update(lines, ["unit_price"])
        missing = sum(1 for x in lines if x.unit_price is None)
        data = {"price_list": price_list.pk, "name": price_list.name, "without_price": missing}
        QUOTE_TABLE.apply(quote, "edit", scope=scope, changes={"price_list": price_list}, data=data)
    return quote, missing
