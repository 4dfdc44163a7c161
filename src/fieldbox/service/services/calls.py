"""Writes of the call page (SYS "gestione chiamata"): a call taken by phone or opened by the staff, its fields
changed by the desk, its interventions (created, followed up, done by phone, cancelled) and its charges.

A call and what it names belong to one organisation: its customer is one of the organisation's, its contact, site
and equipment are that customer's, its assignee takes calls there. The same checks guard the creation and every
change, with the reads of ``selectors_calls`` that fill the choices on screen."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import BACK_OFFICE, CALL_WORKERS, CHARGERS, DESK
from fieldbox.core import audit, counters, transitions
from fieldbox.core.errors import Conflict
from fieldbox.core.money import CENT
from fieldbox.core.tenancy import Scope
from fieldbox.messaging.phones import normalise_phone
from fieldbox.service import charge_hooks, selectors, sla
from fieldbox.service import selectors_calls as calls
from fieldbox.service.choices import (
    ENDED_TICKET,
    TICKET_TABLE,
    WORK_ORDER_TABLE,
    Channel,
    ChargeKind,
    MessageKind,
    Priority,
    TicketKind,
    TicketStatus,
)
from fieldbox.service.models import Charge, Contact, Ticket, TicketMessage, WorkOrder
from fieldbox.service.services.tickets import ticket_number, ticket_number_of
from fieldbox.service.services.work_orders import new_work_order

# How a call reaches the desk when a person writes it down (mail and the portal open tickets their own way).
CALL_CHANNELS = (Channel.PHONE, Channel.STAFF)
# The fields of the call section: what the desk fills in when it takes a call and may correct later.
CALL_FIELDS = (
    "customer_id",
    "contact_id",
    "phone",
    "site_id",
    "equipment_id",
    "subject",
    "kind",
    "priority",
    "team_id",
    "assignee_id",
)
RELATED = ("customer_id", "contact_id", "site_id", "equipment_id", "team_id", "assignee_id")
# The role sets of a call (accounts.choices): who reads it (the back office), works on it, charges it.
CALL_READERS = BACK_OFFICE
CALL_PEOPLE = CALL_WORKERS
MAX_MINUTES = 10_000
MAX_AMOUNT = Decimal("99999999.99")
TEXT_LIMIT = 20_000

audit.label_actions(
    {
        "ticket.update": gettext_lazy("Call changed"),
        "charge.add": gettext_lazy("Charge added"),
        "charge.remove": gettext_lazy("Charge removed"),
        "work_order.create": gettext_lazy("Work order created"),
        "work_order.by_phone": gettext_lazy("Work order done by phone"),
        "work_order.cancel": gettext_lazy("Work order cancelled"),
    }
)


# ---- The call -----------------------------------------------------------------------------------------------


def ticket_create(*, scope: Scope, data: Mapping[str, Any]) -> Ticket:
    """A call taken by phone or opened by the staff: the call section's fields (``CALL_FIELDS``), ``channel``
    (phone or staff), ``description`` (what the customer asked: their first message, or the staff's note) and,
    optional, ``intervention`` (the work to do on site: an intervention to plan, made with the call)."""
    TICKET_TABLE.require("create", scope)
    channel = data.get("channel") or Channel.PHONE
    if channel not in CALL_CHANNELS:
        raise ValidationError({"channel": _("A call comes by phone or from the staff.")})
    description = _text(data.get("description"), "description", required=False)
    work = _text(data.get("intervention"), "intervention", required=False)
    given = {"kind": TicketKind.REQUEST, "priority": Priority.NORMAL, **data}
    if not given.get("team_id"):
        teams = list(selectors.teams_for(scope).values_list("pk", flat=True)[:2])
        given["team_id"] = teams[0] if len(teams) == 1 else None
    with transitions.atomic():
        fields = _checked(scope, given, None)
        ticket = Ticket(organisation=scope.organisation, channel=channel, **fields)
        _fill_in(ticket)
        ticket.number = ticket_number(scope.organisation.pk)
        TICKET_TABLE.create(ticket, "create", scope=scope, data={"channel": channel})  # stamps its dues (sla)
        if description:  # the customer's words, written down by who took the call; or the staff's own note
            said = channel == Channel.PHONE
            TicketMessage.objects.create(
                organisation_id=ticket.organisation_id,
                ticket=ticket,
                kind=MessageKind.INBOUND if said else MessageKind.NOTE,
                sender=ticket.phone if said else "",
                text=description,
                author=scope.user,
                contact=ticket.contact if said else None,
            )
        if work:
            _intervention_new(scope, ticket, work, None, None)
    return ticket


def _fill_in(ticket: Ticket) -> None:
    """What a call taken by phone knows without being told: the number to call back (the contact's, else the
    customer's) and the site (where the equipment stands)."""
    if not ticket.phone:
        ticket.phone = (ticket.contact.phone if ticket.contact else "") or (
            ticket.customer.phone if ticket.customer else ""
        )
    if ticket.site_id is None and ticket.equipment is not None:
        ticket.site_id = ticket.equipment.site_id


def ticket_update(*, scope: Scope, ticket_id: int, data: Mapping[str, Any]) -> Ticket:
    """Change the call section's fields given in ``data`` (the others stay); audited with what changed. A new
    priority moves the times the answer and the resolution fall due."""
    scope.require_role(*DESK)
    with transitions.atomic():
        ticket = Ticket.objects.visible_to(scope).select_for_update(of=("self",)).get(pk=ticket_id)
        if ticket.status in ENDED_TICKET:
            raise Conflict(
                _("The call is “%(status)s”: it no longer changes.") % {"status": ticket.get_status_display()}
            )
        changes = _checked(scope, data, ticket)
        if not changes:
            return ticket
        counted = counters.keys_of(ticket, TICKET_TABLE.counted)
        before = {name: getattr(ticket, name) for name in changes}
        for name, value in changes.items():
            setattr(ticket, name, value)
        ticket.changed_at = timezone.now()
        saved = {*changes, "changed_at"}
        if "priority" in changes:
            saved |= set(sla.restamp(ticket))
        ticket.save(update_fields=sorted(saved))
        _recount(ticket, counted)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=ticket,
            action="ticket.update",
            data={"changed": {name: [before[name], value] for name, value in changes.items()}},
        )
    return ticket


def _recount(ticket: Ticket, before: tuple[str, ...]) -> None:
    """A call that moved to another team is counted there (the table's totals follow the owner, not only the
    state): the counters written last in the transaction, as the kernel does."""
    after = counters.keys_of(ticket, TICKET_TABLE.counted)
    if after == before:
        return
    deltas: Tally[tuple[str, str]] = Tally()
    for key in before:
        deltas[(key, ticket.status)] -= 1
    for key in after:
        deltas[(key, ticket.status)] += 1
    counters.flush(deltas)


def _checked(scope: Scope, data: Mapping[str, Any], ticket: Ticket | None) -> dict[str, Any]:
    """The call fields of ``data`` that change ``ticket`` (all of them for a new call), cleaned and checked: what
    a call names is the organisation's, its contact, site and equipment its customer's. Every error at once."""
    errors: dict[str, str] = {}
    given = {name: data[name] for name in CALL_FIELDS if name in data}
    for name in RELATED:
        if name in given and given[name] in ("", 0):
            given[name] = None
    _clean_texts(given, errors)
    current = {name: getattr(ticket, name) for name in CALL_FIELDS} if ticket else dict.fromkeys(CALL_FIELDS)
    changes = {k: v for k, v in given.items() if ticket is None or current[k] != v}
    final = {**current, **changes}
    if ticket is None and not final["subject"] and "subject" not in errors:
        errors["subject"] = _("Say what the call is about.")
    customer_moved = "customer_id" in changes
    for name in RELATED:
        if name in changes or (customer_moved and name in ("contact_id", "site_id", "equipment_id")):
            problem = _related(scope, name, final)
            if problem:
                errors[name] = problem
    if errors:
        raise ValidationError(errors)
    return changes


def _clean_texts(given: dict[str, Any], errors: dict[str, str]) -> None:
    if "subject" in given:
        given["subject"] = " ".join(str(given["subject"] or "").split())
        if not given["subject"]:
            errors["subject"] = _("Say what the call is about.")
        elif len(given["subject"]) > 255:
            errors["subject"] = _("At most %(limit)s characters.") % {"limit": 255}
    if given.get("phone"):
        try:
            given["phone"] = normalise_phone(str(given["phone"]))
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    elif "phone" in given:
        given["phone"] = ""
    if "kind" in given and given["kind"] not in TicketKind.values:
        errors["kind"] = _("Choose one of the types.")
    if "priority" in given and given["priority"] not in Priority.values:
        errors["priority"] = _("Choose one of the priorities.")


def _related(scope: Scope, name: str, final: dict[str, Any]) -> str | None:
    """Why the record ``final[name]`` names cannot be the call's, or None."""
    pk, customer = final[name], final["customer_id"]
    if pk is not None and (not isinstance(pk, int) or isinstance(pk, bool)):
        return _("Choose from the list.")
    if name == "team_id":
        return None if pk and selectors.teams_for(scope).filter(pk=pk).exists() else _("Choose one of your teams.")
    if pk is None:
        return None
    if name == "customer_id":
        return None if calls.customer_for(scope, pk) else _("Choose one of your customers.")
    if name == "assignee_id":
        return None if calls.desk_people(scope).filter(pk=pk).exists() else _("Choose someone of the desk.")
    if name == "contact_id":
        contact = Contact.objects.visible_to(scope).filter(pk=pk).first()
        if contact is None:
            return _("Choose one of your contacts.")
        # A sender still to confirm belongs to no customer yet: their mail may be filed under one.
        ok = contact.customer_id is None or contact.customer_id == customer
        return None if ok else _("This contact is not one of the customer's.")
    if customer is None:
        return _("Choose the customer first.")
    if name == "site_id":
        found = calls.sites_of(scope, customer).filter(pk=pk).exists()
        return None if found else _("This site is not one of the customer's.")
    found = calls.equipment_of(scope, customer).filter(pk=pk).exists()
    return None if found else _("This equipment is not the customer's.")


def _text(value: Any, field: str, *, required: bool) -> str:
    words = str(value or "").strip()
    if required and not words:
        raise ValidationError({field: _("This field is required.")})
    if len(words) > TEXT_LIMIT:
        raise ValidationError({field: _("At most %(limit)s characters.") % {"limit": f"{TEXT_LIMIT:,}"}})
    return words


def _open_call(scope: Scope, ticket_id: int) -> Ticket:
    """The call, locked, while it still takes interventions and charges (not closed, cancelled or merged)."""
    ticket = Ticket.objects.visible_to(scope).select_for_update(of=("self",)).get(pk=ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        raise Conflict(_("The call is “%(status)s”: reopen it to change it.") % {"status": ticket.get_status_display()})
    if ticket.status in ENDED_TICKET:
        raise Conflict(_("The call is “%(status)s”: it no longer changes.") % {"status": ticket.get_status_display()})
    return ticket


# ---- Interventions ------------------------------------------------------------------------------------------


def intervention_create(
    *,
    scope: Scope,
    ticket_id: int,
    description: str,
    technician_id: int | None = None,
    follows_id: int | None = None,
) -> WorkOrder:
    """An intervention to plan on the call; a follow-up names the intervention it continues (a technician who
    could not finish)."""
    WORK_ORDER_TABLE.require("create", scope)
    words = _text(description, "description", required=True)
    with transitions.atomic():
        ticket = _open_call(scope, ticket_id)
        return _intervention_new(scope, ticket, words, technician_id, follows_id)


def _intervention_new(
    scope: Scope, ticket: Ticket, description: str, technician_id: int | None, follows_id: int | None
) -> WorkOrder:
    errors = {}
    if technician_id and not calls.field_people(scope).filter(pk=technician_id).exists():
        errors["technician_id"] = _("Choose one of your technicians.")
    if follows_id and not ticket.interventions.filter(pk=follows_id).exists():
        errors["follows_id"] = _("A follow-up continues an intervention of the same call.")
    if errors:
        raise ValidationError(errors)
    return new_work_order(
        scope,
        organisation_id=ticket.organisation_id,
        ticket=ticket,
        customer_id=ticket.customer_id,
        site_id=ticket.site_id,
        equipment_id=ticket.equipment_id,
        description=description,
        technician_id=technician_id or None,
        follows_id=follows_id or None,
    )


def intervention_by_phone(*, scope: Scope, intervention_id: int, outcome: str) -> WorkOrder:
    """Solved on the phone: the intervention stays for the statistics and is never planned."""
    WORK_ORDER_TABLE.require("by_phone", scope)
    return _intervention_move(scope, intervention_id, "by_phone", _text(outcome, "outcome", required=True))


def intervention_cancel(*, scope: Scope, intervention_id: int, reason: str) -> WorkOrder:
    """Not needed after all, with the reason (kept as its outcome)."""
    WORK_ORDER_TABLE.require("cancel", scope)
    return _intervention_move(scope, intervention_id, "cancel", _text(reason, "reason", required=True))


def _intervention_move(scope: Scope, intervention_id: int, action: str, words: str) -> WorkOrder:
    with transitions.atomic():
        intervention = WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), intervention_id)
        WORK_ORDER_TABLE.apply(
            intervention,
            action,
            scope=scope,
            changes={"outcome": words},
            reason=words if action == "cancel" else "",
        )
    return intervention


