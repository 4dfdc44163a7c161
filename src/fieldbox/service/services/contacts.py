"""Writes of customers' contacts: the people who write or call for a customer, one of them the default. A sender
nobody knew is a contact to confirm until someone of the organisation attaches them to a customer, or finds that
they are a contact already (``contact_confirm``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fieldbox.accounts.choices import CUSTOMER_KEEPERS
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer
from fieldbox.messaging.phones import normalise_phone
from fieldbox.service.models import Contact, Ticket, TicketMessage

# What a contact is made of (the portal's fields are the portal's).
CONTACT_FIELDS = ("name", "email", "phone", "role", "is_default")
LIMITS = {"name": 200, "email": 254, "phone": 40, "role": 100}

audit.label_actions(
    {
        "contact.create": gettext_lazy("Contact added"),
        "contact.update": gettext_lazy("Contact changed"),
        "contact.confirm": gettext_lazy("Contact confirmed for a customer"),
        "contact.merge": gettext_lazy("Contact merged into another"),
        "contact.remove": gettext_lazy("Contact removed"),
    }
)


def locked_customer(scope: Scope, customer_id: Any, field: str = "customer") -> Customer:
    """One of the organisation's customers, its row locked: what hangs from it (its default contact, its equipment
    tree) changes one writer at a time. A customer of another organisation is refused like a missing one."""
    found = (
        fleet.customers_for(scope).select_for_update().filter(pk=customer_id).first()
        if isinstance(customer_id, int)
        else None
    )
    if found is None:
        raise ValidationError({field: _("Choose one of your customers.")})
    return found


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """The contact's fields given in ``data``, trimmed and checked: the phone in E.164, the address in lower case."""
    texts = {k: " ".join(str(data[k] or "").split()) for k in LIMITS if k in data}
    errors: dict[str, str] = {}
    for name, text in texts.items():
        if len(text) > LIMITS[name]:
            errors[name] = _("At most %(limit)s characters.") % {"limit": LIMITS[name]}
    if texts.get("phone") and "phone" not in errors:
        try:
            texts["phone"] = normalise_phone(texts["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if texts.get("email") and "email" not in errors:
        texts["email"] = texts["email"].lower()
        try:
            validate_email(texts["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    if errors:
        raise ValidationError(errors)
    return {**texts, **({"is_default": bool(data["is_default"])} if "is_default" in data else {})}


def _address_free(scope: Scope, email: str, contact_id: int | None) -> None:
    """One contact per address in an organisation: mail from it must find one person."""
    if not email:
        return
    other = Contact.objects.visible_to(scope).filter(email__iexact=email).exclude(pk=contact_id).first()
    if other is None:
        return
    if other.confirmed_at is None:
        raise ValidationError(
            {"email": _("A contact to confirm wrote from this address: confirm that contact for this customer.")}
        )
    raise ValidationError({"email": _("Another contact has this address.")})


def contact_save(
    *, scope: Scope, data: dict[str, Any], customer_id: int | None = None, contact_id: int | None = None
) -> Contact:
    """Add a contact to one of the organisation's customers (``customer_id``), or change one (``contact_id``: the
    fields given in ``data`` change). A contact made the default takes the place of the customer's default; a
    customer's first contact is its default."""
    scope.require_role(*CUSTOMER_KEEPERS)
    clean = _clean(data)
    with transaction.atomic():
        if contact_id is None:
            customer = locked_customer(scope, customer_id)
            contact = Contact(organisation=scope.organisation, customer=customer, confirmed_at=timezone.now())
        else:
            contact = Contact.objects.visible_to(scope).select_for_update().get(pk=contact_id)
            if contact.customer_id is None:
                raise Conflict(_("This contact is still to confirm: attach it to a customer first."))
            customer = locked_customer(scope, contact.customer_id)
        changed = [f for f in CONTACT_FIELDS if f in clean and getattr(contact, f) != clean[f]]
        for name in changed:
            setattr(contact, name, clean[name])
        if not (contact.name or contact.email):
            raise ValidationError({"name": _("Give the contact's name or e-mail address.")})
        _address_free(scope, contact.email, contact.pk)
        others = Contact.objects.visible_to(scope).filter(customer=customer, is_default=True).exclude(pk=contact.pk)
        if contact.is_default:
            others.update(is_default=False)
        elif contact_id is None and not others.exists():
            contact.is_default = True  # a customer's first contact
        try:
            with transaction.atomic():
                contact.save()
        except IntegrityError:  # the same address saved a moment ago
            raise ValidationError({"email": _("Another contact has this address.")}) from None
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=contact,
            action="contact.create" if contact_id is None else "contact.update",
            data={"customer": customer.pk, "fields": sorted(changed)},
        )
    return contact


def contact_confirm(
    *, scope: Scope, contact_id: int, customer_id: int | None = None, into_id: int | None = None
) -> Contact:
    """A contact to confirm (a sender nobody knew) becomes a contact of one of the organisation's customers, and
    their tickets without a customer become that customer's. When they are a contact already (``into_id``, or a
    contact with the same address) they are merged into that contact instead: its tickets and messages move there.
    Answers the contact that remains."""
    scope.require_role(*CUSTOMER_KEEPERS)
    with transaction.atomic():
        contact = Contact.objects.visible_to(scope).select_for_update().get(pk=contact_id)
        if contact.confirmed_at is not None:
            raise Conflict(_("This contact is confirmed already."))
        into = _merge_target(scope, contact, into_id)
        if into is not None:
            return _merge(scope, contact, into)
        customer = locked_customer(scope, customer_id)
        contact.customer, contact.confirmed_at = customer, timezone.now()
        if not Contact.objects.visible_to(scope).filter(customer=customer, is_default=True).exists():
            contact.is_default = True
        contact.save(update_fields=["customer", "confirmed_at", "is_default"])
        moved = Ticket.objects.visible_to(scope).filter(contact=contact, customer=None).update(customer=customer)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=contact,
            action="contact.confirm",
            data={"customer": customer.pk, "tickets": moved},
        )
    return contact


def _merge_target(scope: Scope, contact: Contact, into_id: int | None) -> Contact | None:
    """The confirmed contact a contact to confirm is the same person as: the one chosen, or the one with the same
    address."""
    confirmed = Contact.objects.visible_to(scope).filter(confirmed_at__isnull=False).exclude(pk=contact.pk)
    if into_id is not None:
        into = confirmed.select_for_update().filter(pk=into_id).first()
        if into is None:
            raise ValidationError({"into": _("Choose one of your confirmed contacts.")})
        return into
    if not contact.email:
        return None
    return confirmed.select_for_update().filter(email__iexact=contact.email).first()


def _merge(scope: Scope, contact: Contact, into: Contact) -> Contact:
    tickets = Ticket.objects.visible_to(scope).filter(contact=contact)
    if into.customer_id is not None:
        tickets.filter(customer=None).update(customer_id=into.customer_id)
    moved = tickets.update(contact=into)
    TicketMessage.objects.visible_to(scope).filter(contact=contact).update(contact=into)
    audit.record(
        actor=scope.user,
        organisation=scope.organisation,
        obj=into,
        action="contact.merge",
        data={"merged": contact.pk, "address": contact.email, "tickets": moved},
    )
    contact.delete()
    return into


def contact_remove(*, scope: Scope, contact_id: int) -> None:
    """Remove a contact who never wrote nor called: one with tickets stays, their history with it."""
    scope.require_role(*CUSTOMER_KEEPERS)
    with transaction.atomic():
        contact = Contact.objects.visible_to(scope).select_for_update().get(pk=contact_id)
        count = Ticket.objects.visible_to(scope).filter(contact=contact).count()
        if count:
            message = ngettext(
                "This contact has a ticket: a contact with tickets stays, with their history.",
                "This contact has %(count)s tickets: a contact with tickets stays, with their history.",
                count,
            )
            raise Conflict(message % {"count": count})
        if contact.user_id is not None:
            raise Conflict(_("This contact signs in to the portal: withdraw their access first."))
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=contact,
            action="contact.remove",
            data={"customer": contact.customer_id, "address": contact.email},
        )
        contact.delete()
