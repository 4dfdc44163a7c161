"""The final verification's pages (SYS "verifica intervento finale"), for admins only: the queue of done work
orders and resolved calls to verify, and the screen of one — what was recorded beside what will be billed, the
covering contract named — where the admin corrects lines with a reason, reviews, and marks it verified.

Technicians and the office get 403 (``VERIFICATION_READERS``); another organisation's record answers 404. Every
rule is the service's (``services.verification``): the page only gathers the corrections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import selectors_calls as calls
from fieldbox.service import selectors_verification as reads
from fieldbox.service.forms_verification import AddedFormSet, LineFormSet, NoteForm, QueueFilterForm
from fieldbox.service.selectors_verification import Proposal, QueueKind
from fieldbox.service.services import verification as services
from fieldbox.service.services.verification import Correction

READERS = reads.VERIFICATION_READERS
PAGE_SIZE = 50


@scope_required(*READERS)
def queue(request: AuthedRequest) -> HttpResponse:
    """Done work orders (or resolved calls) not yet verified, oldest work first to the newest, by customer,
    person and the days they ended."""
    scope = request.scope
    form = QueueFilterForm(request.GET or None, people=[(p.pk, str(p)) for p in calls.field_people(scope)])
    filters, text = reads.Filters(), ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = reads.Filters(
            kind=d["kind"] or QueueKind.WORK_ORDER,
            technician_id=d["technician"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
        text = d["customer"].strip()
    calls_wanted = filters.kind == QueueKind.CALL
    qs: Any = (reads.calls_to_verify if calls_wanted else reads.work_orders_to_verify)(scope, filters)
    if text:
        qs = qs.filter(customer__in=calls.find_customers(scope, text, 200))
    context = {
        "form": form,
        "calls_wanted": calls_wanted,
        "filtered": any((filters.technician_id, filters.date_from, filters.date_to, text)),
        **request_page(request, qs, PAGE_SIZE, key="rows"),
    }
    return render(request, "service/verification/queue.html", context)


@dataclass
class Subject:
    """What the screen verifies: a work order or a call."""

    kind: str
    record: Any
    recorded: Proposal
    verified: Proposal | None
    verify: Callable[..., Any]
    url: str


def _work_order(request: AuthedRequest, pk: int) -> Subject:
    order = reads.work_order_for(request.scope, pk)
    recorded, verified = reads.screen_of_work_order(order)
    url = reverse("service:verification_work_order", kwargs={"pk": pk})

    def verify(**kwargs: Any) -> Any:
        return services.verify_work_order(scope=request.scope, work_order_id=pk, **kwargs)

    return Subject(QueueKind.WORK_ORDER, order, recorded, verified, verify, url)


def _call(request: AuthedRequest, pk: int) -> Subject:
    ticket = reads.call_for(request.scope, pk)
    recorded, verified = reads.screen_of_call(ticket)
    url = reverse("service:verification_call", kwargs={"pk": pk})

    def verify(**kwargs: Any) -> Any:
        return services.verify_call(scope=request.scope, ticket_id=pk, **kwargs)

    return Subject(QueueKind.CALL, ticket, recorded, verified, verify, url)


def _why_not(subject: Subject) -> str | None:
    """Why this cannot be verified now (the state's words), or None."""
    if subject.verified is not None:
        return None
    record = subject.record
    if subject.kind == QueueKind.WORK_ORDER:
        if record.status not in reads.WORK_TO_VERIFY:
            return _("Only a done work order is verified (this one is “%(status)s”).") % {
                "status": record.get_status_display()
            }
        return None
    if record.status not in reads.CALLS_TO_VERIFY:
        return _("Only a resolved or closed call is verified (this one is “%(status)s”).") % {
            "status": record.get_status_display()
        }
    return None


def _initial(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        {
            "key": line.key,
            "quantity": line.quantity,
            "minutes": line.minutes,
            "unit_price": line.unit_price,
            "billing": line.billing,
            "drop": False,
            "reason": "",
        }
        for line in proposal.lines
    ]


def _screen(request: AuthedRequest, subject: Subject) -> HttpResponse:
    """The screen; on POST the corrections are checked and shown for confirmation, then verified."""
    why_not = _why_not(subject)
    posted = request.method == "POST" and subject.verified is None and why_not is None
    lines = LineFormSet(request.POST if posted else None, initial=_initial(subject.recorded), prefix="line")
    added = AddedFormSet(request.POST if posted else None, prefix="added")
    note = NoteForm(request.POST if posted else None)
    context: dict[str, Any] = {
        "subject": subject,
        "record": subject.record,
        "is_call": subject.kind == QueueKind.CALL,
        "why_not": why_not,
        "rows": list(zip(subject.recorded.lines, lines.forms, strict=False)),
        "lines": lines,
        "added": added,
        "note_form": note,
        "problems": [],
    }
    if not posted:
        return render(request, "service/verification/screen.html", context)
    if not (lines.is_valid() and added.is_valid() and note.is_valid()):
        return render(request, "service/verification/screen.html", context, status=400)
    corrections: list[Correction] = [f.correction() for f in lines.forms]
    corrections += [c for f in added.forms if (c := f.correction()) is not None]
    try:
        final = services.corrected(subject.recorded, corrections)
    except ValidationError as error:
        context["problems"] = error.messages
        return render(request, "service/verification/screen.html", context, status=400)
    if "back" in request.POST:  # back from the review to the corrections, as they were typed
        return render(request, "service/verification/screen.html", context)
    if "confirm" not in request.POST:  # the review: what will be billed, before it is marked verified
        context.update(final=final, totals=reads.totals_of(final), hidden=_hidden(request))
        return render(request, "service/verification/confirm.html", context)
    note_text = note.cleaned_data["note"]
    done = run_service(request, None, lambda: subject.verify(corrections=corrections, note=note_text))
    if done is not None:
        messages.success(request, _("Verified: ready to bill."))
    return redirect(subject.url)


def _hidden(request: AuthedRequest) -> list[tuple[str, str]]:
    """The posted fields, carried by the confirmation's form."""
    return [(k, v) for k, values in request.POST.lists() if k != "csrfmiddlewaretoken" for v in values]


@scope_required(*READERS)
def work_order(request: AuthedRequest, pk: int) -> HttpResponse:
    return _screen(request, _work_order(request, pk))


@scope_required(*READERS)
def call(request: AuthedRequest, pk: int) -> HttpResponse:
    return _screen(request, _call(request, pk))


urls = [
    path("desk/verification/", queue, name="verification"),
    path("desk/verification/work-orders/<int:pk>/", work_order, name="verification_work_order"),
    path("desk/verification/calls/<int:pk>/", call, name="verification_call"),
]
