"""The service desk's pages: the tickets of the organisation by tab and team; on a call's page (``views.calls``),
the answer to the customer, the notes, the moves its table allows and the files of its messages."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fieldbox.accounts.choices import ADMIN_ROLES, DESK
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import selectors, services
from fieldbox.service.forms import (
    CancelForm,
    DeskFilterForm,
    ImapForm,
    MailboxForm,
    MergeForm,
    NoteForm,
    ReplyForm,
    TeamForm,
)
from fieldbox.service.services import calls as call_services
from fieldbox.service.services.calls import CALL_READERS
from fieldbox.service.views import calls

PAGE_SIZE = 50
MOVES = {
    "open": services.ticket_open,
    "wait": services.ticket_wait,
    "resolve": services.ticket_resolve,
    "close": services.ticket_close,
    "reopen": services.ticket_reopen,
}


@scope_required(*DESK)
def desk(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    teams = [(t.pk, t.name) for t in selectors.teams_for(scope)]
    form = DeskFilterForm(request.GET, teams=teams)
    chosen = form.cleaned_data if form.is_valid() else {}
    tab = chosen.get("tab") or "open"
    qs = selectors.desk_list(scope, tab=tab, team=chosen.get("team"), text=chosen.get("q") or "")
    context = request_page(request, qs, PAGE_SIZE, key="tickets")
    context.update(
        form=form,
        tab=tab,
        totals=selectors.tab_totals(scope),
        has_teams=bool(teams),
        is_admin=scope.role in ADMIN_ROLES,
    )
    return render(request, "service/desk.html", context)


# The call page (its six sections) is built in ``views.calls``; the conversation's forms post here.
_page = calls.page


@scope_required(*CALL_READERS)
def ticket(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _write(request: AuthedRequest, pk: int, name: str, done: str) -> HttpResponse:
    """The answer to the customer or a note: the form ``name`` of the page, its service, back to the page."""
    form: forms.Form = (ReplyForm if name == "reply_form" else NoteForm)(request.POST, prefix=name.split("_")[0])
    write = services.ticket_reply if name == "reply_form" else services.ticket_note
    if form.is_valid():
        text = form.cleaned_data["text"]
        if run_service(request, form, lambda: write(scope=request.scope, ticket_id=pk, text=text)):
            messages.success(request, done)
            return redirect(reverse("service:ticket", kwargs={"pk": pk}) + "#notes")
    return _page(request, pk, **{name: form})


@scope_required(*DESK)
@require_POST
def reply(request: AuthedRequest, pk: int) -> HttpResponse:
    return _write(request, pk, "reply_form", _("Sent to the customer."))


@scope_required(*DESK)
@require_POST
def note(request: AuthedRequest, pk: int) -> HttpResponse:
    return _write(request, pk, "note_form", _("Note added."))


@scope_required(*DESK)
@require_POST
def move(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action == "cancel":
        form = CancelForm(request.POST)
        if not form.is_valid():
            return _page(request, pk, cancel_form=form)
        reason = form.cleaned_data["reason"]
        done = run_service(
            request, form, lambda: services.ticket_cancel(scope=request.scope, ticket_id=pk, reason=reason)
        )
    elif action == "merge":
        merge_form = MergeForm(request.POST)
        if not merge_form.is_valid():
            return _page(request, pk, merge_form=merge_form)
        into = merge_form.cleaned_data["into"]
        done = run_service(
            request, merge_form, lambda: call_services.ticket_merge(scope=request.scope, ticket_id=pk, into=into)
        )
        if done is None:
            return _page(request, pk, merge_form=merge_form)
    elif action in MOVES:
        done = run_service(request, None, lambda: MOVES[action](scope=request.scope, ticket_id=pk))
    else:
        return redirect("service:ticket", pk=pk)
    if done is not None:
        messages.success(request, _("The ticket is now “%(status)s”.") % {"status": done.get_status_display()})
    return redirect("service:ticket", pk=pk)


@scope_required(*CALL_READERS)  # the call page shows the files to everyone who reads it
def attachment(request: AuthedRequest, pk: int) -> HttpResponse:
    """A file of a message, only through this scoped view, always as a download."""
    found = selectors.attachment_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return cast(HttpResponse, response)


@scope_required(*ADMIN_ROLES)
def teams(request: AuthedRequest) -> HttpResponse:
    """The teams of the desk and their support addresses; an admin adds them."""
    scope = request.scope
    choices = [(t.pk, t.name) for t in selectors.teams_for(scope)]
    team_form = TeamForm(request.POST if request.POST.get("form") == "team" else None, prefix="team")
    mailbox_form = MailboxForm(
        request.POST if request.POST.get("form") == "mailbox" else None, prefix="mailbox", teams=choices
    )
    if request.method == "POST":
        done: object = None
        if team_form.is_bound and team_form.is_valid():
            data = team_form.cleaned_data
            done = run_service(
                request,
                team_form,
                lambda: services.team_create(scope=scope, name=data["name"], closed_reply=data["closed_reply"]),
            )
        elif mailbox_form.is_bound and mailbox_form.is_valid():
            data = mailbox_form.cleaned_data
            done = run_service(
                request,
                mailbox_form,
                lambda: services.mailbox_create(scope=scope, team_id=data["team"], address=data["address"]),
            )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:teams")
    context = {
        "teams": selectors.teams_for(scope).prefetch_related("mailboxes"),
        "team_form": team_form,
        "mailbox_form": mailbox_form,
    }
    return render(request, "service/teams.html", context, status=400 if request.method == "POST" else 200)


@scope_required(*ADMIN_ROLES)
def mailbox_imap(request: AuthedRequest, pk: int) -> HttpResponse:
    """Poll a support address on an IMAP server: where, as whom, which folder; and how the last round went."""
    scope = request.scope
    mailbox = selectors.mailbox_for(scope, pk)
    fields = ("imap_host", "imap_port", "imap_security", "imap_user", "imap_folder")
    form = ImapForm(request.POST or None, initial={f: getattr(mailbox, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.mailbox_imap_set(
                scope=scope,
                mailbox_id=mailbox.pk,
                host=data["imap_host"],
                port=data["imap_port"],
                security=data["imap_security"],
                user=data["imap_user"],
                password=data["imap_password"],
                folder=data["imap_folder"],
            ),
        )
        if done is not None:
            messages.success(request, _("Saved."))
            return redirect("service:teams")
    status = 400 if request.method == "POST" else 200
    return render(request, "service/mailbox_imap.html", {"mailbox": mailbox, "form": form}, status=status)
