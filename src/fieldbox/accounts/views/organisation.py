"""The organisation: settings, members and invitations, audit log, switching, deletion."""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta, tzinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fieldbox.accounts import selectors, services
from fieldbox.accounts.audit_labels import state_label
from fieldbox.accounts.choices import ADMIN_ROLES, InvitationStatus, Role
from fieldbox.accounts.forms import (
    AuditFilterForm,
    MemberInviteForm,
    MemberRoleForm,
    OrganisationDeleteForm,
    OrganisationSettingsForm,
)
from fieldbox.accounts.middleware import SESSION_ORG_KEY
from fieldbox.accounts.models import Organisation
from fieldbox.core.audit import action_label
from fieldbox.core.http import AuthedRequest
from fieldbox.core.pagination import keyset_page
from fieldbox.core.spreadsheets import safe_cell
from fieldbox.core.web import run_service, scope_required

AUDIT_PAGE_SIZE = 50


@scope_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def organisation_settings(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    org = Organisation.objects.get(pk=scope.organisation.pk)
    form = OrganisationSettingsForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = run_service(request, form, lambda: services.organisation_update(scope=scope, changes=changes))
        if saved is not None:
            messages.success(request, _("Settings saved."))
            return redirect("accounts:organisation")
    return render(request, "accounts/organisation.html", {"form": form, "organisation": scope.organisation})


@scope_required()
def member_list(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    return render(
        request,
        "accounts/members.html",
        {
            "members": selectors.members_for(scope),
            "invitations": selectors.invitations_for(scope, InvitationStatus.PENDING) if scope.is_admin else [],
            "invite_form": MemberInviteForm(scope=scope) if scope.is_admin else None,
            "role_form": MemberRoleForm(scope=scope) if scope.is_admin else None,
        },
    )


@scope_required(*ADMIN_ROLES)
@require_http_methods(["GET", "POST"])
def member_invite(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = MemberInviteForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        email, role = form.cleaned_data["email"], form.cleaned_data["role"]
        if run_service(request, form, lambda: services.invitation_create(scope=scope, email=email, role=role)):
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
            return redirect("accounts:members")
    return render(request, "accounts/member_invite.html", {"form": form})


@scope_required(*ADMIN_ROLES)
@require_POST
def member_role(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    selectors.member_for(scope, pk)
    form = MemberRoleForm(request.POST, scope=scope)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles offered."))
    elif run_service(
        request,
        form,
        lambda: services.member_change_role(scope=scope, membership_id=pk, role=form.cleaned_data["role"]),
    ):
        messages.success(request, _("Role changed."))
    else:
        for error in form.non_field_errors() + form.errors.get("role", []):
            messages.error(request, str(error))
    return redirect("accounts:members")


@scope_required(*ADMIN_ROLES)
@require_POST
def member_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    member = selectors.member_for(scope, pk)
    if run_service(request, None, lambda: services.member_remove(scope=scope, membership_id=pk)):
        messages.success(request, _("%(name)s is no longer a member.") % {"name": member.user})
    return redirect("accounts:members")


@scope_required(*ADMIN_ROLES)
@require_POST
def invitation_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    scope = request.scope
    selectors.invitation_for(scope, pk)
    if run_service(request, None, lambda: services.invitation_revoke(scope=scope, invitation_id=pk)):
        messages.success(request, _("Invitation withdrawn."))
    return redirect("accounts:members")


def _audit_filters(form: AuditFilterForm, tz: tzinfo) -> dict[str, object]:
    if not form.is_valid():
        return {}
    data = dict(form.cleaned_data)
    if data.get("since"):
        data["since"] = datetime.combine(data["since"], time.min, tzinfo=tz)
    if data.get("until"):
        data["until"] = datetime.combine(data["until"] + timedelta(days=1), time.min, tzinfo=tz)
    return data


@scope_required(*ADMIN_ROLES)
def audit_log(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events_for(scope, _audit_filters(form, timezone.get_current_timezone()))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [_("Time"), _("Who"), _("Action"), _("Object"), _("From"), _("To"), _("Reason"), _("IP address")]
        )
        for e in events.iterator(chunk_size=2000):
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        timezone.localtime(e.at).isoformat(timespec="seconds"),
                        e.actor_label,
                        action_label(e.action),
                        e.object_label,
                        state_label(e.action, e.from_state),
                        state_label(e.action, e.to_state),
                        e.reason,
                        (e.ip_address or "") if e.organisation_id == scope.organisation.pk else "",
                    )
                ]
            )
        return response
    # The log only grows: pages are found by the last event seen, never by OFFSET or COUNT.
    before = request.GET.get("before", "")
    events_page, older = keyset_page(events, int(before) if before.isdigit() else None, AUDIT_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("before", None)
    rows = [(e, state_label(e.action, e.from_state), state_label(e.action, e.to_state)) for e in events_page]
    return render(
        request,
        "accounts/audit.html",
        {"form": form, "rows": rows, "older": older, "is_first": not before, "query": query.urlencode()},
    )


@scope_required()
@require_POST
def switch_organisation(request: AuthedRequest) -> HttpResponse:
    wanted = request.POST.get("organisation", "")
    mine = {m.organisation_id: m for m in request.scope.memberships}
    if wanted.isdigit() and int(wanted) in mine:
        request.session[SESSION_ORG_KEY] = int(wanted)
        messages.success(request, _("You now work in %(name)s.") % {"name": mine[int(wanted)].organisation.name})
    else:
        messages.error(request, _("You are not a member of that organisation."))
    return redirect("web:home")


@scope_required(Role.INSTALLER_ADMIN)
@require_http_methods(["GET", "POST"])
def organisation_delete(request: AuthedRequest) -> HttpResponse:
    scope = request.scope
    form = OrganisationDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["confirm_name"]
        if run_service(request, form, lambda: services.organisation_delete(scope=scope, confirm_name=name)):
            still_member = selectors.memberships_of(request.user).exists()
            if not still_member:
                logout(request)
            messages.success(request, _("The company %(name)s has been deleted.") % {"name": scope.organisation.name})
            return redirect("accounts:login" if not still_member else "web:home")
    return render(request, "accounts/organisation_delete.html", {"form": form, "organisation": scope.organisation})
