"""Assignments to the phone (Appsistance "incarichi via email", "validazione dell'impegno"): when a work order is
sent to its people (``send``), or moved after it was sent (``resend``), each assignee gets its details by e-mail
(through the outbox) and in the app, with signed links to accept or decline it. Opening a link only shows the work
order; the assignee signs in and confirms with a POST, which calls ``work_order_answer`` with their own scope (a
forwarded link gives nothing to someone else: another organisation's person gets a 404). The planner reads each
answer on the work order's page.

Keys: one e-mail per work order, audit event (the move that sent it) and person: a repeated hook sends nothing
twice, a new sending (a new event) sends again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fieldbox.accounts.choices import WORK_PLANNERS
from fieldbox.accounts.models import Organisation
from fieldbox.core.tenancy import Scope
from fieldbox.core.transitions import Step
from fieldbox.messaging import events, kinds, links
from fieldbox.messaging.choices import Channel
from fieldbox.messaging.events import EventType
from fieldbox.messaging.kinds import MessageKind
from fieldbox.messaging.links import Action
from fieldbox.messaging.models import Notification
from fieldbox.messaging.rendering import render
from fieldbox.messaging.services import send_email
from fieldbox.service.choices import WORK_ORDER_TABLE, MaterialUse
from fieldbox.service.models import Booking, Material, Resource, WorkOrder
from fieldbox.service.services.work_orders import work_order_answer

KIND = "service.work_order_assigned"
EVENT = "work_order.assigned"
SENDING_MOVES = frozenset({"send", "resend"})
EXAMPLE_LINK = "https://fieldbox.example/…"

kinds.register(
    MessageKind(
        key=KIND,
        channel=Channel.EMAIL,
        label=_("Work order sent to an assignee"),
        variables={
            "number": _("the work order's number"),
            "person": _("the assignee's name"),
            "role": _("lead or helper"),
            "customer": _("the customer's name"),
            "site": _("the site's address"),
            "starts_at": _("the planned start"),
            "minutes": _("the planned length in minutes"),
            "work_type": _("the type of work"),
            "description": _("the work to do"),
            "equipment": _("the equipment"),
            "lead": _("the lead technician"),
            "helpers": _("the helpers"),
            "resources": _("the resources booked"),
            "materials": _("the materials to bring"),
            "again": _("whether it was sent before (moved since)"),
            "accept_link": _("the link to accept it"),
            "decline_link": _("the link to decline it"),
            "link": _("the link to the work order"),
        },
        template="service/email/work_order_assigned",
        sample={
            "number": "I0000042",
            "person": "Marco Bianchi",
            "role": "lead",
            "customer": "Condominio Aurora",
            "site": "Via Roma 1, 40121 Bologna",
            "starts_at": "07/12/2026 09:00 (Europe/Rome)",
            "minutes": 120,
            "work_type": "Manutenzione ordinaria",
            "description": "Manutenzione caldaia",
            "equipment": "Caldaia Vaillant",
            "lead": "Marco Bianchi",
            "helpers": ["Luca Neri"],
            "resources": ["Furgone 1"],
            "materials": ["2 pc Filtro"],
            "again": False,
            "accept_link": EXAMPLE_LINK,
            "decline_link": EXAMPLE_LINK,
            "link": EXAMPLE_LINK,
        },
        # Links per assignee and lists: not one text an organisation could replace.
        overridable=False,
    )
)


kinds.register(
    MessageKind(
        key="service.work_order_declined",
        channel=Channel.EMAIL,
        label=_("An assignee declined a work order (to the planners)"),
        variables={
            "number": _("the work order's number"),
            "person": _("who declined"),
            "reason": _("the reason given"),
            "link": _("the link to the work order"),
        },
        template="service/email/work_order_declined",
        required=frozenset({"number", "link"}),
        sample={"number": "I0000042", "person": "Luca Neri", "reason": "In ferie", "link": EXAMPLE_LINK},
    )
)
# The planners hear of a refusal in the app (by e-mail only if they choose it): the work order waits to be replanned.
events.register(
    EventType(
        "work_order.declined",
        _("An assignee declined a work order"),
        kind="service.work_order_declined",
        roles=frozenset(WORK_PLANNERS),
        email_default=False,
    )
)


def _quantity(line: Material) -> str:
    text = f"{line.quantity:f}".rstrip("0").rstrip(".")
    return f"{text} {line.unit} {line.description}".strip()


def details(order: WorkOrder) -> dict[str, Any]:
    """What every assignee reads about the work order (the same for each, in their language when rendered)."""
    people = list(Booking.objects.filter(work_order=order, user__isnull=False).select_related("user"))
    resources = Resource.objects.filter(pk__in=Booking.objects.filter(work_order=order).values("resource_id"))
    materials = Material.objects.filter(work_order=order, use=MaterialUse.TO_BRING).order_by("pk")
    return {
        "number": order.number,
        "customer": order.customer.display_name if order.customer else "",
        "site": str(order.site) if order.site else "",
        "starts_at": order.starts_at,
        "minutes": order.minutes,
        "work_type": str(order.work_type) if order.work_type else "",
        "description": order.description,
        "equipment": str(order.equipment) if order.equipment else "",
        "lead": str(order.technician) if order.technician else "",
        "helpers": sorted(str(b.user) for b in people if b.user_id != order.technician_id),
        "resources": sorted(r.name for r in resources),
        "materials": [_quantity(m) for m in materials],
        "link": settings.SITE_URL + reverse("service:work_order", kwargs={"pk": order.pk}),
    }


@WORK_ORDER_TABLE.on_move
def _tell_assignees(step: Step) -> None:
    """Sent, or sent again after a move: each assignee gets the work order with their links to answer."""
    if step.action not in SENDING_MOVES:
        return
    order: WorkOrder = step.record
    assert step.event is not None
    organisation = Organisation.objects.get(pk=order.organisation_id)
    common = details(order)
    common["again"] = step.action == "resend"
    common["accept_link"] = links.action_url("work_order.accept", order.pk)
    common["decline_link"] = links.action_url("work_order.decline", order.pk)
    notes = []
    for booking in Booking.objects.filter(work_order=order, user__isnull=False).select_related("user"):
        person = booking.user
        assert person is not None
        context = {**common, "person": str(person), "role": "lead" if person.pk == order.technician_id else "helper"}
        key = f"work_order:{order.pk}:event:{step.event.pk}:person:{person.pk}"
        send_email(KIND, key=key, to=person.email, context=context, language=person.language, organisation=organisation)
        with translation.override(person.language):
            subject = render(kinds.get(KIND), context, person.language, organisation).subject
        notes.append(
            Notification(user=person, organisation=organisation, event=EVENT, text=subject[:500], url=common["link"])
        )
    Notification.objects.bulk_create(notes)


@WORK_ORDER_TABLE.on_move
def _tell_planners(step: Step) -> None:
    """A refusal: the planners are told in the app, with the reason, and replan it from the work order's page."""
    if step.action != "decline":
        return
    order: WorkOrder = step.record
    assert step.event is not None
    link = reverse("service:work_order", kwargs={"pk": order.pk})
    context = {
        "number": order.number,
        "person": str(step.scope.user) if step.scope else "",
        "reason": step.event.reason,
        "link": settings.SITE_URL + link,
    }
    events.emit(
        "work_order.declined",
        organisation=Organisation.objects.get(pk=order.organisation_id),
        key=f"work_order:{order.pk}:event:{step.event.pk}:declined",
        context=context,
        url=link,
    )


