"""The call page (SYS "gestione chiamata"): one page per call with its six sections in order — the call, its
interventions, the quote, the hours, the parts, the notes — and the page of a new call taken by phone.

Every button comes from a table or a named set of roles: the ticket's moves from ``TICKET_TABLE``, an
intervention's from ``WORK_ORDER_TABLE``; what a section lets one change, from the same checks the services make.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import CHARGERS, DESK
from fieldbox.core.http import AuthedRequest
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.fleet.models import Customer
from fieldbox.service import call_sections, selectors
from fieldbox.service import selectors_calls as calls
from fieldbox.service.choices import ENDED_TICKET, TICKET_TABLE, WORK_ORDER_TABLE, ChargeKind, WorkOrderStatus
from fieldbox.service.forms import (
    CallForm,
    CancelForm,
    CustomerSearchForm,
    InterventionCancelForm,
    InterventionForm,
    ItemChargeForm,
    MergeForm,
    NewCallForm,
    NoteForm,
    OutcomeForm,
    ReplyForm,
    TimeChargeForm,
)
from fieldbox.service.models import Ticket, WorkOrder
from fieldbox.service.services import calls as services
from fieldbox.service.services.calls import CALL_PEOPLE

# The moves a person makes with a button of the call (the others come with mail, replies and notes).
BUTTONS = ("open", "wait", "resolve", "close", "reopen")
FOUND_AT_MOST = 20


def call_choices(scope: Scope, customer: Customer | None, ticket: Ticket | None = None) -> dict[str, Any]:
    """The choices of the call section: the organisation's teams and desk, the customer's contacts, sites and
    equipment (none without a customer). A sender still to confirm stays the call's contact."""
    contacts, sites, equipment = [], [], []
    if customer is not None:
        contacts = [(c.pk, _contact_label(c)) for c in calls.contacts_of(scope, customer.pk)]
        sites = [(s.pk, str(s)) for s in calls.sites_of(scope, customer.pk)]
        equipment = [(e.pk, str(e)) for e in calls.equipment_of(scope, customer.pk)]
    if ticket is not None and ticket.contact is not None and ticket.contact.customer_id is None:
        contacts.insert(0, (ticket.contact.pk, _contact_label(ticket.contact)))
    return {
        "teams": [(t.pk, t.name) for t in selectors.teams_for(scope)],
        "desk": [(u.pk, str(u)) for u in calls.desk_people(scope)],
        "contacts": contacts,
        "sites": sites,
        "equipment": equipment,
    }


def _first_guess(scope: Scope, customer: Customer | None, choices: dict[str, Any]) -> dict[str, Any]:
    """A new call's customer, with its default contact and its site when it has only one."""
    if customer is None:
        return {}
    guess: dict[str, Any] = {"customer_id": customer.pk}
    guess["contact_id"] = (
        calls.contacts_of(scope, customer.pk).filter(is_default=True).values_list("pk", flat=True).first()
    )
    if len(choices["sites"]) == 1:
        guess["site_id"] = choices["sites"][0][0]
    return guess


def _contact_label(contact: Any) -> str:
    reach = contact.phone or contact.email
    return f"{contact} · {reach}" if reach and reach != str(contact) else str(contact)


@dataclass(frozen=True)
class Row:
    """An intervention of the call with what this person may do with it."""

    intervention: WorkOrder
    moves: set[str]
    can_follow: bool
    outcome_form: forms.Form
    cancel_form: forms.Form


def _call_section(request: AuthedRequest, ticket: Ticket, bound: dict[str, Any]) -> dict[str, Any]:
    scope = request.scope
    can_edit = scope.role in DESK and ticket.status not in ENDED_TICKET
    picked = id_of(request.GET.get("customer")) if can_edit else None
    customer = calls.customer_for(scope, picked)  # another customer found by the search (none: the call's)
    chosen = customer if customer is not None else ticket.customer
    form = bound.get("call_form")
    if form is None and can_edit:
        initial = {name: getattr(ticket, name) for name in services.CALL_FIELDS}
        initial["customer_id"] = chosen.pk if chosen else None
        choices = call_choices(scope, chosen, ticket)
        for name, listed in (("contact_id", "contacts"), ("site_id", "sites"), ("equipment_id", "equipment")):
            if initial[name] not in {pk for pk, _label in choices[listed]}:  # another customer's: chosen anew
                initial[name] = None
        form = CallForm(prefix="call", initial=initial, **choices)
    query = CustomerSearchForm(request.GET if "q" in request.GET else None)
    text = query.cleaned_data["q"] if query.is_bound and query.is_valid() else ""
    return {
        "can_edit": can_edit,
        "call_form": form,
        "editing": bool(bound.get("call_form") or picked or text),
        "new_customer": customer if customer is not None and customer.pk != ticket.customer_id else None,
        "search_form": query,
        "found": calls.find_customers(scope, text, FOUND_AT_MOST) if can_edit else [],
    }


