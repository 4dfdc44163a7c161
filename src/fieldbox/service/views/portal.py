"""The customer portal's pages, for a customer's contact on a phone: their requests (the open ones first), a new
request with files, one request with its conversation and the answer, their customer's equipment. And the desk's
buttons that give or withdraw a contact's access."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts.choices import PORTAL
from fieldbox.core import files
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import request_page
from fieldbox.core.web import run_service, scope_required
from fieldbox.service import customers, selectors, selectors_portal
from fieldbox.service.services import portal as services
from fieldbox.service.services.tickets import customer_move

PAGE_SIZE = 20
OPEN_SHOWN = 50  # open requests listed at once (a contact has a few)
ACCEPT = ",".join(sorted(files.EXTENSIONS))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several files in one input (none is fine)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(required=False, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        uploads = data if isinstance(data, list | tuple) else [data]
        return [super(FilesField, self).clean(u, initial) for u in uploads if u]


FILES_HELP = gettext_lazy("Photos, PDF, text and office documents; each up to %(size)s.")


class RequestForm(forms.Form):
    team = forms.TypedChoiceField(label=gettext_lazy("About"), coerce=int, empty_value=None)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=255)
    equipment = forms.TypedChoiceField(label=gettext_lazy("Equipment"), coerce=int, required=False, empty_value=None)
    text = forms.CharField(
        label=gettext_lazy("What happens?"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    attachments = FilesField(label=gettext_lazy("Files"))

    def __init__(self, *args: Any, teams: list[tuple[int, str]], equipment: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Choose…")), *teams]  # type: ignore[attr-defined]
        if len(teams) < 2:  # one team (or none): nothing to choose
            del self.fields["team"]
        self.fields["equipment"].choices = [("", _("None in particular")), *equipment]  # type: ignore[attr-defined]
        if not equipment:
            del self.fields["equipment"]
        self.fields["attachments"].help_text = FILES_HELP % {"size": _size()}


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your answer"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = FilesField(label=gettext_lazy("Files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = FILES_HELP % {"size": _size()}


def _size() -> str:
    return str(filesizeformat(settings.SERVICE_ATTACHMENT_MAX_BYTES))


def _unlinked(request: AuthedRequest) -> HttpResponse:
    """A portal access that leads to no customer's contact (withdrawn, or the contact changed)."""
    return render(request, "service/portal/unlinked.html", status=403)


# ---- The contact's pages ------------------------------------------------------------------------------------


@scope_required(*PORTAL)
def home(request: AuthedRequest) -> HttpResponse:
    """My requests: the ones being handled first, then the earlier ones (keyset pages)."""
    scope = request.scope
    contact = selectors_portal.contact_of(scope)
    if contact is None:
        return _unlinked(request)
    context = request_page(request, selectors_portal.earlier_tickets(scope), PAGE_SIZE, key="earlier")
    context.update(
        contact=contact,
        open_tickets=selectors_portal.open_tickets(scope, OPEN_SHOWN) if context["is_first"] else [],
    )
    return render(request, "service/portal/home.html", context)


@scope_required(*PORTAL)
@require_http_methods(["GET", "POST"])
def ticket_new(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    contact = selectors_portal.contact_of(scope)
    if contact is None:
        return _unlinked(request)
    teams = [(t.pk, t.name) for t in selectors.teams_for(scope)]
    equipment = customers.parent_choices(scope, contact.customer_id) if contact.customer_id else []
    chosen = request.GET.get("equipment", "")
    initial = {"equipment": int(chosen)} if chosen.isdigit() else {}
    form = RequestForm(request.POST or None, request.FILES or None, teams=teams, equipment=equipment, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        opened = run_service(
            request,
            form,
            lambda: services.portal_ticket_open(
                scope=scope,
                subject=data["subject"],
                text=data["text"],
                equipment_id=data.get("equipment"),
                team_id=data.get("team"),
                uploads=data["attachments"],
            ),
        )
        if opened is not None:
            messages.success(
                request, _("Request %(number)s sent: we answer here and by e-mail.") % {"number": opened.number}
            )
            return redirect("service:portal_ticket", pk=opened.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "service/portal/new.html", {"form": form, "no_team": not teams}, status=status)


@scope_required(*PORTAL)
@require_http_methods(["GET", "POST"])
def ticket(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request: its status, the conversation without the colleagues' notes, and the answer."""
    scope = request.scope
    if selectors_portal.contact_of(scope) is None:
        return _unlinked(request)
    found = selectors_portal.ticket_for(scope, pk)
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sent = run_service(
            request,
            form,
            lambda: services.portal_reply(
                scope=scope, ticket_id=found.pk, text=data["text"], uploads=data["attachments"]
            ),
        )
        if sent is not None:
            messages.success(request, _("Answer sent."))
            return redirect("service:portal_ticket", pk=found.pk)
    context = {
        "ticket": found,
        "conversation": selectors_portal.conversation(found),
        "can_answer": customer_move(found) is not None,
        "form": form,
    }
    return render(request, "service/portal/ticket.html", context, status=400 if request.method == "POST" else 200)


@scope_required(*PORTAL)
def equipment(request: AuthedRequest) -> HttpResponse:
    """The customer's equipment as a tree (each piece with its components)."""
    scope = request.scope
    contact = selectors_portal.contact_of(scope)
    if contact is None:
        return _unlinked(request)
    rows = customers.tree_rows(customers.equipment_tree(scope, contact.customer_id)) if contact.customer_id else []
    return render(request, "service/portal/equipment.html", {"rows": rows, "contact": contact})


@scope_required(*PORTAL)
def attachment(request: AuthedRequest, pk: int) -> HttpResponse:
    """A file of one of my requests, always as a download."""
    found = selectors_portal.attachment_for(request.scope, pk)
    response = FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
    response["Content-Type"] = found.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return cast(HttpResponse, response)


# ---- The desk's buttons: access given and withdrawn ---------------------------------------------------------


def _back(request: AuthedRequest) -> HttpResponse:
    """Back to the page the button was on (``next``), or the desk."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(reverse("service:desk"))


@scope_required(*services.INVITERS)
@require_POST
def contact_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    invitation = run_service(request, None, lambda: services.portal_invite(scope=request.scope, contact_id=pk))
    if invitation is not None:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return _back(request)


@scope_required(*services.INVITERS)
@require_POST
def contact_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = run_service(request, None, lambda: services.portal_revoke(scope=request.scope, contact_id=pk))
    if contact is not None:
        messages.success(request, _("%(name)s no longer signs in to the portal.") % {"name": contact})
    return _back(request)


@scope_required(*services.INVITERS)
@require_POST
def customer_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    done = run_service(request, None, lambda: services.portal_invite_customer(scope=request.scope, customer_id=pk))
    if done is not None:
        count = len(done.invitations)
        sent = ngettext("%(count)s invitation sent.", "%(count)s invitations sent.", count) % {"count": count}
        messages.success(request, sent)
        for contact, reason in done.refused:
            messages.error(request, _("%(name)s: %(reason)s") % {"name": contact, "reason": reason})
    return _back(request)
