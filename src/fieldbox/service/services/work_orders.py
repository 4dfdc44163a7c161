"""Work orders: created (from a call, a plan or by hand), planned on a day with people and resources that are not
elsewhere meanwhile, sent to the assignees who accept or decline, carried out, verified.

Every change goes through ``WORK_ORDER_TABLE``; whether its bookings hold their time follows the state, in one
hook (``_hold_time``). Two planners who book the same person or van for overlapping times cannot both succeed:
PostgreSQL's exclusion constraint refuses the second (``booking_*_not_twice``), SQLite the service's own check,
and the planner is told who is busy with what.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import Organisation
from fieldbox.core import audit, clock, numbering, transitions
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.fleet.models import Customer, CustomerAddress
from fieldbox.service import selectors_calls as people
from fieldbox.service.choices import BUSY, WORK_ORDER_TABLE, Answer, WorkOrderStatus, numbered
from fieldbox.service.models import Booking, Equipment, Resource, Ticket, WorkOrder, WorkType
from fieldbox.service.selectors_checklists import refuse_missing

W = WorkOrderStatus
MAX_MINUTES = 24 * 60  # one work order fits in a day; longer work is several work orders
TEXT_LIMIT = 20_000
# The moves a planner or a doer makes by name (the others have their own service: plan, answer, follow-up).
PLAIN_MOVES = {"send", "start", "hold", "resume", "finish", "cancel", "unplan"}  # verify: services.verification
NEEDS_REASON = {"hold", "cancel"}
# The moves that set a work order's time (its bookings take it).
TIMED_MOVES = {"plan", "replan", "resend"}

audit.label_actions(
    {
        "work_order.edit": gettext_lazy("Work order changed"),
        "work_order.plan": gettext_lazy("Work order planned"),
        "work_order.replan": gettext_lazy("Work order moved"),
        "work_order.resend": gettext_lazy("Work order moved and sent again"),
        "work_order.unplan": gettext_lazy("Work order taken off the calendar"),
        "work_order.send": gettext_lazy("Work order sent to its assignees"),
        "work_order.accept": gettext_lazy("Accepted by an assignee"),
        "work_order.accept_last": gettext_lazy("Accepted by every assignee"),
        "work_order.decline": gettext_lazy("Declined by an assignee"),
        "work_order.start": gettext_lazy("Work started"),
        "work_order.hold": gettext_lazy("Work order put on hold"),
        "work_order.resume": gettext_lazy("Work order back to plan"),
        "work_order.finish": gettext_lazy("Work done"),
        "work_order.follow_up": gettext_lazy("Needs a follow-up"),
        "work_order.verify": gettext_lazy("Work order verified"),
        "work_order.record": gettext_lazy("Work recorded"),
        "work_order.note": gettext_lazy("Note added"),
    }
)


def _text(value: str | None, field: str, *, required: bool = False) -> str:
    words = (value or "").strip()
    if required and not words:
        raise ValidationError({field: _("This field is required.")})
    if len(words) > TEXT_LIMIT:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": TEXT_LIMIT}})
    return words


def _locked(scope: Scope, pk: int) -> WorkOrder:
    return WORK_ORDER_TABLE.lock(WorkOrder.objects.visible_to(scope), pk)


# ---- Creating -----------------------------------------------------------------------------------------------


def _where(scope: Scope, customer_id: int | None, site_id: int | None, equipment_id: int | None) -> dict[str, Any]:
    """The customer, site and equipment of a work order, each one the organisation's and belonging together."""
    errors: dict[str, str] = {}
    customer = Customer.objects.visible_to(scope).filter(pk=customer_id or 0).first()
    if customer is None:
        errors["customer_id"] = _("Choose one of your customers.")
    site = None
    if site_id:
        site = CustomerAddress.objects.filter(pk=site_id, customer=customer).first()
        if site is None:
            errors["site_id"] = _("Choose a site of this customer.")
    equipment = None
    if equipment_id:
        equipment = Equipment.objects.visible_to(scope).filter(pk=equipment_id, customer=customer).first()
        if equipment is None:
            errors["equipment_id"] = _("Choose equipment of this customer.")
    if errors:
        raise ValidationError(errors)
    return {"customer": customer, "site": site or (equipment.site if equipment else None), "equipment": equipment}