# ---- Charges ------------------------------------------------------------------------------------------------


def charge_add(
    *,
    scope: Scope,
    ticket_id: int,
    kind: str,
    description: str,
    minutes: int | None = None,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
    billable: bool = True,
) -> Charge:
    """Time spent (minutes, at an hourly rate), a fee or a part (a quantity at a unit price) on the call; the price
    may stay empty (not priced yet). Only while the call is not closed or cancelled."""
    scope.require_role(*CHARGERS)
    fields = _charge_fields(kind, description, minutes, quantity, unit_price)
    with transaction.atomic():
        ticket = _open_call(scope, ticket_id)
        charge = Charge.objects.create(
            organisation_id=ticket.organisation_id,
            ticket=ticket,
            billable=bool(billable),
            author=scope.user,
            **fields,
        )
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=charge,
            action="charge.add",
            data={"ticket": ticket.number, **{k: str(v) if v is not None else None for k, v in fields.items()}},
        )
        charge_hooks.added(scope=scope, charge=charge)  # e.g. commerce's prepaid minutes
    return charge


def _charge_fields(
    kind: str, description: str, minutes: int | None, quantity: Decimal | None, unit_price: Decimal | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    words = " ".join(str(description or "").split())
    if kind not in ChargeKind.values:
        errors["kind"] = _("Choose time, a fee or a part.")
    if not words:
        errors["description"] = _("Say what is charged.")
    elif len(words) > 255:
        errors["description"] = _("At most %(limit)s characters.") % {"limit": 255}
    if kind == ChargeKind.TIME:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
            errors["minutes"] = _("Between 1 and %(most)s minutes.") % {"most": f"{MAX_MINUTES:,}"}
        quantity = Decimal(1)
    else:
        minutes = None
        quantity = _amount(Decimal(1) if quantity is None else quantity, "quantity", errors, positive=True)
    price = None if unit_price is None else _amount(unit_price, "unit_price", errors, positive=False)
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "description": words, "minutes": minutes, "quantity": quantity, "unit_price": price}


