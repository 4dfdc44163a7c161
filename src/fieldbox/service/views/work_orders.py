"""The office's pages of work orders (SYS "intervento", Appsistance "ordine di lavoro"): the list with its filters,
a new work order, one work order with everything about it and its buttons, its planning form; the organisation's
resources and types of work, and a team's members.

Every button comes from ``WORK_ORDER_TABLE.allowed``; every change goes through the services (the same the API,
the calendars and the e-mail links call), so a page never decides a rule of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.selectors import members_for
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.tenancy import Scope
from fieldbox.core.web import id_of, run_service, scope_required
from fieldbox.fleet.models import Customer
from fieldbox.service import call_sections, selectors
from fieldbox.service import selectors_calls as calls
from fieldbox.service import selectors_checklists as checklist_reads
from fieldbox.service import selectors_work_orders as reads
from fieldbox.service.choices import (
    ENDED_TICKET,
    ENDED_WORK,
    OPEN_TICKET,
    WORK_ORDER_TABLE,
    Answer,
    WorkOrderStatus,
)
from fieldbox.service.forms_work import (
    Choices,
    FilterForm,
    FollowUpForm,
    MaterialForm,
    MembersForm,
    PlanForm,
    ReasonForm,
    ResourceForm,
    WorkOrderForm,
    WorkTypeForm,
)
from fieldbox.service.models import WorkOrder
from fieldbox.service.services import materials as material_services
from fieldbox.service.services import resources as resource_services
from fieldbox.service.services import work_orders as services

WORK_READERS = reads.WORK_READERS
CREATORS = tuple(sorted(WORK_ORDER_TABLE.move("create").roles - {"system"}))
PLANNERS = tuple(sorted(WORK_PLANNERS))
PAGE_SIZE = 50
FOUND_AT_MOST = 20
# The moves made by a plain button; those with a reason have their own small form.
PLAIN = ("send", "start", "finish", "resume", "unplan")
# "verify" is made only by the final verification screen (service.services.verification), which keeps the lines.
WITH_REASON = ("hold", "cancel")


# ---- The list -----------------------------------------------------------------------------------------------


def _people(scope: Scope) -> Choices:
    return reads.choices(calls.field_people(scope))


@scope_required(*WORK_READERS)
def work_orders(request: AuthedRequest) -> HttpResponse:
    """The organisation's work orders, newest first, by status, person, customer and day."""
    scope = request.scope
    form = FilterForm(request.GET or None, people=_people(scope))
    filters = reads.Filters()
    text = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = reads.Filters(status=d["status"] or None, technician_id=d["technician"], day=d["day"])
        text = d["customer"].strip()
    qs = reads.work_orders_filtered(scope, filters)
    if text:
        found = calls.find_customers(scope, text, 200)
        qs = qs.filter(customer__in=found)
    context = {
        "form": form,
        "filtered": any((filters.status, filters.technician_id, filters.day, text)),
        "can_create": WORK_ORDER_TABLE.may_act("create", scope),
        "can_setup": scope.role in WORK_PLANNERS,
        **request_page(request, qs, PAGE_SIZE, key="orders"),
    }
    return render(request, "service/work_order_list.html", context)


# ---- Creating and changing ------------------------------------------------------------------------------------


def _choices(scope: Scope, customer: Customer | None) -> dict[str, Choices]:
    sites: Choices = []
    equipment: Choices = []
    tickets: Choices = []
    if customer is not None:
        sites = reads.choices(calls.sites_of(scope, customer.pk))
        equipment = reads.choices(calls.equipment_of(scope, customer.pk))
        tickets = [
            (t.pk, f"{t.number} · {t.subject}")
            for t in calls.customer_tickets(scope, customer.pk)
            if t.status not in ENDED_TICKET
        ]
    work_types = reads.choices(reads.work_types_for(scope, active_only=True))
    return {"sites": sites, "equipment": equipment, "tickets": tickets, "work_types": work_types}