# ---- The links in the e-mail: GET shows, POST (signed in) answers --------------------------------------------


def _mine(scope: Scope, pk: int) -> WorkOrder | None:
    """The work order if this person is on it, in their organisation; None (a 404) otherwise."""
    on_it = Booking.objects.filter(user=scope.user).values("work_order_id")
    return (
        WorkOrder.objects.visible_to(scope)
        .filter(Q(pk__in=on_it) | Q(technician=scope.user), pk=pk)
        .select_related("customer", "site")
        .first()
    )


def _describe(scope: Scope, pk: int) -> str | None:
    order = _mine(scope, pk)
    if order is None:
        return None
    words = {
        "number": order.number,
        "customer": order.customer.display_name if order.customer else "—",
        "site": str(order.site) if order.site else "—",
        "description": order.description[:300],
    }
    text = gettext("%(number)s for %(customer)s at %(site)s: %(description)s") % words
    if order.starts_at is not None:
        when = formats.date_format(timezone.localtime(order.starts_at), "SHORT_DATETIME_FORMAT")
        text += " " + gettext("Planned on %(when)s for %(minutes)s minutes.") % {"when": when, "minutes": order.minutes}
    return text


def _answer(accept: bool) -> Any:
    def perform(scope: Scope, pk: int, reason: str) -> tuple[str, str]:
        order = work_order_answer(scope=scope, work_order_id=pk, accept=accept, reason=reason)
        message = gettext("You accepted %(number)s.") if accept else gettext("You declined %(number)s.")
        return message % {"number": order.number}, reverse("service:work_order", kwargs={"pk": pk})

    return perform


links.register(
    Action("work_order.accept", _("Accept the work order"), _describe, _answer(True)),
    Action("work_order.decline", _("Decline the work order"), _describe, _answer(False), needs_reason=True),
)
