"""Spare-parts offers (SYS "Ordini/Offerte"): a new offer for a customer, its site and contact, optionally for one of
the customer's serials; its cart of items with quantities, prices and discounts; its data (billed to, delivery
days, payment, VAT, delivery terms, transport, packing, whether the prices show). The cart and the data change
only while the offer is a draft (``OFFER_TABLE`` "edit"); sending, the customer's answer, the order and its
delivery are ``offers_answers``'.

Prices come from ``pricing`` (the offer's price list, by default the customer's), quantities and prices are read
by ``pricing.quantity`` / ``pricing.price`` (negative or too many decimals: refused, nothing written), amounts are
``pricing.amount``. The number is ``numbering.take`` in the transaction that keeps the offer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.commerce import numbering, pricing
from fieldbox.commerce.choices import (
    OFFER_TABLE,
    DeliveryTerms,
    DocumentKind,
    PaymentType,
    Transport,
    VatTreatment,
)
from fieldbox.commerce.models import CommerceSettings, CustomerTerms, Item, Offer, OfferLine, PriceList
from fieldbox.core import audit, clock, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.validators import typed_text
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service.models import Contact, Equipment, Ticket

TEXT_LIMIT = 5000
DESCRIPTION_LIMIT = 255
MAX_DELIVERY_DAYS = 365
DEFAULT_VALID_DAYS = 30
# The offer's data the office sets (and may change while it is a draft), with their defaults.
DATA_FIELDS = (
    "site_id",
    "contact_id",
    "equipment_id",
    "billing_customer_id",
    "billing_site_id",
    "billing_contact_id",
    "price_list_id",
    "delivery_days",
    "payment",
    "vat",
    "delivery_terms",
    "transport",
    "packing_included",
    "show_prices",
    "notes",
    "valid_until",
)

audit.label_actions(
    {
        "offer.create": gettext_lazy("Offer created"),
        "offer.edit": gettext_lazy("Offer changed"),
        "offer.send": gettext_lazy("Offer sent to the customer"),
        "offer.resend": gettext_lazy("Offer sent again"),
        "offer.order": gettext_lazy("Offer accepted: it is an order"),
        "offer.refuse": gettext_lazy("Offer refused"),
        "offer.expire": gettext_lazy("Offer expired"),
        "offer.deliver": gettext_lazy("Order delivered"),
        "offer.cancel": gettext_lazy("Cancelled"),
    }
)


def _text(value: str | None, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    return typed_text(value, field, limit, required=required)


def locked(scope: Scope | None, pk: int) -> Offer:
    """The offer ``pk`` locked for a move (among the scope's; any offer for the system, which found it itself)."""
    qs = Offer.objects.all() if scope is None else Offer.objects.visible_to(scope)
    return OFFER_TABLE.lock(qs.select_related("organisation", "customer"), pk)


def _today(scope: Scope) -> date:
    return clock.today(scope.organisation.time_zone)


# ---- The offer's parties and data ------------------------------------------------------------------------------


def _customer(scope: Scope, pk: int | None, field: str, errors: dict[str, str]) -> Customer | None:
    found = Customer.objects.visible_to(scope).filter(pk=pk or 0).first()
    if found is None:
        errors[field] = _("Choose one of your customers.")
    return found


def _site(customer: Customer | None, pk: int | None, field: str, errors: dict[str, str]) -> CustomerAddress | None:
    if not pk or customer is None:
        return None
    found = CustomerAddress.objects.filter(pk=pk, customer=customer).first()
    if found is None:
        errors[field] = _("Choose a site of this customer.")
    return found


def _contact(
    scope: Scope, customer: Customer | None, pk: int | None, field: str, errors: dict[str, str]
) -> Contact | None:
    if customer is None:
        return None
    contacts = Contact.objects.visible_to(scope).filter(customer=customer)
    if not pk:
        return contacts.filter(is_default=True).first()
    found = contacts.filter(pk=pk).first()
    if found is None:
        errors[field] = _("Choose a contact of this customer.")
    return found


def _only_site(customer: Customer) -> CustomerAddress | None:
    """The customer's site when it has just one (the offer's by default)."""
    sites = list(CustomerAddress.objects.filter(customer=customer)[:2])
    return sites[0] if len(sites) == 1 else None


def equipment_of(scope: Scope, customer: Customer | None, pk: int | None) -> Equipment | None:
    """The serial the offer is for: the organisation's (another's answers 404) and the customer's (else 422)."""
    if not pk:
        return None
    found = Equipment.objects.visible_to(scope).get(pk=pk)  # DoesNotExist: 404
    if customer is not None and found.customer_id != customer.pk:
        message = _("This serial belongs to another customer: choose one of %(customer)s's serials.")
        raise ValidationError({"equipment_id": message % {"customer": customer.display_name}})
    return found


def _choice(value: Any, choices: type[Any], field: str, errors: dict[str, str]) -> str:
    if value not in choices.values:
        errors[field] = _("Choose one of the options.")
        return ""
    return str(value)


def _days(value: Any, errors: dict[str, str]) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_DELIVERY_DAYS:
        errors["delivery_days"] = _("Between 0 and %(n)s days.") % {"n": MAX_DELIVERY_DAYS}
    return days


def _price_list(scope: Scope, pk: int | None, errors: dict[str, str]) -> PriceList | None:
    if not pk:
        return None
    found = PriceList.objects.visible_to(scope).filter(pk=pk, active=True).first()
    if found is None:
        errors["price_list_id"] = _("Choose one of your price lists in use.")
    return found


def _valid_until(scope: Scope, value: date | None, errors: dict[str, str]) -> date | None:
    if value is not None and value < _today(scope):
        errors["valid_until"] = _("A day from today on.")
    return value


def defaults(scope: Scope, customer: Customer) -> dict[str, Any]:
    """The data of a new offer for ``customer``: its list and usual payment, the organisation's validity."""
    terms = CustomerTerms.objects.filter(organisation=scope.organisation, customer=customer).first()
    settings = CommerceSettings.objects.filter(organisation=scope.organisation).first()
    price_list = pricing.list_for(scope.organisation.pk, customer.pk)
    payment = terms.payment if terms and terms.payment in PaymentType.values else PaymentType.BANK_TRANSFER
    days = settings.offer_valid_days if settings else DEFAULT_VALID_DAYS
    return {
        "price_list_id": price_list.pk if price_list else None,
        "delivery_days": 7,
        "payment": payment,
        "vat": VatTreatment.STANDARD,
        "delivery_terms": DeliveryTerms.DELIVERED,
        "transport": Transport.OUR_CARRIER,
        "packing_included": True,
        "show_prices": True,
        "notes": "",
        "valid_until": _today(scope) + timedelta(days=days),
    }


def _data(scope: Scope, customer: Customer, given: dict[str, Any]) -> dict[str, Any]:
    """The offer's data checked, as model fields: every bad field named at once, nothing written."""
    unknown = set(given) - set(DATA_FIELDS)
    if unknown:
        raise TypeError(f"unknown offer fields: {sorted(unknown)}")
    d = {**defaults(scope, customer), **{k: v for k, v in given.items() if v is not None or k.endswith("_id")}}
    errors: dict[str, str] = {}
    equipment = equipment_of(scope, customer, d.get("equipment_id"))
    site = _site(customer, d.get("site_id"), "site_id", errors) or (equipment.site if equipment else None)
    billing = customer
    if d.get("billing_customer_id") and d["billing_customer_id"] != customer.pk:
        billing = _customer(scope, d["billing_customer_id"], "billing_customer_id", errors) or customer
    changes: dict[str, Any] = {
        "equipment": equipment,
        "site": site,
        "contact": _contact(scope, customer, d.get("contact_id"), "contact_id", errors),
        "billing_customer": billing,
        "billing_site": _site(billing, d.get("billing_site_id"), "billing_site_id", errors),
        "billing_contact": _contact(scope, billing, d.get("billing_contact_id"), "billing_contact_id", errors),
        "price_list": _price_list(scope, d.get("price_list_id"), errors),
        "delivery_days": _days(d["delivery_days"], errors),
        "payment": _choice(d["payment"], PaymentType, "payment", errors),
        "vat": _choice(d["vat"], VatTreatment, "vat", errors),
        "delivery_terms": _choice(d["delivery_terms"], DeliveryTerms, "delivery_terms", errors),
        "transport": _choice(d["transport"], Transport, "transport", errors),
        "packing_included": bool(d["packing_included"]),
        "show_prices": bool(d["show_prices"]),
        "notes": _text(d["notes"], "notes"),
        "valid_until": _valid_until(scope, d["valid_until"], errors),
    }
    if billing == customer and not d.get("billing_site_id"):
        changes["billing_site"] = site  # the same as the offer's unless told otherwise
    if billing == customer and not d.get("billing_contact_id"):
        changes["billing_contact"] = changes["contact"]
    if errors:
        raise ValidationError(errors)
    return changes


# ---- Creating and changing ---------------------------------------------------------------------------------------


def offer_create(
    *,
    scope: Scope,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    **data: Any,
) -> Offer:
    """A draft offer for a customer (its site, contact and maybe one of its serials), numbered now; its cart is
    filled next (``offer_line_add``). On a call (``ticket_id``), the call's customer, site, contact and equipment
    are the defaults."""
    OFFER_TABLE.require("create", scope)
    with transitions.atomic():
        ticket = None
        if ticket_id:
            ticket = Ticket.objects.visible_to(scope).filter(pk=ticket_id).first()
            if ticket is None:
                raise ValidationError({"ticket_id": _("Choose one of your calls.")})
            customer_id = customer_id or ticket.customer_id
            for name in ("site_id", "contact_id", "equipment_id"):
                data[name] = data.get(name) or getattr(ticket, name)
        if not data.get("price_list_id"):
            data.pop("price_list_id", None)  # the customer's list
        errors: dict[str, str] = {}
        customer = _customer(scope, customer_id, "customer_id", errors)
        if customer is None:
            raise ValidationError(errors)
        if not data.get("site_id") and not data.get("equipment_id"):
            only = _only_site(customer)
            data["site_id"] = only.pk if only else None
        changes = _data(scope, customer, data)
        org = scope.organisation
        settings = CommerceSettings.objects.filter(organisation=org).first()
        number = numbering.take(org.pk, DocumentKind.OFFER, _today(scope), settings.series if settings else "")
        offer = Offer(
            organisation=org, number=number, customer=customer, ticket=ticket, created_by=scope.user, **changes
        )
        OFFER_TABLE.create(offer, "create", scope=scope, data={"ticket": ticket.number if ticket else ""})
    return offer


def data_of(offer: Offer) -> dict[str, Any]:
    """The offer's data as ``offer_edit`` takes it."""
    return {name: getattr(offer, name) for name in DATA_FIELDS}


def offer_edit(*, scope: Scope, offer_id: int, reprice: bool = False, **data: Any) -> Offer:
    """Change the offer's data while it is a draft (the fields not given keep their value; ``None`` empties an
    optional one). A new price list, with ``reprice``, gives the cart's items that list's prices."""
    with transitions.atomic():
        offer = locked(scope, offer_id)
        OFFER_TABLE.check(offer, "edit", scope)
        changes = _data(scope, offer.customer, {**data_of(offer), **data})
        repriced = 0
        if reprice and changes["price_list"] is not None:
            repriced = _reprice(scope, offer, changes["price_list"])
        OFFER_TABLE.apply(offer, "edit", scope=scope, changes=changes, data={"repriced": repriced} if reprice else None)
    return offer


def _reprice(scope: Scope, offer: Offer, price_list: PriceList) -> int:
    """The cart's items at ``price_list``'s prices of today (items without one keep theirs): one read, one write."""
    lines = list(offer.lines.filter(item__isnull=False))
    prices = pricing.item_prices(price_list.pk, [line.item_id for line in lines if line.item_id], _today(scope))
    changed = [line for line in lines if line.item_id in prices and line.unit_price != prices[line.item_id]]
    for line in changed:
        line.unit_price = prices[line.item_id]  # type: ignore[index]
    OfferLine.objects.bulk_update(changed, ["unit_price"])
    return len(changed)


# ---- The cart --------------------------------------------------------------------------------------------------


def _item(scope: Scope, pk: int | None) -> Item | None:
    if not pk:
        return None
    found = Item.objects.visible_to(scope).filter(pk=pk, active=True).first()
    if found is None:
        raise ValidationError({"item_id": _("Choose one of your items in use.")})
    return found


def _unit_price(scope: Scope, offer: Offer, item: Item | None, value: Any) -> Decimal:
    if value not in (None, ""):
        return pricing.price(value)
    if item is not None and offer.price_list_id is not None:
        found = pricing.item_prices(offer.price_list_id, [item.pk], _today(scope)).get(item.pk)
        if found is not None:
            return found
    raise ValidationError({"unit_price": _("This item has no price on the offer's list: write the price.")})


def offer_line_add(
    *,
    scope: Scope,
    offer_id: int,
    item_id: int | None = None,
    description: str = "",
    quantity: Any = 1,
    unit_price: Any = None,
    discount: Any = 0,
) -> OfferLine:
    """Put an item (or a line described in words) in the cart: its price from the offer's list unless written."""
    with transitions.atomic():
        offer = locked(scope, offer_id)
        OFFER_TABLE.check(offer, "edit", scope)
        item = _item(scope, item_id)
        amount = pricing.quantity(quantity)
        price = _unit_price(scope, offer, item, unit_price)
        off = pricing.discount(discount if discount not in (None, "") else 0)
        words = _text(description or (item.description if item else ""), "description", limit=DESCRIPTION_LIMIT)
        if not words:
            raise ValidationError({"description": _("Choose an item or describe the line.")})
        last = offer.lines.aggregate(last=Max("position"))["last"] or 0
        line = OfferLine.objects.create(
            offer=offer,
            position=last + 1,
            item=item,
            description=words,
            quantity=amount,
            unit=item.unit if item else "pc",
            unit_price=price,
            discount=off,
        )
        data = {"added": words, "quantity": str(amount), "unit_price": str(price), "discount": str(off)}
        OFFER_TABLE.apply(offer, "edit", scope=scope, data=data)
    return line


def offer_line_change(
    *,
    scope: Scope,
    line_id: int,
    quantity: Any = None,
    unit_price: Any = None,
    discount: Any = None,
    description: str | None = None,
) -> OfferLine:
    """Change a line's quantity, price, discount or words (what is None stays)."""
    with transitions.atomic():
        found = OfferLine.objects.filter(pk=line_id, offer__in=Offer.objects.visible_to(scope)).first()
        if found is None:
            raise OfferLine.DoesNotExist
        offer = locked(scope, found.offer_id)
        OFFER_TABLE.check(offer, "edit", scope)
        line = OfferLine.objects.select_for_update().get(pk=line_id)
        if quantity not in (None, ""):
            line.quantity = pricing.quantity(quantity)
        if unit_price not in (None, ""):
            line.unit_price = pricing.price(unit_price)
        if discount not in (None, ""):
            line.discount = pricing.discount(discount)
        if description is not None:
            line.description = _text(description, "description", limit=DESCRIPTION_LIMIT, required=True)
        line.save(update_fields=["quantity", "unit_price", "discount", "description"])
        data = {
            "changed": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount": str(line.discount),
        }
        OFFER_TABLE.apply(offer, "edit", scope=scope, data=data)
    return line


def offer_line_remove(*, scope: Scope, line_id: int) -> Offer:
    with transitions.atomic():
        found = OfferLine.objects.filter(pk=line_id, offer__in=Offer.objects.visible_to(scope)).first()
        if found is None:
            raise OfferLine.DoesNotExist
        offer = locked(scope, found.offer_id)
        OFFER_TABLE.check(offer, "edit", scope)
        OfferLine.objects.filter(pk=line_id).delete()
        OFFER_TABLE.apply(offer, "edit", scope=scope, data={"removed": found.description})
    return offer