@scope_required(*CREATORS)
def work_order_new(request: AuthedRequest) -> HttpResponse:
    """A new work order to plan: find the customer, then say what is to be done where (from one of the customer's
    calls, or on its own)."""
    scope = request.scope
    source = request.POST if request.method == "POST" else request.GET
    ticket = None
    ticket_id = id_of(source.get("ticket"))
    if ticket_id:
        ticket = selectors.tickets_for(scope).filter(pk=ticket_id, status__in=OPEN_TICKET).first()
    customer = calls.customer_for(scope, id_of(source.get("customer")) or (ticket.customer_id if ticket else None))
    choices = _choices(scope, customer)
    initial: dict[str, Any] = {"ticket_id": ticket.pk if ticket else None}
    if ticket is not None:
        initial.update(site_id=ticket.site_id, equipment_id=ticket.equipment_id, description=ticket.subject)
    form = WorkOrderForm(request.POST if request.method == "POST" else None, choices=choices, initial=initial)
    if request.method == "POST" and customer is not None and form.is_valid():
        d = form.cleaned_data
        made = run_service(
            request,
            form,
            lambda: services.work_order_create(scope=scope, customer_id=customer.pk, **d),
        )
        if made is not None:
            messages.success(request, _("Work order %(number)s is to plan.") % {"number": made.number})
            return redirect("service:work_order", pk=made.pk)
    text = (request.GET.get("q") or "").strip()[:100]
    context = {
        "form": form,
        "customer": customer,
        "q": text,
        "found": calls.find_customers(scope, text, FOUND_AT_MOST) if text and customer is None else [],
    }
    return render(request, "service/work_order_form.html", context, status=400 if form.is_bound else 200)


@scope_required(*CREATORS)
def work_order_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """What is to be done and where (before it is sent)."""
    scope = request.scope
    order = reads.work_order_for(scope, pk)
    choices = _choices(scope, order.customer)
    initial = {
        "site_id": order.site_id,
        "equipment_id": order.equipment_id,
        "work_type_id": order.work_type_id,
        "description": order.description,
    }
    form = WorkOrderForm(
        request.POST if request.method == "POST" else None, choices=choices, initial=initial, editing=True
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            request, form, lambda: services.work_order_edit(scope=scope, work_order_id=pk, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:work_order", pk=pk)
    context = {"form": form, "customer": order.customer, "order": order, "editing": True}
    return render(request, "service/work_order_form.html", context, status=400 if form.is_bound else 200)


# ---- One work order -----------------------------------------------------------------------------------------


def navigate_url(order: WorkOrder) -> str:
    """A link that opens the phone's maps on the way to the site: by its coordinates, else by its address."""
    site = order.site
    if site is None:
        return ""
    if site.latitude is not None and site.longitude is not None:
        destination = f"{site.latitude},{site.longitude}"
    else:
        destination = f"{site.street}, {site.postcode} {site.city}, {site.country}"
    return "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": destination})


def _buttons(order: WorkOrder, scope: Scope, mine: Any) -> dict[str, Any]:
    allowed = WORK_ORDER_TABLE.allowed(order, scope)
    answering = mine is not None and ("accept" in allowed or "accept_last" in allowed)
    return {
        "allowed": allowed,
        "plain": [name for name in PLAIN if name in allowed],
        "with_reason": [name for name in WITH_REASON if name in allowed],
        "can_plan": bool({"plan", "replan", "resend"} & allowed),
        "can_edit": "edit" in allowed,
        "can_follow": "follow_up" in allowed,
        "can_verify": "verify" in allowed,
        "can_accept": answering and mine.answer != Answer.ACCEPTED,
        "can_decline": mine is not None and "decline" in allowed and mine.answer != Answer.DECLINED,
    }


def page(request: AuthedRequest, pk: int, **bound: Any) -> HttpResponse:
    """The work order's page; ``bound`` holds a form sent back with its errors (then the answer is a 400)."""
    scope = request.scope
    order = reads.work_order_for(scope, pk)
    people = reads.people_of(order)
    mine = next((b for b in people if b.user_id == scope.user.pk), None)
    can_materials = order.status not in ENDED_WORK and (scope.role in WORK_PLANNERS or mine is not None)
    context = {
        "order": order,
        "people": people,
        "declined": [b for b in people if b.answer == Answer.DECLINED],
        "resources": reads.resources_of(order),
        "materials": reads.materials_of(order),
        "used": [m for m in reads.materials_of(order, None) if m.use != "to_bring"],
        "history": [(e, _change(e.from_state, e.to_state)) for e in reads.history_of(order)],
        "navigate": navigate_url(order),
        "mine": mine,
        "can_materials": can_materials,
        "material_form": bound.get("material_form") or MaterialForm(),
        "follow_form": bound.get("follow_form") or FollowUpForm(),
        **_buttons(order, scope, mine),
        **checklist_reads.office_block(order),
    }
    sent_back = bound.get("reason_form", ("", None))
    reason_forms = {n: sent_back[1] if sent_back[0] == n else ReasonForm(prefix=n) for n in (*WITH_REASON, "decline")}
    context["with_reason"] = [(n, reason_forms[n]) for n in context["with_reason"]]
    context["decline_form"] = reason_forms["decline"]
    context["from_apps"] = call_sections.parts_of(request, order, ("work_order",))  # quotes and offers (commerce)
    return render(request, "service/work_order_detail.html", context, status=400 if bound else 200)


