"""Writes of customers' equipment (Appsistance "impianti", SYS "matricole"): a piece at one of the customer's sites,
with its components at any depth, and for a provider its own telematics device and vehicle linked (never copied).

A customer's tree changes one writer at a time (its customer's row is locked), so that two changes made at the same
moment cannot close a loop between them."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from fieldbox.accounts.choices import CUSTOMER_KEEPERS
from fieldbox.core import audit
from fieldbox.core.errors import Conflict
from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer
from fieldbox.service import customers as reads
from fieldbox.service.models import Equipment, Ticket
from fieldbox.service.models.contracts import ContractEquipment
from fieldbox.service.services.contacts import locked_customer

TEXTS = {"name": 200, "serial": 64, "product": 200}
DATES = ("installed_on", "warranty_ends_on")
LINKS = ("site", "parent", "device", "vehicle")
MAX_ATTRIBUTES, KEY_LIMIT, VALUE_LIMIT = 50, 50, 200
NOTES_LIMIT = 5000

audit.label_actions(
    {
        "equipment.create": gettext_lazy("Equipment added"),
        "equipment.update": gettext_lazy("Equipment changed"),
        "equipment.remove": gettext_lazy("Equipment removed"),
    }
)


def clean_attributes(value: Any) -> dict[str, str]:
    """Free attributes ("potenza": "12 kW"): a flat object of at most 50 short texts, names trimmed and distinct."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"attributes": _("Give the attributes as names with a short text each.")})
    if len(value) > MAX_ATTRIBUTES:
        raise ValidationError({"attributes": _("At most %(count)s attributes.") % {"count": MAX_ATTRIBUTES}})
    clean: dict[str, str] = {}
    for key, text in value.items():
        name = " ".join(str(key).split())
        if not name or len(name) > KEY_LIMIT:
            message = _("An attribute's name has 1 to %(limit)s characters.") % {"limit": KEY_LIMIT}
            raise ValidationError({"attributes": message})
        if name.casefold() in (k.casefold() for k in clean):
            raise ValidationError({"attributes": _("The attribute “%(name)s” is given twice.") % {"name": name}})
        if not isinstance(text, str) or len(text.strip()) > VALUE_LIMIT:
            message = _("The attribute “%(name)s”: a text of at most %(limit)s characters.")
            raise ValidationError({"attributes": message % {"name": name, "limit": VALUE_LIMIT}})
        clean[name] = " ".join(text.split())
    return clean


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, limit in TEXTS.items():
        if name in data:
            clean[name] = " ".join(str(data[name] or "").split())
            if len(clean[name]) > limit:
                errors[name] = _("At most %(limit)s characters.") % {"limit": limit}
    if "notes" in data:
        clean["notes"] = str(data["notes"] or "").strip()
        if len(clean["notes"]) > NOTES_LIMIT:
            errors["notes"] = _("At most %(limit)s characters.") % {"limit": NOTES_LIMIT}
    for name in DATES:
        if name in data:
            if data[name] is not None and not isinstance(data[name], date):
                errors[name] = _("Enter a valid date.")
            clean[name] = data[name]
    if "attributes" in data:
        try:
            clean["attributes"] = clean_attributes(data["attributes"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return clean


def _checked(equipment: Equipment) -> None:
    """What holds whatever was changed: a description, and a warranty that does not end before the installation."""
    if not equipment.name:
        raise ValidationError({"name": _("Describe the equipment.")})
    installed, ends = equipment.installed_on, equipment.warranty_ends_on
    if installed and ends and ends < installed:
        raise ValidationError({"warranty_ends_on": _("The warranty cannot end before the installation.")})


def _site(customer: Customer, site_id: Any) -> Any:
    if site_id is None:
        return None
    found = fleet.customer_sites(customer).filter(pk=site_id).first() if isinstance(site_id, int) else None
    if found is None:
        raise ValidationError({"site": _("Choose one of this customer's sites.")})
    return found


def _parent(scope: Scope, customer: Customer, equipment: Equipment, parent_id: Any) -> Equipment | None:
    """The piece this one is part of: the same customer's, and never itself or one of its own components."""
    if parent_id is None:
        return None
    ours = Equipment.objects.visible_to(scope)
    found = ours.filter(pk=parent_id).first() if isinstance(parent_id, int) else None
    if found is None:
        raise ValidationError({"parent": _("Choose one of this customer's equipment.")})
    if found.customer_id != customer.pk:
        raise ValidationError({"parent": _("A component belongs to the same customer as the equipment it is part of.")})
    if equipment.pk is not None:
        parents = dict(ours.filter(customer=customer).values_list("pk", "parent_id"))
        step: int | None = found.pk
        seen: set[int] = set()
        while step is not None and step not in seen:
            if step == equipment.pk:
                raise ValidationError(
                    {"parent": _("Equipment cannot be part of itself or of one of its own components.")}
                )
            seen.add(step)
            step = parents.get(step)
    return found


def _linked(scope: Scope, equipment: Equipment, name: str, pk: Any) -> Any:
    """The provider's own device or vehicle (never another organisation's), linked to one piece of equipment only."""
    if pk is None:
        return None
    own = reads.linkable_devices(scope) if name == "device" else reads.linkable_vehicles(scope)
    found = own.filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None:
        message = _("Link one of your own telematics devices.") if name == "device" else _("Link one of your vehicles.")
        raise ValidationError({name: message})
    other = Equipment.objects.visible_to(scope).filter(**{name: found}).exclude(pk=equipment.pk).first()
    if other is not None:
        raise ValidationError(
            {name: _("%(what)s is linked to “%(other)s” already.") % {"what": found, "other": other.name}}
        )
    return found


def _link(scope: Scope, customer: Customer, equipment: Equipment, data: dict[str, Any]) -> list[str]:
    """Set the links given in ``data`` (``site``, ``parent``, ``device``, ``vehicle``: ids or None); the names of
    those that changed."""
    changed = []
    for name in LINKS:
        if name not in data:
            continue
        if name == "site":
            target = _site(customer, data[name])
        elif name == "parent":
            target = _parent(scope, customer, equipment, data[name])
        else:
            target = _linked(scope, equipment, name, data[name])
        if getattr(equipment, f"{name}_id") != (target.pk if target else None):
            setattr(equipment, name, target)
            changed.append(name)
    return changed


def _customer_of(scope: Scope, equipment_id: int) -> int:
    found = Equipment.objects.visible_to(scope).filter(pk=equipment_id).values_list("customer_id", flat=True).first()
    if found is None:
        raise Equipment.DoesNotExist
    return int(found)


def equipment_save(
    *, scope: Scope, data: dict[str, Any], customer_id: int | None = None, equipment_id: int | None = None
) -> Equipment:
    """Add a piece of equipment to one of the organisation's customers (``customer_id``), or change one
    (``equipment_id``: the fields given in ``data`` change). With a telematics device linked, the serial is the
    device's."""
    scope.require_role(*CUSTOMER_KEEPERS)
    clean = _clean(data)
    with transaction.atomic():
        if equipment_id is None:
            customer = locked_customer(scope, customer_id)
            equipment = Equipment(organisation=scope.organisation, customer=customer)
        else:
            customer = locked_customer(scope, _customer_of(scope, equipment_id))
            equipment = Equipment.objects.visible_to(scope).select_for_update().get(pk=equipment_id)
        changed = [f for f in clean if getattr(equipment, f) != clean[f]]
        for name in changed:
            setattr(equipment, name, clean[name])
        changed += _link(scope, customer, equipment, data)
        if equipment.device_id is not None and equipment.serial:
            equipment.serial = ""  # the device's serial is the one: linked, not copied
        _checked(equipment)
        try:
            with transaction.atomic():
                equipment.save()
        except IntegrityError:  # the device or vehicle linked elsewhere a moment ago
            raise ValidationError(
                {"device": _("This device or vehicle is linked to other equipment already.")}
            ) from None
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=equipment,
            action="equipment.create" if equipment_id is None else "equipment.update",
            data={"customer": customer.pk, "fields": sorted(set(changed))},
        )
    return equipment


def equipment_remove(*, scope: Scope, equipment_id: int) -> None:
    """Remove a piece of equipment that has no component, no ticket and no contract (they would lose what they refer
    to)."""
    scope.require_role(*CUSTOMER_KEEPERS)
    with transaction.atomic():
        locked_customer(scope, _customer_of(scope, equipment_id))
        equipment = Equipment.objects.visible_to(scope).select_for_update().get(pk=equipment_id)
        parts = Equipment.objects.visible_to(scope).filter(parent=equipment).count()
        if parts:
            message = ngettext(
                "It has a component: remove it or move it to other equipment first.",
                "It has %(count)s components: remove them or move them to other equipment first.",
                parts,
            )
            raise Conflict(message % {"count": parts})
        tickets = Ticket.objects.visible_to(scope).filter(equipment=equipment).count()
        if tickets:
            message = ngettext(
                "A ticket refers to it: equipment with tickets stays, with its history.",
                "%(count)s tickets refer to it: equipment with tickets stays, with its history.",
                tickets,
            )
            raise Conflict(message % {"count": tickets})
        contract = ContractEquipment.objects.filter(equipment=equipment).select_related("contract").first()
        if contract is not None:
            raise Conflict(
                _("Contract %(number)s covers it: equipment under a contract stays, with its history.")
                % {"number": contract.contract.number}
            )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=equipment,
            action="equipment.remove",
            data={"customer": equipment.customer_id, "serial": equipment.serial},
        )
        equipment.delete()
