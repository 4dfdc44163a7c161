"""Reads of what hangs from a customer in the back office: its contacts (and the senders still to confirm) and its
equipment as a tree, scoped by each model's ``visible_to``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404

from fieldbox.core.tenancy import Scope
from fieldbox.fleet import selectors as fleet
from fieldbox.fleet.models import Customer, Device, Vehicle
from fieldbox.service.models import Contact, Equipment, Ticket

# ---- contacts ---------------------------------------------------------------------------------------------------


def contacts_for(scope: Scope) -> QuerySet[Contact]:
    return Contact.objects.visible_to(scope)


def contacts_of(scope: Scope, customer: Customer | int) -> QuerySet[Contact]:
    """A customer's contacts, the default first."""
    return contacts_for(scope).filter(customer=customer).order_by("-is_default", "name", "email", "pk")


def mail_address(customer: Customer) -> str:
    """Where a document for ``customer`` is e-mailed: its default contact's address, else the customer's own."""
    contact = (
        Contact.objects.filter(organisation_id=customer.organisation_id, customer=customer, is_default=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .first()
    )
    return contact or customer.email


def contacts_to_confirm(scope: Scope) -> QuerySet[Contact]:
    """Senders nobody knew: contacts of no customer yet, newest first (keyset pages)."""
    return contacts_for(scope).filter(confirmed_at__isnull=True)


def contact_for(scope: Scope, pk: int) -> Contact:
    found = contacts_for(scope).select_related("customer").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def same_address(scope: Scope, contact: Contact) -> Contact | None:
    """The confirmed contact with the address of a contact to confirm: confirming merges them."""
    if not contact.email:
        return None
    return (
        contacts_for(scope)
        .filter(confirmed_at__isnull=False, email__iexact=contact.email)
        .exclude(pk=contact.pk)
        .select_related("customer")
        .first()
    )


def contact_tickets(scope: Scope, contact: Contact) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(scope).filter(contact=contact).select_related("team").order_by("-pk")


# ---- equipment --------------------------------------------------------------------------------------------------


def equipment_for(scope: Scope) -> QuerySet[Equipment]:
    """The equipment this scope sees, each with the serial it shows (``serial_shown``): a linked telematics device's
    own, otherwise the one typed."""
    return (
        Equipment.objects.visible_to(scope)
        .select_related("device", "vehicle", "site")
        .annotate(serial_shown=Coalesce("device__serial", NullIf("serial", Value(""))))
    )


def label(equipment: Equipment) -> str:
    """How a piece of equipment is named in lists: its description and the serial it shows."""
    serial = getattr(equipment, "serial_shown", None) or equipment.serial
    return f"{equipment.name} ({serial})" if serial else equipment.name


def equipment_item(scope: Scope, pk: int) -> Equipment:
    found = equipment_for(scope).select_related("customer", "parent").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def search_serial(qs: QuerySet[Equipment], text: str) -> QuerySet[Equipment]:
    """Equipment whose serial (the typed one, or its device's) contains ``text``."""
    words = "".join(text.split())
    if not words:
        return qs
    return qs.filter(Q(serial__icontains=words) | Q(device__serial__icontains=words))


@dataclass
class Branch:
    """A piece of equipment with its components, each a branch again."""

    item: Equipment
    depth: int = 0
    components: list[Branch] = field(default_factory=list)


def equipment_tree(scope: Scope, customer: Customer | int, *, under: int | None = None) -> list[Branch]:
    """A customer's equipment as a tree (its pieces at the top, each with its components at any depth), or the
    components of the piece ``under``: one query whatever the depth, nested here."""
    items = list(equipment_for(scope).filter(customer=customer).order_by("name", "pk"))
    branches = {e.pk: Branch(e) for e in items}
    tops: list[Branch] = []
    for branch in branches.values():
        parent = branches.get(branch.item.parent_id) if branch.item.parent_id else None
        (parent.components if parent else tops).append(branch)
    start = branches[under].components if under in branches else ([] if under else tops)
    _depths(start)
    return start


def _depths(tops: list[Branch]) -> None:
    """Number the levels from the top (without recursion: a tree may be deep)."""
    stack = [(b, 0) for b in tops]
    while stack:
        branch, depth = stack.pop()
        branch.depth = depth
        stack.extend((c, depth + 1) for c in branch.components)


def walk(tops: list[Branch]) -> list[Branch]:
    """The branches in reading order (each followed by its components)."""
    order: list[Branch] = []
    stack = list(reversed(tops))
    while stack:
        branch = stack.pop()
        order.append(branch)
        stack.extend(reversed(branch.components))
    return order


@dataclass(frozen=True)
class Row:
    """One line of a tree drawn as nested lists: the list it opens (one level deeper than the line before) or the
    levels it closes first, and after the last line the levels still open."""

    branch: Branch
    deeper: bool
    closes: range
    closes_after: range


def tree_rows(tops: list[Branch]) -> list[Row]:
    """The lines of nested ``<ul>`` lists for a tree, flat: a template draws any depth without recursion."""
    order = walk(tops)
    rows: list[Row] = []
    before = -1
    for i, branch in enumerate(order):
        last = i == len(order) - 1
        rows.append(
            Row(
                branch=branch,
                deeper=before >= 0 and branch.depth > before,
                closes=range(max(0, before - branch.depth)),
                closes_after=range(branch.depth if last else 0),
            )
        )
        before = branch.depth
    return rows


def parent_choices(scope: Scope, customer: Customer | int, *, moving: int | None = None) -> list[tuple[int, str]]:
    """The customer's equipment a piece may be part of, indented by level: never the piece itself nor one of its
    components (that would make a loop)."""
    tops = equipment_tree(scope, customer)
    choices: list[tuple[int, str]] = []
    skip: set[int] = set()
    for branch in walk(tops):
        if branch.item.pk == moving or (branch.item.parent_id in skip):
            skip.add(branch.item.pk)
            continue
        choices.append((branch.item.pk, "— " * branch.depth + label(branch.item)))
    return choices


def equipment_tickets(scope: Scope, equipment: Equipment) -> QuerySet[Ticket]:
    return Ticket.objects.visible_to(scope).filter(equipment=equipment).select_related("team").order_by("-pk")


def linkable_devices(scope: Scope) -> QuerySet[Device]:
    """The telematics devices equipment may link: the scope's own as a provider (an installer company holds a
    provider's devices, it does not own them)."""
    return fleet.devices_for(scope).filter(provider=scope.organisation)


def linkable_vehicles(scope: Scope) -> QuerySet[Vehicle]:
    """The vehicles equipment may link: the scope's own as a provider."""
    return fleet.vehicles_for(scope).filter(provider=scope.organisation)


def ancestors(scope: Scope, equipment: Equipment) -> list[Equipment]:
    """The pieces a piece of equipment is part of, from the top down: one query whatever the depth."""
    if equipment.parent_id is None:
        return []
    by_pk = {e.pk: e for e in Equipment.objects.visible_to(scope).filter(customer_id=equipment.customer_id)}
    path: list[Equipment] = []
    step = by_pk.get(equipment.parent_id)
    while step is not None and step not in path and step.pk != equipment.pk:
        path.append(step)
        step = by_pk.get(step.parent_id) if step.parent_id else None
    return path[::-1]