@scope_required(*WORK_READERS)
def work_order(request: AuthedRequest, pk: int) -> HttpResponse:
    return page(request, pk)


@scope_required(*WORK_READERS)
@require_POST
def work_order_move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Send, start, finish, resume, take off the calendar; hold or cancel with the reason."""
    if action not in services.PLAIN_MOVES:
        raise Http404
    scope = request.scope
    form = ReasonForm(request.POST, prefix=action)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        # A plain button has no form on the page: its refusals are said in a message.
        shown = form if action in WITH_REASON else None
        done = run_service(
            request,
            shown,
            lambda: services.work_order_move(scope=scope, work_order_id=pk, action=action, reason=reason),
        )
        if done is not None:
            messages.success(request, _("Work order %(number)s is now “%(status)s”.") % _words(done))
            return redirect("service:work_order", pk=pk)
        if not form.errors:
            return redirect("service:work_order", pk=pk)
    return page(request, pk, reason_form=(action, form))


def _change(old: str, new: str) -> str:
    """ "Planned → Sent", in the reader's words; empty when the state stayed."""
    if old == new:
        return ""
    labels = dict(WorkOrderStatus.choices)
    return " → ".join(str(labels.get(state, state)) for state in (old, new) if state)


def _words(order: WorkOrder) -> dict[str, str]:
    return {"number": order.number, "status": str(order.get_status_display())}


@scope_required(*WORK_READERS)
@require_POST
def work_order_answer(request: AuthedRequest, pk: int, answer: str) -> HttpResponse:
    """The assignee accepts, or declines with the reason (the same as the e-mail's links)."""
    if answer not in ("accept", "decline"):
        raise Http404
    scope = request.scope
    form = ReasonForm(request.POST, prefix="decline")
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        accept = answer == "accept"
        done = run_service(
            request,
            None if accept else form,
            lambda: services.work_order_answer(scope=scope, work_order_id=pk, accept=accept, reason=reason),
        )
        if done is not None:
            messages.success(request, _("Your answer is recorded."))
            return redirect("service:work_order", pk=pk)
        if not form.errors:
            return redirect("service:work_order", pk=pk)
    return page(request, pk, reason_form=("decline", form))


@scope_required(*WORK_READERS)
@require_POST
def work_order_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    form = FollowUpForm(request.POST)
    if form.is_valid():
        words = form.cleaned_data["description"]
        made = run_service(
            request, form, lambda: services.work_order_follow_up(scope=scope, work_order_id=pk, description=words)
        )
        if made is not None:
            messages.success(request, _("Follow-up %(number)s is to plan.") % {"number": made.number})
            return redirect("service:work_order", pk=made.pk)
        if not form.errors:
            return redirect("service:work_order", pk=pk)
    return page(request, pk, follow_form=form)