def work_order_create(
    *,
    scope: Scope,
    description: str,
    customer_id: int | None = None,
    site_id: int | None = None,
    equipment_id: int | None = None,
    ticket_id: int | None = None,
    work_type_id: int | None = None,
    minutes: int | None = None,
    technician_id: int | None = None,
    follows: WorkOrder | None = None,
) -> WorkOrder:
    """A work order to plan, on its own or on a call (which gives its customer, site and equipment unless they
    are named)."""
    WORK_ORDER_TABLE.require("create", scope)
    words = _text(description, "description", required=True)
    with transitions.atomic():
        ticket = None
        if ticket_id:
            ticket = Ticket.objects.visible_to(scope).filter(pk=ticket_id).first()
            if ticket is None:
                raise ValidationError({"ticket_id": _("Choose one of your calls.")})
            customer_id = customer_id or ticket.customer_id
            site_id = site_id or ticket.site_id
            equipment_id = equipment_id or ticket.equipment_id
        where = _where(scope, customer_id, site_id, equipment_id)
        work_type = _work_type(scope, work_type_id)
        if technician_id and not people.field_people(scope).filter(pk=technician_id).exists():
            raise ValidationError({"technician_id": _("Choose one of your technicians.")})
        order = new_work_order(
            scope,
            organisation_id=scope.organisation.pk,
            ticket=ticket,
            description=words,
            work_type=work_type,
            minutes=_minutes(minutes if minutes is not None else (work_type.minutes if work_type else 60)),
            technician_id=technician_id or None,
            follows=follows,
            **where,
        )
    return order


def new_work_order(scope: Scope | None, **fields: Any) -> WorkOrder:
    """Number and create a work order (the caller checked its fields): the one place work orders are made."""
    org = fields["organisation_id"]
    order = WorkOrder(number=numbered("I", numbering.take(f"service.intervention:{org}")), **fields)
    ticket = fields.get("ticket")
    WORK_ORDER_TABLE.create(order, "create", scope=scope, data={"ticket": ticket.number if ticket else ""})
    return order


def _work_type(scope: Scope, pk: int | None) -> WorkType | None:
    if not pk:
        return None
    found = WorkType.objects.visible_to(scope).filter(pk=pk, active=True).first()
    if found is None:
        raise ValidationError({"work_type_id": _("Choose one of your types of work.")})
    return found


def _minutes(value: int | None) -> int:
    if value is None or not 5 <= int(value) <= MAX_MINUTES:
        raise ValidationError({"minutes": _("A length between 5 minutes and 24 hours.")})
    return int(value)


def work_order_edit(
    *,
    scope: Scope,
    work_order_id: int,
    description: str,
    site_id: int | None = None,
    equipment_id: int | None = None,
    work_type_id: int | None = None,
) -> WorkOrder:
    """Change what is to be done and where (before it is sent); the planning is ``work_order_plan``'s."""
    words = _text(description, "description", required=True)
    with transitions.atomic():
        order = _locked(scope, work_order_id)
        WORK_ORDER_TABLE.check(order, "edit", scope)
        where = _where(scope, order.customer_id, site_id, equipment_id)
        changes = {
            "description": words,
            "site": where["site"],
            "equipment": where["equipment"],
            "work_type": _work_type(scope, work_type_id),
        }
        WORK_ORDER_TABLE.apply(order, "edit", scope=scope, changes=changes)
    return order


# ---- Planning -----------------------------------------------------------------------------------------------