def _intervention_section(request: AuthedRequest, ticket: Ticket, bound: dict[str, Any]) -> dict[str, Any]:
    scope = request.scope
    can_plan = WORK_ORDER_TABLE.may_act("create", scope) and ticket.status not in ENDED_TICKET
    outcome, cancel = bound.get("outcome_form", (None, None)), bound.get("intervention_cancel_form", (None, None))
    rows = [
        Row(
            intervention=i,
            moves=WORK_ORDER_TABLE.allowed(i, scope),
            can_follow=can_plan and i.status != WorkOrderStatus.CANCELLED,
            outcome_form=outcome[1] if outcome[0] == i.pk else OutcomeForm(prefix=f"outcome-{i.pk}"),
            cancel_form=cancel[1] if cancel[0] == i.pk else InterventionCancelForm(prefix=f"drop-{i.pk}"),
        )
        for i in calls.interventions_of(ticket)
    ]
    follows_id = id_of(request.GET.get("follows"))
    follows = next((r.intervention for r in rows if r.intervention.pk == follows_id and r.can_follow), None)
    form = bound.get("intervention_form")
    if form is None and can_plan:
        technicians = [(u.pk, str(u)) for u in calls.field_people(scope)]
        initial = {"follows_id": follows.pk if follows else None}
        form = InterventionForm(prefix="intervention", technicians=technicians, initial=initial)
    if follows is None and form is not None and form.is_bound:
        follows = next(
            (r.intervention for r in rows if r.intervention.pk == id_of(form.data.get("intervention-follows_id"))), None
        )
    return {"interventions": rows, "can_plan": can_plan, "intervention_form": form, "follows": follows}


def _charge_sections(request: AuthedRequest, ticket: Ticket, bound: dict[str, Any]) -> dict[str, Any]:
    can_charge = request.scope.role in CHARGERS and ticket.status not in ENDED_TICKET
    charged = calls.lines(calls.charges_of(ticket))
    hours = [line for line in charged if line.charge.kind == ChargeKind.TIME]
    items = [line for line in charged if line.charge.kind != ChargeKind.TIME]
    return {
        "can_charge": can_charge,
        "hours": hours,
        "hours_totals": calls.totals(hours),
        "items": items,
        "items_totals": calls.totals(items),
        "all_totals": calls.totals(charged),
        "time_form": bound.get("time_form") or TimeChargeForm(prefix="hours"),
        "item_form": bound.get("item_form") or ItemChargeForm(prefix="parts"),
    }


def _notes_section(request: AuthedRequest, ticket: Ticket, bound: dict[str, Any]) -> dict[str, Any]:
    allowed = TICKET_TABLE.allowed(ticket, request.scope)
    return {
        "conversation": selectors.conversation(ticket),
        "buttons": [(name, TICKET_TABLE.move(name)) for name in BUTTONS if name in allowed],
        "can_reply": "reply" in allowed or "open" in allowed,  # a new ticket opens with its first answer
        "can_note": "note" in allowed,
        "can_cancel": "cancel" in allowed,
        "can_merge": "merge" in allowed,
        "merge_form": bound.get("merge_form") or MergeForm(),
        "reply_form": bound.get("reply_form") or ReplyForm(prefix="reply"),
        "note_form": bound.get("note_form") or NoteForm(prefix="note"),
        "cancel_form": bound.get("cancel_form") or CancelForm(),
    }


def page(request: AuthedRequest, pk: int, **bound: Any) -> HttpResponse:
    """The call page; ``bound`` holds the forms sent back with their errors (then the answer is a 400)."""
    ticket = selectors.ticket_for(request.scope, pk)
    context: dict[str, Any] = {"ticket": ticket}
    for section in (_call_section, _intervention_section, _charge_sections, _notes_section):
        context.update(section(request, ticket, bound))
    context["from_apps"] = call_sections.parts_of(request, ticket)  # the quote and parts of commerce
    return render(request, "service/ticket.html", context, status=400 if bound else 200)


def _back(pk: int, section: str) -> HttpResponse:
    return redirect(reverse("service:ticket", kwargs={"pk": pk}) + f"#{section}")


# ---- The call section ---------------------------------------------------------------------------------------