@scope_required(*material_services.MATERIAL_WRITERS)
@require_POST
def work_order_material_add(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    form = MaterialForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        done = run_service(request, form, lambda: material_services.material_add(scope=scope, work_order_id=pk, **d))
        if done is not None:
            messages.success(request, _("Material added."))
            return redirect(reverse("service:work_order", kwargs={"pk": pk}) + "#materials")
        if not form.errors:
            return redirect("service:work_order", pk=pk)
    return page(request, pk, material_form=form)


@scope_required(*material_services.MATERIAL_WRITERS)
@require_POST
def work_order_material_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    line = reads.material_for(scope, pk)
    if run_service(request, None, lambda: material_services.material_remove(scope=scope, material_id=pk)):
        messages.success(request, _("Material removed."))
    return redirect(reverse("service:work_order", kwargs={"pk": line.work_order_id}) + "#materials")


# ---- Planning -----------------------------------------------------------------------------------------------


def _plan_initial(order: WorkOrder) -> dict[str, Any]:
    start = timezone.localtime(order.starts_at) if order.starts_at else None
    if start is None:  # tomorrow at eight, a first guess
        start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return {
        "day": start.date(),
        "time": start.time(),
        "minutes": order.minutes,
        "technician_id": order.technician_id,
        "helper_ids": reads.helper_ids_of(order),
        "resource_ids": reads.resource_ids_of(order),
    }


@scope_required(*PLANNERS)
def work_order_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """A day, a time, a length, the lead, the helpers and the resources: ``work_order_plan`` checks that nobody
    and nothing is elsewhere meanwhile, and says who is."""
    scope = request.scope
    order = reads.work_order_for(scope, pk)
    resources = reads.choices(reads.resources_for(scope, active_only=True))
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        people=_people(scope),
        resources=resources,
        initial=_plan_initial(order),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        starts_at = timezone.make_aware(datetime.combine(d["day"], d["time"]))
        done = run_service(
            request,
            form,
            lambda: services.work_order_plan(
                scope=scope,
                work_order_id=pk,
                starts_at=starts_at,
                minutes=d["minutes"],
                technician_id=d["technician_id"],
                helper_ids=d["helper_ids"],
                resource_ids=d["resource_ids"],
            ),
        )
        if done is not None:
            messages.success(request, _("Work order %(number)s is now “%(status)s”.") % _words(done))
            return redirect("service:work_order", pk=pk)
    allowed = WORK_ORDER_TABLE.allowed(order, scope, ("plan", "replan", "resend"))
    context = {"order": order, "form": form, "may_plan": bool(allowed), "resend": "resend" in allowed}
    return render(request, "service/work_order_plan.html", context, status=400 if form.is_bound else 200)


# ---- Resources, types of work, team members -----------------------------------------------------------------


def _setup_forms(request: AuthedRequest) -> tuple[ResourceForm, WorkTypeForm, int | None, int | None]:
    scope = request.scope
    which = request.POST.get("form") if request.method == "POST" else None
    resource_id = id_of(request.POST.get("resource") if which else request.GET.get("resource"))
    type_id = id_of(request.POST.get("work_type") if which else request.GET.get("work_type"))
    resource_initial: dict[str, Any] = {}
    if resource_id:
        r = reads.resource_for(scope, resource_id)
        resource_initial = {"name": r.name, "kind": r.kind, "code": r.code, "notes": r.notes}
    type_initial: dict[str, Any] = {}
    if type_id:
        t = reads.work_type_for(scope, type_id)
        type_initial = {"name": t.name, "minutes": t.minutes, "active": t.active}
    resource_form = ResourceForm(request.POST if which == "resource" else None, initial=resource_initial)
    type_form = WorkTypeForm(request.POST if which == "work_type" else None, initial=type_initial, prefix="type")
    return resource_form, type_form, resource_id, type_id


@scope_required(*PLANNERS)
def work_order_setup(request: AuthedRequest) -> HttpResponse:
    """The organisation's resources (vans, tools, instruments) and its types of work."""
    scope = request.scope
    resource_form, type_form, resource_id, type_id = _setup_forms(request)
    done: Any = None
    if resource_form.is_bound and resource_form.is_valid():
        d = resource_form.cleaned_data
        done = run_service(
            request, resource_form, lambda: resource_services.resource_save(scope=scope, resource_id=resource_id, **d)
        )
    elif type_form.is_bound and type_form.is_valid():
        d = type_form.cleaned_data
        done = run_service(
            request, type_form, lambda: resource_services.work_type_save(scope=scope, work_type_id=type_id, **d)
        )
    if done is not None:
        messages.success(request, _("Saved."))
        return redirect("service:work_order_setup")
    context = {
        "resources": reads.resources_for(scope),
        "work_types": reads.work_types_for(scope),
        "resource_form": resource_form,
        "type_form": type_form,
        "resource_id": resource_id,
        "type_id": type_id,
        "teams": selectors.teams_for(scope).prefetch_related("members"),
        **checklist_reads.setup_block(scope),
    }
    bound = resource_form.is_bound or type_form.is_bound
    return render(request, "service/work_order_setup.html", context, status=400 if bound else 200)


@scope_required(*PLANNERS)
@require_POST
def resource_retire(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take a resource out of use, or (``restore``) back into it."""
    scope = request.scope
    retired = request.POST.get("restore") != "1"
    done = run_service(
        request, None, lambda: resource_services.resource_retire(scope=scope, resource_id=pk, retired=retired)
    )
    if done is not None:
        messages.success(request, _("Retired.") if retired else _("Back in use."))
    return redirect("service:work_order_setup")


@scope_required(*PLANNERS)
def team_members(request: AuthedRequest, pk: int) -> HttpResponse:
    """The people of a team, whose calendars its planner shows."""
    scope = request.scope
    team = reads.team_for(scope, pk)
    people = [(m.user_id, str(m.user)) for m in members_for(scope).filter(user__is_active=True)]
    initial = {"members": [u.pk for u in team.members.all()]}
    form = MembersForm(request.POST if request.method == "POST" else None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["members"]
        done = run_service(
            request, form, lambda: resource_services.team_members_set(scope=scope, team_id=pk, user_ids=chosen)
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:work_order_setup")
    context = {"team": team, "form": form}
    return render(request, "service/work_order_team.html", context, status=400 if form.is_bound else 200)