def plan_move(order: WorkOrder) -> str:
    """The move that plans ``order`` as it stands: its first planning, a move in the calendar, or a move of one
    already sent (which goes back to its assignees)."""
    if order.status in (W.SENT, W.ACCEPTED):
        return "resend"
    return "replan" if order.status == W.PLANNED else "plan"


def work_order_plan(
    *,
    scope: Scope,
    work_order_id: int,
    starts_at: datetime,
    minutes: int | None = None,
    technician_id: int | None = None,
    helper_ids: Sequence[int] | None = None,
    resource_ids: Sequence[int] | None = None,
) -> WorkOrder:
    """Put a work order on a day and a time with its people and resources (drag and drop, the form and the API
    all come here). ``None`` keeps what the work order has: a drag to another day changes only the time."""
    scope.require_role(*WORK_PLANNERS)
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("Give the day and the time.")})
    with transitions.atomic():
        order = _locked(scope, work_order_id)
        action = plan_move(order)
        WORK_ORDER_TABLE.check(order, action, scope)
        length = _minutes(order.minutes if minutes is None else minutes)
        lead = order.technician_id if technician_id is None else technician_id
        current = _current(order)
        helpers = current["helpers"] if helper_ids is None else [h for h in dict.fromkeys(helper_ids) if h != lead]
        resources = current["resources"] if resource_ids is None else list(dict.fromkeys(resource_ids))
        _check_people(scope, lead, helpers, resources)
        ends_at = starts_at + timedelta(minutes=length)
        _refuse_clashes(order, [lead, *helpers], resources, starts_at, ends_at)
        _set_bookings(order, [lead, *helpers], resources, reset_answers=True)
        changes = {"starts_at": starts_at, "ends_at": ends_at, "minutes": length, "technician_id": lead}
        try:
            with transitions.atomic():  # a savepoint: the constraint's refusal leaves the transaction usable
                WORK_ORDER_TABLE.apply(order, action, scope=scope, changes=changes, data=_plan_data(order))
        except IntegrityError as error:
            if "not_twice" not in str(error):
                raise
            _refuse_clashes(order, [lead, *helpers], resources, starts_at, ends_at)
            raise ValidationError({"starts_at": _("Someone else just booked this time. Look again.")}) from None
    return order


def _plan_data(order: WorkOrder) -> dict[str, Any]:
    return {"starts_at": order.starts_at.isoformat() if order.starts_at else "", "minutes": order.minutes}


def _current(order: WorkOrder) -> dict[str, list[int]]:
    rows = list(Booking.objects.filter(work_order=order).values_list("user_id", "resource_id"))
    return {
        "helpers": [u for u, _r in rows if u and u != order.technician_id],
        "resources": [r for _u, r in rows if r],
    }


def _check_people(scope: Scope, lead: int | None, helpers: list[int], resources: list[int]) -> None:
    errors: dict[str, str] = {}
    if not lead:
        errors["technician_id"] = _("Choose the lead technician.")
    wanted = {p for p in (lead, *helpers) if p}
    found = set(people.field_people(scope).filter(pk__in=wanted).values_list("pk", flat=True))
    if lead and lead not in found:
        errors["technician_id"] = _("Choose one of your technicians.")
    if set(helpers) - found:
        errors["helper_ids"] = _("Choose helpers among your technicians.")
    usable = set(Resource.objects.visible_to(scope).filter(pk__in=resources, active=True).values_list("pk", flat=True))
    if set(resources) - usable:
        errors["resource_ids"] = _("Choose among your resources in use.")
    if errors:
        raise ValidationError(errors)