@scope_required(*DESK)
@require_POST
def call_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    ticket = selectors.ticket_for(scope, pk)
    customer = calls.customer_for(scope, id_of(request.POST.get("call-customer_id")))
    form = CallForm(request.POST, prefix="call", **call_choices(scope, customer, ticket))
    if form.is_valid():
        data = dict(form.cleaned_data)
        if run_service(request, form, lambda: services.ticket_update(scope=scope, ticket_id=pk, data=data)):
            messages.success(request, _("Saved."))
            return _back(pk, "call")
    return page(request, pk, call_form=form)


@scope_required(*DESK)
def call_new(request: AuthedRequest) -> HttpResponse:
    """A call taken now, by phone or from the staff: find the customer, then fill in the call."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    customer = calls.customer_for(scope, id_of(source.get("customer_id") or source.get("customer")))
    choices = call_choices(scope, customer)
    form = NewCallForm(request.POST or None, initial=_first_guess(scope, customer, choices), **choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ticket = run_service(request, form, lambda: services.ticket_create(scope=scope, data=data))
        if ticket is not None:
            messages.success(request, _("Call %(number)s taken.") % {"number": ticket.number})
            return redirect("service:ticket", pk=ticket.pk)
    query = CustomerSearchForm(request.GET if "q" in request.GET else None)
    text = query.cleaned_data["q"] if query.is_bound and query.is_valid() else ""
    context = {
        "form": form,
        "customer": customer,
        "search_form": query,
        "found": calls.find_customers(scope, text, FOUND_AT_MOST),
        "searched": bool(text),
        "has_teams": bool(form.fields["team_id"].choices),  # type: ignore[attr-defined]
    }
    return render(request, "service/call_new.html", context, status=400 if request.method == "POST" else 200)


# ---- Interventions ------------------------------------------------------------------------------------------


@scope_required(*CALL_PEOPLE)
@require_POST
def intervention_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    technicians = [(u.pk, str(u)) for u in calls.field_people(scope)]
    form = InterventionForm(request.POST, prefix="intervention", technicians=technicians)
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.intervention_create(
                scope=scope,
                ticket_id=pk,
                description=d["description"],
                technician_id=d["technician_id"],
                follows_id=d["follows_id"],
            ),
        )
        if done is not None:
            messages.success(request, _("Work order %(number)s is to plan.") % {"number": done.number})
            return _back(pk, "intervention")
    return page(request, pk, intervention_form=form)


@scope_required(*CALL_PEOPLE)
@require_POST
def intervention_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Done by phone (with how) or cancelled (with why)."""
    scope = request.scope
    intervention = calls.intervention_for(scope, pk)
    call = intervention.ticket_id
    if call is None:  # not a call's: its own page moves it
        raise Http404
    form: forms.Form
    if action == "by_phone":
        form = OutcomeForm(request.POST, prefix=f"outcome-{pk}")
        key = "outcome_form"
    elif action == "cancel":
        form = InterventionCancelForm(request.POST, prefix=f"drop-{pk}")
        key = "intervention_cancel_form"
    else:
        raise Http404
    if form.is_valid():
        words = next(iter(form.cleaned_data.values()))
        move = services.intervention_by_phone if action == "by_phone" else services.intervention_cancel
        kwargs = {"outcome" if action == "by_phone" else "reason": words}
        done = run_service(request, form, lambda: move(scope=scope, intervention_id=pk, **kwargs))
        if done is not None:
            messages.success(
                request,
                _("Work order %(number)s is now “%(status)s”.")
                % {"number": done.number, "status": done.get_status_display()},
            )
            return _back(call, "intervention")
    return page(request, call, **{key: (pk, form)})


# ---- Hours and parts ----------------------------------------------------------------------------------------


@scope_required(*CHARGERS)
@require_POST
def charge_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Hours worked (the hours section) or a part or a fee (the parts section)."""
    scope = request.scope
    hours = request.POST.get("form") == "hours"
    form: forms.Form = (
        TimeChargeForm(request.POST, prefix="hours") if hours else ItemChargeForm(request.POST, prefix="parts")
    )
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.charge_add(
                scope=scope,
                ticket_id=pk,
                kind=ChargeKind.TIME if hours else d["kind"],
                description=d["description"],
                minutes=d.get("minutes"),
                quantity=d.get("quantity"),
                unit_price=d["unit_price"],
                billable=d["billable"],
            ),
        )
        if done is not None:
            messages.success(request, _("Charge added."))
            return _back(pk, "hours" if hours else "parts")
    return page(request, pk, **{"time_form" if hours else "item_form": form})


@scope_required(*CHARGERS)
@require_POST
def charge_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    charge = calls.charge_for(scope, pk)
    if run_service(request, None, lambda: services.charge_remove(scope=scope, charge_id=pk)) is not None:
        messages.success(request, _("Charge removed."))
    return _back(charge.ticket_id, "hours" if charge.kind == ChargeKind.TIME else "parts")