def _amount(value: Decimal, field: str, errors: dict[str, str], *, positive: bool) -> Decimal:
    """A quantity or a price as stored: a finite number with at most two decimals, within the column's size."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        errors[field] = _("Enter a number.")
    elif number < 0 or (positive and number == 0):
        errors[field] = _("More than zero.") if positive else _("Zero or more.")
    elif number > MAX_AMOUNT:
        errors[field] = _("Too large.")
    elif number != number.quantize(CENT):
        errors[field] = _("At most two decimals.")
    return number


def charge_remove(*, scope: Scope, charge_id: int) -> Charge:
    """Take a charge off the call (a mistake); only while the call is not closed or cancelled. Audited. Answers
    the charge as it was."""
    scope.require_role(*CHARGERS)
    with transaction.atomic():
        ticket_id = Charge.objects.visible_to(scope).values_list("ticket_id", flat=True).get(pk=charge_id)
        ticket = _open_call(scope, ticket_id)  # the call first, as every write of the call locks it
        charge = Charge.objects.visible_to(scope).select_for_update().get(pk=charge_id)
        audit.record(
            actor=scope.user,
            organisation=scope.organisation,
            obj=charge,
            action="charge.remove",
            data={"ticket": ticket.number, "kind": charge.kind, "description": charge.description},
        )
        charge_hooks.removed(scope=scope, charge=charge)  # e.g. commerce gives prepaid minutes back
        charge.delete()
    return charge


def ticket_merge(*, scope: Scope, ticket_id: int, into: str) -> Ticket:
    """Merge a ticket into another open one of the organisation (the customer wrote twice about the same thing):
    its messages, interventions and charges move to the other, which says so in a note; the merged ticket stays,
    empty, pointing at it. ``into`` is the other's number ("T0000042", "42")."""
    TICKET_TABLE.require("merge", scope)
    number = _call_number(into)
    with transitions.atomic():
        tickets = Ticket.objects.visible_to(scope)
        source = TICKET_TABLE.lock(tickets, ticket_id)
        target = tickets.filter(number=number).exclude(pk=source.pk).first() if number else None
        if target is None:
            raise ValidationError({"into": _("No other ticket of yours has this number.")})
        target = tickets.select_for_update(of=("self",)).get(pk=target.pk)
        if target.status in ENDED_TICKET:
            ended = _("Ticket %(number)s has ended: merge into an open one.") % {"number": number}
            raise ValidationError({"into": ended})
        TICKET_TABLE.apply(source, "merge", scope=scope, reason=number, data={"into": target.pk})
        moved = {"ticket": target}
        TicketMessage.objects.filter(ticket=source).update(**moved)
        WorkOrder.objects.filter(ticket=source).update(**moved)
        Charge.objects.filter(ticket=source).update(**moved)
        text = _("Ticket %(number)s was merged into this one: its messages, interventions and charges are here.")
        TicketMessage.objects.create(
            organisation_id=target.organisation_id,
            ticket=target,
            kind=MessageKind.NOTE,
            text=text % {"number": source.number},
            author=scope.user,
        )
    return source


def _call_number(text: str) -> str:
    """A ticket's number as typed ("T0000042", "t42", "42"), written as the numbering writes it; "" if it is none."""
    digits = str(text or "").strip().upper().removeprefix("T")
    return ticket_number_of(int(digits)) if digits.isdigit() and len(digits) <= 12 else ""