def clashes(
    organisation_id: int,
    user_ids: Iterable[int | None],
    resource_ids: Iterable[int],
    starts_at: datetime,
    ends_at: datetime,
    *,
    work_order_id: int | None = None,
    activity_id: int | None = None,
) -> list[Booking]:
    """The busy bookings of these people and resources that overlap the time (other than the record's own)."""
    users = [u for u in user_ids if u]
    found = (
        Booking.objects.filter(organisation_id=organisation_id, busy=True)
        .filter(Q(user_id__in=users) | Q(resource_id__in=list(resource_ids)))
        .filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .select_related("user", "resource", "work_order", "activity")
        .order_by("starts_at")
    )
    if work_order_id:
        found = found.exclude(work_order_id=work_order_id)
    if activity_id:
        found = found.exclude(activity_id=activity_id)
    return list(found[:10])


def describe_clash(booking: Booking, tz: str | None = None) -> str:
    """ "Marco Bianchi is on I0000042 from 09:00 to 11:00": who or what is busy, with what, on the organisation's
    clock ``tz`` (the current one when None)."""
    who = str(booking.user or booking.resource)
    what = booking.work_order.number if booking.work_order else str(booking.activity)
    assert booking.starts_at is not None  # a busy booking has its time
    assert booking.ends_at is not None
    start, end = clock.local(booking.starts_at, tz), clock.local(booking.ends_at, tz)
    words = {"who": who, "what": what, "day": start.strftime("%d/%m"), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    return _("%(who)s is on %(what)s on %(day)s from %(start)s to %(end)s.") % words


def refuse_clashes(organisation_id: int, found: list[Booking]) -> None:
    """Refuse a booking that overlaps ``found``, saying who is busy with what and when (on the organisation's
    clock, whoever asks: a page, the API or a worker)."""
    if found:
        tz = Organisation.objects.only("time_zone").get(pk=organisation_id).time_zone
        raise ValidationError({"starts_at": " ".join(describe_clash(b, tz) for b in found)})


def _refuse_clashes(
    order: WorkOrder, users: list[int | None], resources: list[int], starts_at: datetime, ends_at: datetime
) -> None:
    found = clashes(order.organisation_id, users, resources, starts_at, ends_at, work_order_id=order.pk)
    refuse_clashes(order.organisation_id, found)


def _set_bookings(order: WorkOrder, users: list[int | None], resources: list[int], *, reset_answers: bool) -> None:
    """The work order's bookings are exactly these people and resources (their time follows in ``_hold_time``)."""
    users_wanted = {u for u in users if u}
    rows = list(Booking.objects.filter(work_order=order).values_list("pk", "user_id", "resource_id"))
    gone = [pk for pk, u, r in rows if (u and u not in users_wanted) or (r and r not in resources)]
    Booking.objects.filter(pk__in=gone).delete()
    have_users = {u for _pk, u, _r in rows if u}
    have_resources = {r for _pk, _u, r in rows if r}
    new = [
        Booking(organisation_id=order.organisation_id, work_order=order, user_id=u) for u in users_wanted - have_users
    ]
    new += [
        Booking(organisation_id=order.organisation_id, work_order=order, resource_id=r)
        for r in set(resources) - have_resources
    ]
    Booking.objects.bulk_create(new)
    if reset_answers:
        _reset_answers(order)


def _reset_answers(order: WorkOrder) -> None:
    """Every assignee answers anew (the work order is sent, or moved after it was sent)."""
    Booking.objects.filter(work_order=order, user__isnull=False).update(
        answer=Answer.PENDING, answered_at=None, reason=""
    )


@WORK_ORDER_TABLE.on_move
def _hold_time(step: Step) -> None:
    """A work order's bookings hold its time while it is planned and after (never while to plan, declined, on
    hold or cancelled): the one place this is decided."""
    order: WorkOrder = step.record
    if step.action not in TIMED_MOVES and (step.old in BUSY) == (step.new in BUSY):
        return  # neither its time nor whether it holds it changed (a note, an answer, a record): no write
    busy = step.new in BUSY and order.starts_at is not None
    Booking.objects.filter(work_order_id=order.pk).update(busy=busy, starts_at=order.starts_at, ends_at=order.ends_at)


# ---- Moves by name, answers, follow-ups ---------------------------------------------------------------------


def _assignee(order: WorkOrder, scope: Scope) -> Booking | None:
    return Booking.objects.filter(work_order=order, user=scope.user).select_for_update().first()


def refuse_outsider(order: WorkOrder, scope: Scope) -> None:
    """A doer who is not on the work order acts only when they plan (the office recording for a technician): the
    one rule of who carries out a work order, for its moves, its report, its checklist and its materials."""
    if scope.role not in WORK_PLANNERS and _assignee(order, scope) is None:
        raise ValidationError({"work_order": _("You are not on this work order.")})


def work_order_move(*, scope: Scope, work_order_id: int, action: str, reason: str = "") -> WorkOrder:
    """Send, start, hold, resume, finish, cancel or take off the calendar."""
    if action not in PLAIN_MOVES:
        raise ValidationError({"action": _("Unknown action.")})
    WORK_ORDER_TABLE.require(action, scope)
    with transitions.atomic():
        order = _locked(scope, work_order_id)
        words = _text(reason, "reason", required=action in NEEDS_REASON)
        WORK_ORDER_TABLE.check(order, action, scope)
        if action in ("start", "finish", "hold"):
            refuse_outsider(order, scope)
        if action == "finish":  # not while a required checklist question is missing (the rule is the checklists')
            refuse_missing(order)
        if action == "send" and not Booking.objects.filter(work_order=order, user__isnull=False).exists():
            raise ValidationError({"work_order": _("Choose who does the work first.")})
        if action == "send":
            _reset_answers(order)
        changes = {"outcome": words} if action == "cancel" else {}
        WORK_ORDER_TABLE.apply(order, action, scope=scope, changes=changes, reason=words)
    return order


def work_order_answer(*, scope: Scope, work_order_id: int, accept: bool, reason: str = "") -> WorkOrder:
    """An assignee accepts or declines a work order sent to them; the last acceptance makes it accepted, a
    refusal sends it back to the planner (with the reason)."""
    with transitions.atomic():
        order = _locked(scope, work_order_id)  # 404 before any other refusal: nothing said of another's
        words = _text(reason, "reason", required=not accept)
        mine = _assignee(order, scope)
        if mine is None or mine.user_id is None:
            raise ValidationError({"work_order": _("You are not on this work order.")})
        if accept:
            others = Booking.objects.filter(work_order=order, user__isnull=False).exclude(pk=mine.pk)
            last = not others.exclude(answer=Answer.ACCEPTED).exists()
            action = "accept_last" if last else "accept"
        else:
            action = "decline"
        WORK_ORDER_TABLE.check(order, action, scope)
        mine.answer = Answer.ACCEPTED if accept else Answer.DECLINED
        mine.answered_at = timezone.now()
        mine.reason = words
        mine.save(update_fields=["answer", "answered_at", "reason"])
        WORK_ORDER_TABLE.apply(order, action, scope=scope, reason=words, data={"person": str(scope.user)})
    return order


def work_order_follow_up(*, scope: Scope, work_order_id: int, description: str) -> WorkOrder:
    """The work could not be finished: this one needs a follow-up, and a new work order to plan continues it on
    the same call, customer, site and equipment."""
    with transitions.atomic():
        order = _locked(scope, work_order_id)
        words = _text(description, "description", required=True)
        WORK_ORDER_TABLE.check(order, "follow_up", scope)
        refuse_outsider(order, scope)
        WORK_ORDER_TABLE.apply(order, "follow_up", scope=scope, reason=words)
        follow = new_work_order(
            scope if WORK_ORDER_TABLE.may_act("create", scope) else None,
            organisation_id=order.organisation_id,
            ticket=order.ticket,
            customer_id=order.customer_id,
            site_id=order.site_id,
            equipment_id=order.equipment_id,
            work_type_id=order.work_type_id,
            description=words,
            minutes=order.minutes,
            technician_id=order.technician_id,
            follows=order,
        )
    return follow
